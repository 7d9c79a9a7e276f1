"""The data model: distances, collection configuration, point ids, records and hits."""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from numbers import Real
from typing import Any

import numpy as np

try:
    import orjson
except ImportError:  # pragma: no cover - orjson comes with the vectordb extra
    orjson = None  # type: ignore[assignment]

from ferrox.errors import InvalidInputError, ShapeError

__all__ = [
    "CollectionConfig",
    "Distance",
    "PointId",
    "Record",
    "ScoredPoint",
    "SearchParams",
    "normalize_id",
]

PointId = int | str  # an unsigned integer or a canonical (lower-case, hyphenated) UUID

MAX_ID = 2**64 - 1


class Distance(StrEnum):
    """How two vectors are compared; the names are Qdrant's."""

    COSINE = "Cosine"
    DOT = "Dot"
    EUCLID = "Euclid"
    MANHATTAN = "Manhattan"

    @classmethod
    def parse(cls, value: str | Distance) -> Distance:
        """``Distance`` from its name in any letter case (``cosine``, ``Cosine``)."""
        if isinstance(value, Distance):
            return value
        for d in cls:
            if isinstance(value, str) and value.lower() == d.value.lower():
                return d
        names = ", ".join(d.value for d in cls)
        raise InvalidInputError(f"unknown distance {value!r}; expected one of {names}")

    @property
    def higher_is_better(self) -> bool:
        """Similarities (Cosine, Dot) rank high first; distances (Euclid, Manhattan) low."""
        return self in (Distance.COSINE, Distance.DOT)


INDEX_KINDS = ("hnsw", "exact", "lsh")


@dataclass
class CollectionConfig:
    """Everything fixed when a collection is created.

    ``index`` is ``hnsw`` (graph index once the collection holds ``full_scan_threshold``
    points, exact below), ``exact`` (always brute force) or ``lsh`` (random hyperplanes,
    ``lsh_tables`` tables of ``lsh_bits`` bits, candidates re-ranked exactly).
    ``quantization="int8"`` keeps an 8-bit copy in the graph and re-scores candidates
    with the full-precision vectors.

    ``size`` and ``distance`` describe the primary space, named ``primary`` (``""`` is
    Qdrant's unnamed vector; ``None``: the collection has no primary dense space and
    ``size`` is a placeholder). ``vectors`` (named dense and multi-vector spaces) and
    ``sparse_vectors`` are the other spaces, see :mod:`ferrox.vectordb.spaces`.
    """

    size: int
    distance: Distance = Distance.COSINE
    index: str = "hnsw"
    m: int = 16
    ef_construct: int = 100
    ef: int = 64
    full_scan_threshold: int = 10_000
    quantization: str | None = None
    lsh_tables: int = 8
    lsh_bits: int = 12
    wal_checkpoint_bytes: int = 32 * 1024 * 1024
    on_disk_payload: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    primary: str | None = ""
    vectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    sparse_vectors: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.distance = Distance.parse(self.distance)
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 1:
            raise InvalidInputError(f"vector size must be a positive integer, not {self.size!r}")
        if self.size > 65536:
            raise InvalidInputError(f"vector size {self.size} is over the limit of 65536")
        if self.index not in INDEX_KINDS:
            raise InvalidInputError(
                f"index must be one of {', '.join(INDEX_KINDS)}, not {self.index!r}"
            )
        if self.quantization not in (None, "int8"):
            raise InvalidInputError(
                f"quantization must be None or 'int8', not {self.quantization!r}"
            )
        if self.quantization == "int8" and self.distance is Distance.MANHATTAN:
            raise InvalidInputError(
                "int8 quantization supports Cosine, Dot and Euclid, not Manhattan"
            )
        for name in ("m", "ef_construct", "ef", "lsh_tables", "lsh_bits"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidInputError(f"{name} must be a positive integer, not {value!r}")
        if self.full_scan_threshold < 0:
            raise InvalidInputError("full_scan_threshold must be >= 0")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored in the collection's meta file)."""
        out = asdict(self)
        out["distance"] = self.distance.value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CollectionConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise InvalidInputError(f"unknown collection settings: {', '.join(sorted(unknown))}")
        return cls(**data)


def normalize_id(value: Any) -> PointId:
    """A point id as stored: an int in [0, 2^64) or a canonical UUID string."""
    if isinstance(value, bool):
        raise InvalidInputError(f"point id must be an unsigned integer or a UUID, not {value!r}")
    if isinstance(value, (int, np.integer)):
        v = int(value)
        if 0 <= v <= MAX_ID:
            return v
        raise InvalidInputError(f"point id {v} is outside the unsigned 64-bit range")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    raise InvalidInputError(f"point id must be an unsigned integer or a UUID, not {value!r}")


def id_sort_key(pid: PointId) -> tuple[int, int | str]:
    """Scroll order: integer ids ascending, then UUIDs (as Qdrant orders them)."""
    return (0, pid) if isinstance(pid, int) else (1, pid)


def check_vectors(vectors: Any, size: int) -> np.ndarray:
    """Vectors as a C-contiguous float32 (n, size) array; wrong size or NaN/inf raise."""
    try:
        arr = np.asarray(vectors, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"vectors must be lists of numbers: {exc}") from exc
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ShapeError(f"vectors must be a 2-D array, got {arr.ndim} dimensions")
    if arr.shape[1] != size:
        raise ShapeError(
            f"Wrong input: Vector dimension error: expected dim: {size}, got {arr.shape[1]}"
        )
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])
        raise InvalidInputError(f"vector {bad} contains NaN or infinity")
    if np.abs(arr).max(initial=0.0) > np.finfo(np.float32).max:
        raise InvalidInputError("vector values overflow float32")
    return np.ascontiguousarray(arr, dtype=np.float32)


def f32_list(arr: Any) -> list[Any]:
    """A float32 vector (or matrix) as lists of the shortest decimals that read back as
    the same float32 values (``0.05``, not ``0.05000000074505806``), as Qdrant prints them."""
    a = np.ascontiguousarray(arr, dtype=np.float32)
    if orjson is not None:
        # orjson prints a float32 as its shortest round-trip decimal; reading that back
        # gives the same Python floats as float(str(x)), a hundred times faster
        return orjson.loads(orjson.dumps(a, option=orjson.OPT_SERIALIZE_NUMPY))
    if a.ndim > 1:
        return [f32_list(row) for row in a]
    return [float(str(x)) for x in a]


def json_text(value: Any) -> str:
    """``value`` as compact JSON text: orjson (ten times faster than json) when it is
    installed, json for what orjson refuses (integers beyond 64 bits)."""
    if orjson is not None:
        try:
            return orjson.dumps(value).decode()
        except TypeError:
            pass
    return json.dumps(value, separators=(",", ":"))


def check_payload(payload: Any) -> dict[str, Any]:
    """A payload must be a JSON object (dict with string keys); None means empty."""
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise InvalidInputError(f"payload must be a JSON object, not {type(payload).__name__}")
    _check_json(payload, "payload")
    return payload


def _check_json(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidInputError(f"{where} has a non-string key {k!r}")
            _check_json(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_json(v, f"{where}[{i}]")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(f"{where} is {value}: JSON has no NaN or infinity")
    elif value is not None and not isinstance(value, (str, int, bool)):
        raise InvalidInputError(f"{where} is a {type(value).__name__}, not a JSON value")


@dataclass(slots=True)
class Record:
    """A stored point as returned by get and scroll."""

    id: PointId
    payload: dict[str, Any] | None = None
    vector: Any = None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class SearchParams:
    """A search's size and beam parameters, checked once for every search path (the
    embedded collection, its vector spaces and the Milvus backend)."""

    limit: int
    offset: int = 0
    ef: int | None = None
    score_threshold: float | None = None

    @classmethod
    def of(
        cls,
        limit: Any,
        offset: Any = 0,
        ef: Any = None,
        score_threshold: Any = None,
        *,
        zero_limit: bool = False,
    ) -> SearchParams:
        """Checked parameters; :class:`InvalidInputError` names the first bad one.
        ``zero_limit`` admits ``limit=0`` (an empty answer)."""
        if not _is_int(limit) or limit < (0 if zero_limit else 1):
            kind = "non-negative" if zero_limit else "positive"
            raise InvalidInputError(f"limit must be a {kind} integer")
        if not _is_int(offset) or offset < 0:
            raise InvalidInputError("offset must be a non-negative integer")
        if ef is not None and (not _is_int(ef) or ef < 1):
            raise InvalidInputError("ef must be a positive integer")
        if score_threshold is not None:
            if isinstance(score_threshold, bool) or not isinstance(score_threshold, Real):
                raise InvalidInputError("score_threshold must be a number")
            if not math.isfinite(score_threshold):
                raise InvalidInputError("score_threshold must be a finite number")
        return cls(limit, offset, ef, score_threshold)


@dataclass(slots=True)
class ScoredPoint:
    """A search hit: the point and its score (similarity, or distance for Euclid/Manhattan)."""

    id: PointId
    score: float
    payload: dict[str, Any] | None = None
    vector: Any = None
    version: int = 0
    order_value: Any = None
