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
from ferrox.errors import FilterError, InvalidInputError, UnsupportedError, ValidationError
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


TEXT_INDEXED = {"t"}  # the keys INDEXES gives a text index


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
            # keys inside a nested filter are paths under the array: none is text-indexed
            isinstance(e, dict) and oracle(cond["nested"]["filter"], pid, e, False)
            for e in els
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
            if tokens and cond["key"] in TEXT_INDEXED:  # a text index matches by tokens
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


# ----------------------------------------------------------------------------- immutability
def test_same_filter_object_answers_alike_before_and_after_an_indexed_count() -> None:
    """Regression: a parsed filter is immutable. ``match: text`` is a substring test on a
    payload (and a scan) but an all-tokens match through a text index; counting on an
    indexed collection must not switch the filter object's own test() or a later count
    on a collection without the index."""
    text = "rust borrow checker"
    with vdb.open() as db:
        indexed = db.create_collection("i", size=2)
        plain = db.create_collection("p", size=2)
        for col in (indexed, plain):
            col.upsert([1], [[1.0, 0.0]], [{"t": text}])
        indexed.create_payload_index("t", "text")
        tokens = parse_filter({"must": [{"key": "t", "match": {"text": "checker rust"}}]})
        sub = parse_filter({"must": [{"key": "t", "match": {"text": "rust borrow ch"}}]})
        before = (tokens.test(1, {"t": text}), sub.test(1, {"t": text}))
        assert before == (False, True)
        assert plain.count(tokens) == 0 and plain.count(sub) == 1
        assert indexed.count(tokens) == 1 and indexed.count(sub) == 0
        assert (tokens.test(1, {"t": text}), sub.test(1, {"t": text})) == before
        assert plain.count(tokens) == 0 and plain.count(sub) == 1
        assert indexed.count(tokens) == 1


# ----------------------------------------------------------------------------- geo
CITIES: dict[int, tuple[str, float, float]] = {  # id: (name, lon, lat)
    1: ("Paris", 2.3522, 48.8566),
    2: ("London", -0.1276, 51.5072),
    3: ("Berlin", 13.4050, 52.5200),
    4: ("Madrid", -3.7038, 40.4168),
    5: ("New York", -74.0060, 40.7128),
    6: ("Suva", 178.4419, -18.1416),
    7: ("Apia", -171.7514, -13.8333),
}


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance of two (lon, lat) points on a sphere of the mean Earth radius."""
    lon1, lat1, lon2, lat2 = map(np.radians, (*a, *b))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return float(2 * 6371.0088 * np.arcsin(np.sqrt(h)))


def geo_ids(col: vdb.Collection, cond: dict[str, Any]) -> list[int]:
    """Ids of the points matching one geo condition on ``loc``."""
    page, _ = col.scroll({"must": [{"key": "loc", **cond}]}, limit=100)
    return [int(r.id) for r in page]


@pytest.mark.parametrize("indexed", [False, True], ids=["scan", "geo-index"])
def test_geo_conditions_on_cities(indexed: bool) -> None:
    """geo_radius (meters, haversine), geo_bounding_box (also across the antimeridian)
    and geo_polygon (with a hole) on known cities; an array of points matches by any."""
    paris = CITIES[1][1:]
    assert haversine_km(paris, CITIES[2][1:]) == pytest.approx(343.5, abs=2)
    assert haversine_km(paris, CITIES[3][1:]) == pytest.approx(878, abs=3)
    assert haversine_km(paris, CITIES[4][1:]) == pytest.approx(1053, abs=3)
    with vdb.open() as db:
        col = db.create_collection("g", size=2)
        ids = [*CITIES, 8, 9]
        payloads: list[dict[str, Any]] = [
            {"loc": {"lon": c[1], "lat": c[2]}} for c in CITIES.values()
        ]
        payloads.append({"loc": [{"lon": 139.6917, "lat": 35.6895}, {"lon": 2.35, "lat": 48.86}]})
        payloads.append({"loc": "Paris"})  # not a geo point: never matches
        col.upsert(ids, np.ones((len(ids), 2)), payloads)
        if indexed:
            col.create_payload_index("loc", "geo")
        center = {"lon": paris[0], "lat": paris[1]}
        for radius_km, want in ((1, [1, 8]), (400, [1, 2, 8]), (900, [1, 2, 3, 8])):
            got = geo_ids(col, {"geo_radius": {"center": center, "radius": radius_km * 1000}})
            assert got == want, radius_km
            oracle = [
                i
                for i, (_, lon, lat) in CITIES.items()
                if haversine_km(paris, (lon, lat)) <= radius_km
            ]
            assert [i for i in got if i in CITIES] == oracle
        assert 4 in geo_ids(col, {"geo_radius": {"center": center, "radius": 1_100_000}})
        box = {"top_left": {"lon": -5, "lat": 55}, "bottom_right": {"lon": 15, "lat": 45}}
        assert geo_ids(col, {"geo_bounding_box": box}) == [1, 2, 3, 8]
        pacific = {"top_left": {"lon": 170, "lat": -10}, "bottom_right": {"lon": -170, "lat": -20}}
        assert geo_ids(col, {"geo_bounding_box": pacific}) == [6, 7]

        def ring(*pts: tuple[float, float]) -> dict[str, Any]:
            closed = [*pts, pts[0]]
            return {"points": [{"lon": lon, "lat": lat} for lon, lat in closed]}

        europe = ring((-10, 35), (20, 35), (20, 60), (-10, 60))
        assert geo_ids(col, {"geo_polygon": {"exterior": europe}}) == [1, 2, 3, 4, 8]
        around_london = ring((-2, 50), (2, 50), (2, 53), (-2, 53))
        holed = {"exterior": europe, "interiors": [around_london]}
        assert geo_ids(col, {"geo_polygon": holed}) == [1, 3, 4, 8]
        with pytest.raises(ValidationError, match="first and the last points"):
            col.count(
                {
                    "must": [
                        {
                            "key": "loc",
                            "geo_polygon": {"exterior": {"points": europe["points"][:-1] * 2}},
                        }
                    ]
                }
            )


# ----------------------------------------------------------------------------- text matches
TEXTS: list[Any] = [
    "the quick brown fox",
    "Brown fox, quick!",
    "quick brownie",
    ["lazy dog", "quick brown"],
    None,
    7,
]


@pytest.mark.parametrize(
    ("match", "want"),
    [
        ({"text_any": "fox dog"}, [1, 2, 4]),
        ({"text_any": "FOX cat"}, [1, 2]),
        ({"text_any": "cat"}, []),
        ({"phrase": "quick brown"}, [1, 4]),
        ({"phrase": "Brown, fox"}, [1, 2]),
        ({"phrase": "fox quick brown"}, []),
        ({"prefix": "quick"}, [3, 4]),
        ({"prefix": "Brown"}, [2]),
        ({"prefix": "zebra"}, []),
    ],
)
def test_text_any_phrase_prefix_with_and_without_an_index(
    match: dict[str, Any], want: list[int]
) -> None:
    """text_any (any token), phrase (consecutive tokens) and prefix (of the whole string)
    give the same ids by scan and through an index that answers them."""
    kind, params = ("keyword", {"prefix": True}) if "prefix" in match else ("text", None)
    with vdb.open() as db:
        answers = []
        for index in (None, params, {"phrase_matching": True} if kind == "text" else None):
            col = db.create_collection(f"t{len(answers)}", size=2)
            ids = list(range(1, len(TEXTS) + 1))
            col.upsert(ids, np.ones((len(ids), 2)), [{} if t is None else {"t": t} for t in TEXTS])
            if len(answers):
                col.create_payload_index("t", kind, index)
            flt = {"must": [{"key": "t", "match": match}]}
            page, _ = col.scroll(flt, limit=100)
            answers.append([r.id for r in page])
            assert col.count(flt) == len(want)
        assert answers == [want] * 3


# ----------------------------------------------------------------------------- flags, vectors
def test_is_empty_and_is_null_flag_forms() -> None:
    """Regression: ``{"key": k, "is_empty": true}`` (and ``is_null``) is the flag form of
    the condition; ``false`` negates it."""
    with vdb.open() as db:
        col = db.create_collection("e", size=2)
        col.upsert(
            [1, 2, 3, 4],
            np.ones((4, 2)),
            [{"a": 1}, {"a": None}, {"a": []}, {}],
        )

        def ids(cond: dict[str, Any]) -> list[Any]:
            return [r.id for r in col.scroll({"must": [cond]}, limit=10)[0]]

        assert ids({"key": "a", "is_empty": True}) == ids({"is_empty": {"key": "a"}}) == [2, 3, 4]
        assert ids({"key": "a", "is_empty": False}) == [1]
        assert ids({"key": "a", "is_null": True}) == ids({"is_null": {"key": "a"}}) == [2]
        assert ids({"key": "a", "is_null": False}) == [1, 3, 4]
        with pytest.raises(FilterError, match="unknown condition"):
            parse_filter({"must": [{"is_empty": True}]})


def test_has_vector_needs_a_collection() -> None:
    """has_vector is answered over a collection's vectors, not by one payload."""
    flt = parse_filter({"must": [{"has_vector": "title"}]})
    assert flt is not None
    with pytest.raises(UnsupportedError, match="over a collection"):
        flt.test(1, {})
    with pytest.raises(FilterError, match="takes a vector name"):
        parse_filter({"must": [{"has_vector": 3}]})


def test_facet_counts_under_a_filter() -> None:
    """facet: points per value of an indexed field (array values once per point), most
    common first, ties by value; an unindexed field is refused."""
    with vdb.open() as db:
        col = db.create_collection("f", size=2)
        tags = [["a", "b"], ["a", "a"], ["b"], ["c"], "a", None]
        col.upsert(
            list(range(6)),
            np.ones((6, 2)),
            [{"tag": t, "n": i} for i, t in enumerate(tags)],
        )
        with pytest.raises(InvalidInputError, match='Index required but not found for "tag"'):
            col.facet("tag")
        col.create_payload_index("tag", "keyword")
        assert col.facet("tag") == [
            {"value": "a", "count": 3},
            {"value": "b", "count": 2},
            {"value": "c", "count": 1},
        ]
        assert col.facet("tag", limit=1) == [{"value": "a", "count": 3}]
        low = {"must": [{"key": "n", "range": {"lt": 3}}]}
        assert col.facet("tag", filter=low) == [
            {"value": "a", "count": 2},
            {"value": "b", "count": 2},
        ]


def test_paths_enter_arrays_of_objects_only_through_brackets() -> None:
    from ferrox.vectordb.filters import values_at

    p = {"c": {"cities": [{"n": "a", "s": ["x", "y"]}, {"n": "b", "s": ["z"]}]}, "t": [1, 2]}
    assert values_at(p, "c.cities[].n") == ["a", "b"]
    assert values_at(p, "c.cities[1].n") == ["b"]
    assert values_at(p, "c.cities.n") == []  # as Qdrant: no implicit descent
    assert values_at(p, "c.cities[].s") == ["x", "y", "z"]
    assert values_at(p, "t") == [1, 2] and values_at(p, "t[1]") == [2]
    assert values_at(p, "c.cities[5].n") == []


def test_a_repeated_filter_is_evaluated_once_per_write(monkeypatch: pytest.MonkeyPatch) -> None:
    from ferrox.vectordb.filters import Filter

    calls = [0]
    real = Filter.mask

    def counted(self: Filter, target: Any) -> np.ndarray:
        calls[0] += 1
        return real(self, target)

    monkeypatch.setattr(Filter, "mask", counted)
    flt = {"must": [{"key": "t", "match": {"text": "rust"}}]}
    assert parse_filter(dict(flt)) is parse_filter(dict(flt))  # same text, same object
    with vdb.open() as db:
        col = db.create_collection("m", size=2, index="exact")
        col.upsert([1, 2], [[1, 0], [0, 1]], [{"t": "rust"}, {"t": "c"}])
        for _ in range(3):
            assert [h.id for h in col.search([1, 0], limit=5, filter=flt)] == [1]
            assert col.count(flt) == 1
        assert calls[0] == 1
        col.upsert([3], [[1, 1]], [{"t": "rust too"}])  # a write: evaluated again
        assert sorted(h.id for h in col.search([1, 0], limit=5, filter=flt)) == [1, 3]
        col.create_payload_index("t", "text")  # tokens now: "rust too" still has "rust"
        col.delete([1])
        assert [h.id for h in col.search([1, 0], limit=5, filter=flt)] == [3]
        assert calls[0] == 3
