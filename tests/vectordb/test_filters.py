"""Filters against a plain-Python oracle (hypothesis), with and without payload indexes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ferrox.vectordb as vdb
from ferrox.errors import FilterError, ValidationError
from ferrox.vectordb.filters import parse_filter

WORDS = ["rust", "borrow", "trait", "async", "lifetime"]
KEYWORDS = ["a", "b", "c", "d"]


# ----------------------------------------------------------------------------- oracle
def leaves(obj: Any, parts: list[str]) -> list[Any]:
    if not parts:
        return obj if isinstance(obj, list) else [obj]
    if isinstance(obj, list):
        return [v for el in obj for v in leaves(el, parts)]
    if not isinstance(obj, dict):
        return []
    name = parts[0].removesuffix("[]")
    if name not in obj:
        return []
    return leaves(obj[name], parts[1:])


def eq(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return (a == b and isinstance(a, (int, float, str)) and type(a) is type(b)) or (
        isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b
    )


def in_range(v: Any, r: dict[str, Any], dt: bool) -> bool:
    if dt:
        if not isinstance(v, str):
            return False
        try:
            x = datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
        bounds = {
            k: datetime.fromisoformat(b.replace("Z", "+00:00")).timestamp() for k, b in r.items()
        }
    else:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        x, bounds = v, r
    return (
        ("gt" not in bounds or x > bounds["gt"])
        and ("gte" not in bounds or x >= bounds["gte"])
        and ("lt" not in bounds or x < bounds["lt"])
        and ("lte" not in bounds or x <= bounds["lte"])
    )


def oracle(cond: dict[str, Any], pid: int, payload: dict[str, Any], tokens: bool) -> bool:
    if any(k in cond for k in ("must", "should", "must_not", "min_should")) and "key" not in cond:
        must = all(oracle(c, pid, payload, tokens) for c in cond.get("must", []))
        should = not cond.get("should") or any(
            oracle(c, pid, payload, tokens) for c in cond["should"]
        )
        ms = cond.get("min_should")
        min_ok = (
            ms is None
            or sum(oracle(c, pid, payload, tokens) for c in ms["conditions"]) >= ms["min_count"]
        )
        must_not = not any(oracle(c, pid, payload, tokens) for c in cond.get("must_not", []))
        return must and should and min_ok and must_not
    if "has_id" in cond:
        return pid in cond["has_id"]
    if "is_empty" in cond:
        return all(v is None for v in leaves(payload, cond["is_empty"]["key"].split(".")))
    if "is_null" in cond:
        return any(v is None for v in leaves(payload, cond["is_null"]["key"].split(".")))
    if "nested" in cond:
        els = leaves(payload, cond["nested"]["key"].split("."))
        return any(
            isinstance(e, dict) and oracle(cond["nested"]["filter"], pid, e, tokens) for e in els
        )
    vals = leaves(payload, cond["key"].split("."))
    if "match" in cond:
        m = cond["match"]
        if "value" in m:
            return any(eq(v, m["value"]) for v in vals)
        if "any" in m:
            return any(eq(v, w) for v in vals for w in m["any"])
        if "except" in m:
            return any(v is not None and not any(eq(v, w) for w in m["except"]) for v in vals)
        if "text" in m:
            if tokens:
                want = set(re.findall(r"\w+", m["text"].lower()))
                return any(
                    isinstance(v, str) and want <= set(re.findall(r"\w+", v.lower())) for v in vals
                )
            return any(isinstance(v, str) and m["text"] in v for v in vals)
    if "range" in cond:
        dt = any(isinstance(b, str) for b in cond["range"].values())
        return any(in_range(v, cond["range"], dt) for v in vals)
    if "values_count" in cond:
        n = sum(v is not None for v in vals)
        return in_range(n, cond["values_count"], False)
    raise AssertionError(cond)


# ----------------------------------------------------------------------------- strategies
maybe = st.one_of
keyword = st.sampled_from(KEYWORDS)
number = st.integers(-3, 6)
stamp = st.sampled_from(
    [
        "2024-01-01T00:00:00Z",
        "2024-06-15T12:00:00Z",
        "2025-01-01T00:00:00+00:00",
        "2025-03-01T08:30:00",
    ]
)
text = st.lists(st.sampled_from(WORDS), min_size=0, max_size=4).map(" ".join)

LEAF_FIELDS = {
    "k": maybe(keyword, st.lists(keyword, max_size=3), st.none()),
    "n": maybe(number, st.lists(number, max_size=3), st.none()),
    "f": st.floats(-5, 5, allow_nan=False),
    "b": st.booleans(),
    "t": text,
    "d": stamp,
}
leaf_payload = st.fixed_dictionaries({}, optional=LEAF_FIELDS)
payloads = st.fixed_dictionaries(
    {},
    optional={**LEAF_FIELDS, "obj": leaf_payload, "items": st.lists(leaf_payload, max_size=3)},
)


def range_of(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(
        st.sampled_from(["gt", "gte", "lt", "lte"]), values, min_size=1, max_size=2
    )


key_prefix = st.sampled_from(["", "obj.", "items[]."])


@st.composite
def field_condition(draw: st.DrawFn) -> dict[str, Any]:
    prefix = draw(key_prefix)
    kind = draw(
        st.sampled_from(
            ["kv", "kany", "kexc", "nv", "nr", "fr", "bv", "tt", "dr", "cnt", "empty", "null"]
        )
    )
    if kind == "kv":
        return {"key": prefix + "k", "match": {"value": draw(keyword)}}
    if kind == "kany":
        return {"key": prefix + "k", "match": {"any": draw(st.lists(keyword, max_size=3))}}
    if kind == "kexc":
        return {"key": prefix + "k", "match": {"except": draw(st.lists(keyword, max_size=3))}}
    if kind == "nv":
        return {"key": prefix + "n", "match": {"value": draw(number)}}
    if kind == "nr":
        return {"key": prefix + "n", "range": draw(range_of(number))}
    if kind == "fr":
        return {"key": prefix + "f", "range": draw(range_of(st.floats(-5, 5, allow_nan=False)))}
    if kind == "bv":
        return {"key": prefix + "b", "match": {"value": draw(st.booleans())}}
    if kind == "tt":
        return {
            "key": prefix + "t",
            "match": {"text": draw(st.sampled_from([*WORDS, "borrow trait", "rus"]))},
        }
    if kind == "dr":
        return {"key": prefix + "d", "range": draw(range_of(stamp))}
    if kind == "cnt":
        return {
            "key": prefix + draw(st.sampled_from(["k", "n"])),
            "values_count": draw(range_of(st.integers(0, 3))),
        }
    if kind == "empty":
        return {"is_empty": {"key": prefix + draw(st.sampled_from(["k", "n", "t"]))}}
    return {"is_null": {"key": prefix + draw(st.sampled_from(["k", "n"]))}}


def conditions(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    base = st.one_of(
        field_condition(),
        st.lists(st.integers(0, 40), max_size=4).map(lambda ids: {"has_id": ids}),
    )
    if depth == 0:
        return base
    inner = conditions(depth - 1)
    nested = filters(0).map(lambda f: {"nested": {"key": "items", "filter": f}})
    return st.one_of(base, base, filters(depth - 1), nested, inner)


@st.composite
def filters(draw: st.DrawFn, depth: int = 1) -> dict[str, Any]:
    f: dict[str, Any] = {}
    inner = conditions(depth) if depth > 0 else field_condition()
    for part in draw(
        st.lists(
            st.sampled_from(["must", "should", "must_not", "min_should"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    ):
        conds = draw(st.lists(inner, min_size=1, max_size=3))
        if part == "min_should":
            f[part] = {"conditions": conds, "min_count": draw(st.integers(0, len(conds)))}
        else:
            f[part] = conds
    return f


INDEXES = [
    ("k", "keyword"),
    ("n", "integer"),
    ("f", "float"),
    ("b", "bool"),
    ("t", "text"),
    ("d", "datetime"),
    ("obj.k", "keyword"),
    ("obj.n", "integer"),
    ("items[].n", "integer"),
]


@pytest.mark.parametrize("indexed", [False, True], ids=["scan", "indexed"])
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(points=st.lists(payloads, min_size=1, max_size=40), flt=filters())
def test_filter_matches_oracle(
    indexed: bool, points: list[dict[str, Any]], flt: dict[str, Any]
) -> None:
    with vdb.open() as db:
        col = db.create_collection("f", size=2, index="exact")
        col.upsert(list(range(len(points))), np.ones((len(points), 2)), points)
        if indexed:
            for key, kind in INDEXES:
                col.create_payload_index(key, kind)
        want = sorted(i for i, p in enumerate(points) if oracle(flt, i, p, tokens=indexed))
        page, _ = col.scroll(flt, limit=1000)
        assert sorted(r.id for r in page) == want
        assert col.count(flt) == len(want)
        hits = col.search([1.0, 0.0], limit=100, filter=flt)
        assert sorted(h.id for h in hits) == want


def test_nested_paths_and_arrays() -> None:
    with vdb.open() as db:
        col = db.create_collection("n", size=2)
        col.upsert(
            [1, 2, 3],
            np.eye(2)[[0, 1, 0]],
            [
                {
                    "country": {
                        "cities": [{"name": "Berlin", "pop": 3.6}, {"name": "Bonn", "pop": 0.3}]
                    }
                },
                {"country": {"cities": [{"name": "Paris", "pop": 2.1}]}},
                {"country": None},
            ],
        )
        big = {"must": [{"key": "country.cities[].pop", "range": {"gte": 2.0}}]}
        assert {r.id for r in col.scroll(big)[0]} == {1, 2}
        # nested: one element must satisfy both conditions
        both = {
            "must": [
                {
                    "nested": {
                        "key": "country.cities",
                        "filter": {
                            "must": [
                                {"key": "name", "match": {"value": "Bonn"}},
                                {"key": "pop", "range": {"gte": 1.0}},
                            ]
                        },
                    }
                }
            ]
        }
        assert col.count(both) == 0
        flat = {
            "must": [
                {"key": "country.cities[].name", "match": {"value": "Bonn"}},
                {"key": "country.cities[].pop", "range": {"gte": 1.0}},
            ]
        }
        assert col.count(flat) == 1
        assert col.count({"must": [{"is_null": {"key": "country"}}]}) == 1
        assert col.count({"must": [{"is_empty": {"key": "country.cities"}}]}) == 1


def test_datetime_range_with_timezones() -> None:
    with vdb.open() as db:
        col = db.create_collection("d", size=2)
        col.upsert(
            [1, 2],
            np.ones((2, 2)),
            [{"at": "2025-01-01T10:00:00+02:00"}, {"at": "2025-01-01T09:00:00Z"}],
        )
        # 10:00+02:00 is 08:00Z
        assert col.count({"must": [{"key": "at", "range": {"lt": "2025-01-01T08:30:00Z"}}]}) == 1
        col.create_payload_index("at", "datetime")
        assert col.count({"must": [{"key": "at", "range": {"lt": "2025-01-01T08:30:00Z"}}]}) == 1
        assert (
            col.count(
                {
                    "must": [
                        {
                            "key": "at",
                            "range": {"gte": datetime(2025, 1, 1, 9, tzinfo=UTC).isoformat()},
                        }
                    ]
                }
            )
            == 1
        )


@pytest.mark.parametrize(
    ("flt", "error", "text"),
    [
        ({"must": [{"key": "a"}]}, ValidationError, "exactly one of match, range"),
        ({"must": [{"key": "a", "match": {"value": 1.5}}]}, FilterError, "string, integer or bool"),
        ({"must": [{"key": "a", "range": {"gt": "yesterday"}}]}, FilterError, "RFC 3339"),
        ({"must": [{"key": "a", "range": {"between": 1}}]}, FilterError, "unknown bound"),
        ({"must": [{"has_id": ["not-an-id"]}]}, FilterError, "UUID"),
        (
            {"must": [{"key": "a", "geo_radius": {"center": {}, "radius": 1}}]},
            FilterError,
            "a geo point is",
        ),
        ({"mustt": []}, FilterError, "unknown filter key"),
        ([1, 2], FilterError, "JSON object"),
        ({"min_should": {"conditions": []}}, FilterError, "min_count"),
    ],
)
def test_bad_filters_are_named(flt: Any, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        parse_filter(flt)
