"""Scale-out: the same collection API over Milvus (pymilvus), for data that outgrows one
machine. ``uri`` is a milvus-lite file (``./milvus.db``, embedded, for tests and
laptops) or a server/cluster address (``http://host:19530``, with ``token``).

Qdrant filters are translated to Milvus boolean expressions over a JSON ``payload``
field. Milvus cannot express every Qdrant condition; those raise
:class:`~ferrox.errors.UnsupportedError` instead of returning a different answer:
``min_should``, ``is_empty``, ``is_null``, ``nested``, ``values_count``, datetime
ranges, and keys that walk through arrays (``a[].b``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ferrox.errors import (
    ConflictError,
    DependencyError,
    InvalidInputError,
    NotFoundError,
    UnsupportedError,
)
from ferrox.vectordb.filters import FieldCondition, Filter, HasId, parse_filter
from ferrox.vectordb.models import (
    Distance,
    PointId,
    Record,
    ScoredPoint,
    SearchParams,
    check_payload,
    check_vectors,
    id_sort_key,
    normalize_id,
)

__all__ = ["MilvusCollection", "MilvusDatabase", "filter_expression"]

_METRIC = {Distance.COSINE: "COSINE", Distance.DOT: "IP", Distance.EUCLID: "L2"}
_MAX_ID_LEN = 64


def _client(uri: str, token: str | None):
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise DependencyError(
            "the Milvus backend needs pymilvus: pip install 'ferrox[milvus]'"
        ) from exc
    return MilvusClient(uri, token=token or "")


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value)


def _field(key: str) -> str:
    if "[]" in key:
        raise UnsupportedError(f"Milvus backend: keys through arrays ({key!r}) are not supported")
    return "payload" + "".join(f"[{json.dumps(part)}]" for part in key.split("."))


def _condition(c: Any) -> str:
    if isinstance(c, Filter):
        return "(" + filter_expression(c) + ")"
    if isinstance(c, HasId):
        ids = ", ".join(json.dumps(str(i)) for i in sorted(c.ids, key=id_sort_key))
        return f"(id in [{ids}])"
    if isinstance(c, FieldCondition):
        f, p = _field(c.key), c.params
        if c.kind == "value":
            v = _literal(p["value"])
            return f"({f} == {v} or json_contains({f}, {v}))"
        if c.kind == "any":
            if not p["any"]:
                return '(id == "")'  # matches nothing
            vs = "[" + ", ".join(_literal(v) for v in p["any"]) + "]"
            eqs = " or ".join(f"{f} == {_literal(v)}" for v in p["any"])
            return f"({eqs} or json_contains_any({f}, {vs}))"
        if c.kind == "except":
            if any(True for _ in p["except"]):
                return "(" + " and ".join(f"{f} != {_literal(v)}" for v in p["except"]) + ")"
            raise UnsupportedError("Milvus backend: an empty 'except' list is not supported")
        if c.kind == "range":
            parts = [
                f"{f} {op} {_literal(p[k])}"
                for k, op in (("gt", ">"), ("gte", ">="), ("lt", "<"), ("lte", "<="))
                if k in p
            ]
            return "(" + " and ".join(parts) + ")"
        if c.kind == "text":
            pattern = p["text"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return f"({f} like {json.dumps('%' + pattern + '%')})"
        raise UnsupportedError(f"Milvus backend: {c.kind} conditions are not supported")
    raise UnsupportedError(f"Milvus backend: {type(c).__name__} conditions are not supported")


def filter_expression(flt: Filter | None) -> str:
    """A Milvus boolean expression equivalent to ``flt`` ('' for no filter)."""
    if flt is None:
        return ""
    if flt.min_should is not None:
        raise UnsupportedError("Milvus backend: min_should is not supported")
    parts = [_condition(c) for c in flt.must]
    if flt.should:
        parts.append("(" + " or ".join(_condition(c) for c in flt.should) + ")")
    parts += [f"not {_condition(c)}" for c in flt.must_not]
    return " and ".join(parts) if parts else 'id != ""'


def _pid(text: str) -> PointId:
    return text if "-" in text else int(text)


class MilvusCollection:
    """A collection stored in Milvus, with the calls of :class:`~ferrox.vectordb.Collection`."""

    def __init__(self, client: Any, name: str, size: int, distance: Distance) -> None:
        self._c = client
        self.name = name
        self.dim = size
        self.distance = distance

    def __len__(self) -> int:
        return self.count()

    def __repr__(self) -> str:
        return f"MilvusCollection({self.name!r}, size={self.dim}, distance={self.distance.value})"

    def upsert(
        self,
        ids: Sequence[Any],
        vectors: Any,
        payloads: Sequence[Mapping[str, Any] | None] | None = None,
    ) -> int:
        """Insert or replace points."""
        pids = [normalize_id(i) for i in ids]
        arr = check_vectors(vectors, self.dim) if pids else np.zeros((0, self.dim), np.float32)
        if arr.shape[0] != len(pids):
            raise InvalidInputError(f"{len(pids)} ids but {arr.shape[0]} vectors")
        pays = [check_payload(p) for p in (payloads or [None] * len(pids))]
        if len(pays) != len(pids):
            raise InvalidInputError(f"{len(pids)} ids but {len(pays)} payloads")
        rows = [
            {"id": str(i), "vector": v.tolist(), "payload": p}
            for i, v, p in zip(pids, arr, pays, strict=True)
        ]
        if rows:
            self._c.upsert(self.name, rows)
        return 0

    def flush(self) -> None:
        """Seal what was written into indexed segments (Milvus searches growing,
        unindexed segments by brute force)."""
        self._c.flush(self.name)

    def build_index(self) -> None:
        """Same as :meth:`flush`: Milvus indexes sealed segments by itself."""
        self.flush()

    def get(
        self, ids: Sequence[Any], *, with_payload: bool = True, with_vectors: bool = False
    ) -> list[Record]:
        """The points with these ids that exist, in the order asked."""
        pids = [normalize_id(i) for i in ids]
        if not pids:
            return []
        rows = self._c.get(
            self.name, ids=[str(p) for p in pids], output_fields=["payload", "vector"]
        )
        found = {r["id"]: r for r in rows}
        return [
            self._record(found[str(p)], with_payload, with_vectors) for p in pids if str(p) in found
        ]

    def _record(self, row: Mapping[str, Any], with_payload: bool, with_vectors: bool) -> Record:
        vec = None
        if with_vectors:
            vec = [float(x) for x in row["vector"]]
        return Record(_pid(row["id"]), row.get("payload") if with_payload else None, vec)

    def delete(self, ids: Sequence[Any] | None = None, *, filter: Any = None) -> int:
        """Delete points by ids or by filter."""
        if (ids is None) == (filter is None):
            raise InvalidInputError("give exactly one of ids or filter")
        if ids is not None:
            pids = [str(normalize_id(i)) for i in ids]
            if pids:
                self._c.delete(self.name, ids=pids)
        else:
            self._c.delete(self.name, filter=filter_expression(parse_filter(filter)))
        return 0

    def count(self, filter: Any = None) -> int:
        """How many points match ``filter``."""
        expr = filter_expression(parse_filter(filter))
        res = self._c.query(self.name, filter=expr, output_fields=["count(*)"])
        return int(res[0]["count(*)"])

    def scroll(
        self,
        filter: Any = None,
        *,
        limit: int = 10,
        offset: Any = None,
        with_payload: bool = True,
        with_vectors: bool = False,
    ) -> tuple[list[Record], PointId | None]:
        """Points in id order from ``offset`` on; returns (page, next offset)."""
        expr = filter_expression(parse_filter(filter)) or 'id != ""'
        rows = self._c.query(self.name, filter=expr, output_fields=["payload", "vector"])
        rows.sort(key=lambda r: id_sort_key(_pid(r["id"])))
        if offset is not None:
            start = id_sort_key(normalize_id(offset))
            rows = [r for r in rows if id_sort_key(_pid(r["id"])) >= start]
        page = [self._record(r, with_payload, with_vectors) for r in rows[:limit]]
        nxt = _pid(rows[limit]["id"]) if len(rows) > limit else None
        return page, nxt

    def _payload_edit(self, ids: Sequence[Any] | None, filter: Any, edit: Any) -> int:
        if ids is not None:
            targets = self.get(ids, with_vectors=True)
        else:
            targets, _ = self.scroll(filter, limit=2**31 - 1, with_vectors=True)
        if targets:
            self.upsert(
                [t.id for t in targets],
                [t.vector for t in targets],
                [edit(t.payload or {}) for t in targets],
            )
        return 0

    def set_payload(
        self, payload: Mapping[str, Any], ids: Sequence[Any] | None = None, *, filter: Any = None
    ) -> int:
        """Merge ``payload`` into the points' payloads."""
        new = check_payload(payload)
        return self._payload_edit(ids, filter, lambda old: {**old, **new})

    def overwrite_payload(
        self, payload: Mapping[str, Any], ids: Sequence[Any] | None = None, *, filter: Any = None
    ) -> int:
        """Replace the points' payloads."""
        new = check_payload(payload)
        return self._payload_edit(ids, filter, lambda old: dict(new))

    def delete_payload(
        self, keys: Sequence[str], ids: Sequence[Any] | None = None, *, filter: Any = None
    ) -> int:
        """Remove top-level ``keys`` from the points' payloads."""
        return self._payload_edit(
            ids, filter, lambda old: {k: v for k, v in old.items() if k not in keys}
        )

    def clear_payload(self, ids: Sequence[Any] | None = None, *, filter: Any = None) -> int:
        """Empty the points' payloads."""
        return self._payload_edit(ids, filter, lambda old: {})

    def search(
        self,
        vector: Any,
        limit: int = 10,
        *,
        filter: Any = None,
        score_threshold: float | None = None,
        offset: int = 0,
        with_payload: bool = True,
        with_vectors: bool = False,
        ef: int | None = None,
        exact: bool = False,
    ) -> list[ScoredPoint]:
        """The ``limit`` nearest points, best first (distances for Euclid, like ferrox)."""
        SearchParams.of(limit, offset, ef, score_threshold)
        q = check_vectors(vector, self.dim)[0]
        expr = filter_expression(parse_filter(filter))
        params = {"params": {"ef": max(ef or 64, limit + offset)}} if ef else {}
        res = self._c.search(
            self.name,
            [q.tolist()],
            limit=limit + offset,
            filter=expr,
            output_fields=["payload", "vector"] if with_vectors else ["payload"],
            search_params=params,
        )
        hits = []
        for row in res[0][offset:]:
            score = float(row["distance"])
            if self.distance is Distance.EUCLID:
                score = math.sqrt(max(score, 0.0))
            if score_threshold is not None and (
                score < score_threshold
                if self.distance.higher_is_better
                else score > score_threshold
            ):
                continue
            ent = row.get("entity", {})
            vec = [float(x) for x in ent["vector"]] if with_vectors else None
            hits.append(
                ScoredPoint(
                    _pid(row["id"]), score, ent.get("payload") if with_payload else None, vec
                )
            )
        return hits


class MilvusDatabase:
    """Collections in one Milvus instance, with :class:`~ferrox.vectordb.Database`'s calls."""

    def __init__(self, uri: str, token: str | None = None, *, index: str = "HNSW") -> None:
        self._c = _client(uri, token)
        self.uri = uri
        self.index = index

    def close(self) -> None:
        """Close the connection."""
        self._c.close()

    def __enter__(self) -> MilvusDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def list_collections(self) -> list[str]:
        """Names of every collection, sorted."""
        return sorted(self._c.list_collections())

    def has_collection(self, name: str) -> bool:
        """Whether the collection exists."""
        return bool(self._c.has_collection(name))

    def create_collection(
        self,
        name: str,
        size: int,
        distance: str = "Cosine",
        *,
        m: int = 16,
        ef_construct: int = 100,
    ) -> MilvusCollection:
        """A new collection: VARCHAR id, FLOAT_VECTOR, JSON payload, an HNSW (or FLAT) index."""
        from pymilvus import DataType, MilvusClient

        d = Distance.parse(distance)
        if d not in _METRIC:
            raise UnsupportedError("Milvus backend: Manhattan distance is not supported")
        if not isinstance(size, int) or size < 1:
            raise InvalidInputError(f"vector size must be a positive integer, not {size!r}")
        if self.has_collection(name):
            raise ConflictError(f"collection {name!r} already exists")
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=_MAX_ID_LEN)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=size)
        schema.add_field("payload", DataType.JSON)
        params = self._c.prepare_index_params()
        extra = {"M": m, "efConstruction": ef_construct} if self.index == "HNSW" else {}
        params.add_index("vector", index_type=self.index, metric_type=_METRIC[d], params=extra)
        self._c.create_collection(name, schema=schema, index_params=params)
        return MilvusCollection(self._c, name, size, d)

    def collection(self, name: str) -> MilvusCollection:
        """An existing collection."""
        if not self.has_collection(name):
            raise NotFoundError(f"collection {name!r} does not exist")
        desc = self._c.describe_collection(name)
        vec = next(f for f in desc["fields"] if f["name"] == "vector")
        index = self._c.describe_index(name, index_name=self._c.list_indexes(name)[0])
        metric = {v: k for k, v in _METRIC.items()}[index["metric_type"]]
        return MilvusCollection(self._c, name, int(vec["params"]["dim"]), metric)

    get_collection = collection

    def delete_collection(self, name: str) -> bool:
        """Drop a collection; False if there was none."""
        if not self.has_collection(name):
            return False
        self._c.drop_collection(name)
        return True
