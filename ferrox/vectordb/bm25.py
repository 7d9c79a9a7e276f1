"""Server-side BM25 inference (Qdrant's ``qdrant/bm25`` model): text to sparse vectors.

Tokens are words, lower-cased, English stopwords dropped and Snowball-stemmed; a token's
index is ``|murmur3_32(token)|`` read as a signed 32-bit integer, as Qdrant and fastembed
compute it, so vectors agree with theirs. A document's value per token is BM25's term
part ``tf (k1 + 1) / (tf + k1 (1 - b + b |d| / avg_len))``; a query weighs each distinct
token 1. Pair the sparse space with ``modifier: idf`` for the IDF part.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ferrox.errors import InvalidInputError
from ferrox.vectordb.payload_index import ENGLISH_STOPWORDS
from ferrox.vectordb.spaces import SparseVector

__all__ = ["BM25_MODELS", "Bm25", "murmur3_32", "token_id"]

BM25_MODELS = frozenset({"qdrant/bm25"})
_WORD = re.compile(r"\w+", re.UNICODE)
_MASK = 0xFFFFFFFF


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3's x86 32-bit hash of ``data``."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & _MASK
    n = len(data) // 4 * 4
    for i in range(0, n, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * c1) & _MASK
        k = ((k << 15) | (k >> 17)) & _MASK
        k = (k * c2) & _MASK
        h ^= k
        h = ((h << 13) | (h >> 19)) & _MASK
        h = (h * 5 + 0xE6546B64) & _MASK
    tail = data[n:]
    if tail:
        k = int.from_bytes(tail, "little")
        k = (k * c1) & _MASK
        k = ((k << 15) | (k >> 17)) & _MASK
        k = (k * c2) & _MASK
        h ^= k
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h


def token_id(token: str) -> int:
    """The sparse index of ``token``."""
    h = murmur3_32(token.encode())
    return abs(h - (1 << 32) if h >= 1 << 31 else h)


@dataclass(frozen=True, slots=True)
class Bm25:
    """BM25 with Qdrant's defaults (k1 1.2, b 0.75, average length 256)."""

    k1: float = 1.2
    b: float = 0.75
    avg_len: float = 256.0

    @classmethod
    def from_options(cls, options: Any) -> Bm25:
        """From a Document's ``options`` (``k``, ``b``, ``avg_len``), checked."""
        o = options if isinstance(options, dict) else {}
        k1, b, avg = o.get("k", 1.2), o.get("b", 0.75), o.get("avg_len", 256.0)
        for name, v in (("k", k1), ("b", b), ("avg_len", avg)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise InvalidInputError(f"Bad request: BM25 {name} must be a finite number")
        if k1 < 0 or not 0.0 <= b <= 1.0 or avg <= 0:
            raise InvalidInputError("Bad request: BM25 needs k >= 0, b in [0, 1] and avg_len > 0")
        return cls(float(k1), float(b), float(avg))

    @staticmethod
    def tokens(text: str) -> list[str]:
        """Lower-cased, stopword-free, stemmed word tokens."""
        words = [w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOPWORDS]
        return list(_stemmer().stem_words(words)) if words else []

    def document(self, text: str) -> SparseVector:
        """The stored vector of a document."""
        toks = self.tokens(text)
        counts = Counter(toks)
        norm = self.k1 * (1.0 - self.b + self.b * len(toks) / self.avg_len)
        weights: dict[int, float] = {}
        for tok, n in counts.items():
            weights[token_id(tok)] = n * (self.k1 + 1.0) / (n + norm)
        return _sparse(weights)

    def query(self, text: str) -> SparseVector:
        """The query vector: weight 1 per distinct token."""
        return _sparse(dict.fromkeys((token_id(t) for t in self.tokens(text)), 1.0))


@cache
def _stemmer() -> Any:
    """English Snowball stemmer, made once (imported on first use: an optional extra)."""
    from py_rust_stemmers import SnowballStemmer

    return SnowballStemmer("english")


def _sparse(weights: dict[int, float]) -> SparseVector:
    idx = sorted(weights)
    return SparseVector(
        np.asarray(idx, dtype=np.int64), np.asarray([weights[i] for i in idx], np.float32)
    )
