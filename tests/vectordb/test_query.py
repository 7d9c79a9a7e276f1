"""The universal query (ferrox.vectordb.query): fusion, recommend, discover, context,
order_by, MMR, sample, named and sparse spaces, and the distance matrix, each against
numbers worked out by hand or with NumPy."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import ferrox.vectordb as vdb
from ferrox.errors import InvalidInputError, NotFoundError, ValidationError
from ferrox.vectordb.query import distance_matrix, parse_query, run_query

# six unit-ish 2-d points, Dot similarity; ids are inserted in order, so ties between equal
# scores go to the smaller id (the smaller slot)
POINTS: dict[int, list[float]] = {
    1: [1.0, 0.0],
    2: [0.8, 0.6],
    3: [0.0, 1.0],
    4: [-1.0, 0.0],
    5: [0.6, -0.8],
    6: [-0.6, -0.8],
}
EPS = 1.1920929e-07  # f32 epsilon, as Qdrant's context score subtracts


@pytest.fixture
def db() -> Iterator[vdb.Database]:
    """A temporary database."""
    with vdb.open() as d:
        yield d


@pytest.fixture
def col(db: vdb.Database) -> vdb.Collection:
    """POINTS in a Dot collection with payloads ``n`` (int, indexed), ``f`` (float,
    indexed) and ``g`` ("a" for odd ids)."""
    c = db.create_collection("q", 2, "Dot", index="exact")
    c.upsert(
        list(POINTS),
        list(POINTS.values()),
        [{"n": i * 10, "f": i / 2, "g": "a" if i % 2 else "b"} for i in POINTS],
    )
    c.create_payload_index("n", "integer")
    c.create_payload_index("f", "float")
    return c


@pytest.fixture
def line(db: vdb.Database) -> vdb.Collection:
    """Four Euclid points on the x axis: 1 at -2, 2 at -1, 3 at 1, 4 at 2."""
    c = db.create_collection("line", 2, "Euclid", index="exact")
    c.upsert([1, 2, 3, 4], [[-2, 0], [-1, 0], [1, 0], [2, 0]])
    return c


def ask(col: vdb.Collection, body: dict[str, Any]) -> list[tuple[Any, float]]:
    """(id, score) of each hit of the query ``body``."""
    return [(h.id, h.score) for h in run_query(col, parse_query(body), lambda n: None)]


def ids_of(col: vdb.Collection, body: dict[str, Any]) -> list[Any]:
    """The hit ids of the query ``body``."""
    return [pid for pid, _ in ask(col, body)]


def fsig(x: float) -> float:
    """Qdrant's fast sigmoid."""
    return x / (1.0 + abs(x))


def ssig(x: float) -> float:
    """Qdrant's scaled fast sigmoid, into (0, 1)."""
    return 0.5 * (fsig(x) + 1.0)


def same_hits(got: list[tuple[Any, float]], want: list[tuple[Any, float]]) -> bool:
    """Same ids in the same order and scores equal to 1e-6."""
    return [p for p, _ in got] == [p for p, _ in want] and [s for _, s in got] == pytest.approx(
        [s for _, s in want], abs=1e-6
    )


def ranked(scores: dict[Any, float]) -> list[Any]:
    """Ids by score, best first (ties: smaller id)."""
    return sorted(scores, key=lambda p: (-scores[p], p))


# ----------------------------------------------------------------------------- fusion
@pytest.mark.parametrize(
    ("rrf", "k", "weights"),
    [({"fusion": "rrf"}, 2, (1.0, 1.0)), ({"rrf": {"k": 5, "weights": [2.0, 0.5]}}, 5, (2.0, 0.5))],
)
def test_rrf_over_two_prefetches(
    col: vdb.Collection, rrf: dict[str, Any], k: int, weights: tuple[float, float]
) -> None:
    """RRF: each prefetch adds 1 / (rank / weight + k - 1) (rank from 1) to its hits."""
    pre = [{"query": [1, 0], "limit": 4}, {"query": [0, 1], "limit": 4}]
    lists = [[h.id for h in col.search(p["query"], limit=4)] for p in pre]
    assert lists == [[1, 2, 5, 3], [3, 2, 1, 4]]  # by hand, ties to the smaller id
    want: dict[int, float] = {}
    for hits, w in zip(lists, weights, strict=True):
        for rank, pid in enumerate(hits, start=1):
            want[pid] = want.get(pid, 0.0) + 1.0 / (rank / w + k - 1)
    got = ask(col, {"prefetch": pre, "query": rrf, "limit": 10})
    assert [pid for pid, _ in got] == ranked(want)
    assert dict(got) == pytest.approx(want)
    if k == 2:  # by hand: 1 is 1st and 3rd, 2 is 2nd twice
        assert dict(got)[1] == pytest.approx(1 / 2 + 1 / 4)
        assert dict(got)[2] == pytest.approx(2 / 3)


def test_dbsf_normalises_by_three_sigma(col: vdb.Collection) -> None:
    """DBSF: each prefetch's scores map (mean - 3σ, mean + 3σ) (σ the sample deviation)
    onto (0, 1) and are summed per point."""
    pre = [{"query": [1, 0], "limit": 3}, {"query": [0.5, 1], "limit": 4}]
    want: dict[int, float] = {}
    for p in pre:
        hits = col.search(p["query"], limit=p["limit"])
        s = np.array([h.score for h in hits], dtype=np.float64)
        lo, hi = s.mean() - 3 * s.std(ddof=1), s.mean() + 3 * s.std(ddof=1)
        for h, x in zip(hits, s, strict=True):
            want[h.id] = want.get(h.id, 0.0) + (x - lo) / (hi - lo)
    got = ask(col, {"prefetch": pre, "query": {"fusion": "dbsf"}})
    assert [pid for pid, _ in got] == ranked(want)
    assert dict(got) == pytest.approx(want, rel=1e-6)
    # one prefetch with a single hit: σ is 0, the hit scores 0.5
    one = ask(col, {"prefetch": [{"query": [1, 0], "limit": 1}], "query": {"fusion": "dbsf"}})
    assert one == [(1, 0.5)]


def test_root_filter_applies_to_prefetches(col: vdb.Collection) -> None:
    """The root filter restricts every prefetch (and so what gets fused)."""
    odd = {"must": [{"key": "g", "match": {"value": "a"}}]}
    pre = [{"query": [1, 0], "limit": 2}, {"query": [0, 1], "limit": 2}]
    lists = [[h.id for h in col.search(p["query"], limit=2, filter=odd)] for p in pre]
    assert lists == [[1, 5], [3, 1]]
    got = ask(col, {"prefetch": pre, "query": {"fusion": "rrf"}, "filter": odd})
    assert dict(got) == pytest.approx({1: 1 / 2 + 1 / 3, 3: 1 / 2, 5: 1 / 3})
    assert [pid for pid, _ in got] == [1, 3, 5]
    # a prefetch's own filter combines with the root one
    pre[1]["filter"] = {"must": [{"key": "n", "range": {"gte": 30}}]}
    got = ask(col, {"prefetch": pre, "query": {"fusion": "rrf"}, "filter": odd})
    assert dict(got) == pytest.approx({5: 1 / 3 + 1 / 3, 1: 1 / 2, 3: 1 / 2})  # 2nd: [3, 5]
    assert [pid for pid, _ in got] == [5, 1, 3]
    pre[1]["filter"] = {"must": [{"key": "n", "range": {"gte": 40}}]}
    got = ask(col, {"prefetch": pre, "query": {"fusion": "rrf"}, "filter": odd})
    assert dict(got) == pytest.approx({1: 1 / 2, 5: 1 / 3 + 1 / 2})
    # a plain query over a prefetch re-scores the prefetch's candidates only
    nested = {"prefetch": [{"query": [1, 0], "limit": 3}], "query": [0, 1], "limit": 10}
    assert same_hits(ask(col, nested), [(2, 0.6), (1, 0.0), (5, -0.8)])


# ----------------------------------------------------------------------------- recommend
def test_recommend_average_vector_is_nearest_to_the_shifted_mean(col: vdb.Collection) -> None:
    """average_vector: nearest to 2·mean(positive) - mean(negative); example points are
    left out of the results."""
    pos, neg = [1, 2], [4]
    target = 2 * np.mean([POINTS[p] for p in pos], axis=0) - np.mean([POINTS[n] for n in neg], 0)
    np.testing.assert_allclose(target, [2.8, 0.6])
    plain = [(h.id, h.score) for h in col.search(target, limit=10) if h.id not in pos + neg]
    got = ask(col, {"query": {"recommend": {"positive": pos, "negative": neg}}})
    assert [pid for pid, _ in got] == [pid for pid, _ in plain] == [5, 3, 6]
    assert same_hits(got, plain)
    assert dict(got)[5] == pytest.approx(2.8 * 0.6 - 0.6 * 0.8)
    # raw vectors as examples: nothing is excluded; no negatives: the plain mean
    got = ask(col, {"query": {"recommend": {"positive": [[1, 0], [0, 1]]}}, "limit": 2})
    assert same_hits(got, [(2, 0.7), (1, 0.5)])
    with pytest.raises(ValidationError, match="At least one positive"):
        ask(col, {"query": {"recommend": {"positive": [], "negative": [1]}}})


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_recommend_best_score_sign_rule(col: vdb.Collection) -> None:
    """best_score: sigmoid of the best positive similarity when it beats the best
    negative one, else minus the sigmoid of the best negative one; one side without
    examples raises no RuntimeWarning (regression)."""
    got = dict(
        ask(
            col,
            {"query": {"recommend": {"positive": [1], "negative": [4], "strategy": "best_score"}}},
        )
    )
    # sims to 1 / to 4: point 2 0.8/-0.8, 3 0/0, 5 0.6/-0.6, 6 -0.6/0.6
    want = {2: ssig(0.8), 5: ssig(0.6), 3: -ssig(0.0), 6: -ssig(0.6)}
    assert got == pytest.approx(want, abs=1e-6)
    assert ids_of(
        col, {"query": {"recommend": {"positive": [1], "negative": [4], "strategy": "best_score"}}}
    ) == [2, 5, 3, 6]
    # only positives: the sigmoid of the similarity to the example
    pos_only = ask(col, {"query": {"recommend": {"positive": [1], "strategy": "best_score"}}})
    want = {2: ssig(0.8), 5: ssig(0.6), 3: ssig(0.0), 6: ssig(-0.6), 4: ssig(-1.0)}
    assert same_hits(pos_only, sorted(want.items(), key=lambda kv: -kv[1]))
    # only negatives: every candidate scores below zero, least similar first
    neg_only = ask(col, {"query": {"recommend": {"negative": [1], "strategy": "best_score"}}})
    assert [pid for pid, _ in neg_only] == [4, 6, 3, 5, 2]
    assert all(sc < 0 for _, sc in neg_only)


def test_recommend_sum_scores(col: vdb.Collection) -> None:
    """sum_scores: sum of positive similarities minus the sum of negative ones."""
    x = np.array([POINTS[i] for i in POINTS])
    sims = x @ x.T
    cand = [3, 5, 6]
    want = {c: sims[c - 1, 0] + sims[c - 1, 1] - sims[c - 1, 3] for c in cand}
    body = {"recommend": {"positive": [1, 2], "negative": [4], "strategy": "sum_scores"}}
    got = ask(col, {"query": body})
    assert [pid for pid, _ in got] == ranked(want) == [5, 3, 6]
    assert dict(got) == pytest.approx(want, rel=1e-6)


# ----------------------------------------------------------------------------- discover, context
def test_context_scores_on_a_line(line: vdb.Collection) -> None:
    """context: each pair adds fsig(min(sim(pos) - sim(neg) - eps, 0)); points on the
    positive side of every pair score 0."""
    pairs = [
        {"positive": [-3, 0], "negative": [3, 0]},
        {"positive": [-1, 0], "negative": [1, 0]},
    ]
    got = ask(line, {"query": {"context": pairs}})
    # point 3 (x=1): distances 4 vs 2, then 2 vs 0; point 4 (x=2): 5 vs 1, then 3 vs 1
    want = {1: 0.0, 2: 0.0, 3: fsig(-2 - EPS) * 2, 4: fsig(-4 - EPS) + fsig(-2 - EPS)}
    assert [pid for pid, _ in got] == [1, 2, 3, 4]
    assert dict(got) == pytest.approx(want, abs=1e-6)
    assert dict(got)[3] == pytest.approx(-4 / 3, abs=1e-6)


def test_discover_zone_beats_target_closeness(line: vdb.Collection) -> None:
    """discover: rank = Σ sign(sim(pos) - sim(neg)) over pairs, plus ssig(sim(target));
    a point in the positive zone far from the target beats a near one outside it."""
    body = {"discover": {"target": [2, 0], "context": [{"positive": [-3, 0], "negative": [3, 0]}]}}
    got = ask(line, {"query": body})
    # x=-2: +1 + ssig(-4); x=-1: +1 + ssig(-3); x=1: -1 + ssig(-1); x=2: -1 + ssig(0)
    want = {1: 1 + ssig(-4), 2: 1 + ssig(-3), 3: -1 + ssig(-1), 4: -1 + ssig(0)}
    assert want == pytest.approx({1: 1.1, 2: 1.125, 3: -0.75, 4: -0.5})
    assert [pid for pid, _ in got] == [2, 1, 4, 3]
    assert dict(got) == pytest.approx(want, abs=1e-6)
    # a point id as the target is looked up and left out
    by_id = {"discover": {"target": 4, "context": [{"positive": 1, "negative": 4}]}}
    assert ids_of(line, {"query": by_id}) == [2, 3]
    with pytest.raises(InvalidInputError, match="needs a target"):
        parse_query({"query": {"discover": {"context": []}}})


# ----------------------------------------------------------------------------- order_by
def test_order_by_with_start_from(col: vdb.Collection) -> None:
    """order_by walks an integer/float index asc or desc from start_from; the hits carry
    the value (an int for integers) and score 0."""
    hits = run_query(col, parse_query({"query": {"order_by": "n"}, "limit": 3}), lambda n: None)
    assert [(h.id, h.order_value, h.score) for h in hits] == [(1, 10, 0), (2, 20, 0), (3, 30, 0)]
    assert isinstance(hits[0].order_value, int)
    desc = {"order_by": {"key": "n", "direction": "desc", "start_from": 30}}
    assert ids_of(col, {"query": desc}) == [3, 2, 1]
    asc = {"order_by": {"key": "f", "direction": "asc", "start_from": 1.75}}
    hits = run_query(col, parse_query({"query": asc}), lambda n: None)
    assert [(h.id, h.order_value) for h in hits] == [(4, 2), (5, 2.5), (6, 3)]
    odd = {"must": [{"key": "g", "match": {"value": "a"}}]}
    assert ids_of(
        col, {"query": {"order_by": {"key": "n", "direction": "desc"}}, "filter": odd}
    ) == [
        5,
        3,
        1,
    ]
    with pytest.raises(InvalidInputError, match="No range index for `order_by` key: `g`"):
        ask(col, {"query": {"order_by": "g"}})
    with pytest.raises(InvalidInputError, match="use start_from"):
        parse_query({"query": {"order_by": "n"}, "offset": 2})
    with pytest.raises(InvalidInputError, match="asc or desc"):
        parse_query({"query": {"order_by": {"key": "n", "direction": "up"}}})


# ----------------------------------------------------------------------------- MMR, sample, limits
def test_mmr(col: vdb.Collection) -> None:
    """MMR with diversity 0 is the plain nearest order and scores; with diversity 1, after
    the most relevant point it takes the candidate least similar to those chosen."""
    q = [1.0, 0.2]
    plain = [(h.id, h.score) for h in col.search(q, limit=6)]
    got = ask(col, {"query": {"nearest": q, "mmr": {"diversity": 0}}, "limit": 6})
    assert [pid for pid, _ in got] == [pid for pid, _ in plain]
    assert same_hits(got, plain)
    mmr = {"diversity": 1.0, "candidates_limit": 6}
    div = ask(col, {"query": {"nearest": q, "mmr": mmr}, "limit": 2})
    # first 1 (relevance 1.0); then the least similar to 1: point 4 (sim -1)
    assert same_hits(div, [(1, 1.0), (4, -1.0)])
    # the candidates default to the limit: here the two nearest only
    div = ask(col, {"query": {"nearest": q, "mmr": {"diversity": 1.0}}, "limit": 2})
    assert same_hits(div, [(1, 1.0), (2, 0.92)])
    with pytest.raises(ValidationError, match="must be from 0 to 1"):
        parse_query({"query": {"nearest": q, "mmr": {"diversity": 1.5}}})


def test_limit_far_above_the_collection_size(col: vdb.Collection) -> None:
    """A huge limit answers every matching point at once, for every kind of query."""
    big = 10**9
    bodies: list[dict[str, Any]] = [
        {"query": [1, 0]},
        {"query": {"nearest": [1, 0], "mmr": {"diversity": 0.5}}},
        {"query": {"recommend": {"positive": [1]}}},
        {"query": {"order_by": "n"}},
        {"query": {"sample": "random"}},
        {"prefetch": [{"query": [1, 0], "limit": big}], "query": {"fusion": "rrf"}},
        {},
    ]
    start = time.perf_counter()
    for body in bodies:
        got = ids_of(col, {**body, "limit": big})
        want = 5 if "recommend" in body.get("query", {}) else 6
        assert len(got) == len(set(got)) == want, body
    assert col.search([1, 0], limit=big, offset=4)[0].id == 6
    assert time.perf_counter() - start < 2.0
    assert sorted(ids_of(col, {"query": {"sample": "random"}, "limit": big})) == list(POINTS)


def test_distance_matrix_on_four_points(line: vdb.Collection) -> None:
    """Each sampled point's ``limit`` nearest others (itself excluded), as (column,
    score) pairs in id order; Euclid scores are distances."""
    ids, rows = distance_matrix(line, sample=10, limit=2)
    assert ids == [1, 2, 3, 4]
    x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    d = np.abs(x - x.T)
    for i, row in enumerate(rows):
        others = [j for j in np.argsort(d[i], kind="stable") if j != i][:2]
        assert [c for c, _ in row] == others
        assert [s for _, s in row] == pytest.approx(d[i, others].tolist())
    assert rows[0] == [(1, 1.0), (2, 3.0)]  # by hand: -2 is 1 from -1 and 3 from 1
    ids, rows = distance_matrix(line, sample=2, limit=3)
    assert len(ids) == 2 and ids == sorted(ids)
    assert [[c for c, _ in r] for r in rows] == [[1], [0]]
    with pytest.raises(ValidationError, match="sample"):
        distance_matrix(line, sample=0, limit=1)


def test_distance_matrix_dot_and_filter(col: vdb.Collection) -> None:
    """Dot matrix under a filter: similarities, best first."""
    odd = {"must": [{"key": "g", "match": {"value": "a"}}]}
    ids, rows = distance_matrix(col, sample=4, limit=1, filter=odd)
    assert ids == [1, 3, 5]
    # 1·3 = 0, 1·5 = 0.6, 3·5 = -0.8
    assert rows == [
        [(2, pytest.approx(0.6))],
        [(0, pytest.approx(0.0))],
        [(0, pytest.approx(0.6))],
    ]


# ----------------------------------------------------------------------------- other spaces
def test_nearest_and_fusion_in_named_and_sparse_spaces(db: vdb.Database) -> None:
    """``using`` picks the space; a point id as the query is looked up there and left
    out; a dense + sparse hybrid fuses by RRF."""
    col = db.create_collection(
        "h",
        2,
        "Dot",
        index="exact",
        vectors={"t": {"size": 3, "distance": "Cosine"}},
        sparse_vectors={"s": {}},
    )
    col.upsert(
        [1, 2, 3],
        [[1, 0], [0, 1], [1, 1]],
        named=[
            {"t": [1, 0, 0], "s": {"indices": [1], "values": [1.0]}},
            {"t": [1, 1, 0], "s": {"indices": [1, 2], "values": [0.5, 3.0]}},
            {"t": [0, 0, 2]},
        ],
    )
    got = ask(col, {"query": 1, "using": "t"})
    assert same_hits(got, [(2, math.sqrt(0.5)), (3, 0.0)])
    sparse_q = {"indices": [2, 1], "values": [1.0, 2.0]}
    assert same_hits(ask(col, {"query": sparse_q, "using": "s"}), [(2, 4.0), (1, 2.0)])
    hybrid = {
        "prefetch": [
            {"query": sparse_q, "using": "s", "limit": 5},
            {"query": [0, 0, 1], "using": "t", "limit": 5},
        ],
        "query": {"fusion": "rrf"},
    }
    # sparse ranks 2, 1; dense (Cosine to z) ranks 3, then 1 and 2 tie at 0 (slot order)
    want = {2: 1 / 2 + 1 / 4, 1: 1 / 3 + 1 / 3, 3: 1 / 2}
    got = ask(col, hybrid)
    assert dict(got) == pytest.approx(want)
    assert [pid for pid, _ in got] == ranked(want)
    with pytest.raises(InvalidInputError, match="Conversion between sparse and regular"):
        ask(col, {"query": [1, 0, 0], "using": "s"})
    with pytest.raises(InvalidInputError, match="is not set for point 3"):
        ask(col, {"query": 3, "using": "s"})
    with pytest.raises(NotFoundError, match="No point with id 9"):
        ask(col, {"query": 9, "using": "t"})
    with pytest.raises(InvalidInputError, match="cannot be combined with the 'using'"):
        parse_query({"query": {"fusion": "rrf"}, "using": "t"})
    # with prefetches Qdrant resolves their examples first, then refuses the 'using'
    with pytest.raises(NotFoundError, match="No point with id 9"):
        ask(
            col,
            {"prefetch": [{"query": 9, "using": "t"}], "query": {"fusion": "rrf"}, "using": "t"},
        )
    with pytest.raises(InvalidInputError, match="cannot be combined with the 'using'"):
        ask(
            col,
            {"prefetch": [{"query": 1, "using": "t"}], "query": {"fusion": "rrf"}, "using": "t"},
        )
    with pytest.raises(InvalidInputError, match="require prefetches"):
        parse_query({"query": {"fusion": "rrf"}})


def test_lookup_from_another_collection(db: vdb.Database, col: vdb.Collection) -> None:
    """lookup_from takes example vectors from another collection (its ids are not
    excluded here)."""
    other = db.create_collection("o", 2, "Dot", index="exact")
    other.upsert([1], [[0.0, 1.0]])
    body = {
        "query": {"recommend": {"positive": [1]}},
        "lookup_from": {"collection": "o"},
        "limit": 2,
    }
    got = [(h.id, h.score) for h in run_query(col, parse_query(body), db.collection)]
    assert same_hits(got, [(3, 1.0), (2, 0.6)])


def test_idf_over_a_corpus_chosen_by_filter(db: vdb.Database) -> None:
    """``params.idf.corpus`` counts document frequencies over the points the filter
    picks, independently of the retrieval filter; dense spaces refuse the parameter."""
    c = db.create_collection(
        "idf", 2, "Dot", index="exact", sparse_vectors={"t": {"modifier": "idf"}}
    )
    docs = {1: ("a", [7]), 2: ("a", [7, 8]), 3: ("b", [8]), 4: ("b", [8])}
    c.upsert(
        list(docs),
        [[1, 0]] * 4,
        [{"tenant": t} for t, _ in docs.values()],
        named=[{"t": {"indices": ix, "values": [1.0] * len(ix)}} for _, ix in docs.values()],
    )

    def idf(n: int, df: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    tenant_a = {"must": [{"key": "tenant", "match": {"value": "a"}}]}
    body = {"query": {"indices": [8], "values": [1.0]}, "using": "t", "limit": 10}
    glob = dict(ask(c, body))
    assert glob[3] == pytest.approx(idf(4, 3))
    local = dict(ask(c, {**body, "params": {"idf": {"corpus": tenant_a}}}))
    assert set(local) == {2, 3, 4} and local[3] == pytest.approx(idf(2, 1))
    with pytest.raises(InvalidInputError, match="idf modifier"):
        ask(c, {"query": [1, 0], "params": {"idf": "global"}, "limit": 3})


# ----------------------------------------------------------------------------- formula
def test_formula_rescores_prefetch_with_payload_conditions_and_decay(col: vdb.Collection) -> None:
    prefetch = {"query": [1.0, 0.0], "limit": 6}
    dots = {pid: v[0] for pid, v in POINTS.items()}
    # 0.5 * score + f + (1 when g == "a"), every point
    formula = {
        "sum": [
            {"mult": [0.5, "$score"]},
            "f",
            {"key": "g", "match": {"value": "a"}},
        ]
    }
    got = ask(col, {"prefetch": prefetch, "query": {"formula": formula}, "limit": 6})
    want = {p: 0.5 * dots[p] + p / 2 + (1.0 if p % 2 else 0.0) for p in POINTS}
    assert dict(got) == pytest.approx(want)
    assert [p for p, _ in got] == ranked(want)
    # gauss decay of n around 30 with scale 10: 0.5 at distance 10 (the midpoint)
    decay = {"gauss_decay": {"x": "n", "target": 30, "scale": 10, "midpoint": 0.5}}
    got = dict(ask(col, {"prefetch": prefetch, "query": {"formula": decay}, "limit": 6}))
    assert got[3] == pytest.approx(1.0) and got[2] == pytest.approx(0.5)
    assert got[1] == pytest.approx(0.5**4)
    # a point a prefetch did not return scores 0 there; score_threshold keeps the best
    got = ask(
        col,
        {
            "prefetch": [{"query": [1.0, 0.0], "limit": 1}, {"query": [0.0, 1.0], "limit": 1}],
            "query": {"formula": {"sum": ["$score", {"mult": [10, "$score[1]"]}]}},
            "score_threshold": 5,
        },
    )
    assert got == [(3, pytest.approx(10.0))]


def test_formula_errors_name_the_variable_and_the_expression(col: vdb.Collection) -> None:
    prefetch = {"query": [1.0, 0.0], "limit": 6}
    with pytest.raises(InvalidInputError, match=r"'missing'.*nor defaults"):
        ask(col, {"prefetch": prefetch, "query": {"formula": "missing"}})
    got = ask(
        col, {"prefetch": prefetch, "query": {"formula": "missing", "defaults": {"missing": 2}}}
    )
    assert {s for _, s in got} == {2.0}
    with pytest.raises(InvalidInputError, match="'g', expected number"):
        ask(col, {"prefetch": prefetch, "query": {"formula": "g"}})
    with pytest.raises(InvalidInputError, match="non-finite"):
        ask(col, {"prefetch": prefetch, "query": {"formula": {"ln": {"neg": "f"}}}})
    by_zero = {"div": {"left": 1, "right": {"mult": [0, "f"]}, "by_zero_default": 7}}
    assert {s for _, s in ask(col, {"prefetch": prefetch, "query": {"formula": by_zero}})} == {7.0}
    with pytest.raises(ValidationError, match="midpoint"):
        parse_query({"query": {"formula": {"exp_decay": {"x": "n", "midpoint": 1.5}}}})


# ----------------------------------------------------------------------------- feedback
def test_relevance_feedback_naive_strategy(col: vdb.Collection) -> None:
    target = [1.0, 0.0]
    fb = [{"example": [0.0, 1.0], "score": 0.9}, {"example": [0.0, -1.0], "score": 0.1}]
    body = {
        "query": {
            "relevance_feedback": {
                "target": target,
                "feedback": fb,
                "strategy": {"naive": {"a": 1.0, "b": 2.0, "c": 0.5}},
            }
        },
        "limit": 6,
    }
    # a * sim(target) + conf**b * c * (sim(better) - sim(worse)), conf = 0.8
    weight = 0.8**2 * 0.5
    want = {p: v[0] + weight * (v[1] - (-v[1])) for p, v in POINTS.items()}
    got = ask(col, body)
    assert dict(got) == pytest.approx(want, abs=1e-5)
    assert [p for p, _ in got] == ranked(want)
    one = {**body["query"]["relevance_feedback"], "feedback": fb[:1]}
    # a single example makes no pair: plain nearest to the target
    assert ids_of(col, {"query": {"relevance_feedback": one}, "limit": 6}) == ids_of(
        col, {"query": target, "limit": 6}
    )
    with pytest.raises(InvalidInputError, match="non-empty"):
        parse_query({"query": {"relevance_feedback": {**one, "feedback": []}}})
    bad = {**one, "strategy": {"naive": {"a": 1, "b": -1, "c": 1}}}
    with pytest.raises(ValidationError, match=r"must be 0\.0 or larger"):
        parse_query({"query": {"relevance_feedback": bad}})
