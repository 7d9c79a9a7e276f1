"""Qdrant's REST API over :mod:`ferrox.vectordb`: same paths, bodies and envelopes, so
the official ``qdrant-client`` works unchanged. What ferrox does not implement answers
501 with a message, never a guessed result."""

from __future__ import annotations

import hashlib
import mmap
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx
import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from ferrox.errors import (
    FerroxError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    StandaloneModeError,
    UnsupportedError,
    ValidationError,
)
from ferrox.server.json_response import FastJSONResponse
from ferrox.server.lanes import Lanes, filter_work, query_work, scroll_work
from ferrox.server.request_body import JsonBody
from ferrox.server.telemetry import RequestStats, prometheus, telemetry
from ferrox.vectordb import Collection, Database, Record, ScoredPoint
from ferrox.vectordb.bm25 import BM25_MODELS, Bm25
from ferrox.vectordb.filters import parse_filter, values_at
from ferrox.vectordb.models import Distance, f32_list, normalize_id
from ferrox.vectordb.query import distance_matrix, parse_query, run_query
from ferrox.vectordb.spaces import DenseSpace, SparseSpace, check_shape
from ferrox.vectordb.strict import (
    RateLimiter,
    StrictMode,
    estimate_cardinality,
    filter_cost,
    query_costs,
)

__all__ = ["QDRANT_API_VERSION", "build_router", "ok"]

QDRANT_API_VERSION = "1.20.0"  # the Qdrant REST API level these routes follow


def ok(result: Any, started: float) -> JSONResponse:
    """Qdrant's success envelope."""
    return FastJSONResponse(
        {"result": result, "status": "ok", "time": time.perf_counter() - started}
    )


_PREFIXES = ("Wrong input:", "Bad request:", "Validation error", "Not found:", "Forbidden:")


def qdrant_message(exc: FerroxError) -> str:
    """An error's text as Qdrant words it (``Not found: ...``, ``Bad request: ...``)."""
    text = str(exc)
    if text.startswith(_PREFIXES):
        return text
    if isinstance(exc, NotFoundError):
        return f"Not found: {text}"
    if isinstance(exc, UnsupportedError):
        return f"Not implemented by ferrox: {text}"
    if exc.status_code < 500:
        return f"Bad request: {text}"
    return f"Service internal error: {exc.name}: {text}"


def _completed(op: int) -> dict[str, Any]:
    return {"operation_id": op, "status": "completed"}


def _record(r: Record) -> dict[str, Any]:
    return {"id": r.id, "payload": r.payload, "vector": r.vector}


def _f32(x: float) -> float:
    """A score as Qdrant prints its float32 scores: the shortest decimal of the float32."""
    return float(str(np.float32(x)))


def _scored(hits: list[ScoredPoint]) -> list[dict[str, Any]]:
    """Hits as Qdrant's ScoredPoint objects (scores as float32 decimals)."""
    scores = f32_list([h.score for h in hits])
    out = []
    for p, score in zip(hits, scores, strict=True):
        point = {
            "id": p.id,
            "version": p.version,
            "score": score,
            "payload": p.payload,
            "vector": p.vector,
        }
        if p.order_value is not None:
            point["order_value"] = p.order_value
        out.append(point)
    return out


def _obj(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInputError(f"{what}: the request body must be a JSON object")
    return body


def _is_multi(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], list)


def _split_vectors(col: Collection, value: Any, where: str) -> tuple[Any, dict[str, Any]]:
    """A point's VectorStruct as (primary vector or None, the other vectors by name)."""
    primary = col.config.primary
    if value is None:
        return None, {}
    check_shape(value, where)
    if isinstance(value, list):
        named = {"": value}
    elif isinstance(value, dict):
        if {"indices", "values"} >= set(value) and value:
            raise InvalidInputError(f"{where}: a sparse vector needs a name")
        named = value
    else:
        raise InvalidInputError(f"{where}: a vector must be a list of numbers or a name map")
    first: Any = None
    others: dict[str, Any] = {}
    for name, v in named.items():
        if isinstance(v, dict) and ("text" in v or "image" in v or "object" in v):
            v = _infer_document(col, name, v, where)
        if name == primary and primary is not None:
            if _is_multi(v) or isinstance(v, dict):
                raise InvalidInputError(f"{where}: vector {name!r} must be a list of numbers")
            first = v
        elif name in col.spaces:
            others[name] = v
        elif name == "" and primary is None and not col.spaces:
            raise InvalidInputError(f"{where}: the collection has no unnamed vector")
        else:
            raise InvalidInputError(f"Wrong input: Not existing vector name error: {name}")
    return first, others


_SPARSE_INDEX_PARAMS: dict[str, Callable[[Any], bool]] = {
    "on_disk": lambda v: isinstance(v, bool),
    "full_scan_threshold": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
    "datatype": lambda v: v in ("float32", "float16", "uint8"),
}


def _sparse_index_params(index: Any, name: str) -> dict[str, Any]:
    """SparseIndexParams (on_disk, full_scan_threshold, datatype), checked."""
    if not isinstance(index, dict):
        raise InvalidInputError(f"sparse_vectors.{name}.index must be an object")
    out: dict[str, Any] = {}
    for key, value in index.items():
        if value is None:
            continue
        check = _SPARSE_INDEX_PARAMS.get(key)
        if check is None or not check(value):
            raise InvalidInputError(f"sparse_vectors.{name}.index.{key}: invalid value {value!r}")
        out[key] = value
    return out


def _infer_document(col: Collection, name: str, doc: dict[str, Any], where: str) -> Any:
    """A Document input embedded server-side: BM25 (``qdrant/bm25``) into a sparse space."""
    model = str(doc.get("model", "")).lower()
    space = col.spaces.get(name)
    if model in BM25_MODELS and isinstance(doc.get("text"), str):
        if not isinstance(space, SparseSpace):
            raise InvalidInputError(
                f"{where}: model {doc.get('model')!r} makes sparse vectors; `{name}` is not sparse"
            )
        return Bm25.from_options(doc.get("options")).document(doc["text"]).to_json()
    raise UnsupportedError(
        f"{where}: no server-side inference for model {doc.get('model')!r} here"
        f" (available: {', '.join(sorted(BM25_MODELS))})"
    )


def _known_names(c: Collection, with_vector: Any) -> Any:
    """``with_vector`` checked: a list must name vectors the collection has."""
    if isinstance(with_vector, list):
        for name in with_vector:
            if name != c.config.primary and name not in c.spaces:
                raise InvalidInputError(f"Wrong input: Not existing vector name error: {name}")
    return with_vector


def _with_payload(body: dict[str, Any], default: Any) -> Any:
    value = body.get("with_payload", default)
    if value is None:
        return default
    if isinstance(value, dict) and value.get("include") is None and value.get("exclude") is None:
        return True
    return value


def _with_vector(body: dict[str, Any]) -> Any:
    value = body.get("with_vector", body.get("with_vectors", False))
    if value is None:
        return False
    if isinstance(value, bool) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        return value
    raise InvalidInputError("with_vector must be true, false or a list of vector names")


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


# turbo4 (Qdrant's 4-bit rotated storage) is accepted and reported but stored at float32:
# ferrox keeps full precision there (see docs/vectordb.md)
DATATYPES = ("float32", "float16", "uint8", "turbo4")


def _dense_params(spec: Any, where: str) -> dict[str, Any]:
    if not isinstance(spec, dict) or "size" not in spec:
        raise InvalidInputError(f"{where}: vector params need 'size' and 'distance'")
    size = spec["size"]
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 65536:
        raise ValidationError(
            f"Validation error in JSON body: [{where}.size: value {size} invalid,"
            " must be from 1 to 65536]"
        )
    if spec.get("distance") is None:
        raise InvalidInputError(f"{where}: vector params need 'distance'")
    Distance.parse(spec["distance"])
    multi = spec.get("multivector_config")
    out: dict[str, Any] = {"size": size, "distance": spec["distance"]}
    if multi:
        out["multivector"] = multi.get("comparator", "max_sim")
    datatype = spec.get("datatype")
    if datatype not in (None, *DATATYPES):
        raise InvalidInputError(f"{where}: unknown datatype {datatype!r}")
    if datatype not in (None, "float32"):
        out["datatype"] = datatype
    if spec.get("on_disk") is not None:
        out["on_disk"] = bool(spec["on_disk"])
    return out


def _config_body(body: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    """(size, distance, CollectionConfig options) of a CreateCollection body."""
    if "quantization" in body and "quantization_config" not in body:
        body = {**body, "quantization_config": body["quantization"]}  # Qdrant's alias
    vectors = body.get("vectors")
    if vectors is None:
        vectors = {}
    if not isinstance(vectors, dict):
        raise InvalidInputError("'vectors' must be an object")
    spaces: dict[str, dict[str, Any]] = {}
    if "size" in vectors:
        spaces[""] = _dense_params(vectors, "vectors")
        spec_of = {"": vectors}
    else:
        spec_of = vectors
        for name, spec in vectors.items():
            spaces[name] = _dense_params(spec, f"vectors.{name}")
    sparse: dict[str, dict[str, Any]] = {}
    for name, spec in (body.get("sparse_vectors") or {}).items():
        spec = spec or {}
        if name == "":
            raise ValidationError(
                "Validation error in JSON body: [sparse_vectors: Sparse vector name cannot be"
                " empty]"
            )
        datatype = (spec.get("index") or {}).get("datatype")
        if datatype not in (None, "float32", "float16", "uint8"):
            raise InvalidInputError(
                f"Wrong input: sparse_vectors.{name}: sparse vectors do not support datatype"
                f" {datatype!r}"
            )
        modifier = spec.get("modifier")
        if modifier not in (None, "none", "idf"):
            raise InvalidInputError(f"sparse_vectors.{name}: unknown modifier {modifier!r}")
        sparse[name] = {"modifier": "idf"} if modifier == "idf" else {}
        if spec.get("index"):
            sparse[name]["index"] = _sparse_index_params(spec["index"], name)
        if name in spaces:
            raise InvalidInputError(
                f"Wrong input: Dense and sparse vector names must be unique - duplicate found"
                f" with '{name}'"
            )
    primary = next((n for n, sp in spaces.items() if "multivector" not in sp), None)
    opts: dict[str, Any] = {}
    if primary is None:
        size, distance = 1, "Dot"  # a placeholder: every point's primary vector is absent
    else:
        size, distance = spaces[primary]["size"], spaces[primary]["distance"]
    hnsw = {**(body.get("hnsw_config") or {})}
    if primary is not None:
        hnsw.update(spec_of[primary].get("hnsw_config") or {})
    for key, low in (("m", 0), ("ef_construct", 4), ("full_scan_threshold", 0)):
        v = hnsw.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < low):
            raise ValidationError(
                f"Validation error in JSON body: [hnsw_config.{key}: value {v} invalid,"
                f" must be {low} or larger]"
            )
    for key in ("m", "ef_construct"):
        if hnsw.get(key):
            opts[key] = hnsw[key]
    if hnsw.get("m") == 0:
        opts["index"] = "exact"  # m = 0 turns the graph off, as in Qdrant
    if hnsw.get("full_scan_threshold") is not None:
        opts["full_scan_threshold"] = hnsw["full_scan_threshold"]
    quant = (
        spec_of[primary].get("quantization_config") if primary is not None else None
    ) or body.get("quantization_config")
    if quant and isinstance(quant, dict) and quant.get("scalar"):
        if quant["scalar"].get("type", "int8") != "int8":
            raise InvalidInputError("scalar quantization type must be int8")
        if Distance.parse(distance) is not Distance.MANHATTAN:
            opts["quantization"] = "int8"
    if body.get("on_disk_payload") is not None:
        opts["on_disk_payload"] = bool(body["on_disk_payload"])
    opts["primary"] = primary
    opts["vectors"] = {n: sp for n, sp in spaces.items() if n != primary}
    opts["sparse_vectors"] = sparse
    extra: dict[str, Any] = {"vector_params": {n: spec_of[n] for n in spaces}}
    for key in ("shard_number", "replication_factor", "write_consistency_factor"):
        v = body.get(key)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise InvalidInputError(
                f"Format error in JSON body: {key}: invalid value: {v!r}, expected u32"
            )
        if v == 0:
            raise ValidationError(
                f"Validation error in JSON body: [{key}: value 0 invalid, must be 1 or larger]"
            )
    for key in (
        "metadata",
        "strict_mode_config",
        "optimizers_config",
        "wal_config",
        "shard_number",
        "replication_factor",
        "write_consistency_factor",
        "quantization_config",
        "hnsw_config",
    ):
        if body.get(key) is not None:
            extra[key] = body[key]
    if primary is not None:
        extra["primary_params"] = spaces[primary]
    opts["extra"] = extra
    return size, distance, opts


def _vector_params(col: Collection) -> Any:
    c = col.config
    params: dict[str, Any] = {}
    original = c.extra.get("vector_params", {})
    if c.primary is not None:
        p: dict[str, Any] = {"size": c.size, "distance": c.distance.value}
        if c.extra.get("primary_params", {}).get("on_disk") is not None:
            p["on_disk"] = c.extra["primary_params"]["on_disk"]
        spec = original.get(c.primary, {})
        if c.quantization and not c.extra.get("quantization_config"):
            p["quantization_config"] = {"scalar": {"type": "int8"}}
        for key in ("hnsw_config", "quantization_config", "datatype"):
            if spec.get(key) is not None:
                p[key] = spec[key]
        params[c.primary] = p
    for name, space in col.spaces.items():
        if isinstance(space, DenseSpace):
            p = space.config_json()
            spec = original.get(name, {})
            for key in ("hnsw_config", "quantization_config"):
                if spec.get(key) is not None:
                    p[key] = spec[key]
            params[name] = p
    if set(params) == {""}:
        return params[""]
    return params


def collection_info(col: Collection) -> dict[str, Any]:
    """``CollectionInfo`` in Qdrant's shape."""
    info = col.info()
    c = col.config
    sparse = {n: s.config_json() for n, s in col.spaces.items() if isinstance(s, SparseSpace)}
    params: dict[str, Any] = {
        "vectors": _vector_params(col),
        "shard_number": c.extra.get("shard_number", 1),
        "replication_factor": c.extra.get("replication_factor", 1),
        "write_consistency_factor": c.extra.get("write_consistency_factor", 1),
        "on_disk_payload": c.on_disk_payload,
    }
    if sparse:
        params["sparse_vectors"] = sparse
    optimizer = {
        "deleted_threshold": 0.2,
        "vacuum_min_vector_number": 1000,
        "default_segment_number": 1,
        "max_segment_size": None,
        "memmap_threshold": None,
        "indexing_threshold": c.full_scan_threshold,
        "flush_interval_sec": 5,
        "max_optimization_threads": None,
        **(c.extra.get("optimizers_config") or {}),
    }
    hnsw = {
        "m": c.m,
        "ef_construct": c.ef_construct,
        "full_scan_threshold": c.full_scan_threshold,
        "max_indexing_threads": 0,
        "on_disk": False,
        **{k: v for k, v in (c.extra.get("hnsw_config") or {}).items() if v is not None},
    }
    wal = {"wal_capacity_mb": 32, "wal_segments_ahead": 0}
    wal.update({k: v for k, v in (c.extra.get("wal_config") or {}).items() if v is not None})
    config: dict[str, Any] = {
        "params": params,
        "hnsw_config": hnsw,
        "optimizer_config": optimizer,
        "wal_config": wal,
        "quantization_config": c.extra.get("quantization_config")
        or ({"scalar": {"type": "int8"}} if c.quantization else None),
    }
    if c.extra.get("strict_mode_config") is not None:
        config["strict_mode_config"] = c.extra["strict_mode_config"]
    if c.extra.get("metadata") is not None:
        config["metadata"] = c.extra["metadata"]
    warnings = _config_warnings(c.extra.get("vector_params") or {})
    out: dict[str, Any] = {
        "status": "green",
        "optimizer_status": "ok",
        "indexed_vectors_count": info["indexed_vectors_count"],
        "points_count": info["points_count"],
        "segments_count": 1,
        "config": config,
        "payload_schema": info["payload_schema"],
    }
    out["update_queue"] = {"length": 0}  # writes are applied before they are acknowledged
    if warnings:
        out["warnings"] = warnings
    return out


def _config_warnings(params: dict[str, Any]) -> list[dict[str, str]]:
    """Settings that are accepted but cannot help, as Qdrant warns of them."""
    out = []
    for name, spec in params.items():
        inline = (spec.get("hnsw_config") or {}).get("inline_storage")
        if inline and (spec.get("multivector_config") or not spec.get("quantization_config")):
            out.append(
                {
                    "message": f"vector {name!r}: hnsw_config.inline_storage needs quantization"
                    " and a single dense vector; it has no effect here"
                }
            )
    return out


def _legacy_search(body: dict[str, Any]) -> dict[str, Any]:
    """A SearchRequest as a QueryRequest (``vector`` may be named, dense or sparse)."""
    vector = body.get("vector")
    using = None
    if isinstance(vector, dict) and "name" in vector:
        using, vector = vector["name"], vector.get("vector")
    return {
        **{k: v for k, v in body.items() if k not in ("vector", "using")},
        "query": {"nearest": vector},
        "using": using,
    }


def _legacy_recommend(body: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in body.items() if k not in ("positive", "negative", "strategy")}
    return {
        **rest,
        "query": {
            "recommend": {
                "positive": body.get("positive") or [],
                "negative": body.get("negative") or [],
                "strategy": body.get("strategy"),
            }
        },
    }


def _legacy_discover(body: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in body.items() if k not in ("target", "context")}
    if body.get("target") is None:
        return {**rest, "query": {"context": body.get("context") or []}}
    return {
        **rest,
        "query": {"discover": {"target": body["target"], "context": body.get("context") or []}},
    }


def _group_hits(
    col: Collection,
    hits: list[ScoredPoint],
    key: str,
    group_size: int,
    limit: int,
    with_lookup: Any,
    db: Database,
) -> list[dict[str, Any]]:
    """Qdrant's groups: the best ``group_size`` hits per value of payload ``key``."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    order: list[Any] = []
    for h in hits:
        values = values_at(col.payload_of(h.id) or {}, key)
        for v in values:
            if isinstance(v, (dict, list)) or v is None or isinstance(v, float):
                continue
            g = groups.setdefault(v, [])
            if not g:
                order.append(v)
            if len(g) < group_size:
                g.append(_scored([h])[0])
    out = []
    for v in order[:limit]:
        out.append({"id": v, "hits": groups[v]})
    if with_lookup:
        name = with_lookup if isinstance(with_lookup, str) else with_lookup.get("collection")
        wp = True if isinstance(with_lookup, str) else with_lookup.get("with_payload", True)
        wv = (
            False
            if isinstance(with_lookup, str)
            else with_lookup.get("with_vectors", with_lookup.get("with_vector", False))
        )
        other = db.collection(name)
        for g in out:
            found = (
                other.get([g["id"]], with_payload=wp, with_vectors=wv)
                if isinstance(g["id"], (int, str))
                else []
            )
            if found:
                g["lookup"] = _record(found[0])
    return out


def _check_query_params(request: Request) -> None:
    """Qdrant's validation of the query parameters every route shares (``timeout``)."""
    timeout = request.query_params.get("timeout")
    if timeout is None:
        return
    try:
        value = int(timeout)
    except ValueError:
        raise InvalidInputError(
            f"Validation error in query parameters: [timeout: value {timeout} is not an integer]"
        ) from None
    if value < 1:
        raise ValidationError(
            f"Validation error in query parameters: [timeout: value {value} invalid,"
            " must be 1 or larger]"
        )


def _check_query(body: dict[str, Any], *, top: bool = True) -> None:
    """Qdrant's cross-field rules for a QueryRequest."""
    query = body.get("query")
    limit = body.get("limit")
    if top and limit == 0 and not isinstance(limit, bool):
        raise ValidationError(
            "Validation error in JSON body: [internal.limit: value 0 invalid, must be 1 or larger]"
        )
    if body.get("score_threshold") is not None:
        if query is None:
            raise InvalidInputError(
                "Bad request: A query is needed to use the score_threshold. Can't have"
                " score_threshold without defining a query."
            )
        if isinstance(query, dict) and "order_by" in query:
            raise InvalidInputError(
                "Bad request: Can't use score_threshold with an order_by query."
            )
    if body.get("prefetch") and query is None:
        raise InvalidInputError(
            "Bad request: A query is needed to merge the prefetches. Can't have prefetches"
            " without defining a query."
        )
    prefetch = body.get("prefetch")
    for sub in prefetch if isinstance(prefetch, list) else [prefetch] if prefetch else []:
        if isinstance(sub, dict):
            _check_query(sub, top=False)
    if limit is not None and not isinstance(limit, bool) and isinstance(limit, int) and limit < 0:
        raise InvalidInputError(f"Validation error in JSON body: [limit: value {limit} invalid]")


def _patch_body(c: Collection, body: dict[str, Any]) -> dict[str, Any]:
    """The settings a collection PATCH changes, checked against the collection."""
    changes: dict[str, Any] = {}
    vectors = body.get("vectors")
    if vectors is not None:
        if not isinstance(vectors, dict):
            raise InvalidInputError("'vectors' must be an object")
        for name, spec in vectors.items():
            if name != c.config.primary and not isinstance(c.spaces.get(name), DenseSpace):
                raise InvalidInputError(f"Wrong input: Not existing vector name error: {name}")
            if not isinstance(spec, dict):
                raise InvalidInputError(f"vectors.{name} must be an object")
        changes["vectors"] = vectors
    sparse = body.get("sparse_vectors")
    if sparse is not None:
        for name, spec in sparse.items():
            if not isinstance(c.spaces.get(name), SparseSpace):
                raise InvalidInputError(f"Wrong input: Not existing vector name error: {name}")
            modifier = (spec or {}).get("modifier")
            if modifier not in (None, "none", "idf"):
                raise InvalidInputError(f"sparse_vectors.{name}: unknown modifier {modifier!r}")
        for name, spec in sparse.items():
            if isinstance(spec, dict) and spec.get("index") is not None:
                spec["index"] = _sparse_index_params(spec["index"], name)
        changes["sparse_vectors"] = sparse
    for key in (
        "optimizers_config",
        "hnsw_config",
        "quantization_config",
        "params",
        "strict_mode_config",
        "metadata",
    ):
        if body.get(key) is not None:
            if not isinstance(body[key], dict):
                raise InvalidInputError(f"'{key}' must be an object")
            changes[key] = body[key]
    if "strict_mode_config" in changes:  # a null leaves the setting as it is, as in Qdrant
        changes["strict_mode_config"] = {
            k: v for k, v in changes["strict_mode_config"].items() if v is not None
        }
    return changes


def build_router(
    get_db: Callable[[], Database],
    snapshots_dir: Callable[[], Path],
    stats: RequestStats | None = None,
    max_query_limit: int | None = None,
    heavy_workers: int = 2,
) -> APIRouter:
    """The Qdrant-compatible routes, over the database ``get_db()`` returns; ``stats``
    (counted by the server's access log) feed /telemetry and /metrics; a read asking for
    a ``limit`` or ``offset`` over ``max_query_limit`` is refused (400); reads estimated
    heavy run in ``heavy_workers`` threads (:mod:`ferrox.server.lanes`)."""
    r = APIRouter(dependencies=[Depends(_check_query_params)])
    stats = stats or RequestStats()
    lanes = Lanes.create(heavy_workers)

    @r.get("/telemetry")
    def get_telemetry(details_level: int = 0, per_collection: bool = False) -> JSONResponse:
        t = time.perf_counter()
        return ok(telemetry(get_db(), stats, details_level, per_collection), t)

    @r.get("/metrics")
    def get_metrics(per_collection: bool = False) -> PlainTextResponse:
        return PlainTextResponse(prometheus(get_db(), stats, per_collection))

    @r.get("/issues")
    def get_issues() -> JSONResponse:
        return ok({"issues": []}, time.perf_counter())

    @r.delete("/issues")
    def clear_issues() -> JSONResponse:
        return ok(True, time.perf_counter())

    def col(name: str) -> Collection:
        return get_db().collection(resolve_alias(name))

    def resolve_alias(name: str) -> str:
        return get_db().aliases().get(name, name)

    limiter = RateLimiter()

    def strict(c: Collection) -> StrictMode:
        return StrictMode.from_config(c.config.extra.get("strict_mode_config"))

    def read_guard(
        c: Collection, body: dict[str, Any], flt: Any, timeout: Any, cost: int | None = None
    ) -> None:
        """Strict-mode checks, then the read tokens: ``cost``, or by default what the
        (universal) query ``body`` costs; a scroll or count costs 1 + its conditions."""
        for key in ("limit", "offset"):
            value = body.get(key)
            if (
                max_query_limit is not None
                and isinstance(value, int)
                and not isinstance(value, bool)
                and value > max_query_limit
            ):
                raise InvalidInputError(
                    f'Bad request: Limit exceeded {value} > {max_query_limit} for "{key}"'
                    " (the server's max_query_limit)"
                )
        sm = strict(c)
        if sm.enabled:
            parsed = parse_filter(flt)
            sm.check_read(c, body, parsed, timeout)
            if sm.read_rate_limit is None:
                return
            costs = query_costs(c, body) if cost is None else [cost]
            for n in costs:
                limiter.take(c.name, "read", sm.read_rate_limit, n)

    def write_guard(c: Collection, cost: int | None = None, **facts: Any) -> None:
        """Strict-mode checks, then the write tokens: ``cost``, or by default the points
        the write touches (a filtered one: the points its filter is estimated to
        select), at least 1."""
        sm = strict(c)
        if sm.enabled:
            if facts.get("flt") is not None:
                facts["flt"] = parse_filter(facts["flt"])
            sm.check_update(c, **facts)
            if sm.write_rate_limit is None:
                return
            if cost is None:
                if facts.get("flt") is not None:
                    cost = estimate_cardinality(c, facts["flt"])
                else:
                    cost = facts.get("n_points", 0)
            limiter.take(c.name, "write", sm.write_rate_limit, max(1, cost))

    def work(c: Collection, body: Any, estimate: Callable[..., float] = query_work) -> float:
        """The estimated work of a read on ``c``: ``estimate`` (one of
        :mod:`ferrox.server.lanes`'s) applied to the request ``body``."""
        return estimate(body, len(c), c.payload_indexes, lanes.rules)

    def run(
        c: Collection, body: dict[str, Any], timeout: Any = None, *, checked: bool = False
    ) -> list[ScoredPoint]:
        q = parse_query(body)
        _check_query(body)
        if not checked:
            read_guard(c, body, body.get("filter"), timeout)
        return run_query(c, q, col)

    @r.get("/healthz")
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("healthz check passed")

    @r.get("/livez")
    def livez() -> PlainTextResponse:
        return PlainTextResponse("healthz check passed")

    @r.get("/readyz")
    def readyz() -> PlainTextResponse:
        return PlainTextResponse("all shards are ready")

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
        return ok({"exists": get_db().has_collection(resolve_alias(name))}, t)

    @r.put("/collections/{name}")
    def create_collection(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, "create collection")
        size, distance, opts = _config_body(b)
        db = get_db()
        if db.has_collection(name):
            raise InvalidInputError(f"Wrong input: Collection `{name}` already exists!")
        if name in db.aliases():
            raise InvalidInputError(f"Wrong input: Alias `{name}` already exists!")
        db.create_collection(name, size, distance, **opts)
        limiter.reset(name)  # a new collection starts with full rate-limit buckets
        return ok(True, t)

    @r.patch("/collections/{name}")
    def update_collection(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        c = col(name)
        changes = _patch_body(c, _obj(body or {}, "update collection"))
        c.update_settings(changes)
        if "strict_mode_config" in changes:
            limiter.reset(c.name)  # reconfigured limits start with full buckets
        return ok(True, t)

    @r.delete("/collections/{name}")
    def delete_collection(name: str) -> JSONResponse:
        t = time.perf_counter()
        limiter.reset(resolve_alias(name))
        return ok(get_db().delete_collection(resolve_alias(name)), t)

    @r.put("/collections/{name}/vectors/{vector}")
    def create_vector(name: str, vector: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, "create vector")
        c = col(name)
        if "dense" in b:
            spec = _dense_params(b["dense"], "dense")
            c.create_space(vector, spec)
        elif "sparse" in b:
            spec = b["sparse"] or {}
            modifier = spec.get("modifier")
            c.create_space(vector, {"modifier": "idf"} if modifier == "idf" else {}, sparse=True)
        else:
            raise InvalidInputError("create vector needs 'dense' or 'sparse' params")
        return ok(_completed(c.seq), t)

    @r.delete("/collections/{name}/vectors/{vector}")
    def delete_vector(name: str, vector: str) -> JSONResponse:
        t = time.perf_counter()
        c = col(name)
        c.delete_space(vector)
        return ok(_completed(c.seq), t)

    # ---------------------------------------------------------------- aliases
    @r.post("/collections/aliases")
    def update_aliases(body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        actions = _obj(body, "update aliases").get("actions")
        if not isinstance(actions, list):
            raise InvalidInputError("'actions' must be a list")
        get_db().update_aliases(actions)
        return ok(True, t)

    @r.get("/aliases")
    def list_aliases() -> JSONResponse:
        t = time.perf_counter()
        items = [
            {"alias_name": a, "collection_name": c} for a, c in sorted(get_db().aliases().items())
        ]
        return ok({"aliases": items}, t)

    @r.get("/collections/{name}/aliases")
    def collection_aliases(name: str) -> JSONResponse:
        t = time.perf_counter()
        col(name)
        items = [
            {"alias_name": a, "collection_name": c}
            for a, c in sorted(get_db().aliases().items())
            if c == name
        ]
        return ok({"aliases": items}, t)

    # ---------------------------------------------------------------- points
    def _upsert_body(c: Collection, b: dict[str, Any], timeout: Any = None) -> int:
        if "batch" in b:
            batch = _obj(b["batch"], "batch")
            ids = batch.get("ids") or []
            vectors = batch.get("vectors")
            if isinstance(vectors, list):
                per_point: list[Any] = vectors
            elif isinstance(vectors, dict):
                per_point = [
                    {n: vs[k] for n, vs in vectors.items() if vs is not None and k < len(vs)}
                    for k in range(len(ids))
                ]
                for n, vs in vectors.items():
                    if vs is not None and len(vs) != len(ids):
                        raise InvalidInputError(
                            f"batch.vectors.{n}: {len(vs)} vectors for {len(ids)} ids"
                        )
            elif vectors is None:
                per_point = [None] * len(ids)
            else:
                raise InvalidInputError("batch.vectors must be a list or a name map")
            if len(per_point) != len(ids):
                raise InvalidInputError(f"{len(ids)} ids but {len(per_point)} vectors")
            payloads = batch.get("payloads")
        elif "points" in b:
            points = b["points"]
            if not isinstance(points, list):
                raise InvalidInputError("'points' must be a list")
            ids, per_point, payloads = [], [], []
            for i, p in enumerate(points):
                if not isinstance(p, dict) or "id" not in p:
                    raise InvalidInputError(f"points[{i}] needs an 'id' and a 'vector'")
                ids.append(p["id"])
                per_point.append(p.get("vector", p.get("vectors")))
                payloads.append(p.get("payload"))
        else:
            raise InvalidInputError("upsert needs 'points' or 'batch'")
        prim, named = [], []
        for i, v in enumerate(per_point):
            a, o = _split_vectors(c, v, f"points[{i}].vector")
            prim.append(a)
            named.append(o)
        mode = b.get("update_mode")
        if mode not in (None, "upsert", "insert_only", "update_only"):
            raise InvalidInputError(f"unknown update_mode {mode!r}")
        if mode in ("insert_only", "update_only"):
            existing = {rec.id for rec in c.get(ids, with_payload=False)}
            keep = [
                k
                for k, i in enumerate(ids)
                if (normalize_id(i) in existing) == (mode == "update_only")
            ]
            ids = [ids[k] for k in keep]
            prim = [prim[k] for k in keep]
            named = [named[k] for k in keep]
            payloads = None if payloads is None else [payloads[k] for k in keep]
        vectors_arg = None if all(v is None for v in prim) else prim
        write_guard(
            c,
            n_points=len(ids),
            named=[
                {**o, **({} if a is None else {"": a})} for a, o in zip(prim, named, strict=True)
            ],
            payloads=payloads,
            timeout=timeout,
        )
        flt = b.get("update_filter")
        if flt is not None:
            existing = {rec.id for rec in c.get([i for i in ids], with_payload=False)}
            allowed = set(c.filter_ids(flt, ids))
            keep = [
                k
                for k, i in enumerate(ids)
                if normalize_id(i) not in existing or normalize_id(i) in allowed
            ]
            ids = [ids[k] for k in keep]
            prim = [prim[k] for k in keep]
            named = [named[k] for k in keep]
            payloads = None if payloads is None else [payloads[k] for k in keep]
            vectors_arg = None if all(v is None for v in prim) else prim
        return c.upsert(ids, vectors_arg, payloads, named=named)

    @r.put("/collections/{name}/points")
    def upsert(name: str, body: JsonBody = None, timeout: int | None = None) -> JSONResponse:
        t = time.perf_counter()
        c = col(name)
        return ok(_completed(_upsert_body(c, _obj(body, "upsert"), timeout)), t)

    @r.post("/collections/{name}/points")
    async def retrieve(name: str, body: JsonBody = None) -> JSONResponse:
        c = col(name)
        ids = body.get("ids") if isinstance(body, dict) else None
        return await lanes.run(
            len(ids) if isinstance(ids, list) else 0, _retrieve, c, body, busy=c.busy
        )

    def _retrieve(c: Collection, body: Any) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, "retrieve")
        read_guard(c, {}, None, None, cost=len(b.get("ids") or []))
        recs = c.get(
            b.get("ids") or [],
            with_payload=_with_payload(b, True),
            with_vectors=_known_names(c, _with_vector(b)),
        )
        return ok([_record(x) for x in recs], t)

    @r.get("/collections/{name}/points/{pid}")
    def get_point(name: str, pid: str) -> JSONResponse:
        t = time.perf_counter()
        key: Any = int(pid) if pid.isdigit() else pid
        recs = col(name).get([key], with_vectors=True)
        if not recs:
            raise NotFoundError(f"No point with id {pid} found")
        return ok(_record(recs[0]), t)

    @r.post("/collections/{name}/points/delete")
    def delete_points(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        ids, flt = _selector(_obj(body, "delete points"))
        c = col(name)
        write_guard(
            c, None if ids is None else len(ids), flt=flt if ids is None else None, kind="delete"
        )
        return ok(_completed(c.delete(ids, filter=flt if ids is None else None)), t)

    def _update_vectors(c: Collection, b: dict[str, Any]) -> int:
        points = b.get("points")
        if not isinstance(points, list):
            raise InvalidInputError("'points' must be a list of {id, vector}")
        ids, prim, named = [], [], []
        for i, p in enumerate(points):
            if not isinstance(p, dict) or "id" not in p:
                raise InvalidInputError(f"points[{i}] needs an 'id' and a 'vector'")
            if not p.get("vector"):
                raise ValidationError(
                    f"Validation error in JSON body: [points[{i}].vector: must specify vectors"
                    " to update for point]"
                )
            a, o = _split_vectors(c, p.get("vector"), f"points[{i}].vector")
            ids.append(p["id"])
            prim.append(a)
            named.append(o)
        write_guard(c, n_points=len(ids), named=named, kind="update vectors")
        if b.get("update_filter") is not None:
            allowed = set(c.filter_ids(b["update_filter"], ids))
            keep = [k for k, i in enumerate(ids) if normalize_id(i) in allowed]
            ids, prim, named = (
                [ids[k] for k in keep],
                [prim[k] for k in keep],
                [named[k] for k in keep],
            )
        return c.update_vectors(ids, prim, named=named)

    @r.put("/collections/{name}/points/vectors")
    def update_vectors(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        return ok(_completed(_update_vectors(col(name), _obj(body, "update vectors"))), t)

    def _delete_vectors(c: Collection, b: dict[str, Any]) -> int:
        names = b.get("vector") or b.get("vectors")
        if not isinstance(names, list):
            raise InvalidInputError("'vector' must be a list of vector names")
        ids, flt = _selector(b)
        return c.delete_vectors(names, ids, filter=flt if ids is None else None)

    @r.post("/collections/{name}/points/vectors/delete")
    def delete_vectors(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        return ok(_completed(_delete_vectors(col(name), _obj(body, "delete vectors"))), t)

    def _payload_op(c: Collection, b: dict[str, Any], mode: str) -> int:
        ids, flt = _selector(b)
        write_guard(
            c, None if ids is None else len(ids), flt=flt if ids is None else None, kind="payload"
        )
        flt = flt if ids is None else None
        if mode == "set":
            return c.set_payload(b.get("payload"), ids, filter=flt, key=b.get("key"))
        if mode == "overwrite":
            return c.overwrite_payload(b.get("payload"), ids, filter=flt)
        if mode == "delete":
            return c.delete_payload(b.get("keys") or [], ids, filter=flt)
        return c.clear_payload(ids, filter=flt)

    def _payload(name: str, body: Any, mode: str) -> JSONResponse:
        t = time.perf_counter()
        return ok(_completed(_payload_op(col(name), _obj(body, f"{mode} payload"), mode)), t)

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
    def batch_update(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        c = col(name)
        ops = _obj(body, "batch update").get("operations")
        if not isinstance(ops, list):
            raise InvalidInputError("'operations' must be a list")
        results = []
        for i, op in enumerate(ops):
            if not isinstance(op, dict) or len(op) != 1:
                raise InvalidInputError(f"operations[{i}] must hold exactly one operation")
            kind, arg = next(iter(op.items()))
            arg = _obj(arg, f"operations[{i}].{kind}")
            if kind == "upsert":
                n = _upsert_body(c, arg)
            elif kind == "delete":
                ids, flt = _selector(arg)
                write_guard(
                    c,
                    None if ids is None else len(ids),
                    flt=flt if ids is None else None,
                    kind="delete",
                )
                n = c.delete(ids, filter=flt if ids is None else None)
            elif kind == "set_payload":
                n = _payload_op(c, arg, "set")
            elif kind == "overwrite_payload":
                n = _payload_op(c, arg, "overwrite")
            elif kind == "delete_payload":
                n = _payload_op(c, arg, "delete")
            elif kind == "clear_payload":
                n = _payload_op(c, arg, "clear")
            elif kind == "update_vectors":
                n = _update_vectors(c, arg)
            elif kind == "delete_vectors":
                n = _delete_vectors(c, arg)
            else:
                raise InvalidInputError(f"operations[{i}]: unknown operation {kind!r}")
            results.append(_completed(n))
        return ok(results, t)

    @r.post("/collections/{name}/points/scroll")
    async def scroll(name: str, body: JsonBody = None, timeout: int | None = None) -> JSONResponse:
        c = col(name)
        return await lanes.run(work(c, body, scroll_work), _scroll, c, body, timeout, busy=c.busy)

    def _scroll(c: Collection, body: Any, timeout: Any) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body or {}, "scroll")
        read_guard(c, b, b.get("filter"), timeout, 1 + filter_cost(parse_filter(b.get("filter"))))
        limit = b.get("limit") if b.get("limit") is not None else 10
        order_by = b.get("order_by")
        if order_by is not None and b.get("offset") is not None:
            raise InvalidInputError(
                "Bad request: Offset is not supported with order_by; use start_from instead"
            )
        if order_by is not None:
            q = {
                "query": {"order_by": order_by},
                "filter": b.get("filter"),
                "limit": limit,
                "with_payload": _with_payload(b, True),
                "with_vector": _with_vector(b),
            }
            hits = run(c, q, checked=True)
            pts = [_record(Record(h.id, h.payload, h.vector)) for h in hits]
            for p, h in zip(pts, hits, strict=True):
                p["order_value"] = h.order_value
            return ok({"points": pts, "next_page_offset": None}, t)
        page, nxt = c.scroll(
            b.get("filter"),
            limit=limit,
            offset=b.get("offset"),
            with_payload=_with_payload(b, True),
            with_vectors=_with_vector(b),
        )
        return ok({"points": [_record(x) for x in page], "next_page_offset": nxt}, t)

    @r.post("/collections/{name}/points/count")
    async def count(name: str, body: JsonBody = None, timeout: int | None = None) -> JSONResponse:
        c = col(name)
        flt = body.get("filter") if isinstance(body, dict) else None
        return await lanes.run(work(c, flt, filter_work), _count, c, body, timeout, busy=c.busy)

    def _count(c: Collection, body: Any, timeout: Any) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body or {}, "count")
        read_guard(c, {}, b.get("filter"), timeout, 1 + filter_cost(parse_filter(b.get("filter"))))
        return ok({"count": c.count(b.get("filter"))}, t)

    @r.post("/collections/{name}/points/query")
    async def query(name: str, body: JsonBody = None, timeout: int | None = None) -> JSONResponse:
        c = col(name)
        return await lanes.run(work(c, body), _query, c, body, timeout, busy=c.busy)

    def _query(c: Collection, body: Any, timeout: Any) -> JSONResponse:
        t = time.perf_counter()
        return ok({"points": _scored(run(c, _obj(body or {}, "query"), timeout))}, t)

    def _batch_work(c: Collection, body: Any) -> float:
        searches = body.get("searches") if isinstance(body, dict) else None
        return sum(work(c, q) for q in searches) if isinstance(searches, list) else 0.0

    @r.post("/collections/{name}/points/query/batch")
    async def query_batch(
        name: str, body: JsonBody = None, timeout: int | None = None
    ) -> JSONResponse:
        c = col(name)
        return await lanes.run(_batch_work(c, body), _query_batch, c, body, timeout, busy=c.busy)

    def _query_batch(c: Collection, body: Any, timeout: Any) -> JSONResponse:
        t = time.perf_counter()
        searches = _obj(body, "query batch").get("searches")
        if not isinstance(searches, list):
            raise InvalidInputError("'searches' must be a list of query requests")
        parsed = [_obj(s, f"searches[{i}]") for i, s in enumerate(searches)]
        strict(c).check_batch(len(parsed))
        return ok([{"points": _scored(run(c, s, timeout))} for s in parsed], t)

    def _groups(
        name: str, body: Any, convert: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, "groups")
        key = b.get("group_by")
        if not isinstance(key, str):
            raise InvalidInputError("'group_by' must be a payload key")
        size = b.get("group_size", 1)
        limit = b.get("limit", 10)
        if not isinstance(size, int) or size < 1 or not isinstance(limit, int) or limit < 1:
            raise InvalidInputError("group_size and limit must be positive integers")
        c = col(name)
        q = convert(
            {k: v for k, v in b.items() if k not in ("group_by", "group_size", "with_lookup")}
        )
        sm = strict(c)
        if sm.enabled:
            sm.check_read(c, {**q, "limit": size * limit}, parse_filter(q.get("filter")), None)
            sm.check_group_by(c, key)
            if sm.read_rate_limit is not None:
                for cost in query_costs(c, q):
                    limiter.take(c.name, "read", sm.read_rate_limit, cost)
        q["with_payload"] = _with_payload(b, False)
        lookup = b.get("with_lookup")
        if lookup:
            target = lookup if isinstance(lookup, str) else lookup.get("collection")
            if not get_db().has_collection(resolve_alias(str(target))):
                raise NotFoundError(f"Collection {target} not found")
        # widen the candidate pool until every group is full or the collection is spent
        k = max(size * limit * 4, 64)
        while True:
            q["limit"] = k
            hits = run(c, q, checked=True)
            groups = _group_hits(c, hits, key, size, limit, lookup, get_db())
            full = len(groups) >= limit and all(len(g["hits"]) >= size for g in groups)
            if full or len(hits) < k or k >= len(c):
                break
            k *= 4
        return ok({"groups": groups}, t)

    @r.post("/collections/{name}/points/query/groups")
    async def query_groups(name: str, body: JsonBody = None) -> JSONResponse:
        return await lanes.run(
            _groups_work(name, body), _groups, name, body, lambda b: b, busy=col(name).busy
        )

    @r.post("/collections/{name}/points/search/groups")
    async def search_groups(name: str, body: JsonBody = None) -> JSONResponse:
        return await lanes.run(
            _groups_work(name, body), _groups, name, body, _legacy_search, busy=col(name).busy
        )

    @r.post("/collections/{name}/points/recommend/groups")
    async def recommend_groups(name: str, body: JsonBody = None) -> JSONResponse:
        return await lanes.run(
            _groups_work(name, body), _groups, name, body, _legacy_recommend, busy=col(name).busy
        )

    def _groups_work(name: str, body: Any) -> float:
        if not isinstance(body, dict):
            return 0.0
        size, limit = body.get("group_size", 1), body.get("limit", 10)
        widened = (
            {**body, "limit": size * limit * 4}
            if isinstance(size, int) and isinstance(limit, int)
            else body
        )
        return work(col(name), widened)

    def _legacy_work(name: str, body: Any, batch: bool) -> float:
        if batch:
            return _batch_work(col(name), body)
        return work(col(name), body)

    def _legacy(
        name: str, body: Any, convert: Callable[[dict[str, Any]], dict[str, Any]], batch: bool
    ) -> JSONResponse:
        t = time.perf_counter()
        c = col(name)
        b = _obj(body, "search")
        if batch:
            searches = b.get("searches")
            if not isinstance(searches, list):
                raise InvalidInputError("'searches' must be a list")
            strict(c).check_batch(len(searches))
            return ok([_scored(run(c, convert(_obj(s, "searches[]")))) for s in searches], t)
        return ok(_scored(run(c, convert(b))), t)

    @r.post("/collections/{name}/points/search")
    async def search(name: str, body: JsonBody = None) -> JSONResponse:
        return await lanes.run(
            _legacy_work(name, body, False),
            _legacy,
            name,
            body,
            _legacy_search,
            False,
            busy=col(name).busy,
        )

    @r.post("/collections/{name}/points/search/batch")
    async def search_batch(name: str, body: JsonBody = None) -> JSONResponse:
        return await lanes.run(
            _legacy_work(name, body, True),
            _legacy,
            name,
            body,
            _legacy_search,
            True,
            busy=col(name).busy,
        )

    @r.post("/collections/{name}/points/recommend")
    async def recommend(name: str, body: JsonBody = None) -> JSONResponse:
        return await lanes.run(
            _legacy_work(name, body, False),
            _legacy,
            name,
            body,
            _legacy_recommend,
            False,
            busy=col(name).busy,
        )

    @r.post("/collections/{name}/points/recommend/batch")
    async def recommend_batch(name: str, body: JsonBody = None) -> JSONResponse:
        return await lanes.run(
            _legacy_work(name, body, True),
            _legacy,
            name,
            body,
            _legacy_recommend,
            True,
            busy=col(name).busy,
        )

    @r.post("/collections/{name}/points/discover")
    async def discover(name: str, body: JsonBody = None) -> JSONResponse:
        return await lanes.run(
            _legacy_work(name, body, False),
            _legacy,
            name,
            body,
            _legacy_discover,
            False,
            busy=col(name).busy,
        )

    @r.post("/collections/{name}/points/discover/batch")
    async def discover_batch(name: str, body: JsonBody = None) -> JSONResponse:
        return await lanes.run(
            _legacy_work(name, body, True),
            _legacy,
            name,
            body,
            _legacy_discover,
            True,
            busy=col(name).busy,
        )

    def _matrix(name: str, body: Any) -> tuple[list[Any], list[list[tuple[int, float]]]]:
        b = _obj(body or {}, "search matrix")
        c = col(name)
        sample, per = b.get("sample"), b.get("limit")
        both = isinstance(sample, int) and isinstance(per, int)
        read_guard(c, {"limit": sample * per if both else per or sample}, b.get("filter"), None)
        return distance_matrix(
            c, b.get("sample", 10), b.get("limit", 3), b.get("filter"), b.get("using")
        )

    @r.post("/collections/{name}/points/search/matrix/pairs")
    def matrix_pairs(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        ids, rows = _matrix(name, body)
        pairs = [
            {"a": ids[i], "b": ids[j], "score": _f32(sc)}
            for i, row in enumerate(rows)
            for j, sc in row
        ]
        return ok({"pairs": pairs}, t)

    @r.post("/collections/{name}/points/search/matrix/offsets")
    def matrix_offsets(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        ids, rows = _matrix(name, body)
        flat = [(i, j, sc) for i, row in enumerate(rows) for j, sc in row]
        return ok(
            {
                "offsets_row": [i for i, _, _ in flat],
                "offsets_col": [j for _, j, _ in flat],
                "scores": [_f32(sc) for _, _, sc in flat],
                "ids": ids,
            },
            t,
        )

    @r.get("/collections/{name}/optimizations")
    def optimizations(name: str, with_: str | None = Query(None, alias="with")) -> JSONResponse:
        t = time.perf_counter()
        c = col(name)
        # a ferrox collection is one segment; its optimizer is the background graph build
        segment = {
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ferrox:segment:{c.name}")),
            "points_count": len(c),
        }
        running = []
        if c.indexing:
            running.append(
                {
                    "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ferrox:index:{c.name}")),
                    "optimizer": "indexing",
                    "status": "optimizing",
                    "segments": [segment],
                    "progress": {"name": "indexing", "children": []},
                }
            )
        out: dict[str, Any] = {
            "summary": {
                "queued_optimizations": 0,
                "queued_segments": 0,
                "queued_points": 0,
                "idle_segments": 0 if running else 1,
            },
            "running": running,
        }
        wanted = {part.strip() for part in (with_ or "").split(",")}
        for part in ("queued", "completed", "idle_segments"):
            if part in wanted:
                out[part] = [segment] if part == "idle_segments" and not running else []
        return ok(out, t)

    @r.post("/collections/{name}/facet")
    async def facet(name: str, body: JsonBody = None) -> JSONResponse:
        c = col(name)
        flt = body.get("filter") if isinstance(body, dict) else None
        est = len(c) * lanes.rules.scan_weight + work(c, flt, filter_work)
        return await lanes.run(est, _facet, name, body, busy=c.busy)

    def _facet(name: str, body: Any) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, "facet")
        key = b.get("key")
        if not isinstance(key, str):
            raise InvalidInputError("facet needs a 'key'")
        limit = b.get("limit", 10)
        return ok({"hits": col(name).facet(key, b.get("filter"), limit, bool(b.get("exact")))}, t)

    # ---------------------------------------------------------------- payload indexes
    @r.put("/collections/{name}/index")
    def create_index(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, "create index")
        schema = b.get("field_schema")
        params: dict[str, Any] = {}
        if isinstance(schema, dict):
            params = {k: v for k, v in schema.items() if k != "type"}
            schema = schema.get("type")
        if not isinstance(b.get("field_name"), str) or not isinstance(schema, str):
            raise InvalidInputError("create index needs 'field_name' and 'field_schema'")
        c = col(name)
        sm = strict(c)
        if sm.enabled:
            sm.check_create_index(c)
            limiter.take(c.name, "write", sm.write_rate_limit, 1)
        return ok(_completed(c.create_payload_index(b["field_name"], schema, params)), t)

    @r.delete("/collections/{name}/index/{field}")
    def delete_index(name: str, field: str) -> JSONResponse:
        t = time.perf_counter()
        return ok(_completed(col(name).delete_payload_index(field)), t)

    # ---------------------------------------------------------------- snapshots
    def _describe(path: Path) -> dict[str, Any]:
        st = path.stat()
        created = datetime.fromtimestamp(st.st_mtime, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return {
            "name": path.name,
            "creation_time": created,
            "size": st.st_size,
            "checksum": _checksum(path),
        }

    def _snap_dir(name: str) -> Path:
        return snapshots_dir() / name

    def _made(path: Path, wait: bool, t: float) -> JSONResponse:
        if not wait:  # made already; Qdrant answers 202 when not asked to wait
            return JSONResponse(
                {"result": None, "status": "accepted", "time": time.perf_counter() - t},
                status_code=202,
            )
        return ok(_describe(path), t)

    @r.post("/collections/{name}/snapshots")
    def create_snapshot(name: str, wait: bool = True) -> JSONResponse:
        t = time.perf_counter()
        path = get_db().snapshot(resolve_alias(name), _snap_dir(resolve_alias(name)))
        _checksum(path)
        return _made(path, wait, t)

    @r.get("/collections/{name}/snapshots")
    def list_snapshots(name: str) -> JSONResponse:
        t = time.perf_counter()
        col(name)
        d = _snap_dir(resolve_alias(name))
        files = sorted(d.glob("*.snapshot")) if d.is_dir() else []
        return ok([_describe(p) for p in files], t)

    def _snapshot_file(directory: Path, snapshot: str, what: str) -> Path:
        path = directory / snapshot
        if (
            "/" in snapshot
            or ".." in snapshot
            or not snapshot.endswith(".snapshot")
            or not path.is_file()
        ):
            raise NotFoundError(f"Snapshot {snapshot} of {what} not found")
        return path

    @r.get("/collections/{name}/snapshots/{snapshot}")
    def download_snapshot(name: str, snapshot: str) -> FileResponse:
        col(name)
        path = _snapshot_file(_snap_dir(resolve_alias(name)), snapshot, f"collection {name}")
        return FileResponse(path, filename=snapshot)

    @r.delete("/collections/{name}/snapshots/{snapshot}")
    def delete_snapshot(name: str, snapshot: str, wait: bool = True) -> JSONResponse:
        t = time.perf_counter()
        path = _snapshot_file(_snap_dir(resolve_alias(name)), snapshot, f"collection {name}")
        path.unlink()
        path.with_name(path.name + ".checksum").unlink(missing_ok=True)
        if not wait:
            return JSONResponse(
                {"result": None, "status": "accepted", "time": time.perf_counter() - t},
                status_code=202,
            )
        return ok(True, t)

    @r.put("/collections/{name}/snapshots/recover")
    def recover_snapshot(name: str, body: JsonBody = None) -> JSONResponse:
        t = time.perf_counter()
        b = _obj(body, "recover snapshot")
        _check_sha256(b.get("checksum"), "JSON body")
        location = b.get("location")
        if not isinstance(location, str):
            raise InvalidInputError("'location' must be a file:// URL or a path on the server")
        parsed = urlparse(location)
        if parsed.scheme in ("http", "https"):
            return _recover_download(name, location, b.get("checksum"), t)
        if parsed.scheme not in ("", "file"):
            raise InvalidInputError(
                f"Bad request: unsupported snapshot URI scheme {parsed.scheme!r}"
            )
        if parsed.netloc not in ("", "localhost") or not parsed.path.startswith("/"):
            raise InvalidInputError(
                "Bad request: Invalid snapshot URI, file path must be absolute or on localhost"
            )
        path = Path(unquote(parsed.path))
        if not path.is_file():
            raise InvalidInputError(f'Bad request: Snapshot file "{path}" does not exist')
        allowed = snapshots_dir().resolve()
        path = path.resolve()
        if not path.is_relative_to(allowed):
            raise ForbiddenError(
                f'Forbidden: Snapshot file path must be inside the snapshots directory "{allowed}"'
            )
        checksum = b.get("checksum")
        if checksum is not None and checksum.lower() != _checksum(path):
            raise InvalidInputError(
                f"Bad request: Snapshot checksum mismatch: expected {checksum},"
                f" got {_checksum(path)}"
            )
        get_db().restore(path, name, overwrite=True)
        return ok(True, t)

    # one shard (id 0) per collection: its snapshots are the collection's
    def _shard(name: str, shard_id: int) -> None:
        col(name)
        if shard_id != 0:
            raise NotFoundError(f"Shard {shard_id} does not exist")

    @r.get("/collections/{name}/shards/{shard_id}/snapshots")
    def list_shard_snapshots(name: str, shard_id: int) -> JSONResponse:
        _shard(name, shard_id)
        return list_snapshots(name)

    @r.post("/collections/{name}/shards/{shard_id}/snapshots")
    def create_shard_snapshot(name: str, shard_id: int, wait: bool = True) -> JSONResponse:
        _shard(name, shard_id)
        return create_snapshot(name, wait)

    @r.get("/collections/{name}/shards/{shard_id}/snapshots/{snapshot}")
    def download_shard_snapshot(name: str, shard_id: int, snapshot: str) -> FileResponse:
        _shard(name, shard_id)
        return download_snapshot(name, snapshot)

    @r.delete("/collections/{name}/shards/{shard_id}/snapshots/{snapshot}")
    def delete_shard_snapshot(
        name: str, shard_id: int, snapshot: str, wait: bool = True
    ) -> JSONResponse:
        _shard(name, shard_id)
        return delete_snapshot(name, snapshot, wait)

    @r.put("/collections/{name}/shards/{shard_id}/snapshots/recover")
    def recover_shard_snapshot(name: str, shard_id: int, body: JsonBody = None) -> JSONResponse:
        _shard(name, shard_id)
        return recover_snapshot(name, body)

    def _recover_download(name: str, url: str, checksum: Any, t: float) -> JSONResponse:
        """Fetch a snapshot over HTTP(S) into the snapshots directory, check, restore."""
        incoming = snapshots_dir() / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=incoming, suffix=".snapshot")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as f, httpx.stream("GET", url, timeout=60) as resp:
                if resp.status_code != 200:
                    raise InvalidInputError(
                        f"Bad request: Failed to download snapshot from {url}: HTTP"
                        f" {resp.status_code}"
                    )
                for chunk in resp.iter_bytes(1 << 20):
                    f.write(chunk)
            if checksum is not None and checksum.lower() != _checksum(tmp):
                raise InvalidInputError(
                    f"Bad request: Snapshot checksum mismatch: expected {checksum},"
                    f" got {_checksum(tmp)}"
                )
            get_db().restore(tmp, name, overwrite=True)
        except httpx.HTTPError as exc:
            raise InvalidInputError(
                f"Bad request: Failed to download snapshot from {url}: {exc}"
            ) from exc
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".checksum").unlink(missing_ok=True)
        return ok(True, t)

    def _incoming() -> Path:
        incoming = snapshots_dir() / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        return incoming

    async def _receive_upload(request: Request) -> Path:
        """The multipart form's ``snapshot`` file, streamed to a file of its own."""
        boundary = _multipart_boundary(request.headers.get("content-type", ""))
        fd, raw_name = tempfile.mkstemp(dir=_incoming(), suffix=".upload")
        raw = Path(raw_name)
        try:
            with os.fdopen(fd, "wb") as f:
                async for chunk in request.stream():
                    f.write(chunk)
            return await run_in_threadpool(_extract_part, raw, boundary, "snapshot")
        finally:
            raw.unlink(missing_ok=True)

    def _recover_upload(
        name: str, path: Path, checksum: str | None, *, partial: bool = False
    ) -> None:
        try:
            if checksum is not None and checksum.lower() != _checksum(path):
                raise InvalidInputError(
                    f"Bad request: Snapshot checksum mismatch: expected {checksum},"
                    f" got {_checksum(path)}"
                )
            get_db().restore(path, name, overwrite=True, partial=partial)
        finally:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".checksum").unlink(missing_ok=True)

    def _done(wait: bool, t: float) -> JSONResponse:
        if not wait:  # done already; Qdrant answers 202 when not asked to wait
            return JSONResponse(
                {"result": None, "status": "accepted", "time": time.perf_counter() - t},
                status_code=202,
            )
        return ok(True, t)

    @r.post("/collections/{name}/snapshots/upload")
    async def upload_snapshot(
        name: str,
        request: Request,
        wait: bool = True,
        priority: str | None = None,
        checksum: str | None = None,
    ) -> JSONResponse:
        t = time.perf_counter()
        await _upload_and_recover(name, request, priority, checksum)
        return _done(wait, t)

    async def _upload_and_recover(
        name: str,
        request: Request,
        priority: str | None,
        checksum: str | None,
        *,
        shard_id: int | None = None,
        partial: bool = False,
    ) -> None:
        """The upload routes' common body: checks, the streamed upload, the recovery."""
        _check_sha256(checksum, "query parameters")
        _check_priority(priority)
        if shard_id is not None:
            await run_in_threadpool(_shard, name, shard_id)
            name = resolve_alias(name)
        path = await _receive_upload(request)
        await run_in_threadpool(lambda: _recover_upload(name, path, checksum, partial=partial))

    @r.post("/collections/{name}/shards/{shard_id}/snapshots/upload")
    async def upload_shard_snapshot(
        name: str,
        shard_id: int,
        request: Request,
        wait: bool = True,
        priority: str | None = None,
        checksum: str | None = None,
    ) -> JSONResponse:
        t = time.perf_counter()
        await _upload_and_recover(name, request, priority, checksum, shard_id=shard_id)
        return _done(wait, t)

    def _send_and_remove(path: Path) -> FileResponse:
        def remove() -> None:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".checksum").unlink(missing_ok=True)

        return FileResponse(path, filename=path.name, background=BackgroundTask(remove))

    @r.get("/collections/{name}/shards/{shard_id}/snapshot")
    def stream_shard_snapshot(name: str, shard_id: int) -> FileResponse:
        _shard(name, shard_id)
        return _send_and_remove(get_db().snapshot(resolve_alias(name), _incoming()))

    @r.get("/collections/{name}/shards/{shard_id}/snapshot/partial/manifest")
    def partial_snapshot_manifest(name: str, shard_id: int) -> JSONResponse:
        t = time.perf_counter()
        _shard(name, shard_id)
        return ok(get_db().partial_manifest(resolve_alias(name)), t)

    @r.post("/collections/{name}/shards/{shard_id}/snapshot/partial/create", response_model=None)
    def create_partial_snapshot(
        name: str, shard_id: int, body: JsonBody = None
    ) -> FileResponse | Response:
        _shard(name, shard_id)
        path = get_db().partial_snapshot(resolve_alias(name), _incoming(), body)
        if path is None:  # the peer holds everything: Qdrant's empty partial snapshot
            return Response(status_code=304)
        return _send_and_remove(path)

    @r.post("/collections/{name}/shards/{shard_id}/snapshot/partial/recover")
    async def recover_partial_snapshot(
        name: str,
        shard_id: int,
        request: Request,
        wait: bool = True,
        priority: str | None = None,
        checksum: str | None = None,
    ) -> JSONResponse:
        t = time.perf_counter()
        await _upload_and_recover(
            name, request, priority, checksum, shard_id=shard_id, partial=True
        )
        return _done(wait, t)

    # ---------------------------------------------------------------- cluster
    # a standalone server: no consensus, no peers (Qdrant's ``disabled`` cluster)
    @r.get("/cluster")
    def cluster_status() -> JSONResponse:
        return ok({"status": "disabled"}, time.perf_counter())

    def _standalone(what: str) -> StandaloneModeError:
        return StandaloneModeError(
            f"{what} needs distributed mode, and this server is running in standalone mode"
        )

    @r.post("/cluster/recover")
    def recover_current_peer() -> JSONResponse:
        raise _standalone("recovering the peer from consensus")

    @r.delete("/cluster/peer/{peer_id}")
    def remove_peer(peer_id: int) -> JSONResponse:
        raise _standalone(f"removing peer {peer_id}")

    def _full_dir() -> Path:
        return snapshots_dir() / ".full"

    @r.get("/snapshots")
    def list_full_snapshots() -> JSONResponse:
        t = time.perf_counter()
        d = _full_dir()
        files = sorted(d.glob("*.snapshot")) if d.is_dir() else []
        return ok([_describe(p) for p in files], t)

    @r.post("/snapshots")
    def create_full_snapshot(wait: bool = True) -> JSONResponse:
        t = time.perf_counter()
        path = get_db().full_snapshot(_full_dir())
        _checksum(path)
        return _made(path, wait, t)

    @r.get("/snapshots/{snapshot}")
    def download_full_snapshot(snapshot: str) -> FileResponse:
        return FileResponse(_snapshot_file(_full_dir(), snapshot, "the storage"), filename=snapshot)

    @r.delete("/snapshots/{snapshot}")
    def delete_full_snapshot(snapshot: str, wait: bool = True) -> JSONResponse:
        t = time.perf_counter()
        path = _snapshot_file(_full_dir(), snapshot, "the storage")
        path.unlink()
        path.with_name(path.name + ".checksum").unlink(missing_ok=True)
        if not wait:
            return JSONResponse(
                {"result": None, "status": "accepted", "time": time.perf_counter() - t},
                status_code=202,
            )
        return ok(True, t)

    @r.api_route(
        "/collections/{name}/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"]
    )
    def not_implemented(name: str, rest: str, request: Request) -> JSONResponse:
        if "snapshots/" in rest or ".." in rest:  # a snapshot name with a slash in it
            raise NotFoundError(f"no route {request.method} {request.url.path}")
        raise UnsupportedError(
            f"{request.method} /collections/{{name}}/{rest} is not implemented by ferrox"
        )

    return r


def _checksum(path: Path) -> str:
    """The file's SHA-256, kept beside it (``NAME.checksum``) once computed."""
    side = path.with_name(path.name + ".checksum")
    try:
        if side.stat().st_mtime >= path.stat().st_mtime:
            return side.read_text().strip()
    except OSError:
        pass
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    side.write_text(h.hexdigest())
    return h.hexdigest()


_SNAPSHOT_PRIORITIES = ("no_sync", "snapshot", "replica")


def _check_sha256(value: Any, where: str) -> None:
    """Qdrant's check of a ``checksum``: 64 hexadecimal digits (422 otherwise)."""
    if value is None:
        return
    if not isinstance(value, str) or len(value) != 64:
        got = len(value) if isinstance(value, str) else type(value).__name__
        raise ValidationError(
            f"Validation error in {where}: [checksum: invalid_sha256_hash: expected 64"
            f" characters, got {got}]"
        )
    if not all(c in "0123456789abcdefABCDEF" for c in value):
        raise ValidationError(
            f"Validation error in {where}: [checksum: invalid_sha256_hash: invalid"
            " characters, expected 0-9, a-f, A-F]"
        )


def _check_priority(value: str | None) -> None:
    # one replica per shard: every priority recovers the same way, but only known ones
    if value is not None and value not in _SNAPSHOT_PRIORITIES:
        raise InvalidInputError(
            "Deserialize error in query parameters: unknown variant"
            f" `{value}`, expected one of {', '.join(f'`{p}`' for p in _SNAPSHOT_PRIORITIES)}"
        )


def _multipart_boundary(content_type: str) -> bytes:
    mime, _, params = content_type.partition(";")
    if mime.strip().lower() == "multipart/form-data":
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "boundary" and value.strip().strip('"'):
                return value.strip().strip('"').encode()
    raise InvalidInputError(
        "Bad request: upload the snapshot as multipart/form-data with a 'snapshot' file field"
    )


_FIELD_NAME = re.compile(r'(?:^|;)\s*name="([^"]*)"', re.IGNORECASE)


def _extract_part(raw: Path, boundary: bytes, field: str) -> Path:
    """Copy the multipart body ``raw``'s part named ``field`` into a file beside it."""
    delim = b"--" + boundary
    with open(raw, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            raise InvalidInputError(f"Bad request: the upload has no '{field}' file field")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            pos = m.find(delim)
            while pos != -1 and m[pos + len(delim) : pos + len(delim) + 2] != b"--":
                head_end = m.find(b"\r\n\r\n", pos)
                end = m.find(b"\r\n" + delim, head_end + 4) if head_end != -1 else -1
                if end == -1:
                    break
                headers = m[pos + len(delim) : head_end].decode("utf-8", "replace")
                names = [
                    _FIELD_NAME.search(line.partition(":")[2])
                    for line in headers.split("\r\n")
                    if line.lower().startswith("content-disposition:")
                ]
                if names and names[0] is not None and names[0].group(1) == field:
                    fd, out_name = tempfile.mkstemp(dir=raw.parent, suffix=".snapshot")
                    with os.fdopen(fd, "wb") as out:
                        for at in range(head_end + 4, end, 1 << 20):
                            out.write(m[at : min(at + (1 << 20), end)])
                    return Path(out_name)
                pos = end + 2
    raise InvalidInputError(f"Bad request: the upload has no '{field}' file field")
