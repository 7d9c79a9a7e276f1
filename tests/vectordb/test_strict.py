"""Strict mode (ferrox.vectordb.strict): read and update limits, the index each filter
condition needs when unindexed filtering is off, and the token-bucket rate limiter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

import ferrox.vectordb as vdb
from ferrox.errors import InvalidInputError, RateLimitedError
from ferrox.vectordb import strict
from ferrox.vectordb.filters import parse_filter
from ferrox.vectordb.strict import RateLimiter, StrictMode


@pytest.fixture
def col() -> Iterator[vdb.Collection]:
    """A collection with a multi-vector space ``m`` and a sparse space ``s``."""
    with vdb.open() as db:
        yield db.create_collection(
            "c",
            2,
            vectors={"m": {"size": 2, "distance": "Dot", "multivector": "max_sim"}},
            sparse_vectors={"s": {}},
        )


def mode(**config: Any) -> StrictMode:
    """An enabled strict mode with ``config``."""
    return StrictMode.from_config({"enabled": True, **config})


def where(cond: dict[str, Any]) -> Any:
    """A parsed filter of one must condition."""
    return parse_filter({"must": [cond]})


def test_from_config_keeps_known_keys_and_disabled_checks_nothing(col: vdb.Collection) -> None:
    """Unknown keys and nulls are dropped; a disabled mode lets everything through."""
    sm = StrictMode.from_config(
        {"enabled": True, "max_query_limit": 3, "bogus": 1, "max_timeout": None}
    )
    assert sm.enabled and sm.max_query_limit == 3 and sm.max_timeout is None
    assert StrictMode.from_config(None) == StrictMode()
    off = StrictMode.from_config(
        {"enabled": False, "max_query_limit": 1, "upsert_max_batchsize": 1}
    )
    off.check_read(col, {"limit": 100}, None, None)
    off.check_update(col, n_points=100)


def test_max_query_limit_and_other_read_limits(col: vdb.Collection) -> None:
    """limit, hnsw_ef, exact, timeout and batch size, at the limit and one over it; a
    prefetch's limit counts too."""
    sm = mode(max_query_limit=5, search_max_hnsw_ef=64, search_allow_exact=False, max_timeout=10)
    sm.check_read(col, {"limit": 5, "params": {"hnsw_ef": 64}}, None, 10)
    with pytest.raises(InvalidInputError, match='Limit exceeded 6 > 5 for "limit"'):
        sm.check_read(col, {"limit": 6}, None, None)
    with pytest.raises(InvalidInputError, match='Limit exceeded 6 > 5 for "limit"'):
        sm.check_read(col, {"limit": 1, "prefetch": [{"limit": 6}]}, None, None)
    with pytest.raises(InvalidInputError, match='65 > 64 for "hnsw_ef"'):
        sm.check_read(col, {"params": {"hnsw_ef": 65}}, None, None)
    with pytest.raises(InvalidInputError, match="Exact search disabled"):
        sm.check_read(col, {"params": {"exact": True}}, None, None)
    with pytest.raises(InvalidInputError, match='11 > 10 for "timeout"'):
        sm.check_read(col, {}, None, 11)
    batch = mode(search_max_batchsize=2)
    batch.check_batch(2)
    with pytest.raises(InvalidInputError, match="search batch size 3 > 2"):
        batch.check_batch(3)


# (condition, index kind, index params, what the error lists; None: allowed)
CASES: list[tuple[dict[str, Any], str | None, dict[str, Any] | None, str | None]] = [
    ({"key": "k", "match": {"value": "x"}}, None, None, "keyword, uuid"),
    ({"key": "k", "match": {"value": "x"}}, "keyword", None, None),
    ({"key": "k", "match": {"value": "x"}}, "uuid", None, None),
    ({"key": "k", "match": {"value": "x"}}, "integer", None, "keyword, uuid"),
    ({"key": "k", "match": {"any": ["x", "y"]}}, "keyword", None, None),
    ({"key": "k", "match": {"value": 3}}, None, None, "integer"),
    ({"key": "k", "match": {"value": 3}}, "integer", None, None),
    ({"key": "k", "match": {"value": 3}}, "keyword", None, "integer"),
    ({"key": "k", "match": {"value": 3}}, "integer", {"lookup": False}, "integer"),
    ({"key": "k", "match": {"value": True}}, "bool", None, None),
    ({"key": "k", "match": {"value": True}}, "integer", None, "bool"),
    ({"key": "k", "range": {"gte": 1}}, "integer", None, None),
    ({"key": "k", "range": {"gte": 1}}, "float", None, None),
    ({"key": "k", "range": {"gte": 1}}, "keyword", None, "integer, float, datetime"),
    ({"key": "k", "range": {"gte": 1}}, "integer", {"range": False}, "integer, float, datetime"),
    ({"key": "k", "range": {"gte": "2025-01-01T00:00:00Z"}}, "datetime", None, None),
    ({"key": "k", "range": {"gte": "2025-01-01T00:00:00Z"}}, "float", None, "datetime"),
    ({"key": "k", "match": {"text": "a b"}}, None, None, "text"),
    ({"key": "k", "match": {"text": "a b"}}, "text", None, None),
    ({"key": "k", "match": {"text": "a b"}}, "keyword", None, "text"),
    ({"key": "k", "match": {"text_any": "a b"}}, "text", None, None),
    ({"key": "k", "match": {"phrase": "a b"}}, "text", None, "text"),
    ({"key": "k", "match": {"phrase": "a b"}}, "text", {"phrase_matching": True}, None),
    ({"key": "k", "match": {"prefix": "ab"}}, "keyword", None, "keyword"),
    ({"key": "k", "match": {"prefix": "ab"}}, "keyword", {"prefix": True}, None),
    ({"key": "k", "match": {"prefix": "ab"}}, "text", None, "keyword"),
    (
        {"key": "k", "geo_radius": {"center": {"lon": 0, "lat": 0}, "radius": 1}},
        "geo",
        None,
        None,
    ),
    (
        {"key": "k", "geo_radius": {"center": {"lon": 0, "lat": 0}, "radius": 1}},
        None,
        None,
        "geo",
    ),
    # values_count, is_empty, is_null: answered by an index of any kind
    (
        {"key": "k", "values_count": {"gte": 1}},
        None,
        None,
        "bool, datetime, float, geo, integer, keyword, text, uuid",
    ),
    ({"key": "k", "values_count": {"gte": 1}}, "integer", None, None),
    (
        {"is_empty": {"key": "k"}},
        None,
        None,
        "bool, datetime, float, geo, integer, keyword, text, uuid",
    ),
    ({"is_empty": {"key": "k"}}, "keyword", None, None),
    ({"is_null": {"key": "k"}}, "geo", None, None),
    ({"has_id": [1]}, None, None, None),
]


@pytest.mark.parametrize(("cond", "kind", "params", "missing"), CASES)
def test_unindexed_filtering_needs_the_right_index(
    col: vdb.Collection,
    cond: dict[str, Any],
    kind: str | None,
    params: dict[str, Any] | None,
    missing: str | None,
) -> None:
    """With unindexed_filtering_retrieve off, a field condition needs an index of a kind
    that answers it (and the options it needs); the error lists the kinds."""
    if kind is not None:
        col.create_payload_index("k", kind, params)
    sm = mode(unindexed_filtering_retrieve=False)
    flt = where(cond)
    if missing is None:
        sm.check_read(col, {}, flt, None)
    else:
        text = f'Index required but not found for "k" of one of the following types: [{missing}]'
        with pytest.raises(InvalidInputError, match=re.escape(text)):
            sm.check_read(col, {}, flt, None)
    # allowed when unindexed filtering is (or is left) on
    mode(unindexed_filtering_retrieve=True).check_read(col, {}, flt, None)
    mode().check_read(col, {}, flt, None)


def test_unindexed_filtering_in_nested_prefetch_and_updates(col: vdb.Collection) -> None:
    """Nested keys are checked by their full path; prefetch filters are checked; the
    update flag guards filtered writes."""
    sm = mode(unindexed_filtering_retrieve=False, unindexed_filtering_update=False)
    nested = where(
        {"nested": {"key": "items", "filter": {"must": [{"key": "n", "match": {"value": 1}}]}}}
    )
    with pytest.raises(InvalidInputError, match=re.escape('"items[].n"')):
        sm.check_read(col, {}, nested, None)
    col.create_payload_index("items[].n", "integer")
    sm.check_read(col, {}, nested, None)
    body = {"prefetch": [{"filter": {"must": [{"key": "t", "match": {"value": "x"}}]}}]}
    with pytest.raises(InvalidInputError, match='"t"'):
        sm.check_read(col, body, None, None)
    flt = where({"key": "t", "match": {"value": "x"}})
    with pytest.raises(InvalidInputError, match='"t"'):
        sm.check_update(col, flt=flt, kind="delete")
    mode(unindexed_filtering_update=True).check_update(col, flt=flt, kind="delete")


def test_filter_size_limits(col: vdb.Collection) -> None:
    """filter_max_conditions counts leaf conditions; condition_max_size an any-list."""
    sm = mode(filter_max_conditions=2, condition_max_size=3)
    two = parse_filter(
        {"must": [{"has_id": [1]}], "should": [{"key": "a", "match": {"any": [1, 2, 3]}}]}
    )
    sm.check_read(col, {}, two, None)
    three = parse_filter({"must": [{"has_id": [1]}, {"has_id": [2]}, {"has_id": [3]}]})
    with pytest.raises(InvalidInputError, match="3 conditions > filter_max_conditions 2"):
        sm.check_read(col, {}, three, None)
    big = where({"key": "a", "match": {"any": [1, 2, 3, 4]}})
    with pytest.raises(InvalidInputError, match="4 > condition_max_size 3"):
        sm.check_read(col, {}, big, None)


def test_update_limits(col: vdb.Collection) -> None:
    """upsert_max_batchsize, multivector max_vectors, sparse max_length, max_points_count."""
    sm = mode(
        upsert_max_batchsize=2,
        multivector_config={"m": {"max_vectors": 2}},
        sparse_config={"s": {"max_length": 2}},
        max_points_count=3,
    )
    sm.check_update(col, n_points=2)
    with pytest.raises(
        InvalidInputError, match="upsert batch of 3 points > upsert_max_batchsize 2"
    ):
        sm.check_update(col, n_points=3)
    with pytest.raises(InvalidInputError, match="update_vectors batch of 3"):
        sm.check_update(col, n_points=3, kind="update_vectors")
    ok = [{"m": [[1, 0], [0, 1]], "s": {"indices": [1, 2], "values": [1, 1]}}]
    sm.check_update(col, n_points=1, named=ok)
    with pytest.raises(InvalidInputError, match="Multivector 'm' has a limit of 2 vectors, but 3"):
        sm.check_update(col, n_points=1, named=[{"m": [[1, 0], [0, 1], [1, 1]]}])
    with pytest.raises(
        InvalidInputError, match="Sparse vector 's' has a limit of 2 indices, but 3"
    ):
        sm.check_update(col, n_points=1, named=[{"s": {"indices": [1, 2, 3], "values": [1] * 3}}])
    col.upsert([1, 2], [[1, 0], [0, 1]])
    sm.check_update(col, n_points=1)
    with pytest.raises(InvalidInputError, match="Max points count limit of 3 reached"):
        sm.check_update(col, n_points=2)
    sm.check_update(col, n_points=2, kind="set_payload")  # only upserts add points


def test_storage_size_limits(col: vdb.Collection) -> None:
    """The vector and payload storage limits refuse an upsert once the collection holds
    that much already (as Qdrant, which checks the storage before the write); the limit
    is named in MiB."""
    col.upsert([1], [[1, 0]], [{"a": "xy"}])  # 8 vector bytes; payload {"a": "xy"} is 11
    mode(max_collection_vector_size_bytes=9).check_update(col, n_points=1)
    with pytest.raises(
        InvalidInputError, match=r"Max vector storage size limit of 0\.0000076293945MB reached!"
    ):
        mode(max_collection_vector_size_bytes=8).check_update(col, n_points=1)
    sm = mode(max_collection_payload_size_bytes=12)
    sm.check_update(col, n_points=1, payloads=[{"b": 1} for _ in range(100)])
    with pytest.raises(
        InvalidInputError, match=r"Max payload storage size limit of 0\.0000104904175MB reached!"
    ):
        mode(max_collection_payload_size_bytes=11).check_update(col, n_points=1)
    mode(max_collection_payload_size_bytes=11).check_update(col, n_points=1, kind="payload")


class Clock:
    """A settable stand-in for time.monotonic."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_buckets_and_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bucket of ``per_minute`` tokens refills at per_minute / 60 a second; a spent
    bucket raises RateLimitedError with the seconds until enough tokens are back."""
    clock = Clock()
    monkeypatch.setattr(strict.time, "monotonic", clock)
    rl = RateLimiter()
    for _ in range(6):
        rl.take("c", "read", 6)
    with pytest.raises(RateLimitedError, match="Read rate limit exceeded") as info:
        rl.take("c", "read", 6)
    assert info.value.retry_after == 10  # one token back at 6 a minute
    assert info.value.status_code == 429
    rl.take("c", "write", 6)  # another bucket
    rl.take("other", "read", 6)  # another collection
    clock.now += 9.0  # 0.9 tokens
    with pytest.raises(RateLimitedError, match=re.escape("only 0.9 were available")) as info:
        rl.take("c", "read", 6)
    assert info.value.retry_after == 1  # ceil(0.1 * 10)
    clock.now += 1.0
    rl.take("c", "read", 6)
    clock.now += 30.0  # 3 tokens
    with pytest.raises(RateLimitedError) as info:
        rl.take("c", "read", 6, cost=5)
    assert info.value.retry_after == 20
    with pytest.raises(RateLimitedError, match="request larger than rate limiter capacity") as info:
        rl.take("c", "read", 6, cost=7)
    assert info.value.retry_after is None  # never fits: no point in retrying
    clock.now += 3600.0  # refills up to the bucket size only
    rl.take("c", "read", 6, cost=6)
    with pytest.raises(RateLimitedError):
        rl.take("c", "read", 6)
    rl.take("c", "read", 60)  # a changed limit starts a full bucket
    rl.take("c", "read", None)  # no limit: always allowed, bucket dropped
    for _ in range(10):
        rl.take("c", "read", None)


def test_full_scan_needs_a_graph_when_exact_search_is_off(col: vdb.Collection) -> None:
    """With search_allow_exact off, a vector query on a space whose HNSW graph is off
    (m = 0, its own or the collection's) is refused, unless it filters on a tenant
    index and payload_m > 0; sparse spaces, rescoring over prefetches and non-vector
    queries are let through."""
    sm = mode(search_allow_exact=False)
    sm.check_read(col, {"query": [[1, 0]], "using": "m"}, None, None)
    col.update_settings({"vectors": {"m": {"hnsw_config": {"m": 0}}}})
    forbidden = "Request is forbidden on 'm' because global vector indexing is disabled"
    with pytest.raises(InvalidInputError, match=forbidden):
        sm.check_read(col, {"query": 2, "using": "m"}, None, None)
    with pytest.raises(InvalidInputError, match=forbidden):  # a prefetch searches too
        sm.check_read(col, {"prefetch": [{"query": 2, "using": "m"}], "query": 2}, None, None)
    sm.check_read(
        col, {"prefetch": [{"query": 2, "using": "s"}], "query": 2, "using": "m"}, None, None
    )
    sm.check_read(col, {"query": 2, "using": "s"}, None, None)
    sm.check_read(col, {"query": {"order_by": "x"}, "using": "m"}, None, None)
    sm.check_read(col, {"query": [1, 0]}, None, None)  # the unnamed space keeps its graph
    mode().check_read(col, {"query": 2, "using": "m"}, None, None)  # exact allowed
    tenant = where({"key": "t", "match": {"value": "a"}})
    body = {"query": 2, "using": "m", "filter": {"must": [{"key": "t", "match": {"value": "a"}}]}}
    col.create_payload_index("t", "keyword")
    with pytest.raises(InvalidInputError, match=forbidden):  # not a tenant index
        sm.check_read(col, body, tenant, None)
    col.create_payload_index("t", "keyword", {"is_tenant": True})
    # payload_m falls back to m (0): no per-tenant graph either
    off = r"hnsw_config.m = 0 and hnsw_config.payload_m = 0"
    with pytest.raises(InvalidInputError, match=off):
        sm.check_read(col, body, tenant, None)
    col.update_settings({"vectors": {"m": {"hnsw_config": {"payload_m": 16}}}})
    sm.check_read(col, body, tenant, None)
    col.update_settings({"hnsw_config": {"m": 0}})  # the collection's graph off too
    with pytest.raises(InvalidInputError, match="Request is forbidden because"):
        sm.check_read(col, {"query": [1, 0]}, None, None)


def test_group_by_and_payload_index_count(col: vdb.Collection) -> None:
    """group_by needs an index answering match when unindexed filtering is off;
    max_payload_index_count refuses one index more."""
    sm = mode(unindexed_filtering_retrieve=False)
    with pytest.raises(
        InvalidInputError, match=re.escape('Index required but not found for "g". Help')
    ):
        sm.check_group_by(col, "g")
    col.create_payload_index("g", "geo")
    with pytest.raises(InvalidInputError, match=re.escape('Index of type "Geo" found for "g"')):
        sm.check_group_by(col, "g")
    col.create_payload_index("g", "keyword")
    sm.check_group_by(col, "g")
    mode(max_payload_index_count=2).check_create_index(col)
    with pytest.raises(InvalidInputError, match=re.escape("maximum number of payload indices (1)")):
        mode(max_payload_index_count=1).check_create_index(col)
    mode().check_create_index(col)


def test_read_costs(col: vdb.Collection) -> None:
    """A query costs its vectors (multi-vector: one each; sparse: per started 64
    indices) and filter conditions; ids are looked up first (one token each) and
    excluded by one more condition; best_score recommendations cost every example,
    average_vector one; a scroll costs 1 + conditions; prefetches inherit the filter."""
    col.upsert([1, 2], [[1, 0], [0, 1]], named=[{"m": [[1, 0], [0, 1], [1, 1]]}, {}])
    flt = {"must": [{"key": "a", "match": {"value": 1}}, {"has_id": [1]}]}
    assert strict.query_costs(col, {"query": [1, 0]}) == [1]
    assert strict.query_costs(col, {"query": [1, 0], "filter": flt}) == [3]
    assert strict.query_costs(col, {"query": [[1, 0]] * 3, "using": "m"}) == [3]
    assert strict.query_costs(col, {"query": 1, "using": "m"}) == [1, 3 + 1]
    sparse = {"indices": list(range(65)), "values": [1.0] * 65}
    assert strict.query_costs(col, {"query": sparse, "using": "s"}) == [2]
    best = {"recommend": {"positive": [1, 2], "negative": [[0, 1]], "strategy": "best_score"}}
    assert strict.query_costs(col, {"query": best}) == [2, 3 + 1]
    avg = {"recommend": {"positive": [1, 2]}}
    assert strict.query_costs(col, {"query": avg}) == [2, 1 + 1]
    assert strict.query_costs(col, {"filter": flt}) == [3]  # a scroll
    fused = {
        "prefetch": [{"query": [1, 0]}, {"query": [0, 1], "filter": flt}],
        "filter": flt,
        "query": {"fusion": "rrf"},
    }
    assert strict.query_costs(col, fused) == [(1 + 2) + (1 + 4)]
    assert strict.filter_cost(parse_filter(flt)) == 2
    assert strict.filter_cost(None) == 0


def test_write_cost_estimates(col: vdb.Collection) -> None:
    """A filtered write's cost is its estimated selection: exact for indexed conditions
    and ids, half the points for an unindexed one; must multiplies, should unites,
    must_not complements."""
    col.upsert(list(range(1, 11)), [[1, 0]] * 10, [{"c": "x" if i < 4 else "y"} for i in range(10)])
    est = strict.estimate_cardinality
    assert est(col, None) == 10
    assert est(col, where({"key": "c", "match": {"value": "x"}})) == 5  # unindexed
    col.create_payload_index("c", "keyword")
    assert est(col, where({"key": "c", "match": {"value": "x"}})) == 4
    assert est(col, where({"has_id": [1, 2, 99]})) == 2
    assert est(col, parse_filter({"must_not": [{"key": "c", "match": {"value": "x"}}]})) == 6
    both = {"must": [{"key": "c", "match": {"value": "x"}}, {"key": "u", "match": {"value": 1}}]}
    assert est(col, parse_filter(both)) == 2  # 10 * 0.4 * 0.5
    either = {"should": [{"key": "c", "match": {"value": "x"}}, {"has_id": [9]}]}
    assert est(col, parse_filter(either)) == 5  # 10 * (1 - 0.6 * 0.9)


def test_rate_limiter_reset_and_capacity(monkeypatch: pytest.MonkeyPatch) -> None:
    """reset() refills a collection's buckets (a reconfigured or new collection); a cost
    over the bucket is refused at once, with Qdrant's wording and no Retry-After."""
    clock = Clock()
    monkeypatch.setattr(strict.time, "monotonic", clock)
    rl = RateLimiter()
    rl.take("c", "write", 10, cost=10)
    rl.take("d", "write", 10, cost=10)
    with pytest.raises(
        RateLimitedError,
        match=re.escape("requires 10 tokens but only 0.0 were available. Retry after 60s"),
    ):
        rl.take("c", "write", 10, cost=10)
    rl.reset("c")
    rl.take("c", "write", 10, cost=10)
    with pytest.raises(RateLimitedError):
        rl.take("d", "write", 10, cost=1)  # other collections keep their state
    with pytest.raises(
        RateLimitedError,
        match=re.escape(
            "Write rate limit exceeded, request larger than rate limiter capacity, please try"
            " to split your request"
        ),
    ) as info:
        rl.take("e", "write", 10, cost=11)
    assert info.value.retry_after is None
