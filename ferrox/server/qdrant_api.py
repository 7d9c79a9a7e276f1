"""Qdrant's REST API over :mod:`ferrox.vectordb`: same paths, bodies and envelopes, so
the official ``qdrant-client`` works unchanged. What ferrox does not implement answers
501 with a message, never a guessed result."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote, urlparse

from fastapi import APIRouter, Body, Request
from fastapi.responses import FileResponse, JSONResponse

from ferrox.errors import InvalidInputError, NotFoundError, UnsupportedError
from ferrox.vectordb import Collection, Database, Record, ScoredPoint
from ferrox.vectordb.models import normalize_id

__all__ = ["QDRANT_API_VERSION", "build_router", "ok"]

JsonBody = Annotated[Any, Body()]
QDRANT_API_VERSION = "1.20.0"  # the Qdrant REST API level these routes follow


def ok(result: Any, started: float) -> JSONResponse:
    """Qdrant's success envelope."""
    return JSONResponse({"result": result, "status": "ok", "time": time.perf_counter() - started})


def _completed(op: int) -> dict[str, Any]:
    return {"operation_id": op, "status": "completed"}


def _record(r: Record) -> dict[str, Any]:
    return {"id": r.id, "payload": r.payload, "vector": r.vector}


def _scored(p: ScoredPoint) -> dict[str, Any]:
    return {
        "id": p.id,
        "version": p.version,
        "score": p.score,
        "payload": p.payload,
        "vector": p.vector,
    }


def _obj(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInputError(f"{what}: the request body must be a JSON object")
    return body


def _vector(value: Any, where: str) -> list[float]:
    if isinstance(value, dict):
        if set(value) == {""}:
            return value[""]
        if {"indices", "values"} <= set(value):
            raise UnsupportedError(f"{where}: sparse vectors are not implemented")
        raise UnsupportedError(f"{where}: named vectors are not implemented (one unnamed vector)")
    if not isinstance(value, list):
        raise InvalidInputError(f"{where}: a vector must be a list of numbers")
    if value and isinstance(value[0], list):
        raise UnsupportedError(f"{where}: multivectors are not implemented")
    return value


def _with_payload(body: dict[str, Any], default: Any) -> Any:
    value = body.get("with_payload", default)
    if isinstance(value, dict) and value.get("include") is None and value.get("exclude") is None:
        return True
    return value


def _with_vector(body: dict[str, Any]) -> bool:
    value = body.get("with_vector", body.get("with_vectors", False))
    if isinstance(value, bool):
        return value
    raise UnsupportedError(
        "with_vector: selecting named vectors is not implemented; use true/false"
    )


def _selector(body: dict[str, Any]) -> tuple[list[Any] | None, Any]:
    """(ids, filter) from Qdrant's PointsSelector forms."""
    points, flt = body.get("points"), body.get("filter")
    if isinstance(points, dict):  # {"points": {"points": [...]}} or {"filter": {...}}
        points, flt = points.get("points"), points.get("filter", flt)
    if body.get("shard_key") is not None:
        raise UnsupportedError("shard keys are not implemented (one shard)")
    if points is None and flt is None:
        raise InvalidInputError("give 'points' (a list of ids) or 'filter'")
    return points, flt


def _config_body(body: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    vectors = body.get("vectors")
    if not isinstance(vectors, dict):
        raise InvalidInputError("'vectors' must be an object with size and distance")
    if "size" not in vectors:
        if vectors:
            raise UnsupportedError("named vectors are not implemented (one unnamed vector)")
        raise InvalidInputError("'vectors' needs 'size' and 'distance'")
    if vectors.get("multivector_config") or body.get("sparse_vectors"):
        raise UnsupportedError("multivectors and sparse vectors are not implemented")
    opts: dict[str, Any] = {}
    hnsw = {**(body.get("hnsw_config") or {}), **(vectors.get("hnsw_config") or {})}
    for src, dst in (("m", "m"), ("ef_construct", "ef_construct")):
        if hnsw.get(src):
            opts[dst] = hnsw[src]
    if hnsw.get("full_scan_threshold") is not None:
        opts["full_scan_threshold"] = hnsw["full_scan_threshold"]
    quant = vectors.get("quantization_config") or body.get("quantization_config")
    if quant:
        scalar = quant.get("scalar") if isinstance(quant, dict) else None
        if not scalar or scalar.get("type", "int8") != "int8":
            raise UnsupportedError("only scalar int8 quantization is implemented")
        opts["quantization"] = "int8"
    if body.get("on_disk_payload") is not None:
        opts["on_disk_payload"] = bool(body["on_disk_payload"])
    return vectors["size"], vectors.get("distance", "Cosine"), opts


def collection_info(col: Collection) -> dict[str, Any]:
    """``CollectionInfo`` in Qdrant's shape."""
    info = col.info()
    c = col.config
    params: dict[str, Any] = {
        "vectors": {"size": c.size, "distance": c.distance.value},
        "shard_number": 1,
        "replication_factor": 1,
        "write_consistency_factor": 1,
        "on_disk_payload": c.on_disk_payload,
    }
    if c.quantization:
        params["vectors"]["quantization_config"] = {"scalar": {"type": "int8"}}
    return {
        "status": "green",
        "optimizer_status": "ok",
        "indexed_vectors_count": info["indexed_vectors_count"],
        "points_count": info["points_count"],
        "segments_count": 1,
        "config": {
            "params": params,
            "hnsw_config": {
                "m": c.m,
                "ef_construct": c.ef_construct,
                "full_scan_threshold": c.full_scan_threshold,
            },
            "optimizer_config": {
                "deleted_threshold": 0.2,
                "vacuum_min_vector_number": 1000,
                "default_segment_number": 1,
                "indexing_threshold": c.full_scan_threshold,
                "flush_interval_sec": 5,
            },
            "wal_config": {
                "wal_capacity_mb": max(1, c.wal_checkpoint_bytes // (1024 * 1024)),
                "wal_segments_ahead": 0,
            },
            "quantization_config": {"scalar": {"type": "int8"}} if c.quantization else None,
        },
        "payload_schema": info["payload_schema"],
    }


class _Query:
    """One QueryRequest, parsed."""

    def __init__(self, col: Collection, body: dict[str, Any]) -> None:
        for key in ("prefetch", "lookup_from"):
            if body.get(key):
                raise UnsupportedError(f"'{key}' is not implemented")
        if body.get("using") not in (None, ""):
            raise UnsupportedError("named vectors ('using') are not implemented")
        params = body.get("params") or {}
        self.exact = bool(params.get("exact", False))
        self.ef = params.get("hnsw_ef")
        self.limit = body.get("limit", body.get("top", 10))
        self.offset = body.get("offset") or 0
        self.filter = body.get("filter")
        self.threshold = body.get("score_threshold")
        self.with_payload = _with_payload(body, False)
        self.with_vector = _with_vector(body)
        self.vector: list[float] | None = None
        self.exclude: Any = None
        query = body.get("query", body.get("vector"))
        if isinstance(query, dict):
            if "nearest" in query:
                query = query["nearest"]
            else:
                kind = next(iter(query), "?")
                raise UnsupportedError(f"query type {kind!r} is not implemented (nearest only)")
        if isinstance(query, (int, str)) and not isinstance(query, bool):
            pid = normalize_id(query)
            found = col.get([pid], with_payload=False, with_vectors=True)
            if not found:
                raise NotFoundError(f"no point with id {pid!r} in {col.name!r}")
            self.vector, self.exclude = found[0].vector, pid
        elif query is not None:
            self.vector = _vector(query, "query")

    def run(self, col: Collection) -> list[dict[str, Any]]:
        if self.vector is None:  # no query: points in id order, like scroll
            page, _ = col.scroll(
                self.filter,
                limit=self.limit + self.offset,
                with_payload=self.with_payload,
                with_vectors=self.with_vector,
            )
            return [
                {"id": r.id, "version": 0, "score": 0.0, "payload": r.payload, "vector": r.vector}
                for r in page[self.offset :]
            ]
        flt = self.filter
        if self.exclude is not None:
            not_self = {"has_id": [self.exclude]}
            flt = {"must": [flt] if flt else [], "must_not": [not_self]}
        hits = col.search(
            self.vector,
            self.limit,
            filter=flt,
            score_threshold=self.threshold,
            offset=self.offset,
            with_payload=self.with_payload,
            with_vectors=self.with_vector,
            ef=self.ef,
            exact=self.exact,
        )
        return [_scored(h) for h in hits]


def build_router(get_db: Callable[[], Database], snapshots_dir: Callable[[], Path]) -> APIRouter:
    """The Qdrant-compatible routes, over the database ``get_db()`` returns."""
    r = APIRouter()

    def col(name: str) -> Collection:
        return get_db().collection(name)

    @r.get("/healthz")
    @r.get("/livez")
    @r.get("/readyz")
    def healthz() -> JSONResponse:
        return JSONResponse({"title": "ferrox", "status": "ok"})

    @r.get("/collections")
    def list_collections() -> JSONResponse:
        t = time.perf_counter()
        return ok({"collections": [{"name": n} for n in get_db().list_collections()]}, t)

    @r.get("/collections/{name}")
    def get_collection(name: str) -> JSONResponse:
        t = time.perf_counter()
        return ok(collection_info(col(name)), t)

    @r.get("/collections/{name}/exists")
    def exists(name: str) -> JSONResponse:
        t = time.perf_counter()
        return ok({"exists": get_db().has_collection(name)}, t)

    @r.put("/collections/{name}")
    def create_collection(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        size, distance, opts = _config_body(_obj(body, "create collection"))
        get_db().create_collection(name, size, distance, **opts)
        return ok(True, t)

    @r.patch("/collections/{name}")
    def update_collection(name: str, body: JsonBody = None) -> JSONResponse:
        col(name)
        raise UnsupportedError("changing a collection's parameters is not implemented")

    @r.delete("/collections/{name}")
    def delete_collection(name: str) -> JSONResponse:
        t = time.perf_counter()
        return ok(get_db().delete_collection(name), t)

    # ---------------------------------------------------------------- points
    @r.put("/collections/{name}/points")
    def upsert(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, "upsert")
        c = col(name)
        if "batch" in b:
            batch = b["batch"]
            ids = batch.get("ids") or []
            vectors = [
                _vector(v, f"batch.vectors[{i}]")
                for i, v in enumerate(_vectors_list(batch.get("vectors")))
            ]
            payloads = batch.get("payloads")
        elif "points" in b:
            points = b["points"]
            if not isinstance(points, list):
                raise InvalidInputError("'points' must be a list")
            ids, vectors, payloads = [], [], []
            for i, p in enumerate(points):
                if not isinstance(p, dict) or "id" not in p:
                    raise InvalidInputError(f"points[{i}] needs an 'id' and a 'vector'")
                ids.append(p["id"])
                vectors.append(_vector(p.get("vector"), f"points[{i}].vector"))
                payloads.append(p.get("payload"))
        else:
            raise InvalidInputError("upsert needs 'points' or 'batch'")
        return ok(_completed(c.upsert(ids, vectors, payloads)), t)

    @r.post("/collections/{name}/points")
    def retrieve(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, "retrieve")
        recs = col(name).get(
            b.get("ids") or [], with_payload=_with_payload(b, True), with_vectors=_with_vector(b)
        )
        return ok([_record(x) for x in recs], t)

    @r.get("/collections/{name}/points/{pid}")
    def get_point(name: str, pid: str) -> JSONResponse:
        t = time.perf_counter()
        key: Any = int(pid) if pid.isdigit() else pid
        recs = col(name).get([key], with_vectors=True)
        if not recs:
            raise NotFoundError(f"no point with id {pid} in {name!r}")
        return ok(_record(recs[0]), t)

    @r.post("/collections/{name}/points/delete")
    def delete_points(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        ids, flt = _selector(_obj(body, "delete points"))
        return ok(_completed(col(name).delete(ids, filter=flt if ids is None else None)), t)

    @r.put("/collections/{name}/points/vectors")
    def update_vectors(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        points = _obj(body, "update vectors").get("points")
        if not isinstance(points, list):
            raise InvalidInputError("'points' must be a list of {id, vector}")
        ids = [p.get("id") for p in points]
        vecs = [_vector(p.get("vector"), f"points[{i}].vector") for i, p in enumerate(points)]
        return ok(_completed(col(name).update_vectors(ids, vecs)), t)

    @r.post("/collections/{name}/points/vectors/delete")
    def delete_vectors(name: str) -> JSONResponse:
        raise UnsupportedError(
            "deleting a point's only vector is not implemented; delete the point"
        )

    def _payload(name: str, body: Any, mode: str) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, f"{mode} payload")
        if b.get("key") is not None:
            raise UnsupportedError("setting a payload under a nested 'key' is not implemented")
        ids, flt = _selector(b)
        c = col(name)
        flt = flt if ids is None else None
        if mode == "set":
            op = c.set_payload(b.get("payload"), ids, filter=flt)
        elif mode == "overwrite":
            op = c.overwrite_payload(b.get("payload"), ids, filter=flt)
        elif mode == "delete":
            op = c.delete_payload(b.get("keys") or [], ids, filter=flt)
        else:
            op = c.clear_payload(ids, filter=flt)
        return ok(_completed(op), t)

    @r.post("/collections/{name}/points/payload")
    def set_payload(name: str, body: JsonBody = None) -> JSONResponse:
        return _payload(name, body, "set")

    @r.put("/collections/{name}/points/payload")
    def overwrite_payload(name: str, body: JsonBody = None) -> JSONResponse:
        return _payload(name, body, "overwrite")

    @r.post("/collections/{name}/points/payload/delete")
    def delete_payload(name: str, body: JsonBody = None) -> JSONResponse:
        return _payload(name, body, "delete")

    @r.post("/collections/{name}/points/payload/clear")
    def clear_payload(name: str, body: JsonBody = None) -> JSONResponse:
        return _payload(name, body, "clear")

    @r.post("/collections/{name}/points/batch")
    def batch_update(name: str) -> JSONResponse:
        raise UnsupportedError("batch update operations are not implemented; send them one by one")

    @r.post("/collections/{name}/points/scroll")
    def scroll(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body or {}, "scroll")
        if b.get("order_by") is not None:
            raise UnsupportedError("order_by is not implemented; scroll is in id order")
        page, nxt = col(name).scroll(
            b.get("filter"),
            limit=b.get("limit") or 10,
            offset=b.get("offset"),
            with_payload=_with_payload(b, True),
            with_vectors=_with_vector(b),
        )
        return ok({"points": [_record(x) for x in page], "next_page_offset": nxt}, t)

    @r.post("/collections/{name}/points/count")
    def count(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body or {}, "count")
        return ok({"count": col(name).count(b.get("filter"))}, t)

    @r.post("/collections/{name}/points/query")
    async def query(name: str, body: JsonBody = None) -> JSONResponse:
        # async on purpose: a query takes well under a millisecond, less than the hop to
        # the thread pool and back that a plain ``def`` route costs under load
        t = time.perf_counter()
        c = col(name)
        return ok({"points": _Query(c, _obj(body or {}, "query")).run(c)}, t)

    @r.post("/collections/{name}/points/query/batch")
    def query_batch(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        c = col(name)
        searches = _obj(body, "query batch").get("searches")
        if not isinstance(searches, list):
            raise InvalidInputError("'searches' must be a list of query requests")
        parsed = [_Query(c, _obj(s, f"searches[{i}]")) for i, s in enumerate(searches)]
        return ok([{"points": q.run(c)} for q in parsed], t)

    # ---------------------------------------------------------------- payload indexes
    @r.put("/collections/{name}/index")
    def create_index(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, "create index")
        schema = b.get("field_schema")
        if isinstance(schema, dict):
            schema = schema.get("type")
        if not isinstance(b.get("field_name"), str) or not isinstance(schema, str):
            raise InvalidInputError("create index needs 'field_name' and 'field_schema'")
        return ok(_completed(col(name).create_payload_index(b["field_name"], schema)), t)

    @r.delete("/collections/{name}/index/{field}")
    def delete_index(name: str, field: str) -> JSONResponse:
        t = time.perf_counter()
        return ok(_completed(col(name).delete_payload_index(field)), t)

    # ---------------------------------------------------------------- snapshots
    def _describe(path: Path) -> dict[str, Any]:
        st = path.stat()
        created = datetime.fromtimestamp(st.st_mtime, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return {"name": path.name, "creation_time": created, "size": st.st_size, "checksum": None}

    def _snap_dir(name: str) -> Path:
        return snapshots_dir() / name

    @r.post("/collections/{name}/snapshots")
    def create_snapshot(name: str) -> JSONResponse:
        t = time.perf_counter()
        return ok(_describe(get_db().snapshot(name, _snap_dir(name))), t)

    @r.get("/collections/{name}/snapshots")
    def list_snapshots(name: str) -> JSONResponse:
        t = time.perf_counter()
        col(name)
        d = _snap_dir(name)
        files = sorted(d.glob("*.snapshot")) if d.is_dir() else []
        return ok([_describe(p) for p in files], t)

    def _snapshot_file(name: str, snapshot: str) -> Path:
        path = _snap_dir(name) / snapshot
        if "/" in snapshot or not snapshot.endswith(".snapshot") or not path.is_file():
            raise NotFoundError(f"no snapshot {snapshot!r} of collection {name!r}")
        return path

    @r.get("/collections/{name}/snapshots/{snapshot}")
    def download_snapshot(name: str, snapshot: str) -> FileResponse:
        return FileResponse(_snapshot_file(name, snapshot), filename=snapshot)

    @r.delete("/collections/{name}/snapshots/{snapshot}")
    def delete_snapshot(name: str, snapshot: str) -> JSONResponse:
        t = time.perf_counter()
        _snapshot_file(name, snapshot).unlink()
        return ok(True, t)

    @r.put("/collections/{name}/snapshots/recover")
    def recover_snapshot(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        location = _obj(body, "recover snapshot").get("location")
        if not isinstance(location, str):
            raise InvalidInputError("'location' must be a file:// URL or a path on the server")
        parsed = urlparse(location)
        if parsed.scheme not in ("", "file"):
            raise UnsupportedError("only file:// snapshot locations are implemented (no downloads)")
        path = Path(unquote(parsed.path))
        get_db().restore(path, name, overwrite=True)
        return ok(True, t)

    @r.api_route(
        "/collections/{name}/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"]
    )
    def not_implemented(name: str, rest: str, request: Request) -> JSONResponse:
        raise UnsupportedError(
            f"{request.method} /collections/{{name}}/{rest} is not implemented by ferrox"
        )

    return r


def _vectors_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and set(value) == {""}:
        return value[""]
    raise UnsupportedError("batch.vectors: only a list of unnamed vectors is implemented")
