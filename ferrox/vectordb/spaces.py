"""Vector spaces beside a collection's primary one: named dense vectors (each with its own
size and distance), multi-vectors (late interaction, max-sim) and sparse vectors (an
inverted index, dot product, optional ``idf`` modifier).

The primary space is the collection's memory-mapped matrix with its graph index. Every
other space lives in a :class:`SpaceStore` (in memory, persisted by the collection as JSON
per point) and is searched exactly: named and sparse spaces in Qdrant are usually small
companions of the main one (a title vector, a keyword vector).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrox.errors import InvalidInputError, ShapeError, ValidationError
from ferrox.vectordb.models import Distance, f32_list

__all__ = [
    "DenseSpace",
    "Space",
    "SpaceStore",
    "SparseSpace",
    "SparseVector",
    "check_shape",
    "parse_spaces",
]

MAX_SPARSE_INDEX = 2**32 - 1


@dataclass(frozen=True, slots=True)
class SparseVector:
    """Indices ascending and unique, with their values."""

    indices: np.ndarray
    values: np.ndarray

    def to_json(self) -> dict[str, list[Any]]:
        """Qdrant's ``{"indices": [...], "values": [...]}``."""
        return {"indices": self.indices.tolist(), "values": f32_list(self.values)}


@dataclass(frozen=True, slots=True)
class DenseSpace:
    """A named dense space; ``multivector`` is ``"max_sim"`` for late interaction."""

    name: str
    size: int
    distance: Distance
    multivector: str | None = None
    datatype: str = "float32"
    on_disk: bool = False

    def prepare(self, value: Any, where: str) -> np.ndarray:
        """The vector (or, for a multi-vector space, the matrix) as float32, checked."""
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"Validation error in JSON body: [{where}: a vector must be a list of numbers"
                " and the vectors of a multi-vector must all have the same dimension]"
            ) from exc
        if self.multivector and arr.ndim == 1 and arr.shape[0]:
            arr = arr[None, :]  # one dense vector stands for a multi-vector of one
        if arr.size == 0:
            raise InvalidInputError(
                f"Validation error in JSON body: [{where}: dense vector must not be empty]"
            )
        want = 2 if self.multivector else 1
        if arr.ndim != want:
            kind = "a list of vectors" if self.multivector else "a list of numbers"
            raise InvalidInputError(f"{where}: vector {self.name!r} must be {kind}")
        if arr.shape[-1] != self.size:
            raise ShapeError(
                f"Wrong input: Vector dimension error: expected dim: {self.size},"
                f" got {arr.shape[-1]}"
            )
        if not np.isfinite(arr).all():
            raise InvalidInputError(f"{where}: vector {self.name!r} contains NaN or infinity")
        out = arr.astype(np.float32)
        if self.datatype == "uint8":  # stored as bytes: truncated and saturated, as Qdrant
            return np.clip(np.trunc(out), 0, 255)
        if self.datatype == "float16":
            out = out.astype(np.float16).astype(np.float32)
        if self.distance is Distance.COSINE:
            norms = np.linalg.norm(out, axis=-1, keepdims=True)
            out = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
        return out

    def to_json(self, stored: np.ndarray) -> list[Any]:
        """The stored value as JSON lists (integers for uint8)."""
        if self.datatype == "uint8":
            return np.asarray(stored, dtype=np.int64).tolist()
        return f32_list(stored)

    def score(self, query: np.ndarray, stored: np.ndarray) -> float:
        """Similarity (Cosine/Dot, or max-sim sum) or distance (Euclid/Manhattan)."""
        if self.multivector:
            return _max_sim(query, stored, self.distance)
        return float(_pair(query[None, :], stored[None, :], self.distance)[0, 0])

    @property
    def higher_is_better(self) -> bool:
        """Whether a larger score is a better match (not for Euclid and Manhattan)."""
        return self.distance.higher_is_better

    def config_json(self) -> dict[str, Any]:
        """Qdrant's VectorParams."""
        out: dict[str, Any] = {
            "size": self.size,
            "distance": self.distance.value,
            "on_disk": self.on_disk,
        }
        if self.multivector:
            out["multivector_config"] = {"comparator": self.multivector}
        if self.datatype != "float32":
            out["datatype"] = self.datatype
        return out


@dataclass(frozen=True, slots=True)
class SparseSpace:
    """A named sparse space; ``modifier="idf"`` weighs query terms by inverse document
    frequency over the points that hold a vector in this space."""

    name: str
    modifier: str | None = None
    index: Mapping[str, Any] | None = None  # Qdrant's SparseIndexParams, kept and echoed

    def prepare(self, value: Any, where: str) -> SparseVector:
        """A sparse vector from ``{"indices": [...], "values": [...]}``, checked and sorted."""
        if not isinstance(value, dict) or set(value) - {"indices", "values"}:
            raise InvalidInputError(
                f"{where}: sparse vector {self.name!r} must be {{indices, values}}"
            )
        idx, val = value.get("indices", []), value.get("values", [])
        if not isinstance(idx, list) or not isinstance(val, list) or len(idx) != len(val):
            raise ValidationError(
                f"Validation error in JSON body: [{where}.{self.name}.values: Validation error:"
                " must be the same length as indices]"
            )
        if any(isinstance(i, bool) or not isinstance(i, int) for i in idx) or any(
            not 0 <= i <= MAX_SPARSE_INDEX for i in idx
        ):
            raise InvalidInputError(
                f"{where}: sparse vector {self.name!r}: indices must be unsigned 32-bit integers"
            )
        if len(set(idx)) != len(idx):
            raise ValidationError(
                f"Validation error in JSON body: [{where}: sparse vector {self.name!r}:"
                " indices must be unique]"
            )
        try:
            values = np.asarray(val, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"{where}: sparse values must be numbers ({exc})") from exc
        if not np.isfinite(values).all():
            raise InvalidInputError(f"{where}: sparse vector {self.name!r} contains NaN")
        indices = np.asarray(idx, dtype=np.int64)
        order = np.argsort(indices, kind="stable")
        return SparseVector(indices[order], values[order])

    def to_json(self, stored: SparseVector) -> dict[str, list[Any]]:
        """The stored value as Qdrant's JSON."""
        return stored.to_json()

    higher_is_better = True

    def config_json(self) -> dict[str, Any]:
        """Qdrant's SparseVectorParams."""
        out: dict[str, Any] = {}
        if self.index:
            out["index"] = dict(self.index)
        if self.modifier:
            out["modifier"] = self.modifier
        return out


Space = DenseSpace | SparseSpace


def _pair(
    queries: np.ndarray, stored: np.ndarray, distance: Distance, *, as_similarity: bool = False
) -> np.ndarray:
    if distance in (Distance.COSINE, Distance.DOT):
        return queries @ stored.T
    if distance is Distance.EUCLID:
        d = np.sqrt(np.maximum(((queries[:, None, :] - stored[None, :, :]) ** 2).sum(-1), 0.0))
    else:
        d = np.abs(queries[:, None, :] - stored[None, :, :]).sum(-1)
    return -d if as_similarity else d


def _max_sim(query: np.ndarray, stored: np.ndarray, distance: Distance) -> float:
    """Late interaction: for each query row its best match among the stored rows, summed.
    Euclid sums squared distances and answers the root of the sum (as Qdrant does)."""
    if distance in (Distance.COSINE, Distance.DOT):
        return float((query @ stored.T).max(axis=1).sum())
    diff = query[:, None, :] - stored[None, :, :]
    if distance is Distance.EUCLID:
        return float(math.sqrt((diff**2).sum(-1).min(axis=1).sum()))
    return float(np.abs(diff).sum(-1).min(axis=1).sum())


def check_shape(value: Any, where: str) -> None:
    """Qdrant's JSON-body validation of a VectorStruct, before any name is resolved:
    dense vectors non-empty, multi-vectors of non-empty rows of one dimension, sparse
    vectors with as many values as unique indices. ``where`` is e.g. ``points[0].vector``."""
    if isinstance(value, dict) and not ({"indices", "values"} >= set(value) and value):
        for v in value.values():
            check_shape(v, where)
        return
    if isinstance(value, dict):
        idx, val = value.get("indices", []), value.get("values", [])
        if isinstance(idx, list) and isinstance(val, list) and len(idx) != len(val):
            raise ValidationError(
                f"Validation error in JSON body: [{where}.?.values: Validation error:"
                " must be the same length as indices [{}]]"
            )
        if (
            isinstance(idx, list)
            and all(isinstance(i, int) for i in idx)
            and len(set(idx)) != len(idx)
        ):
            raise ValidationError(
                f"Validation error in JSON body: [{where}.?.indices: Validation error:"
                " must be unique [{}]]"
            )
        return
    if not isinstance(value, list):
        return
    if not value:
        raise ValidationError(
            f"Validation error in JSON body: [{where}.?: dense vector must not be empty]"
        )
    if all(isinstance(row, list) for row in value):
        if any(not row for row in value):
            raise ValidationError(
                f"Validation error in JSON body: [{where}.?.data: all vectors must be non-empty]"
            )
        dim = len(value[0])
        for row in value:
            if len(row) != dim:
                raise ValidationError(
                    f"Validation error in JSON body: [{where}.?.data: all vectors must have the"
                    f" same dimension, found vector with dimension {len(row)}]"
                )


def ranked(slots: np.ndarray, scores: np.ndarray, k: int) -> tuple[list[int], list[float]]:
    """The ``k`` best of (slots, scores): highest score first, ties by slot."""
    if k < slots.shape[0]:
        kth = np.partition(-scores, k - 1)[k - 1]
        keep = -scores <= kth
        slots, scores = slots[keep], scores[keep]
    order = np.lexsort((slots, -scores))[:k]
    return slots[order].tolist(), scores[order].tolist()


def _within(mask: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Which of ``slots`` ``mask`` admits (slots past its end: not)."""
    keep = slots < mask.shape[0]
    keep[keep] = mask[slots[keep]]
    return keep


def parse_spaces(vectors: dict[str, Any], sparse: dict[str, Any]) -> dict[str, Space]:
    """Spaces from their stored config (``{name: {size, distance, multivector, datatype}}``
    and ``{name: {modifier}}``)."""
    out: dict[str, Space] = {}
    for name, spec in vectors.items():
        out[name] = DenseSpace(
            name,
            int(spec["size"]),
            Distance.parse(spec["distance"]),
            spec.get("multivector"),
            spec.get("datatype", "float32"),
            bool(spec.get("on_disk", False)),
        )
    for name, spec in sparse.items():
        out[name] = SparseSpace(name, spec.get("modifier"), spec.get("index"))
    return out


@dataclass
class SpaceStore:
    """The values of one non-primary space, by slot, with an inverted index for sparse."""

    space: Space
    values: dict[int, Any] = field(default_factory=dict)
    postings: dict[int, dict[int, float]] = field(default_factory=dict)
    # each posting as (slots, values) arrays, made when a query first reads it and
    # dropped when a write changes it
    _arrays: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def put(self, slot: int, value: Any) -> None:
        """Store ``value`` (already prepared) at ``slot``."""
        self.drop(slot)
        self.values[slot] = value
        if isinstance(value, SparseVector):
            for i, v in zip(value.indices.tolist(), value.values.tolist(), strict=True):
                self.postings.setdefault(i, {})[slot] = v
                self._arrays.pop(i, None)

    def drop(self, slot: int) -> None:
        """Forget ``slot``'s value, if any."""
        old = self.values.pop(slot, None)
        if isinstance(old, SparseVector):
            for i in old.indices.tolist():
                self._arrays.pop(i, None)
                p = self.postings.get(i)
                if p is not None:
                    p.pop(slot, None)
                    if not p:
                        del self.postings[i]

    def _posting(self, index: int) -> tuple[np.ndarray, np.ndarray] | None:
        arrays = self._arrays.get(index)
        if arrays is None:
            p = self.postings.get(index)
            if not p:
                return None
            arrays = (
                np.fromiter(p.keys(), dtype=np.int64, count=len(p)),
                np.fromiter(p.values(), dtype=np.float64, count=len(p)),
            )
            self._arrays[index] = arrays
        return arrays

    def sparse_scores(
        self, query: SparseVector, allowed: np.ndarray | None, corpus: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(slots, scores) of the slots ``allowed`` admits that share an index with the
        sparse ``query``, slots ascending; the idf modifier counts document frequencies
        over ``corpus`` (a slot mask) when given, else over every stored vector."""
        assert isinstance(self.space, SparseSpace)
        idf = self.space.modifier == "idf"
        if idf:
            n = len(self.values)
            if corpus is not None:
                stored = np.fromiter(self.values, dtype=np.int64, count=len(self.values))
                n = int(_within(corpus, stored).sum())
        slots_parts, score_parts = [], []
        for i, qv in zip(query.indices.tolist(), query.values.tolist(), strict=True):
            posting = self._posting(i)
            if posting is None:
                continue
            slots, vals = posting
            w = qv
            if idf:
                df = slots.shape[0] if corpus is None else int(_within(corpus, slots).sum())
                w = qv * math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            slots_parts.append(slots)
            score_parts.append(vals * w)
        if not slots_parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        slots = np.concatenate(slots_parts)
        scores = np.concatenate(score_parts)
        if allowed is not None:
            keep = _within(allowed, slots)
            slots, scores = slots[keep], scores[keep]
        if not slots.shape[0]:
            return slots, scores
        size = int(slots.max()) + 1
        if slots.shape[0] * 32 >= size:  # dense enough: accumulate over every slot
            total = np.bincount(slots, weights=scores, minlength=size)
            seen = np.zeros(size, dtype=bool)
            seen[slots] = True
            hit = np.flatnonzero(seen)
            return hit, total[hit]
        unique, inverse = np.unique(slots, return_inverse=True)
        return unique, np.bincount(inverse, weights=scores, minlength=unique.shape[0])

    def scores(
        self, query: Any, allowed: np.ndarray | None, corpus: np.ndarray | None = None
    ) -> dict[int, float]:
        """Score of every stored slot that ``allowed`` admits (sparse: only slots that
        share an index with the query). With the idf modifier, document frequencies are
        counted over ``corpus`` (a slot mask) when given, else over every stored vector."""
        ok = (
            (lambda s: True) if allowed is None else (lambda s: s < allowed.shape[0] and allowed[s])
        )
        if isinstance(self.space, SparseSpace):
            slots, scores = self.sparse_scores(query, allowed, corpus)
            return dict(zip(slots.tolist(), scores.tolist(), strict=True))
        space = self.space
        slots = [s for s in self.values if ok(s)]
        if not slots:
            return {}
        if space.multivector:
            return {s: space.score(query, self.values[s]) for s in slots}
        mat = np.stack([self.values[s] for s in slots])
        sc = _pair(query[None, :], mat, space.distance)[0]
        return dict(zip(slots, sc.tolist(), strict=True))
