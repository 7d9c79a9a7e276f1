"""The Milvus backend, for real against milvus-lite, agrees with the embedded database."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ferrox.vectordb as vdb
from ferrox.errors import UnsupportedError

pytest.importorskip("milvus_lite")
from ferrox.vectordb.milvus import MilvusDatabase

FILTERS = [
    None,
    {"must": [{"key": "city", "match": {"value": "Berlin"}}]},
    {"must": [{"key": "tags", "match": {"value": "x"}}]},
    {
        "should": [
            {"key": "city", "match": {"any": ["Paris", "Rome"]}},
            {"key": "n", "range": {"gte": 40}},
        ]
    },
    {
        "must": [{"key": "n", "range": {"gt": 5, "lte": 30}}],
        "must_not": [{"key": "city", "match": {"value": "Rome"}}],
    },
    {"must": [{"key": "meta.flag", "match": {"value": True}}]},
    {"must": [{"has_id": [1, 2, 3, 44]}]},
    {"must": [{"key": "text", "match": {"text": "borrow"}}]},
]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 8)).astype(np.float32)
    cities = ["Berlin", "Paris", "Rome"]
    payloads = [
        {
            "city": cities[i % 3],
            "n": i,
            "tags": ["x", "y"][: i % 3],
            "meta": {"flag": i % 4 == 0},
            "text": "the borrow checker" if i % 5 == 0 else "traits",
        }
        for i in range(60)
    ]
    milvus = MilvusDatabase(str(tmp_path_factory.mktemp("milvus") / "m.db"))
    mcol = milvus.create_collection("c", 8, "Cosine")
    mcol.upsert(list(range(60)), x, payloads)
    db = vdb.open()
    ecol = db.create_collection("c", 8, "Cosine", index="exact")
    ecol.upsert(list(range(60)), x, payloads)
    yield x, mcol, ecol
    milvus.close()
    db.close()


@pytest.mark.parametrize("flt", FILTERS)
def test_filters_agree_with_embedded(both, flt) -> None:
    x, mcol, ecol = both
    assert mcol.count(flt) == ecol.count(flt)
    got, _ = mcol.scroll(flt, limit=100)
    want, _ = ecol.scroll(flt, limit=100)
    assert [r.id for r in got] == [r.id for r in want]
    for q in x[:5]:
        m_hits = mcol.search(q, limit=5, filter=flt)
        e_hits = ecol.search(q, limit=5, filter=flt)
        assert [h.id for h in m_hits] == [h.id for h in e_hits]
        np.testing.assert_allclose([h.score for h in m_hits], [h.score for h in e_hits], atol=1e-4)


def test_writes_and_unsupported(both, tmp_path: Path) -> None:
    x, mcol, _ = both
    mcol.set_payload({"new": 1}, [7])
    assert mcol.get([7])[0].payload["new"] == 1
    mcol.upsert([1000], x[:1], [{"k": "v"}])
    assert mcol.count() == 61
    mcol.delete([1000])
    assert mcol.count() == 60
    for flt in (
        {"must": [{"is_empty": {"key": "tags"}}]},
        {"min_should": {"conditions": [{"has_id": [1]}], "min_count": 1}},
        {"must": [{"key": "items[].n", "range": {"gte": 1}}]},
    ):
        with pytest.raises(UnsupportedError):
            mcol.count(flt)


@pytest.fixture(params=["embedded", "milvus"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "embedded":
        s = vdb.open(tmp_path / "e")
    else:
        s = MilvusDatabase(str(tmp_path / "m.db"))
    yield s
    s.close()


def test_both_backends_satisfy_the_protocol_and_behave_alike(store) -> None:
    """One script, written against :class:`~ferrox.vectordb.VectorStore` only, run on
    each backend: the same answers."""
    assert isinstance(store, vdb.VectorStore)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((30, 4)).astype(np.float32)
    col: vdb.PointCollection = store.create_collection("p", 4, "Dot")
    assert isinstance(col, vdb.PointCollection)
    assert store.has_collection("p") and store.list_collections() == ["p"]
    col.upsert(list(range(30)), x, [{"n": i, "odd": i % 2 == 1} for i in range(30)])
    col.build_index()
    assert len(col) == 30 and col.count({"must": [{"key": "odd", "match": {"value": True}}]}) == 15
    hits = col.search(x[3], limit=3)
    want = np.argsort(-(x @ x[3]))[:3].tolist()
    assert [h.id for h in hits] == want
    assert [r.id for r in col.get([5, 99, 2])] == [5, 2]
    page, nxt = col.scroll(limit=10)
    assert [r.id for r in page] == list(range(10)) and nxt == 10
    col.set_payload({"tag": "a"}, [1, 2])
    col.overwrite_payload({"only": True}, [3])
    col.delete_payload(["n"], [4])
    col.clear_payload([5])
    got = {r.id: r.payload for r in col.get([1, 3, 4, 5])}
    assert got == {
        1: {"n": 1, "odd": True, "tag": "a"},
        3: {"only": True},
        4: {"odd": False},
        5: {},
    }
    col.delete([0, 1])
    col.delete(filter={"must": [{"key": "odd", "match": {"value": True}}]})
    left = sorted(r.id for r in col.scroll(limit=100)[0])
    assert left == [2, 3, 4, 5, *range(6, 30, 2)]  # 3 and 5 lost "odd" with their payload
    assert store.delete_collection("p") and not store.has_collection("p")
