"""Named dense spaces, multi-vectors (max-sim), sparse vectors (dot product, idf), optional
vectors, update/delete of single spaces, and their durability (reopen, WAL replay, vacuum)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ferrox.vectordb as vdb
from ferrox.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ShapeError,
    ValidationError,
)
from tests.vectordb.test_collection import crash

SPACES: dict[str, dict[str, Any]] = {
    "title": {"size": 3, "distance": "Euclid"},
    "body": {"size": 4, "distance": "Cosine"},
    "colbert": {"size": 2, "distance": "Dot", "multivector": "max_sim"},
    "late_l2": {"size": 2, "distance": "Euclid", "multivector": "max_sim"},
}
SPARSE: dict[str, dict[str, Any]] = {"kw": {}, "bm": {"modifier": "idf"}}


def sparse(pairs: dict[int, float]) -> dict[str, list[Any]]:
    """Qdrant's sparse JSON from ``{index: value}``."""
    return {"indices": list(pairs), "values": list(pairs.values())}


def make(db: vdb.Database, name: str = "s", **options: Any) -> vdb.Collection:
    """A Dot collection with a 2-d primary space and every space above."""
    return db.create_collection(
        name, 2, "Dot", index="exact", vectors=SPACES, sparse_vectors=SPARSE, **options
    )


@pytest.fixture
def db() -> Iterator[vdb.Database]:
    """A temporary database."""
    with vdb.open() as d:
        yield d


def vectors_of(col: vdb.Collection, ids: list[int], with_vectors: Any = True) -> dict[Any, Any]:
    """``{id: vector output}`` of the points."""
    return {r.id: r.vector for r in col.get(ids, with_vectors=with_vectors)}


# ----------------------------------------------------------------------------- dense spaces
def test_named_vectors_round_trip_as_name_maps(db: vdb.Database) -> None:
    """Each point answers ``{name: value}`` with the spaces it holds; Cosine vectors come
    back normalised; a list of names selects; a point with only the unnamed vector in a
    collection with other spaces answers a plain list (as Qdrant does)."""
    col = make(db)
    col.upsert(
        [1, 2],
        [[1.0, 2.0], [3.0, 4.0]],
        [{"p": 1}, None],
        named=[{"title": [1, 2, 3], "body": [3, 0, 4, 0]}, None],
    )
    got = vectors_of(col, [1, 2])
    assert got[1] == {"": [1.0, 2.0], "title": [1.0, 2.0, 3.0], "body": [0.6, 0.0, 0.8, 0.0]}
    assert got[2] == [3.0, 4.0]
    assert vectors_of(col, [1, 2], ["title"]) == {1: {"title": [1.0, 2.0, 3.0]}, 2: {}}
    assert vectors_of(col, [1], ["", "body"]) == {1: {"": [1.0, 2.0], "body": [0.6, 0.0, 0.8, 0.0]}}
    assert vectors_of(col, [1], False) == {1: None}
    assert col.get([1])[0].payload == {"p": 1}

    plain = db.create_collection("plain", 2, "Dot")
    plain.upsert([7], [[0.5, 0.25]])
    assert vectors_of(plain, [7]) == {7: [0.5, 0.25]}
    assert vectors_of(plain, [7], [""]) == {7: [0.5, 0.25]}


def test_search_space_scores_each_space_with_its_distance(db: vdb.Database) -> None:
    """search_space ranks by the space's own distance: Euclid ascending, Cosine
    descending; scores equal NumPy's; filters, offset and thresholds apply."""
    col = make(db)
    rng = np.random.default_rng(3)
    titles = rng.standard_normal((6, 3)).astype(np.float32)
    bodies = rng.standard_normal((6, 4)).astype(np.float32)
    ids = list(range(10, 16))
    col.upsert(
        ids,
        rng.standard_normal((6, 2)),
        [{"even": i % 2 == 0} for i in ids],
        named=[
            {"title": t.tolist(), "body": b.tolist()} for t, b in zip(titles, bodies, strict=True)
        ],
    )
    q = np.array([0.1, -0.2, 0.3], np.float32)
    dist = np.linalg.norm(titles - q, axis=1)
    hits = col.search_space("title", q.tolist(), limit=6)
    assert [h.id for h in hits] == [ids[k] for k in np.argsort(dist)]
    np.testing.assert_allclose([h.score for h in hits], np.sort(dist), rtol=1e-5)

    qb = np.array([1.0, 0.0, -1.0, 2.0], np.float32)
    normed = bodies / np.linalg.norm(bodies, axis=1, keepdims=True)
    cos = normed @ (qb / np.linalg.norm(qb))
    hits = col.search_space("body", qb.tolist(), limit=3, offset=1)
    order = np.argsort(-cos)
    assert [h.id for h in hits] == [ids[k] for k in order[1:4]]
    np.testing.assert_allclose([h.score for h in hits], cos[order[1:4]], rtol=1e-5)

    even = {"must": [{"key": "even", "match": {"value": True}}]}
    hits = col.search_space("title", q.tolist(), limit=10, filter=even)
    assert [h.id for h in hits] == [ids[k] for k in np.argsort(dist) if ids[k] % 2 == 0]
    cut = float(np.sort(dist)[2])
    hits = col.search_space("title", q.tolist(), limit=10, score_threshold=cut)
    assert len(hits) == 3 and all(h.score <= cut + 1e-6 for h in hits)
    # the primary space through the same entry point
    assert [h.id for h in col.search_space("", [1, 0], limit=2)] == [
        h.id for h in col.search([1, 0], limit=2)
    ]


def test_optional_vectors_and_has_vector(db: vdb.Database) -> None:
    """Points may lack any space, the primary one included: searches in a space see only
    the points that hold it and has_vector filters by it."""
    col = make(db)
    col.upsert(
        [1, 2, 3, 4],
        [[1, 0], None, [0, 1], None],
        named=[{"title": [0, 0, 0]}, {"title": [1, 1, 1], "kw": sparse({3: 1.0})}, None, None],
    )
    assert [h.id for h in col.search([1, 1], limit=10)] == [1, 3]
    assert [h.id for h in col.search_space("title", [0, 0, 0], limit=10)] == [1, 2]
    assert [h.id for h in col.search_space("body", [1, 0, 0, 0], limit=10)] == []

    def having(name: str) -> list[Any]:
        page, _ = col.scroll({"must": [{"has_vector": name}]}, limit=10)
        return [r.id for r in page]

    assert having("") == [1, 3]
    assert having("title") == [1, 2]
    assert having("kw") == [2]
    assert having("body") == []
    assert col.count({"must_not": [{"has_vector": ""}]}) == 2
    assert vectors_of(col, [4]) == {4: {}}
    with pytest.raises(InvalidInputError, match="Not existing vector name error: nope"):
        col.count({"must": [{"has_vector": "nope"}]})


def test_named_only_collection(db: vdb.Database) -> None:
    """``primary=None``: no unnamed vector; points hold only named ones, and
    update_vectors / delete_vectors work there too."""
    col = db.create_collection(
        "n", 2, primary=None, vectors={"a": {"size": 2, "distance": "Dot"}, "b": SPACES["title"]}
    )
    col.upsert([1, 2], None, named=[{"a": [1, 0], "b": [0, 0, 1]}, {"a": [0, 1]}])
    with pytest.raises(InvalidInputError, match="no unnamed vector"):
        col.upsert([3], [[1, 0]])
    assert vectors_of(col, [1, 2]) == {
        1: {"a": [1.0, 0.0], "b": [0.0, 0.0, 1.0]},
        2: {"a": [0.0, 1.0]},
    }
    col.update_vectors([2], named=[{"b": [1, 1, 1]}])
    assert vectors_of(col, [2]) == {2: {"a": [0.0, 1.0], "b": [1.0, 1.0, 1.0]}}
    col.delete_vectors(["a"], [1])
    assert vectors_of(col, [1]) == {1: {"b": [0.0, 0.0, 1.0]}}
    assert [h.id for h in col.search_space("a", [1, 1], limit=5)] == [2]


@pytest.mark.parametrize(
    ("named", "error", "text"),
    [
        ({"title": [1, 2]}, ShapeError, "expected dim: 3, got 2"),
        ({"nope": [1, 2]}, InvalidInputError, "Not existing vector name error: nope"),
        ({"title": []}, InvalidInputError, "must not be empty"),
        ({"title": [1, float("nan"), 2]}, InvalidInputError, "NaN or infinity"),
        ({"title": [[1, 2, 3]]}, InvalidInputError, "must be a list of numbers"),
        ({"colbert": [[1, 0], [1, 0, 0]]}, ValidationError, "same dimension"),
        ({"colbert": [[1, 0, 0]]}, ShapeError, "expected dim: 2, got 3"),
        ({"kw": [1, 2]}, InvalidInputError, "indices, values"),
        ({"kw": {"indices": [1, 1], "values": [1, 2]}}, ValidationError, "indices must be unique"),
        ({"kw": {"indices": [1, 2], "values": [1]}}, ValidationError, "same length"),
        ({"kw": {"indices": [-1], "values": [1]}}, InvalidInputError, "unsigned 32-bit"),
        ({"kw": {"indices": [2**32], "values": [1]}}, InvalidInputError, "unsigned 32-bit"),
        ({"kw": {"indices": [1.5], "values": [1]}}, InvalidInputError, "unsigned 32-bit"),
    ],
)
def test_bad_named_vectors_are_named_and_change_nothing(
    db: vdb.Database, named: dict[str, Any], error: type[Exception], text: str
) -> None:
    """A bad vector in any space of a batch raises a clear error; nothing is written."""
    col = make(db)
    col.upsert([1], [[1, 0]], named=[{"title": [0, 0, 0]}])
    seq = col.seq
    with pytest.raises(error, match=text):
        col.upsert([1, 2], [[0, 1], [1, 1]], named=[{"title": [5, 5, 5]}, named])
    assert col.seq == seq and len(col) == 1
    assert vectors_of(col, [1]) == {1: {"": [1.0, 0.0], "title": [0.0, 0.0, 0.0]}}


def test_bad_queries_and_primary_vectors(db: vdb.Database) -> None:
    """Wrong dimensions and unknown names in searches and the primary space."""
    col = make(db)
    with pytest.raises(ShapeError, match="expected dim: 2, got 3"):
        col.upsert([1], [[1, 2, 3]])
    with pytest.raises(ShapeError, match="expected dim: 4, got 3"):
        col.search_space("body", [1, 2, 3])
    with pytest.raises(InvalidInputError, match="Not existing vector name error: zz"):
        col.search_space("zz", [1, 2, 3])
    with pytest.raises(InvalidInputError, match="Not existing vector name error: zz"):
        col.delete_vectors(["zz"], [1])
    with pytest.raises(InvalidInputError, match="2 ids but 1 named vector maps"):
        col.upsert([1, 2], None, named=[{}])


# ----------------------------------------------------------------------------- sparse
def test_sparse_dot_product_only_overlapping_points(db: vdb.Database) -> None:
    """Plain sparse scores are dot products over shared indices; points sharing no index
    with the query are not returned; unsorted input is stored sorted."""
    col = make(db)
    docs = {1: {7: 1.0, 2: 0.5}, 2: {2: 2.0, 9: 1.0}, 3: {100: 4.0}, 4: {9: -1.0, 7: 3.0}}
    col.upsert(list(docs), None, named=[{"kw": sparse(d)} for d in docs.values()])
    assert vectors_of(col, [1]) == {1: {"kw": {"indices": [2, 7], "values": [0.5, 1.0]}}}
    query = {9: 2.0, 2: 1.0, 5: 10.0}
    want = {
        pid: sum(v * query.get(i, 0.0) for i, v in d.items())
        for pid, d in docs.items()
        if set(d) & set(query)
    }
    hits = col.search_space("kw", sparse(query), limit=10)
    assert [h.id for h in hits] == sorted(want, key=lambda p: -want[p])
    assert {h.id: h.score for h in hits} == pytest.approx(want)
    assert 3 not in {h.id for h in hits}
    assert col.search_space("kw", sparse({555: 1.0}), limit=10) == []
    with pytest.raises(InvalidInputError, match="must be"):
        col.search_space("kw", [1.0, 2.0])


def test_sparse_answers_follow_writes_and_rank_a_long_tail(db: vdb.Database) -> None:
    """Searches read posting arrays kept between writes: a replaced or deleted vector
    is seen at once; with many matches the top-k (ties by id) equals a full sort."""
    col = make(db)
    rng = np.random.default_rng(5)
    docs = {
        pid: {int(t): float(rng.integers(1, 4)) for t in rng.choice(20, 3)} for pid in range(300)
    }
    col.upsert(list(docs), None, named=[{"kw": sparse(d)} for d in docs.values()])
    query = {1: 1.0, 2: 1.0, 3: 1.0}

    def want(k: int) -> list[int]:
        score = {p: sum(v * query.get(i, 0.0) for i, v in d.items()) for p, d in docs.items()}
        hit = [p for p, d in docs.items() if set(d) & set(query)]
        return sorted(hit, key=lambda p: (-score[p], p))[:k]

    assert [h.id for h in col.search_space("kw", sparse(query), limit=25)] == want(25)
    docs[7] = {1: 50.0}
    col.upsert([7], None, named=[{"kw": sparse(docs[7])}])
    assert col.search_space("kw", sparse(query), limit=1)[0].id == 7
    del docs[7]
    col.delete([7])
    assert [h.id for h in col.search_space("kw", sparse(query), limit=25)] == want(25)
    page = col.search_space("kw", sparse(query), limit=10, offset=10)
    assert [h.id for h in page] == want(20)[10:]


def test_sparse_idf_modifier(db: vdb.Database) -> None:
    """With ``modifier: idf`` each query term is weighted by
    ln(1 + (N - n_i + 0.5) / (n_i + 0.5)), N the points holding a vector in the space."""
    col = make(db)
    docs = {
        1: {1: 1.0, 2: 2.0},
        2: {1: 3.0},
        3: {1: 1.0, 3: 1.0},
        4: {4: 5.0},
    }
    col.upsert(list(docs), None, named=[{"bm": sparse(d)} for d in docs.values()])
    col.upsert([5], [[1, 0]])  # holds no bm vector: not counted in N
    n_total = len(docs)

    def idf(term: int) -> float:
        df = sum(term in d for d in docs.values())
        return math.log(1.0 + (n_total - df + 0.5) / (df + 0.5))

    query = {1: 1.0, 2: 0.5, 3: 2.0}
    want = {
        pid: sum(q * idf(i) * d[i] for i, q in query.items() if i in d)
        for pid, d in docs.items()
        if set(d) & set(query)
    }
    hits = col.search_space("bm", sparse(query), limit=10)
    assert {h.id: h.score for h in hits} == pytest.approx(want, rel=1e-6)
    assert [h.id for h in hits] == sorted(want, key=lambda p: -want[p])
    assert want[3] == pytest.approx(idf(1) + 2 * idf(3))
    # the same vectors in the plain space score without the weights
    col.upsert(list(docs), None, named=[{"kw": sparse(d)} for d in docs.values()])
    plain = {h.id: h.score for h in col.search_space("kw", sparse(query), limit=10)}
    assert plain == pytest.approx({1: 2.0, 2: 3.0, 3: 3.0})


def test_update_settings_switches_the_idf_modifier(tmp_path: Path) -> None:
    """update_settings turns idf on for a sparse space; the change survives a reopen."""
    with vdb.open(tmp_path) as db:
        col = make(db)
        col.upsert([1, 2], None, named=[{"kw": sparse({1: 1.0})}, {"kw": sparse({1: 1.0, 2: 1.0})}])
        assert [h.score for h in col.search_space("kw", sparse({2: 1.0}))] == [1.0]
        col.update_settings({"sparse_vectors": {"kw": {"modifier": "idf"}}})
    with vdb.open(tmp_path) as db:
        col = db.collection("s")
        assert col.config.sparse_vectors["kw"] == {"modifier": "idf"}
        (hit,) = col.search_space("kw", sparse({2: 1.0}))
        assert hit.score == pytest.approx(math.log(1.0 + 1.5 / 1.5))


# ----------------------------------------------------------------------------- multi-vectors
def test_multivector_max_sim_dot(db: vdb.Database) -> None:
    """Dot max-sim: the sum over query rows of each row's best dot product."""
    col = make(db)
    rng = np.random.default_rng(5)
    docs = [rng.standard_normal((k, 2)).astype(np.float32) for k in (1, 3, 2, 4)]
    col.upsert([1, 2, 3, 4], None, named=[{"colbert": d.tolist()} for d in docs])
    q = np.array([[1.0, 0.5], [-0.5, 1.0], [0.0, -1.0]], np.float32)
    want = np.array([(q @ d.T).max(axis=1).sum() for d in docs])
    hits = col.search_space("colbert", q.tolist(), limit=4)
    assert [h.id for h in hits] == (np.argsort(-want) + 1).tolist()
    np.testing.assert_allclose([h.score for h in hits], np.sort(want)[::-1], rtol=1e-5)
    # a one-row doc and a plain vector query are both matrices of one row
    (one,) = col.search_space("colbert", [2.0, 1.0], limit=1)
    best = np.array([(np.array([2.0, 1.0]) @ d.T).max() for d in docs])
    assert one.id == int(np.argmax(best)) + 1 and one.score == pytest.approx(best.max(), rel=1e-5)
    stored = vectors_of(col, [1], ["colbert"])[1]["colbert"]
    np.testing.assert_array_equal(np.asarray(stored, np.float32), docs[0])


def test_multivector_max_sim_euclid(db: vdb.Database) -> None:
    """Euclid max-sim (as Qdrant): the root of the sum over query rows of the smallest
    squared distance; smaller is better."""
    col = make(db)
    docs = [
        np.array([[0.0, 0.0], [3.0, 4.0]]),
        np.array([[1.0, 1.0]]),
        np.array([[10.0, 0.0], [0.0, 10.0], [-1.0, -1.0]]),
    ]
    col.upsert([1, 2, 3], None, named=[{"late_l2": d.tolist()} for d in docs])
    q = np.array([[0.0, 1.0], [3.0, 3.0]])
    want = np.array(
        [math.sqrt(((q[:, None, :] - d[None]) ** 2).sum(-1).min(axis=1).sum()) for d in docs]
    )
    # by hand for doc 1: row (0,1) is 1 from (0,0); row (3,3) is 1 from (3,4): sqrt(1 + 1)
    assert want[0] == pytest.approx(math.sqrt(2.0))
    hits = col.search_space("late_l2", q.tolist(), limit=3)
    assert [h.id for h in hits] == (np.argsort(want) + 1).tolist()
    np.testing.assert_allclose([h.score for h in hits], np.sort(want), rtol=1e-6)


# ----------------------------------------------------------------------------- updates
def test_update_vectors_merges_and_accumulates(db: vdb.Database) -> None:
    """update_vectors replaces only the given spaces: the others and the payload stay; a
    point named twice in one call gets both updates."""
    col = make(db)
    col.upsert(
        [1, 2],
        [[1, 0], [0, 1]],
        [{"keep": "me"}, {"n": 2}],
        named=[{"title": [1, 1, 1], "kw": sparse({1: 1.0})}, {"body": [0, 0, 0, 2]}],
    )
    col.update_vectors([1], named=[{"title": [2, 2, 2]}])
    assert vectors_of(col, [1]) == {
        1: {"": [1.0, 0.0], "title": [2.0, 2.0, 2.0], "kw": {"indices": [1], "values": [1.0]}}
    }
    assert col.get([1])[0].payload == {"keep": "me"}
    col.update_vectors(
        [2, 2], [[5, 5], None], named=[{"title": [3, 3, 3]}, {"kw": sparse({4: 2.0})}]
    )
    assert vectors_of(col, [2]) == {
        2: {
            "": [5.0, 5.0],
            "body": [0.0, 0.0, 0.0, 1.0],
            "title": [3.0, 3.0, 3.0],
            "kw": {"indices": [4], "values": [2.0]},
        }
    }
    assert col.get([2])[0].payload == {"n": 2}
    assert [h.id for h in col.search_space("kw", sparse({4: 1.0}))] == [2]
    # the old sparse postings of a replaced point are gone
    col.update_vectors([1], named=[{"kw": sparse({9: 1.0})}])
    assert col.search_space("kw", sparse({1: 1.0})) == []
    with pytest.raises(NotFoundError, match="No point with id 3"):
        col.update_vectors([3], named=[{"title": [0, 0, 0]}])
    with pytest.raises(ShapeError):
        col.update_vectors([1], named=[{"title": [0, 0]}])
    assert vectors_of(col, [1], ["title"]) == {1: {"title": [2.0, 2.0, 2.0]}}


def test_delete_vectors_removes_only_that_space(db: vdb.Database) -> None:
    """delete_vectors drops the named spaces (the primary one included) and keeps the
    point, its payload and its other vectors; by ids or by filter."""
    col = make(db)
    col.upsert(
        [1, 2, 3],
        [[1, 0], [0, 1], [1, 1]],
        [{"g": "x"}, {"g": "y"}, {"g": "x"}],
        named=[{"title": [1, 1, 1], "kw": sparse({1: 1.0})}] * 3,
    )
    col.delete_vectors(["title"], [1])
    assert vectors_of(col, [1]) == {1: {"": [1.0, 0.0], "kw": {"indices": [1], "values": [1.0]}}}
    assert [h.id for h in col.search_space("title", [1, 1, 1])] == [2, 3]
    col.delete_vectors(["", "kw"], filter={"must": [{"key": "g", "match": {"value": "x"}}]})
    assert vectors_of(col, [1, 3]) == {1: {}, 3: {"title": [1.0, 1.0, 1.0]}}
    assert [h.id for h in col.search([1, 1], limit=5)] == [2]
    assert [h.id for h in col.search_space("kw", sparse({1: 1.0}))] == [2]
    assert len(col) == 3 and col.get([1])[0].payload == {"g": "x"}
    assert col.delete_vectors(["title"], [99]) == col.seq  # nothing to do


# ----------------------------------------------------------------------------- durability
def fill(col: vdb.Collection) -> None:
    """Points with every kind of vector, some without the primary one."""
    col.upsert(
        [1, 2, 3],
        [[1, 0], None, [0, 1]],
        [{"i": 1}, {"i": 2}, {"i": 3}],
        named=[
            {"title": [1, 2, 3], "bm": sparse({5: 1.0, 1: 2.0})},
            {"colbert": [[1, 0], [0, 1]], "body": [0, 0, 3, 4]},
            None,
        ],
    )


FILLED = {
    1: {"": [1.0, 0.0], "title": [1.0, 2.0, 3.0], "bm": {"indices": [1, 5], "values": [2.0, 1.0]}},
    2: {"colbert": [[1.0, 0.0], [0.0, 1.0]], "body": [0.0, 0.0, 0.6, 0.8]},
    3: [0.0, 1.0],
}


def test_reopen_keeps_named_sparse_and_absent_primary(tmp_path: Path) -> None:
    """Close and reopen: every space's vectors and the absent-primary markers survive."""
    with vdb.open(tmp_path) as db:
        fill(make(db))
    with vdb.open(tmp_path) as db:
        col = db.collection("s")
        assert vectors_of(col, [1, 2, 3]) == FILLED
        assert [h.id for h in col.search([1, 0.5], limit=5)] == [1, 3]
        assert [h.id for h in col.search_space("bm", sparse({1: 1.0}))] == [1]
        assert col.count({"must": [{"has_vector": "colbert"}]}) == 1
        assert col.check() == []


def test_wal_replay_keeps_side_vectors(tmp_path: Path) -> None:
    """Writes after the last checkpoint (upsert, update_vectors, delete_vectors) come back
    from the WAL after a crash."""
    with vdb.open(tmp_path) as db:
        col = make(db)
        fill(col)
        col.checkpoint()
        col.upsert([4], [None], named=[{"kw": sparse({3: 1.5})}])
        col.update_vectors([2], named=[{"title": [7, 8, 9]}])
        col.delete_vectors(["title"], [1])
        crash(db)
    with vdb.open(tmp_path) as db:
        col = db.collection("s")
        assert col.replayed == 3
        want = {**FILLED, 4: {"kw": {"indices": [3], "values": [1.5]}}}
        want[1] = {k: v for k, v in FILLED[1].items() if k != "title"}
        want[2] = {**FILLED[2], "title": [7.0, 8.0, 9.0]}
        assert vectors_of(col, [1, 2, 3, 4]) == want
        assert [h.id for h in col.search([1, 0.5], limit=5)] == [1, 3]
        assert [h.id for h in col.search_space("title", [7, 8, 9])] == [2]
        assert col.check() == []


def test_vacuum_keeps_side_vectors(tmp_path: Path) -> None:
    """vacuum renumbers slots: the other vectors and markers move with their points."""
    with vdb.open(tmp_path) as db:
        col = make(db)
        col.upsert([0], [[5, 5]], named=[{"title": [9, 9, 9]}])
        fill(col)
        col.delete([0])
        col.update_vectors([3], named=[{"kw": sparse({2: 1.0})}])
        col.vacuum()
        assert col.n_slots == 3 and col.check() == []
        want = {**FILLED, 3: {"": [0.0, 1.0], "kw": {"indices": [2], "values": [1.0]}}}
        assert vectors_of(col, [1, 2, 3]) == want
        assert [h.id for h in col.search([1, 0.5], limit=5)] == [1, 3]
        assert [h.id for h in col.search_space("title", [9, 9, 9])] == [1]
    with vdb.open(tmp_path) as db:
        col = db.collection("s")
        assert vectors_of(col, [0, 1, 2, 3]) == want
        assert [h.id for h in col.search_space("kw", sparse({2: 1.0}))] == [3]


def test_replacing_a_point_without_primary_clears_the_marker(tmp_path: Path) -> None:
    """Regression: in a plain collection, a point first stored without a vector and then
    given one (or deleted and re-added) must not come back vector-less after a reopen."""
    with vdb.open(tmp_path) as db:
        col = db.create_collection("p", 2, "Dot", index="exact")
        col.upsert([1, 2], [None, None])
        col.upsert([1], [[1, 0]])
        col.delete([2])
        col.upsert([2], [[0, 1]])
        assert [h.id for h in col.search([1, 0.5], limit=5)] == [1, 2]
    with vdb.open(tmp_path) as db:
        col = db.collection("p")
        assert col.absent == set()
        assert [h.id for h in col.search([1, 0.5], limit=5)] == [1, 2]
        assert col.count({"must": [{"has_vector": ""}]}) == 2


def test_vector_bytes_counts_every_space(db: vdb.Database) -> None:
    """vector_bytes: float32 primary rows of points that have one plus the other spaces
    (sparse: int64 indices and float32 values)."""
    col = make(db)
    fill(col)
    # primary: 2 points x 2 x 4; title 3 x 4; bm 2 x (8 + 4); colbert 2 x 2 x 4; body 4 x 4
    assert col.vector_bytes() == 16 + 12 + 24 + 16 + 16


def test_spaces_are_created_and_deleted_on_a_live_collection(tmp_path: Path) -> None:
    """A space added later starts empty and takes vectors; a deleted one (the primary
    included) leaves the points, and recreating it under the same name with another size
    never resurrects the old values — also after a reopen."""
    with vdb.open(tmp_path) as d:
        col = d.create_collection("live", 2, "Dot", index="exact", vectors={"b": SPACES["title"]})
        col.upsert([1, 2], [[1, 0], [0, 1]], named=[{"b": [1, 0, 0]}, {"b": [0, 1, 0]}])
        col.create_space("extra", {"size": 3, "distance": "Dot"})
        assert vectors_of(col, [1])[1].keys() == {"", "b"}
        col.update_vectors([1], None, named=[{"extra": [0, 0, 2]}])
        assert vectors_of(col, [1], ["extra"])[1] == {"extra": [0.0, 0.0, 2.0]}
        col.delete_space("b")
        col.create_space("b", {"size": 5, "distance": "Dot"})
        assert "b" not in vectors_of(col, [1, 2])[2]
        col.delete_space("")  # the primary space
        assert len(col) == 2 and vectors_of(col, [2])[2] == {}
        with pytest.raises(ConflictError, match="already exists"):
            col.create_space("extra", {"size": 3, "distance": "Dot"})
        with pytest.raises(NotFoundError, match="Not existing vector name"):
            col.delete_space("nope")
    with vdb.open(tmp_path) as d:
        col = d.collection("live")
        assert vectors_of(col, [1, 2]) == {1: {"extra": [0.0, 0.0, 2.0]}, 2: {}}
        assert col.search_space("extra", [0, 0, 1], 5)[0].id == 1


def test_lowering_the_indexing_threshold_starts_the_graph_build(tmp_path) -> None:
    import time

    import numpy as np

    import ferrox.vectordb as vdb

    with vdb.open(tmp_path / "db") as db:
        col = db.create_collection("c", 8, "Dot")
        rng = np.random.default_rng(0)
        col.upsert(list(range(300)), rng.standard_normal((300, 8)).tolist())
        assert col.info()["indexed_vectors_count"] == 0  # below the default 10,000 KB
        col.update_settings({"optimizers_config": {"indexing_threshold": 1}})
        deadline = time.time() + 30
        while col.info()["indexed_vectors_count"] == 0 and time.time() < deadline:
            time.sleep(0.05)
        assert col.info()["indexed_vectors_count"] == 300
