"""What the server reports about itself: request counts and latencies per route, and the
collections it holds — as Qdrant's ``/telemetry`` JSON and ``/metrics`` (Prometheus text),
plus ``/issues`` (performance hints; ferrox records none yet)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import ferrox
from ferrox.errors import ConflictError, NotFoundError
from ferrox.vectordb import Collection, Database

__all__ = ["RequestStats", "prometheus", "telemetry"]

T = TypeVar("T")

_INSTANCE_ID = str(uuid.uuid4())
_STARTED = datetime.now(tz=UTC)


@dataclass
class _Timing:
    count: int = 0
    total: float = 0.0
    low: float = float("inf")
    high: float = 0.0
    last: float = 0.0

    def json(self, detailed: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "count": self.count,
            "avg_duration_micros": self.total / self.count * 1e6 if self.count else 0.0,
        }
        if detailed:
            out.update(
                min_duration_micros=self.low * 1e6,
                max_duration_micros=self.high * 1e6,
                total_duration_micros=int(self.total * 1e6),
                last_responded=datetime.fromtimestamp(self.last, tz=UTC)
                .isoformat()
                .replace("+00:00", "Z"),
            )
        return out


class RequestStats:
    """Responses per ``METHOD /route/{template}`` and status code (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by: dict[str, dict[int, _Timing]] = {}
        self._collections: dict[str, dict[str, dict[int, _Timing]]] = {}

    def record(self, endpoint: str, status: int, seconds: float, collection: str | None) -> None:
        """Count one response."""
        with self._lock:
            for table in (
                self._by,
                self._collections.setdefault(collection, {}) if collection else None,
            ):
                if table is None:
                    continue
                t = table.setdefault(endpoint, {}).setdefault(status, _Timing())
                t.count += 1
                t.total += seconds
                t.low = min(t.low, seconds)
                t.high = max(t.high, seconds)
                t.last = time.time()

    def responses(self, detailed: bool) -> dict[str, dict[str, Any]]:
        """``{endpoint: {status: timing}}`` as Qdrant prints it."""
        with self._lock:
            return {
                e: {str(code): t.json(detailed) for code, t in codes.items()}
                for e, codes in self._by.items()
            }

    def per_collection(self, detailed: bool) -> dict[str, Any]:
        """The same, per collection."""
        with self._lock:
            return {
                c: {
                    e: {str(code): t.json(detailed) for code, t in codes.items()}
                    for e, codes in table.items()
                }
                for c, table in self._collections.items()
            }

    def totals(self) -> list[tuple[str, str, int, float]]:
        """(method, route, status, count, seconds) rows for the metrics."""
        with self._lock:
            return [
                (e, str(code), t.count, t.total)  # type: ignore[misc]
                for e, codes in self._by.items()
                for code, t in codes.items()
            ]


def _memory() -> dict[str, int]:
    rss = 0
    try:
        with open("/proc/self/statm") as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    return {
        "active_bytes": rss,
        "allocated_bytes": rss,
        "metadata_bytes": 0,
        "resident_bytes": rss,
        "retained_bytes": rss,
    }


def _each_collection(db: Database, names: list[str], report: Callable[[Collection], T]) -> list[T]:
    """``report(collection)`` for each of ``names`` still there: one deleted since the
    listing (by a concurrent request) is left out rather than failing the whole report."""
    out = []
    for name in names:
        try:
            out.append(report(db.collection(name)))
        except (NotFoundError, ConflictError):
            continue
    return out


def _collection(col: Collection, level: int) -> dict[str, Any]:
    name = col.name
    info = col.info()
    c = col.config
    vectors: dict[str, Any] = {}
    if c.primary is not None:
        vectors[c.primary] = {"size": c.size, "distance": c.distance.value}
    for n, space in col.spaces.items():
        vectors[n] = space.config_json()
    from ferrox.server.qdrant_api import collection_info  # the Qdrant shape of the params

    params = collection_info(col)["config"]["params"]
    if level == 1:
        return {
            "vectors": len(vectors),
            "optimizers_status": "ok",
            "params": params,
        }
    config = {
        "params": params,
        "hnsw_config": {"m": c.m, "ef_construct": c.ef_construct},
        "optimizer_config": {},
        "wal_config": {"wal_capacity_mb": 32, "wal_segments_ahead": 0},
    }
    out: dict[str, Any] = {"id": name, "init_time_ms": 0, "config": config}
    if level >= 3:
        by_name = {n: len(s.values) for n, s in col.stores.items()}
        if c.primary is not None:
            by_name[c.primary] = info["points_count"] - len(col.absent)
        local: dict[str, Any] = {
            "variant_name": "local",
            "status": "green",
            "total_optimized_points": 0,
            "vectors_size_bytes": col.vector_bytes(),
            "payloads_size_bytes": col.payload_bytes(),
            "num_points": info["points_count"],
            "num_vectors": sum(by_name.values()),
            "num_vectors_by_name": by_name,
            "optimizations": {"status": "ok", "optimizations": {}, "log": []},
            "async_scorer": False,
            "update_queue": {"length": 0, "op_num": info["operation_id"]},
        }
        if level >= 4:
            local["segments"] = [
                {
                    "info": {
                        "segment_type": "plain",
                        "num_vectors": sum(by_name.values()),
                        "num_points": info["points_count"],
                        "num_indexed_vectors": info["indexed_vectors_count"],
                        "num_deleted_vectors": 0,
                        "vectors_size_bytes": col.vector_bytes(),
                        "payloads_size_bytes": col.payload_bytes(),
                        "ram_usage_bytes": 0,
                        "disk_usage_bytes": 0,
                        "is_appendable": True,
                        "index_schema": {},
                        "vector_data": {},
                    },
                    "config": {"vector_data": {}, "payload_storage_type": {"type": "in_memory"}},
                    "vector_index_searches": [],
                    "payload_field_indices": [],
                }
            ]
            local["indexed_only_excluded_vectors"] = {}
        out.update(
            shards=[
                {
                    "id": 0,
                    "key": None,
                    "local": local,
                    "remote": [],
                    "replicate_states": {},
                    "partial_snapshot": None,
                }
            ],
            transfers=[],
            resharding=[],
        )
    return out


def telemetry(
    db: Database, stats: RequestStats, level: int, per_collection: bool
) -> dict[str, Any]:
    """Qdrant's TelemetryData for ``details_level``."""
    names = db.list_collections()
    detailed = level >= 1
    rest: dict[str, Any] = {"responses": stats.responses(detailed)}
    if per_collection:
        rest["per_collection_responses"] = stats.per_collection(detailed)
    out: dict[str, Any] = {
        "id": _INSTANCE_ID,
        "app": {
            "name": "ferrox",
            "version": ferrox.__version__,
            "startup": _STARTED.isoformat().replace("+00:00", "Z"),
            # Qdrant's build features; ferrox has none of its debug and staging hooks
            "features": {
                "debug": False,
                "web_feature": False,
                "service_debug_feature": False,
                "recovery_mode": False,
                "gpu": False,
                "rocksdb": False,
                "staging": False,
            },
        },
        "collections": {"number_of_collections": len(names)},
        "cluster": {"enabled": False},
        "requests": {"rest": rest, "grpc": {"responses": {}}},
        "quota": None,
    }
    if level >= 1:
        out["collections"]["collections"] = _each_collection(
            db, names, lambda c: _collection(c, level)
        )
        out["collections"]["snapshots"] = []
        out["memory"] = _memory()
        out["hardware"] = {"collection_data": {}}
        out["search_pool"] = {"active_workers": 0, "total_workers": os.cpu_count() or 1}
    return out


def prometheus(db: Database, stats: RequestStats, per_collection: bool) -> str:
    """The metrics in Prometheus' text format."""
    lines = [
        "# HELP app_info information about qdrant server",
        "# TYPE app_info gauge",
        f'app_info{{name="qdrant",version="{ferrox.__version__}",server="ferrox"}} 1',
        "# HELP collections_total number of collections",
        "# TYPE collections_total gauge",
    ]
    names = db.list_collections()
    lines.append(f"collections_total {len(names)}")
    lines += [
        "# HELP collection_points approximate amount of points per collection",
        "# TYPE collection_points gauge",
    ]
    lines += _each_collection(db, names, lambda c: f'collection_points{{id="{c.name}"}} {len(c)}')
    lines += [
        "# HELP rest_responses_total total number of responses",
        "# TYPE rest_responses_total counter",
    ]
    rows = stats.totals()
    for endpoint, code, count, _ in rows:
        method, _, route = endpoint.partition(" ")
        lines.append(
            f'rest_responses_total{{method="{method}",endpoint="{route}",status="{code}"}} {count}'
        )
    if per_collection:
        for col, table in stats.per_collection(False).items():
            for endpoint, codes in table.items():
                method, _, route = endpoint.partition(" ")
                for code, t in codes.items():
                    lines.append(
                        f'rest_responses_total{{method="{method}",endpoint="{route}",'
                        f'status="{code}",collection="{col}"}} {t["count"]}'
                    )
    lines += [
        "# HELP rest_responses_duration_seconds total time spent answering",
        "# TYPE rest_responses_duration_seconds counter",
    ]
    for endpoint, code, _, seconds in rows:
        method, _, route = endpoint.partition(" ")
        lines.append(
            f'rest_responses_duration_seconds_sum{{method="{method}",endpoint="{route}",'
            f'status="{code}"}} {seconds:.6f}'
        )
    return "\n".join(lines) + "\n"
