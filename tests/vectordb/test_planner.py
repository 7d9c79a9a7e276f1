"""The search planner's rule table (:mod:`ferrox.vectordb.planner`)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import ferrox.vectordb as vdb
from ferrox.vectordb.planner import FILTER_MIN_EF, Plan, Route, SearchShape, plan

BASE = SearchShape(
    index="hnsw", k=10, ef=32, live=100_000, allowed=100_000, masked=False,
    n_slots=100_000, graph=100_000,
)  # fmt: skip


def shape(**changes: object) -> SearchShape:
    return dataclasses.replace(BASE, **changes)


@pytest.mark.parametrize(
    ("s", "route", "rule"),
    [
        (BASE, Route.GRAPH, "graph"),
        (shape(exact=True), Route.EXACT, "exact asked for"),
        (shape(index="exact"), Route.EXACT, "exact index"),
        (shape(live=5_000, allowed=5_000, n_slots=5_000), Route.EXACT, "small collection"),
        (shape(index="lsh", live=200, allowed=200), Route.EXACT, "small collection"),
        (shape(k=30_000), Route.EXACT, "at most 4k points allowed"),
        (shape(masked=True, allowed=900), Route.EXACT, "filter leaves few points"),
        (shape(masked=True, allowed=1_500), Route.EXACT, "filter leaves few points"),  # 1.5%
        (shape(masked=True, allowed=5_000), Route.GRAPH, "graph"),
        (shape(index="lsh"), Route.LSH, "lsh index"),
        (shape(graph=None), Route.EXACT, "no graph yet"),
    ],
)  # fmt: skip
def test_the_first_rule_that_applies_names_the_route(
    s: SearchShape, route: Route, rule: str
) -> None:
    p = plan(s)
    assert (p.route, p.rule) == (route, rule)


def test_graph_walks_get_their_beam_fetch_tail_and_build() -> None:
    assert plan(BASE) == Plan(Route.GRAPH, "graph", ef=32, fetch=10)
    assert plan(shape(ef=4, k=50)).ef == 50  # never narrower than k
    quarter = plan(shape(masked=True, allowed=25_000))
    assert quarter.ef == int(FILTER_MIN_EF / 0.5)  # widened by 1/sqrt(selectivity)
    assert plan(shape(masked=True, allowed=99_000)).ef > FILTER_MIN_EF - 1
    assert plan(shape(quantized=True)).fetch == 40  # re-scored on the floats
    behind = plan(shape(n_slots=101_000))
    assert behind.tail and behind.build
    renumbered = plan(shape(graph_growable=False))
    assert renumbered.route is Route.GRAPH and renumbered.build and not renumbered.tail
    assert plan(shape(graph=None)).build  # no graph: scan now, build in the background
    assert not plan(shape(graph=None, exact=True)).build  # decided before the graph mattered


def test_a_collection_answers_as_planned() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3_000, 8)).astype(np.float32)
    with vdb.open() as db:
        col = db.create_collection("p", size=8, full_scan_threshold=100)
        col.upsert(list(range(3_000)), x, [{"i": i} for i in range(3_000)])
        col.build_index()
        routes: list[Route] = []
        import ferrox.vectordb.collection as collection_module

        real = collection_module.plan

        def spy(s: SearchShape) -> Plan:
            routes.append(real(s).route)
            return real(s)

        collection_module.plan = spy  # type: ignore[assignment]
        try:
            col.search(x[0], limit=5, filter={"must": [{"key": "i", "range": {"lt": 10}}]})
            col.search(x[0], limit=5, filter={"must": [{"key": "i", "range": {"lt": 2_000}}]})
            col.search(x[0], limit=5, exact=True)
        finally:
            collection_module.plan = real  # type: ignore[assignment]
        assert routes == [Route.EXACT, Route.GRAPH, Route.EXACT]
