"""Payload indexes: per-key structures that turn a field condition into a slot mask
without looking at every payload.

``keyword`` (strings), ``integer``/``float``/``datetime`` (sorted values), ``bool``
and ``text`` (tokens). An index answers the conditions it can (returns a mask) and
declines the rest (returns None), which then fall back to a scan.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import numpy as np

from ferrox.errors import InvalidInputError, ValidationError
from ferrox.vectordb.filters import (
    FieldCondition,
    _bounds,
    _is_number,
    parse_datetime,
    values_at,
)

__all__ = ["INDEX_TYPES", "PayloadIndex", "make_index"]

_WORD = re.compile(r"\w+", re.UNICODE)

INDEX_TYPES = ("keyword", "integer", "float", "bool", "datetime", "text", "uuid", "geo")


class PayloadIndex:
    """Values of one key for every slot, organised for fast lookups."""

    kind = ""

    def __init__(self, key: str, params: dict[str, Any] | None = None) -> None:
        self.key = key
        self.params = dict(params or {})
        self.by_slot: dict[int, list[Any]] = {}
        self._cache: Any = None

    def _extract(self, values: list[Any]) -> list[Any]:
        raise NotImplementedError

    def add(self, slot: int, payload: dict[str, Any] | None) -> None:
        """Index ``payload`` (the point at ``slot``); replaces what the slot had."""
        self.remove(slot)
        if payload is None:
            return
        vals = self._extract(values_at(payload, self.key))
        if vals:
            self.by_slot[slot] = vals
            self._added(slot, vals)
        self._cache = None

    def remove(self, slot: int) -> None:
        """Forget the slot (deleted point or replaced payload)."""
        old = self.by_slot.pop(slot, None)
        if old is not None:
            self._removed(slot, old)
            self._cache = None

    def _added(self, slot: int, vals: list[Any]) -> None:
        pass

    def _removed(self, slot: int, vals: list[Any]) -> None:
        pass

    def mask(self, cond: FieldCondition, n_slots: int) -> np.ndarray | None:
        """Slots whose values satisfy ``cond``; None when this index cannot answer it."""
        return None

    def counts(self, allowed: np.ndarray) -> dict[Any, int] | None:
        """How many of the ``allowed`` slots hold each value (a slot counts once per
        distinct value); None when this index cannot count (facets then scan)."""
        return None

    def schema(self) -> dict[str, Any]:
        """Qdrant's payload-schema entry for this index."""
        out: dict[str, Any] = {"data_type": self.kind, "points": len(self.by_slot)}
        if self.params:
            out["params"] = {"type": self.kind, **self.params}
        return out


def _mask_of(slots: Any, n_slots: int) -> np.ndarray:
    out = np.zeros(n_slots, dtype=bool)
    idx = np.fromiter(slots, dtype=np.int64)
    out[idx[idx < n_slots]] = True
    return out


class _PostingIndex(PayloadIndex):
    """value -> set of slots (keyword, bool, text tokens)."""

    def __init__(self, key: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(key, params)
        self.postings: dict[Any, set[int]] = defaultdict(set)

    def _added(self, slot: int, vals: list[Any]) -> None:
        for v in vals:
            self.postings[v].add(slot)

    def _removed(self, slot: int, vals: list[Any]) -> None:
        for v in vals:
            bucket = self.postings.get(v)
            if bucket is not None:
                bucket.discard(slot)
                if not bucket:
                    del self.postings[v]

    def counts(self, allowed: np.ndarray) -> dict[Any, int] | None:
        n = len(allowed)
        out = {}
        for value, bucket in self.postings.items():
            idx = np.fromiter(bucket, dtype=np.int64, count=len(bucket))
            hit = int(allowed[idx[idx < n]].sum())
            if hit:
                out[value] = hit
        return out

    def _union(self, keys: list[Any], n_slots: int) -> np.ndarray:
        out = np.zeros(n_slots, dtype=bool)
        for k in keys:
            bucket = self.postings.get(k)
            if bucket:
                out |= _mask_of(bucket, n_slots)
        return out


class KeywordIndex(_PostingIndex):
    """Exact string values."""

    kind = "keyword"

    def _extract(self, values: list[Any]) -> list[Any]:
        return list({v for v in values if isinstance(v, str)})

    def mask(self, cond: FieldCondition, n_slots: int) -> np.ndarray | None:
        if cond.kind == "value" and isinstance(cond.params["value"], str):
            return self._union([cond.params["value"]], n_slots)
        if cond.kind == "any" and all(isinstance(v, str) for v in cond.params["any"]):
            return self._union(list(cond.params["any"]), n_slots)
        if cond.kind == "prefix":
            head = cond.params["prefix"]
            return self._union([k for k in self.postings if k.startswith(head)], n_slots)
        return None


class BoolIndex(_PostingIndex):
    """true / false values."""

    kind = "bool"

    def _extract(self, values: list[Any]) -> list[Any]:
        return list({v for v in values if isinstance(v, bool)})

    def mask(self, cond: FieldCondition, n_slots: int) -> np.ndarray | None:
        if cond.kind == "value" and isinstance(cond.params["value"], bool):
            return self._union([cond.params["value"]], n_slots)
        return None


# common English function words, dropped by ``stopwords: "english"``
ENGLISH_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)


class TextIndex(_PostingIndex):
    """Tokens of string values: ``match: {text: ...}`` needs every query token,
    ``text_any`` one of them. Params as in Qdrant: ``tokenizer`` (word, whitespace,
    prefix: every prefix of a token is indexed, so query words match as prefixes),
    ``lowercase``, ``min_token_len``, ``max_token_len``, ``stopwords`` ("english", or
    {"languages": [...], "custom": [...]})."""

    kind = "text"

    def __init__(self, key: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(key, params)
        p = self.params
        self.tokenizer = p.get("tokenizer") or "word"
        self.lowercase = p.get("lowercase", True) is not False
        self.min_len = int(p.get("min_token_len") or 0)
        self.max_len = int(p.get("max_token_len") or 0)
        stop = p.get("stopwords")
        words: set[str] = set()
        if isinstance(stop, str):
            stop = {"languages": [stop]}
        if isinstance(stop, dict):
            for lang in stop.get("languages") or []:
                if lang == "english":
                    words |= ENGLISH_STOPWORDS
            words |= set(stop.get("custom") or [])
        # compared after the token's own case folding: case-sensitive without lowercase
        self.stopwords = frozenset(w.lower() for w in words) if self.lowercase else frozenset(words)

    def tokens(self, text: str) -> list[str]:
        """``text``'s tokens as this index cuts them (query side: no prefixes)."""
        raw = text.split() if self.tokenizer == "whitespace" else _WORD.findall(text)
        out = []
        for t in raw:
            t = t.lower() if self.lowercase else t
            if t in self.stopwords:
                continue
            if self.min_len and len(t) < self.min_len:
                continue
            if self.max_len and len(t) > self.max_len:
                continue
            out.append(t)
        return out

    def _extract(self, values: list[Any]) -> list[Any]:
        found = {t for v in values if isinstance(v, str) for t in self.tokens(v)}
        if self.tokenizer == "prefix":
            found = {t[:n] for t in found for n in range(1, len(t) + 1)}
        return list(found)

    def mask(self, cond: FieldCondition, n_slots: int) -> np.ndarray | None:
        if cond.kind == "text_any":
            return self._union(list(set(self.tokens(cond.params["text_any"]))), n_slots)
        if cond.kind != "text":
            return None
        tokens = self.tokens(cond.params["text"])
        if not tokens:  # only stopwords or nothing: no point matches, as in Qdrant
            return np.zeros(n_slots, dtype=bool)
        buckets = [self.postings.get(t, set()) for t in tokens]
        return _mask_of(set.intersection(*buckets), n_slots)


class NumericIndex(PayloadIndex):
    """Numbers (or datetimes as POSIX seconds) in one sorted array for range queries."""

    kind = "float"

    def _extract(self, values: list[Any]) -> list[Any]:
        return [float(v) for v in values if _is_number(v)]

    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        if self._cache is None:
            slots = np.fromiter((s for s, vs in self.by_slot.items() for _ in vs), dtype=np.int64)
            vals = np.fromiter((v for vs in self.by_slot.values() for v in vs), dtype=np.float64)
            order = np.argsort(vals, kind="stable")
            self._cache = (vals[order], slots[order])
        return self._cache

    def _range_mask(self, bounds: dict[str, float], n_slots: int) -> np.ndarray:
        lo, hi, lo_open, hi_open = _bounds(bounds)
        vals, slots = self._sorted()
        start = np.searchsorted(vals, lo, side="right" if lo_open else "left")
        stop = np.searchsorted(vals, hi, side="left" if hi_open else "right")
        out = np.zeros(n_slots, dtype=bool)
        hit = slots[start:stop]
        out[hit[hit < n_slots]] = True
        return out

    def mask(self, cond: FieldCondition, n_slots: int) -> np.ndarray | None:
        if cond.kind == "range":
            return self._range_mask(cond.params, n_slots)
        if cond.kind == "value" and _is_number(cond.params["value"]):
            v = float(cond.params["value"])
            return self._range_mask({"gte": v, "lte": v}, n_slots)
        return None


class IntegerIndex(NumericIndex):
    """Integers: ranges and exact matches."""

    kind = "integer"

    def _extract(self, values: list[Any]) -> list[Any]:
        # distinct: a facet counts a point once per value
        return list(
            dict.fromkeys(
                float(v) for v in values if isinstance(v, int) and not isinstance(v, bool)
            )
        )

    def counts(self, allowed: np.ndarray) -> dict[Any, int] | None:
        vals, slots = self._sorted()
        keep = slots < len(allowed)
        keep[keep] = allowed[slots[keep]]
        if not keep.any():
            return {}
        values, n = np.unique(vals[keep], return_counts=True)
        if values.size and max(-values[0], values[-1]) >= 2.0**53:
            return None  # floats no longer hold these integers exactly: scan the payloads
        return {int(v): int(c) for v, c in zip(values.tolist(), n.tolist(), strict=True)}

    def mask(self, cond: FieldCondition, n_slots: int) -> np.ndarray | None:
        if cond.kind == "any" and all(
            isinstance(v, int) and not isinstance(v, bool) for v in cond.params["any"]
        ):
            out = np.zeros(n_slots, dtype=bool)
            for v in cond.params["any"]:
                out |= self._range_mask({"gte": float(v), "lte": float(v)}, n_slots)
            return out
        return super().mask(cond, n_slots)


class DatetimeIndex(NumericIndex):
    """RFC 3339 strings, as POSIX seconds."""

    kind = "datetime"

    def _extract(self, values: list[Any]) -> list[Any]:
        out = []
        for v in values:
            ts = parse_datetime(v)
            if ts is not None:
                out.append(ts)
        return out

    def mask(self, cond: FieldCondition, n_slots: int) -> np.ndarray | None:
        if cond.kind == "datetime":
            return self._range_mask(cond.params, n_slots)
        return None


class UuidIndex(KeywordIndex):
    """UUID strings (matched as written, like keywords)."""

    kind = "uuid"


class GeoIndex(PayloadIndex):
    """``{lon, lat}`` points; geo conditions are answered by the filter's scan."""

    kind = "geo"

    def _extract(self, values: list[Any]) -> list[Any]:
        return [v for v in values if isinstance(v, dict) and "lat" in v and "lon" in v]


_KINDS: dict[str, type[PayloadIndex]] = {
    "uuid": UuidIndex,
    "geo": GeoIndex,
    "keyword": KeywordIndex,
    "integer": IntegerIndex,
    "float": NumericIndex,
    "bool": BoolIndex,
    "datetime": DatetimeIndex,
    "text": TextIndex,
}


def make_index(key: str, kind: str, params: dict[str, Any] | None = None) -> PayloadIndex:
    """A new, empty index of ``kind`` (one of :data:`INDEX_TYPES`) on ``key``."""
    if not isinstance(key, str) or not key:
        raise InvalidInputError("a payload index needs a non-empty field name")
    p = params or {}
    if kind == "integer" and p.get("lookup") is False and p.get("range") is False:
        raise ValidationError(
            "Validation error: the 'lookup' and 'range' capabilities can't be both disabled"
        )
    try:
        return _KINDS[kind](key, params)
    except KeyError:
        raise InvalidInputError(
            f"unknown payload index type {kind!r}; expected one of {', '.join(INDEX_TYPES)}"
        ) from None
