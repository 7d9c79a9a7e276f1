"""Strict mode: a collection's limits on what a request may ask (Qdrant's
``strict_mode_config``). Checks run before an operation touches anything; a request over
a limit gets a 400 with the limit named, or a 429 with ``Retry-After`` for rate limits.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ferrox.errors import InvalidInputError, RateLimitedError
from ferrox.vectordb.filters import Condition, FieldCondition, Filter, Nested

__all__ = ["RateLimiter", "StrictMode", "required_index"]


@dataclass(frozen=True)
class StrictMode:
    """The parsed config; ``None`` fields do not limit."""

    enabled: bool = False
    max_query_limit: int | None = None
    max_timeout: int | None = None
    unindexed_filtering_retrieve: bool | None = None
    unindexed_filtering_update: bool | None = None
    search_max_hnsw_ef: int | None = None
    search_allow_exact: bool | None = None
    search_max_oversampling: float | None = None
    upsert_max_batchsize: int | None = None
    search_max_batchsize: int | None = None
    max_collection_vector_size_bytes: int | None = None
    max_collection_payload_size_bytes: int | None = None
    max_points_count: int | None = None
    read_rate_limit: int | None = None
    write_rate_limit: int | None = None
    filter_max_conditions: int | None = None
    condition_max_size: int | None = None
    max_payload_index_count: int | None = None
    multivector_config: Mapping[str, Any] = field(default_factory=dict)
    sparse_config: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> StrictMode:
        """From the stored ``strict_mode_config`` (unknown keys are kept out)."""
        if not config:
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in config.items() if k in known and v is not None}
        return cls(**values)

    # ---------------------------------------------------------------- reads
    def check_read(
        self, col: Any, body: Mapping[str, Any], flt: Filter | None, timeout: Any
    ) -> None:
        """Limits on one read request (query, search, recommend, scroll, count...)."""
        if not self.enabled:
            return
        limit = body.get("limit")
        if (
            self.max_query_limit is not None
            and isinstance(limit, int)
            and limit > self.max_query_limit
        ):
            raise InvalidInputError(
                f'Bad request: Limit exceeded {limit} > {self.max_query_limit} for "limit"'
            )
        self._check_timeout(timeout)
        params = body.get("params") or {}
        ef = params.get("hnsw_ef")
        if (
            self.search_max_hnsw_ef is not None
            and isinstance(ef, int)
            and ef > self.search_max_hnsw_ef
        ):
            raise InvalidInputError(
                f'Bad request: Limit exceeded {ef} > {self.search_max_hnsw_ef} for "hnsw_ef"'
            )
        if self.search_allow_exact is False and params.get("exact"):
            raise InvalidInputError("Bad request: Exact search disabled!")
        over = (params.get("quantization") or {}).get("oversampling")
        if (
            self.search_max_oversampling is not None
            and isinstance(over, (int, float))
            and over > self.search_max_oversampling
        ):
            raise InvalidInputError(
                f"Bad request: Limit exceeded {over} > {self.search_max_oversampling} for"
                ' "oversampling"'
            )
        if flt is not None:
            self._check_filter(col, flt, self.unindexed_filtering_retrieve)
        query = body.get("query")
        if isinstance(query, Mapping) and "formula" in query:
            self._check_formula(col, query)
        for sub in _as_list(body.get("prefetch")):
            if isinstance(sub, Mapping):
                from ferrox.vectordb.filters import parse_filter

                self.check_read(col, sub, parse_filter(sub.get("filter")), None)

    def _check_formula(self, col: Any, query: Mapping[str, Any]) -> None:
        """A formula reading an unindexed payload key scans every candidate's payload."""
        from ferrox.vectordb.formula import conditions, parse_formula, payload_keys

        formula = parse_formula(query["formula"], query.get("defaults"))
        for flt in conditions(formula.expr):
            self._check_filter(col, flt, self.unindexed_filtering_retrieve)
        if self.unindexed_filtering_retrieve is not False:
            return
        for key, kinds in payload_keys(formula.expr):
            index = col.payload_indexes.get(key)
            if index is None or index.kind not in kinds:
                raise InvalidInputError(
                    f'Bad request: Index required but not found for "{key}" of one of the'
                    f" following types: [{', '.join(sorted(kinds))}]. Help: Create an index"
                    " for this key or use a different formula expression."
                )

    def check_group_by(self, col: Any, key: str) -> None:
        """Grouping by an unindexed field is a full scan: refused unless allowed."""
        if self.enabled and self.unindexed_filtering_retrieve is False:
            index = col.payload_indexes.get(key)
            if index is None or index.kind not in ("keyword", "integer", "uuid"):
                raise InvalidInputError(
                    f'Bad request: Index required but not found for "{key}" of one of the'
                    " following types: [keyword, integer, uuid]. Help: Create an index for"
                    " this key or use a different filter."
                )

    def check_batch(self, n: int) -> None:
        """A batch of ``n`` searches."""
        if self.enabled and self.search_max_batchsize is not None and n > self.search_max_batchsize:
            raise InvalidInputError(
                f"Bad request: Limit exceeded: search batch size {n} > {self.search_max_batchsize}"
            )

    def _check_timeout(self, timeout: Any) -> None:
        if self.max_timeout is None or timeout is None:
            return
        try:
            t = int(timeout)
        except (TypeError, ValueError):
            return
        if t > self.max_timeout:
            raise InvalidInputError(
                f'Bad request: Limit exceeded {t} > {self.max_timeout} for "timeout"'
            )

    def _check_filter(self, col: Any, flt: Filter, unindexed_ok: bool | None) -> None:
        conds = list(_conditions(flt, ""))
        if self.filter_max_conditions is not None and len(conds) > self.filter_max_conditions:
            raise InvalidInputError(
                f"Bad request: Filter limit exceeded: {len(conds)} conditions >"
                f" filter_max_conditions {self.filter_max_conditions}"
            )
        for key, cond in conds:
            size = _size(cond)
            if self.condition_max_size is not None and size > self.condition_max_size:
                raise InvalidInputError(
                    f"Bad request: Condition size limit exceeded: {size} >"
                    f" condition_max_size {self.condition_max_size}"
                )
            if unindexed_ok is False and isinstance(cond, FieldCondition):
                missing = required_index(col, key, cond)
                if missing:
                    raise InvalidInputError(
                        f'Bad request: Index required but not found for "{key}" of one of the'
                        f" following types: [{', '.join(missing)}]. Help: Create an index for"
                        " this key or use a different filter."
                    )

    # ---------------------------------------------------------------- writes
    def check_update(
        self,
        col: Any,
        *,
        n_points: int = 0,
        flt: Filter | None = None,
        named: list[Mapping[str, Any]] | None = None,
        payloads: list[Any] | None = None,
        kind: str = "upsert",
        timeout: Any = None,
    ) -> None:
        """Limits on one write: batch size, filters, multi-vector and sparse sizes, the
        collection's size after it."""
        if not self.enabled:
            return
        self._check_timeout(timeout)
        if self.upsert_max_batchsize is not None and n_points > self.upsert_max_batchsize:
            raise InvalidInputError(
                f"Bad request: update limit exceeded: {kind} batch of {n_points} points >"
                f" upsert_max_batchsize {self.upsert_max_batchsize}"
            )
        if flt is not None:
            self._check_filter(col, flt, self.unindexed_filtering_update)
        for entry in named or []:
            for name, value in (entry or {}).items():
                lim = (self.multivector_config.get(name) or {}).get("max_vectors")
                if (
                    lim is not None
                    and isinstance(value, list)
                    and value
                    and isinstance(value[0], list)
                ) and len(value) > lim:
                    raise InvalidInputError(
                        f"Bad request: Multivector '{name}' has a limit of {lim} vectors,"
                        f" but {len(value)} were provided!"
                    )
                lim = (self.sparse_config.get(name) or {}).get("max_length")
                if lim is not None and isinstance(value, dict):
                    n = len(value.get("indices") or [])
                    if n > lim:
                        raise InvalidInputError(
                            f"Bad request: Sparse vector '{name}' has a limit of {lim} indices,"
                            f" but {n} were provided!"
                        )
        if kind != "upsert":
            return
        if self.max_points_count is not None and len(col) + n_points > self.max_points_count:
            raise InvalidInputError(
                f"Bad request: Max points count limit of {self.max_points_count} reached!"
            )
        if self.max_collection_vector_size_bytes is not None:
            size = col.vector_bytes()
            if size >= self.max_collection_vector_size_bytes:
                raise InvalidInputError(
                    f"Bad request: Max vector storage size limit of"
                    f" {self.max_collection_vector_size_bytes} bytes reached!"
                )
        if self.max_collection_payload_size_bytes is not None:
            size = col.payload_bytes() + sum(len(json.dumps(p or {})) for p in payloads or [])
            if size > self.max_collection_payload_size_bytes:
                raise InvalidInputError(
                    f"Bad request: Max payload storage size limit of"
                    f" {self.max_collection_payload_size_bytes} bytes reached!"
                )


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _conditions(flt: Condition, prefix: str) -> Iterator[tuple[str, Condition]]:
    if isinstance(flt, Filter):
        parts = [*flt.must, *flt.should, *flt.must_not]
        if flt.min_should is not None:
            parts.extend(flt.min_should[0])
        for c in parts:
            yield from _conditions(c, prefix)
    elif isinstance(flt, Nested):
        yield from _conditions(flt.inner, f"{prefix}{flt.key}[].")
    elif isinstance(flt, FieldCondition):
        yield f"{prefix}{flt.key}", flt
    else:
        yield prefix, flt


def _size(cond: Condition) -> int:
    if isinstance(cond, FieldCondition) and cond.kind in ("any", "except"):
        return len(cond.params[cond.kind])
    return 1


def required_index(col: Any, key: str, cond: FieldCondition) -> list[str]:
    """The index types that would answer ``cond`` on ``key``; [] when one exists."""
    index = col.payload_indexes.get(key)
    kind = None if index is None else index.kind
    params = {} if index is None else index.params
    value = cond.params.get(cond.kind)
    if cond.kind in ("value", "any", "except"):
        values = value if isinstance(value, list) else [value]
        if not values:  # an empty list matches by the field alone: any index will do
            need = ["keyword", "integer", "uuid", "bool"]
        elif all(isinstance(v, bool) for v in values):
            need = ["bool"]
        elif all(isinstance(v, int) for v in values):
            need = ["integer"]
            if kind == "integer" and params.get("lookup") is False:
                return need
        else:
            need = ["keyword", "uuid"]
    elif cond.kind == "range":
        need = ["integer", "float", "datetime"]
        if kind == "integer" and params.get("range") is False:
            return need
    elif cond.kind == "datetime":
        need = ["datetime"]
    elif cond.kind in ("text", "text_any"):
        need = ["text"]
    elif cond.kind == "phrase":
        need = ["text"]
        if kind == "text" and not params.get("phrase_matching"):
            return need
    elif cond.kind == "prefix":
        need = ["keyword"]
        if kind == "keyword" and not params.get("prefix"):
            return need
    elif cond.kind.startswith("geo"):
        need = ["geo"]
    else:
        return []
    return [] if kind in need else need


class RateLimiter:
    """Token buckets per (collection, read|write), refilled over a minute."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], tuple[float, float, int]] = {}

    def take(self, collection: str, kind: str, per_minute: int | None, cost: int = 1) -> None:
        """Spend ``cost`` tokens or raise :class:`RateLimitedError` with the wait."""
        key = (collection, kind)
        if per_minute is None:
            self._buckets.pop(key, None)
            return
        now = time.monotonic()
        with self._lock:
            tokens, stamp, rate = self._buckets.get(key, (float(per_minute), now, per_minute))
            if rate != per_minute:
                tokens, rate = float(per_minute), per_minute
            tokens = min(float(per_minute), tokens + (now - stamp) * per_minute / 60.0)
            if cost > per_minute:
                raise InvalidInputError(
                    f"Bad request: Rate limiting exceeded: operation needs {cost} tokens,"
                    f" over the {kind} limit of {per_minute} per minute"
                )
            if tokens < cost:
                wait = math.ceil((cost - tokens) * 60.0 / per_minute)
                self._buckets[key] = (tokens, now, rate)
                raise RateLimitedError(
                    f"Rate limiting exceeded: {kind.capitalize()} rate limit exceeded: Operation"
                    f" requires {cost} tokens but only {tokens:.1f} were available. Retry after"
                    f" {wait}s",
                    retry_after=wait,
                )
            self._buckets[key] = (tokens - cost, now, rate)
