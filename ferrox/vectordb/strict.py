"""Strict mode: a collection's limits on what a request may ask (Qdrant's
``strict_mode_config``). Checks run before an operation touches anything; a request over
a limit gets a 400 with the limit named, or a 429 with ``Retry-After`` for rate limits.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ferrox.errors import InvalidInputError, RateLimitedError
from ferrox.vectordb.filters import (
    Condition,
    FieldCondition,
    Filter,
    HasId,
    IsEmpty,
    IsNull,
    Nested,
)

__all__ = [
    "RateLimiter",
    "StrictMode",
    "estimate_cardinality",
    "filter_cost",
    "query_costs",
    "required_index",
]

# every payload index kind: a values_count / is_empty / is_null condition is answered by
# any of them
ALL_INDEX_KINDS = ("bool", "datetime", "float", "geo", "integer", "keyword", "text", "uuid")
# a sparse query vector costs one token per started 64 indices, as in Qdrant
SPARSE_DIMS_COST_UNIT = 64


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
        self,
        col: Any,
        body: Mapping[str, Any],
        flt: Filter | None,
        timeout: Any,
        *,
        nested: bool = False,
    ) -> None:
        """Limits on one read request (query, search, recommend, scroll, count...);
        ``nested``: ``body`` is a prefetch of the request being checked."""
        if not self.enabled:
            return
        if not nested:
            self._check_full_scan(col, body, flt)
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

                self.check_read(col, sub, parse_filter(sub.get("filter")), None, nested=True)

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

    def _check_full_scan(self, col: Any, body: Mapping[str, Any], flt: Filter | None) -> None:
        """With ``search_allow_exact`` off, a vector query may not scan every point: its
        dense vector space needs a global HNSW graph (``m`` > 0), or a filter on a tenant
        index and a per-payload graph (``payload_m`` > 0). A query over prefetches only
        rescores them; the prefetches are checked instead."""
        if self.search_allow_exact is not False:
            return
        prefetch = [p for p in _as_list(body.get("prefetch")) if isinstance(p, Mapping)]
        if prefetch:
            from ferrox.vectordb.filters import parse_filter

            for sub in prefetch:
                self._check_full_scan(col, sub, parse_filter(sub.get("filter")))
            return
        if not _is_vector_query(body.get("query")):
            return
        using = body.get("using") or ""
        from ferrox.vectordb.spaces import SparseSpace

        if isinstance(col.spaces.get(using), SparseSpace):
            return  # sparse vectors are always indexed
        m, payload_m = _hnsw_m(col, using)
        if m > 0:
            return
        label = "" if using == "" else f" on '{using}'"
        tenant = flt is not None and any(
            _is_tenant(col.payload_indexes.get(key))
            for key, cond in _conditions(flt, "")
            if isinstance(cond, FieldCondition)
        )
        if not tenant:
            raise InvalidInputError(
                f"Bad request: Request is forbidden{label} because global vector indexing is"
                " disabled (hnsw_config.m = 0). Help: Use tenant-specific filter, enable global"
                " vector indexing or enable strict mode `search_allow_exact` option"
            )
        if payload_m == 0:
            raise InvalidInputError(
                f"Bad request: Request is forbidden{label} because vector indexing is disabled"
                " (hnsw_config.m = 0 and hnsw_config.payload_m = 0). Help: Enable vector"
                " indexing, use a prefetch query with indexed vectors or enable strict mode"
                " `search_allow_exact` option"
            )

    def check_group_by(self, col: Any, key: str) -> None:
        """Grouping by an unindexed field is a full scan: refused unless allowed; the
        index must answer ``match`` (keyword, integer, uuid, bool)."""
        if self.enabled and self.unindexed_filtering_retrieve is False:
            index = col.payload_indexes.get(key)
            if index is None:
                raise InvalidInputError(
                    f'Bad request: Index required but not found for "{key}". Help: Create an'
                    " index supporting `match` for this key."
                )
            supports_match = index.kind in ("keyword", "uuid", "bool") or (
                index.kind == "integer" and index.params.get("lookup") is not False
            )
            if not supports_match:
                raise InvalidInputError(
                    f'Bad request: Index of type "{index.kind.capitalize()}" found for "{key}".'
                    " Help: Create an index supporting `match` for this key."
                )

    def check_create_index(self, col: Any) -> None:
        """``max_payload_index_count``: a new payload index beyond it is refused."""
        limit = self.max_payload_index_count
        if self.enabled and limit is not None and len(col.payload_indexes) >= limit:
            raise InvalidInputError(
                "Bad request: Collection already has the maximum number of payload indices"
                f" ({limit}). Help: Please delete an existing index before creating a new one."
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
            if unindexed_ok is False and isinstance(cond, (FieldCondition, IsEmpty, IsNull)):
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
        # as in Qdrant, the storage the collection holds already is checked (>= the limit),
        # not what it would hold after this write
        if self.max_collection_vector_size_bytes is not None:
            limit = self.max_collection_vector_size_bytes
            if col.vector_bytes() >= limit:
                raise InvalidInputError(
                    f"Bad request: Max vector storage size limit of {_mb(limit)}MB reached!"
                )
        if self.max_collection_payload_size_bytes is not None:
            limit = self.max_collection_payload_size_bytes
            if col.payload_bytes() >= limit:
                raise InvalidInputError(
                    f"Bad request: Max payload storage size limit of {_mb(limit)}MB reached!"
                )


def _mb(n_bytes: int) -> str:
    """Bytes as MiB, printed as Qdrant prints its f32: the shortest decimal that reads
    back as the same float32, without an exponent (``0.042915344``, ``1``)."""
    import numpy as np

    return np.format_float_positional(np.float32(n_bytes / (1024.0 * 1024.0)), trim="-")


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
    elif isinstance(flt, (FieldCondition, IsEmpty, IsNull)):
        yield f"{prefix}{flt.key}", flt
    else:
        yield prefix, flt


def _size(cond: Condition) -> int:
    if isinstance(cond, FieldCondition) and cond.kind in ("any", "except"):
        return len(cond.params[cond.kind])
    return 1


def required_index(col: Any, key: str, cond: Condition) -> list[str]:
    """The index types that would answer ``cond`` on ``key``; [] when one exists."""
    index = col.payload_indexes.get(key)
    kind = None if index is None else index.kind
    params = {} if index is None else index.params
    if isinstance(cond, (IsEmpty, IsNull)) or (
        isinstance(cond, FieldCondition) and cond.kind == "count"
    ):
        # answered from any index (its null / value-count bookkeeping)
        return [] if kind is not None else list(ALL_INDEX_KINDS)
    if not isinstance(cond, FieldCondition):
        return []
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
    """Token buckets per (collection, read|write) of ``per_minute`` tokens, refilled at
    ``per_minute / 60`` a second; an operation spends tokens by its cost."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], tuple[float, float, int]] = {}

    def reset(self, collection: str) -> None:
        """Full buckets again (the collection was created, dropped or reconfigured)."""
        with self._lock:
            for key in [k for k in self._buckets if k[0] == collection]:
                del self._buckets[key]

    def take(self, collection: str, kind: str, per_minute: int | None, cost: int = 1) -> None:
        """Spend ``cost`` tokens or raise :class:`RateLimitedError`: with the wait until
        enough are back, or without one when ``cost`` exceeds the bucket itself."""
        key = (collection, kind)
        if per_minute is None:
            self._buckets.pop(key, None)
            return
        now = time.monotonic()
        with self._lock:
            if cost > per_minute:
                raise RateLimitedError(
                    f"Rate limiting exceeded: {kind.capitalize()} rate limit exceeded, request"
                    " larger than rate limiter capacity, please try to split your request",
                    retry_after=None,
                )
            tokens, stamp, rate = self._buckets.get(key, (float(per_minute), now, per_minute))
            if rate != per_minute:
                tokens, rate = float(per_minute), per_minute
            tokens = min(float(per_minute), tokens + (now - stamp) * per_minute / 60.0)
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


# ---------------------------------------------------------------- operation costs
def filter_cost(flt: Filter | None) -> int:
    """A filter's read cost: one token per condition (nested and sub-filters counted by
    their leaves)."""
    return 0 if flt is None else sum(1 for _ in _conditions(flt, ""))


def query_costs(col: Any, body: Mapping[str, Any]) -> list[int]:
    """The read tokens a query request (in the universal query form) spends, in order:
    the points its ids name, looked up first (when it names any), then its searches and
    scrolls. A search costs its query vectors (a dense vector 1, a multi-vector one per
    vector, a sparse one per started 64 indices; an id the vector it names) plus its
    filter's conditions, and one more condition when ids are excluded from the results;
    a scroll (no vector query) costs 1 plus its filter's conditions. A query over
    prefetches costs its prefetches, which inherit its filter."""
    from ferrox.vectordb.filters import parse_filter

    ids = _query_ids(body)
    lookup = body.get("lookup_from")
    vectors: dict[Any, int] = {}
    if ids and not lookup:
        vectors = _id_vector_costs(col, ids, body)

    def cost(node: Mapping[str, Any], inherited: int) -> int:
        conds = inherited + filter_cost(parse_filter(node.get("filter")))
        subs = [p for p in _as_list(node.get("prefetch")) if isinstance(p, Mapping)]
        if subs:
            return sum(cost(p, conds) for p in subs)
        query = node.get("query")
        if not _is_vector_query(query):
            return 1 + conds
        own = _query_ids(node)
        return _vector_cost(query, vectors) + conds + (1 if own else 0)

    out = [len(ids)] if ids else []
    out.append(cost(body, 0))
    return out


def estimate_cardinality(col: Any, flt: Filter | None) -> int:
    """The expected number of points ``flt`` selects, estimated as Qdrant does: exact
    for a condition an index answers and for ids, half the points for one that would
    need a scan; ``must`` combines as independent events, ``should`` as their union,
    ``must_not`` as the complement."""
    total = len(col)
    if flt is None:
        return total
    return _estimate_filter(col, flt, total)[1]


Estimate = tuple[int, int, int]  # (min, expected, max)


def _estimate_filter(col: Any, flt: Filter, total: int) -> Estimate:
    parts: list[Estimate] = []
    if flt.must:
        parts.append(_must([_estimate(col, c, total) for c in flt.must], total))
    if flt.should:
        parts.append(_should([_estimate(col, c, total) for c in flt.should], total))
    if flt.min_should is not None:
        conds, k = flt.min_should
        ests = [_estimate(col, c, total) for c in conds]
        if k > len(ests):
            parts.append((0, 0, 0))
        else:
            from itertools import combinations

            parts.append(_should([_must(list(g), total) for g in combinations(ests, k)], total))
    if flt.must_not:
        inverted = [
            (max(0, total - hi), max(0, total - exp), max(0, total - lo))
            for lo, exp, hi in (_estimate(col, c, total) for c in flt.must_not)
        ]
        parts.append(_must(inverted, total))
    return _must(parts, total)


def _estimate(col: Any, cond: Condition, total: int) -> Estimate:
    if isinstance(cond, Filter):
        return _estimate_filter(col, cond, total)
    if isinstance(cond, HasId):
        n = sum(1 for i in cond.ids if i in col.slot_of)
        return (n, n, n)
    if (
        isinstance(cond, FieldCondition)
        and cond.key in col.payload_indexes
        and not required_index(col, cond.key, cond)
    ):
        mask = cond.mask(col)
        n = int((mask & col.live[: len(mask)]).sum())
        return (n, n, n)
    return (0, total // 2, total)


def _must(ests: list[Estimate], total: int) -> Estimate:
    if not ests:
        return (total, total, total)
    lo = total
    for m, _, _ in ests:
        lo = max(0, lo + m - total)
    prob = 1.0
    for _, exp, _ in ests:
        prob *= exp / total if total else 0.0
    return (lo, round(prob * total), min(hi for _, _, hi in ests))


def _should(ests: list[Estimate], total: int) -> Estimate:
    if not ests or total == 0:
        return (0, 0, 0)
    miss = 1.0
    for _, exp, _ in ests:
        miss *= 1.0 - exp / total
    return (
        max(lo for lo, _, _ in ests),
        round((1.0 - miss) * total),
        min(total, sum(hi for _, _, hi in ests)),
    )


# query forms that search no vector space
_NON_VECTOR_QUERIES = ("fusion", "rrf", "order_by", "formula", "sample")


def _is_vector_query(query: Any) -> bool:
    if query is None:
        return False
    if isinstance(query, Mapping):
        return not any(k in query for k in _NON_VECTOR_QUERIES)
    return True


def _is_id(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, str)


def _examples(query: Any) -> Iterator[Any]:
    """The vectors (or ids) a query is made of."""
    if isinstance(query, Mapping):
        if "nearest" in query:
            yield from _examples(query["nearest"])
            return
        if "recommend" in query:
            rec = query["recommend"] or {}
            yield from [*(rec.get("positive") or []), *(rec.get("negative") or [])]
            return
        if "discover" in query or "context" in query:
            spec = query.get("discover") or {}
            if "target" in spec:
                yield spec["target"]
            pairs = spec.get("context") if "discover" in query else query.get("context")
            for pair in _as_list(pairs):
                if isinstance(pair, Mapping):
                    yield from (pair.get("positive"), pair.get("negative"))
            return
    yield query


def _query_ids(node: Mapping[str, Any]) -> list[Any]:
    """The point ids a query and its prefetches name as examples."""
    out: list[Any] = []
    for sub in _as_list(node.get("prefetch")):
        if isinstance(sub, Mapping):
            out.extend(_query_ids(sub))
    query = node.get("query")
    if _is_vector_query(query):
        out.extend(v for v in _examples(query) if _is_id(v))
    return out


def _id_vector_costs(col: Any, ids: list[Any], body: Mapping[str, Any]) -> dict[Any, int]:
    """For each id, the similarity cost of the vector it names (by the query's space)."""
    from ferrox.vectordb.models import normalize_id

    names = {body.get("using") or ""}
    for sub in _as_list(body.get("prefetch")):
        if isinstance(sub, Mapping):
            names.add(sub.get("using") or "")
    out: dict[Any, int] = {}
    try:
        records = col.get(ids, with_payload=False, with_vectors=True)
    except Exception:  # an id of the wrong form: the query itself reports it
        return out
    for rec in records:
        vec = rec.vector
        if not isinstance(vec, Mapping):
            vec = {"": vec}
        out[normalize_id(rec.id)] = max(
            (_similarity_cost(vec[n]) for n in names if n in vec), default=1
        )
    return out


def _similarity_cost(vector: Any) -> int:
    if isinstance(vector, Mapping):
        if "indices" in vector:
            return max(1, math.ceil(len(vector.get("indices") or []) / SPARSE_DIMS_COST_UNIT))
        return 1
    if isinstance(vector, list) and vector and isinstance(vector[0], list):
        return len(vector)
    return 1


def _vector_cost(query: Any, by_id: Mapping[Any, int]) -> int:
    from ferrox.vectordb.models import normalize_id

    if isinstance(query, Mapping) and "recommend" in query:
        strategy = (query["recommend"] or {}).get("strategy") or "average_vector"
        if strategy == "average_vector":  # the examples collapse into one query vector
            return 1
    total = 0
    for v in _examples(query):
        if v is None:
            continue
        if _is_id(v):
            try:
                total += by_id.get(normalize_id(v), 1)
            except Exception:
                total += 1
        else:
            total += _similarity_cost(v)
    return max(total, 1)


def _hnsw_m(col: Any, using: str) -> tuple[int, int]:
    """The (m, payload_m) of a dense vector space: its own ``hnsw_config``, else the
    collection's."""
    c = col.config
    glob = c.extra.get("hnsw_config") or {}
    own = ((c.extra.get("vector_params") or {}).get(using) or {}).get("hnsw_config") or {}
    m = own.get("m")
    if m is None:
        m = glob.get("m")
    if m is None:
        m = 0 if getattr(c, "index", "hnsw") == "exact" else c.m
    payload_m = own.get("payload_m")
    if payload_m is None:
        payload_m = glob.get("payload_m")
    if payload_m is None:
        payload_m = m
    return int(m), int(payload_m)


def _is_tenant(index: Any) -> bool:
    return index is not None and bool(index.params.get("is_tenant"))
