"""Collections: operations, search against NumPy, indexes, bad input, durability."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrox.vectordb as vdb
from ferrox.errors import (
    ConflictError,
    InvalidInputError,
    LockedError,
    NotFoundError,
    ShapeError,
    StorageError,
)
from ferrox.vectordb.query import parse_query, run_query


def crash(db: vdb.Database) -> None:
    """Drop every handle the way a killed process would: no checkpoint, no commit."""
    for col in db._collections.values():
        col.wal.close()
        col._db.rollback()
        col._db.close()
        col.store._vfile.close()
        col._closed = True
    db._collections.clear()
    db._lock.release()


def rng_vectors(n: int, d: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)


def numpy_topk(x: np.ndarray, q: np.ndarray, k: int, distance: str) -> list[int]:
    if distance == "Cosine":
        xn = x / np.linalg.norm(x, axis=1, keepdims=True)
        s = -(xn @ (q / np.linalg.norm(q)))
    elif distance == "Dot":
        s = -(x @ q)
    elif distance == "Euclid":
        s = np.linalg.norm(x - q, axis=1)
    else:
        s = np.abs(x - q).sum(axis=1)
    return np.argsort(s, kind="stable")[:k].tolist()


@pytest.mark.parametrize("distance", ["Cosine", "Dot", "Euclid", "Manhattan"])
def test_exact_search_matches_numpy(distance: str) -> None:
    x = rng_vectors(500, 16)
    with vdb.open() as db:
        col = db.create_collection("c", size=16, distance=distance, index="exact")
        col.upsert(list(range(500)), x)
        for q in rng_vectors(10, 16, seed=1):
            got = [h.id for h in col.search(q, limit=10)]
            assert got == numpy_topk(x, q, 10, distance)
        hits = col.search(x[3], limit=2)
        if distance in ("Cosine", "Dot"):
            assert hits[0].score >= hits[1].score
        else:
            assert hits[0].id == 3 and hits[0].score == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize("distance", ["Cosine", "Dot", "Euclid", "Manhattan"])
@pytest.mark.parametrize("quantization", [None, "int8"])
def test_hnsw_recall(distance: str, quantization: str | None) -> None:
    if quantization and distance == "Manhattan":
        with pytest.raises(InvalidInputError, match="not Manhattan"), vdb.open() as db:
            db.create_collection("h", size=4, distance=distance, quantization=quantization)
        return
    x = rng_vectors(3000, 32)
    queries = rng_vectors(50, 32, seed=7)
    with vdb.open() as db:
        col = db.create_collection(
            "h", size=32, distance=distance, full_scan_threshold=100, quantization=quantization
        )
        col.upsert(list(range(3000)), x)
        col.build_index()  # below the indexing threshold searches would scan exactly
        recall = []
        for q in queries:
            truth = set(numpy_topk(x, q, 10, distance))
            got = {h.id for h in col.search(q, limit=10, ef=128)}
            recall.append(len(truth & got) / 10)
        assert col.info()["indexed_vectors_count"] == 3000
        assert np.mean(recall) >= 0.95


def test_below_the_indexing_threshold_searches_scan_and_build_nothing() -> None:
    x = rng_vectors(2000, 16)
    with vdb.open() as db:
        col = db.create_collection("h", size=16, full_scan_threshold=10)
        col.upsert(list(range(2000)), x)
        for i in range(20):
            assert col.search(x[i], limit=1)[0].id == i
        assert col.hnsw is None and col.info()["indexed_vectors_count"] == 0


def test_a_graph_behind_the_data_is_searched_with_an_exact_tail() -> None:
    x = rng_vectors(3000, 16)
    with vdb.open() as db:
        col = db.create_collection("h", size=16, full_scan_threshold=10)
        col.upsert(list(range(2000)), x[:2000])
        col.build_index()
        graph = col.hnsw
        col._schedule_index = lambda: None  # hold the catch-up back
        col.upsert(list(range(2000, 3000)), x[2000:])
        assert col.hnsw is graph and graph.ntotal == 2000
        for i in (5, 1999, 2000, 2500, 2999):  # old and new points alike
            assert col.search(x[i], limit=1, ef=64)[0].id == i
        flt = {"must": [{"has_id": [2001, 2002, 17]}]}
        hits = col.search(x[2001], limit=3, filter=flt)
        assert {h.id for h in hits} == {2001, 2002, 17}
        del col._schedule_index
        col.build_index()  # caught up on a copy, swapped in
        assert col.hnsw is not graph and col.hnsw.ntotal == 3000 and graph.ntotal == 2000


def test_lsh_finds_near_duplicates() -> None:
    x = rng_vectors(2000, 32)
    with vdb.open() as db:
        col = db.create_collection("l", size=32, index="lsh")
        col.upsert(list(range(2000)), x)
        found = 0
        for i in range(0, 2000, 40):
            noisy = x[i] + 0.05 * rng_vectors(1, 32, seed=i)[0]
            found += col.search(noisy, limit=1)[0].id == i
        assert found >= 45  # of 50


def test_hnsw_respects_deletes_updates_and_filters() -> None:
    x = rng_vectors(2000, 16)
    with vdb.open() as db:
        col = db.create_collection("h", size=16, full_scan_threshold=100)
        col.upsert(list(range(2000)), x, [{"even": i % 2 == 0} for i in range(2000)])
        col.build_index()
        col.delete([7])
        assert all(h.id != 7 for h in col.search(x[7], limit=20))
        col.upsert([8], x[9:10])  # 8 now sits where 9 is
        top = [h.id for h in col.search(x[9], limit=2)]
        assert set(top) == {8, 9}
        col.update_vectors([10], x[11:12])
        assert {h.id for h in col.search(x[11], limit=2)} == {10, 11}
        hits = col.search(
            x[5], limit=10, filter={"must": [{"key": "even", "match": {"value": True}}]}
        )
        assert len(hits) == 10 and all(h.id % 2 == 0 for h in hits)


def test_filtered_recall_at_every_selectivity() -> None:
    n = 20_000
    x = rng_vectors(n, 24)
    rng = np.random.default_rng(3)
    bucket = rng.integers(0, 1000, size=n)  # selectivity = width / 1000
    with vdb.open() as db:
        col = db.create_collection("s", size=24, full_scan_threshold=1000, ef=64)
        col.upsert(list(range(n)), x, [{"b": int(b)} for b in bucket])
        col.create_payload_index("b", "integer")
        for width in (1, 10, 100, 500):
            flt = {"must": [{"key": "b", "range": {"lt": width}}]}
            allowed = np.flatnonzero(bucket < width)
            recalls = []
            for q in rng_vectors(20, 24, seed=width):
                truth = allowed[numpy_topk(x[allowed], q, 10, "Cosine")]
                got = {h.id for h in col.search(q, limit=10, filter=flt)}
                recalls.append(len(set(truth.tolist()) & got) / min(10, len(truth)))
            assert np.mean(recalls) >= 0.95, (width, np.mean(recalls))


def test_points_payloads_scroll_count() -> None:
    with vdb.open() as db:
        col = db.create_collection("p", size=3, distance="Dot")
        u = str(uuid.uuid4())
        col.upsert(
            [5, 1, u, 3],
            np.eye(3)[[0, 1, 2, 0]],
            [{"a": 1}, {"a": 2, "b": {"c": 1}}, None, {"a": 3}],
        )
        assert [r.id for r in col.get([1, u, 99])] == [1, u]
        page, nxt = col.scroll(limit=2)
        assert [r.id for r in page] == [1, 3] and nxt == 5
        page, nxt = col.scroll(limit=5, offset=nxt)
        assert [r.id for r in page] == [5, u] and nxt is None
        col.set_payload({"z": True}, [1])
        col.delete_payload(["b.c"], [1])
        assert col.get([1])[0].payload == {"a": 2, "b": {}, "z": True}
        col.overwrite_payload({"o": 1}, filter={"must": [{"key": "a", "match": {"value": 3}}]})
        assert col.get([3])[0].payload == {"o": 1}
        col.clear_payload([5])
        assert col.get([5])[0].payload == {}
        assert col.count() == 4
        col.delete(filter={"must": [{"has_id": [1, 3]}]})
        assert col.count() == 2
        assert col.get([5], with_vectors=True)[0].vector == [1.0, 0.0, 0.0]
        hits = col.search([1, 0, 0], limit=5, with_payload=["missing"], score_threshold=0.5)
        assert [h.id for h in hits] == [5] and hits[0].payload == {}
        assert [h.id for h in col.search([1, 0, 0], limit=1, offset=1)] == [u]


def test_bad_input_is_rejected_and_changes_nothing() -> None:
    with vdb.open() as db:
        col = db.create_collection("b", size=3)
        col.upsert([1], [[1, 2, 3]], [{"k": "v"}])
        bad_calls = [
            (lambda: col.upsert([2], [[1, 2]]), ShapeError, "expected dim: 3, got 2"),
            (lambda: col.upsert([2, 3], [[1, 2, 3], [np.nan, 0, 0]]), InvalidInputError, "NaN"),
            (lambda: col.upsert([-1], [[1, 2, 3]]), InvalidInputError, "unsigned"),
            (lambda: col.upsert(["nope"], [[1, 2, 3]]), InvalidInputError, "UUID"),
            (lambda: col.upsert([2], [[1, 2, 3]], [[1, 2]]), InvalidInputError, "JSON object"),
            (
                lambda: col.upsert([2], [[1, 2, 3]], [{"x": float("inf")}]),
                InvalidInputError,
                "infinity",
            ),
            (lambda: col.upsert([2, 3], [[1, 2, 3]]), InvalidInputError, "2 ids but 1 vectors"),
            (lambda: col.search([1, 2]), ShapeError, "dimension"),
            (lambda: col.search([1, 2, 3], limit=0), InvalidInputError, "limit"),
            (lambda: col.update_vectors([42], [[1, 2, 3]]), NotFoundError, "42"),
            (
                lambda: col.create_payload_index("k", "vector"),
                InvalidInputError,
                "unknown payload index",
            ),
            (lambda: db.create_collection("b", size=3), ConflictError, "already exists"),
            (
                lambda: db.create_collection("bad/name", size=3),
                InvalidInputError,
                "invalid collection name",
            ),
            (lambda: db.create_collection("x", size=0), InvalidInputError, "positive integer"),
            (
                lambda: db.create_collection("x", size=3, distance="Hamming"),
                InvalidInputError,
                "distance",
            ),
            (lambda: db.collection("missing"), NotFoundError, "doesn.t exist"),
        ]
        for call, error, text in bad_calls:
            with pytest.raises(error, match=text):
                call()
        assert col.count() == 1 and col.get([1])[0].payload == {"k": "v"}
        assert db.list_collections() == ["b"]


def test_reopen_replays_the_wal_and_keeps_everything(tmp_path: Path) -> None:
    x = rng_vectors(300, 8)
    with vdb.open(tmp_path) as db:
        col = db.create_collection("r", size=8, full_scan_threshold=50)
        col.upsert(list(range(300)), x, [{"i": i} for i in range(300)])
        col.create_payload_index("i", "integer")
        col.delete([0, 1])
        col.set_payload({"tag": "x"}, [2])
        col.build_index()
        col.checkpoint()
        col.upsert([1000], x[:1])  # after the checkpoint: only in the WAL
        crash(db)
    with vdb.open(tmp_path) as db:
        col = db.collection("r")
        assert col.replayed == 1
        assert len(col) == 299
        assert col.get([2])[0].payload == {"i": 2, "tag": "x"}
        assert col.count({"must": [{"key": "i", "range": {"lt": 10}}]}) == 8
        assert col.search(x[0], limit=1)[0].id == 1000
        assert col.check() == []


def test_torn_wal_tail_is_cut_with_a_warning(tmp_path: Path) -> None:
    with vdb.open(tmp_path) as db:
        col = db.create_collection("w", size=2)
        col.upsert([1], [[1, 0]])
        col.upsert([2], [[0, 1]])
        wal = col.wal.path
        crash(db)
    data = wal.read_bytes()
    wal.write_bytes(data[:-5])  # the last record was being written when the power went
    with pytest.warns(RuntimeWarning, match="cut off a damaged log tail"):
        db = vdb.open(tmp_path)
        col = db.collection("w")
    assert [r.id for r in col.scroll()[0]] == [1]
    col.upsert([3], [[1, 1]])  # later appends stay readable
    db.close()
    with vdb.open(tmp_path) as db:
        assert [r.id for r in db.collection("w").scroll()[0]] == [1, 3]


def test_damaged_files_are_clear_errors(tmp_path: Path) -> None:
    with vdb.open(tmp_path) as db:
        col = db.create_collection("d", size=2)
        col.upsert([1, 2], [[1, 0], [0, 1]])
    coldir = tmp_path / "collections" / "d"
    (coldir / "vectors-0.f32").write_bytes(b"")
    with vdb.open(tmp_path) as db, pytest.raises(StorageError, match="vector file holds 0 rows"):
        db.collection("d")
    (coldir / "meta.json").write_text("{not json")
    with (
        vdb.open(tmp_path) as db,
        pytest.raises(StorageError, match="unreadable collection metadata"),
    ):
        db.collection("d")


def test_second_process_gets_locked_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    with vdb.open(tmp_path):
        code = f"import ferrox.vectordb as v; v.open({str(tmp_path)!r})"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert (
            result.returncode != 0
            and "LockedError" in result.stderr
            and "is locked" in result.stderr
        )
        with pytest.raises(LockedError):
            vdb.open(tmp_path)


def test_snapshot_restore_elsewhere_and_vacuum(tmp_path: Path) -> None:
    x = rng_vectors(500, 8)
    with vdb.open(tmp_path / "a") as db:
        col = db.create_collection("s", size=8, full_scan_threshold=100)
        col.upsert(list(range(500)), x, [{"i": i} for i in range(500)])
        col.delete(list(range(100)))
        snap = db.snapshot("s", tmp_path / "snaps")
        col.vacuum()
        assert col.n_slots == 400 and col.check() == []
        assert col.search(x[200], limit=1)[0].id == 200
    with vdb.open(tmp_path / "b") as other:
        restored = other.restore(snap, "copy")
        assert len(restored) == 400 and restored.search(x[300], limit=1)[0].id == 300
        damaged = tmp_path / "bad.snapshot"
        raw = bytearray(snap.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        damaged.write_bytes(bytes(raw))
        with pytest.raises(StorageError):
            other.restore(damaged, "broken")
        assert other.list_collections() == ["copy"]


def test_after_a_vacuum_the_old_graph_serves_renumbered_until_the_new_one_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ferrox.vectordb.hnsw import HnswIndex, RenumberedIndex

    x = rng_vectors(3000, 16)
    with vdb.open() as db:
        col = db.create_collection("h", size=16, full_scan_threshold=100)
        col.upsert(list(range(3000)), x, [{"even": i % 2 == 0} for i in range(3000)])
        col.build_index()
        col.delete(list(range(0, 3000, 3)))
        monkeypatch.setattr(col, "_schedule_index", lambda: None)  # no rebuild yet
        col.vacuum()
        assert isinstance(col.hnsw, RenumberedIndex) and col.hnsw.ntotal == col.n_slots == 2000
        col.upsert([5000], x[4:5] + 0.001)  # past the old graph: searched as its exact tail
        even = {"must": [{"key": "even", "match": {"value": True}}]}
        for q in (4, 5, 2999):
            exact = [h.id for h in col.search(x[q], limit=10, exact=True)]
            graph = [h.id for h in col.search(x[q], limit=10)]
            assert len(set(exact) & set(graph)) >= 9
            assert all(i % 3 for i in graph if i != 5000)  # deleted points never come back
            hits = col.search(x[q], limit=10, filter=even)
            assert len(hits) == 10 and all(h.id % 2 == 0 and h.id % 3 for h in hits)
        assert col.search(x[4], limit=2)[0].id in (4, 5000)
        col.delete(list(range(1, 3000, 3)))
        col.vacuum()  # a second vacuum before the rebuild: renumbered again
        assert isinstance(col.hnsw, RenumberedIndex)
        assert all(i % 3 == 2 or i == 5000 for i in [h.id for h in col.search(x[5], limit=20)])
        assert col.search(x[5], limit=1)[0].id == 5
        monkeypatch.undo()
        col.build_index()
        assert isinstance(col.hnsw, HnswIndex) and col.hnsw.ntotal == col.n_slots
        assert col.search(x[8], limit=1)[0].id == 8


def test_concurrent_searches_during_writes() -> None:
    x = rng_vectors(4000, 16)
    errors: list[BaseException] = []
    with vdb.open() as db:
        col = db.create_collection("c", size=16, full_scan_threshold=500)
        col.upsert(list(range(1000)), x[:1000])
        stop = threading.Event()

        def reader() -> None:
            try:
                while not stop.is_set():
                    hits = col.search(x[5], limit=5)
                    assert hits[0].id == 5
                    n = col.count()
                    assert n % 500 == 0  # batches are all-or-nothing for readers
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        for start in range(1000, 4000, 500):
            col.upsert(list(range(start, start + 500)), x[start : start + 500])
        stop.set()
        for t in threads:
            t.join()
        assert not errors, errors[0]
        assert col.count() == 4000


def test_payloads_survive_as_json(tmp_path: Path) -> None:
    payload = {"s": "ü", "n": [1, 2.5, None], "o": {"b": False}}
    with vdb.open(tmp_path) as db:
        db.create_collection("j", size=2).upsert([uuid.UUID(int=5)], [[1, 2]], [payload])
    with vdb.open(tmp_path) as db:
        rec = db.collection("j").get([str(uuid.UUID(int=5))])[0]
        assert json.dumps(rec.payload, sort_keys=True) == json.dumps(payload, sort_keys=True)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 80),
    dim=st.integers(1, 12),
    k=st.integers(1, 20),
    distance=st.sampled_from(["Cosine", "Dot", "Euclid", "Manhattan"]),
    seed=st.integers(0, 2**16),
    deleted=st.integers(0, 10),
)
def test_exact_search_property(
    n: int, dim: int, k: int, distance: str, seed: int, deleted: int
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=(n, dim)).astype(np.float32)  # small integers: many ties
    x[np.all(x == 0, axis=1), 0] = 1.0  # Cosine needs a direction
    q = rng.integers(-3, 4, size=dim).astype(np.float32)
    q[0] = q[0] or 1.0
    gone = set(rng.choice(n, size=min(deleted, n - 1), replace=False).tolist()) if n > 1 else set()
    with vdb.open() as db:
        col = db.create_collection("p", size=dim, distance=distance, index="exact")
        col.upsert(list(range(n)), x)
        col.delete(sorted(gone))
        keep = np.array(sorted(set(range(n)) - gone))
        hits = col.search(q, limit=k)
        assert len(hits) == min(k, len(keep))
        if distance == "Cosine":
            xn = x[keep] / np.linalg.norm(x[keep], axis=1, keepdims=True)
            want = xn @ (q / np.linalg.norm(q))
        elif distance == "Dot":
            want = x[keep] @ q
        elif distance == "Euclid":
            want = np.linalg.norm(x[keep] - q, axis=1)
        else:
            want = np.abs(x[keep] - q).sum(axis=1)
        ordered = np.sort(want)[::-1] if distance in ("Cosine", "Dot") else np.sort(want)
        np.testing.assert_allclose(
            [h.score for h in hits], ordered[: len(hits)], rtol=1e-4, atol=1e-4
        )
        by_id = dict(zip(keep.tolist(), want.tolist(), strict=True))
        for h in hits:  # every hit's score is its own true score (ties may reorder ids)
            assert h.id not in gone
            assert abs(by_id[h.id] - h.score) <= 1e-4 * max(1.0, abs(h.score))


def test_writes_and_searches_go_on_while_the_graph_builds(monkeypatch) -> None:
    from ferrox.vectordb.hnsw import HnswIndex

    x = rng_vectors(1500, 16)
    started, release = threading.Event(), threading.Event()
    real_add = HnswIndex.add

    def slow_add(self, vectors):  # the build stalls until the main thread is done
        started.set()
        assert release.wait(30)
        real_add(self, vectors)

    with vdb.open() as db:
        col = db.create_collection("h", size=16, full_scan_threshold=10)
        col.upsert(list(range(1000)), x[:1000])
        monkeypatch.setattr(HnswIndex, "add", slow_add)
        builder = threading.Thread(target=col.build_index)
        builder.start()
        assert started.wait(30)
        col.upsert(list(range(1000, 1500)), x[1000:])  # not blocked by the build
        assert col.search(x[1200], limit=1)[0].id == 1200
        assert col.hnsw is None
        release.set()
        builder.join(30)
        assert col.hnsw is not None and col.hnsw.ntotal == 1000
        monkeypatch.setattr(HnswIndex, "add", real_add)
        assert col.search(x[1400], limit=1)[0].id == 1400  # graph + exact tail
        col.build_index()
        assert col.hnsw.ntotal == 1500


def test_a_background_build_catches_up_the_writes_made_while_it_ran(monkeypatch) -> None:
    import time

    from ferrox.vectordb.hnsw import HnswIndex

    x = rng_vectors(1500, 16)
    started, release = threading.Event(), threading.Event()
    real_add = HnswIndex.add

    def slow_add(self, vectors):
        started.set()
        assert release.wait(30)
        real_add(self, vectors)

    monkeypatch.setattr(HnswIndex, "add", slow_add)
    with vdb.open() as db:
        col = db.create_collection("h", size=16, full_scan_threshold=10)
        col.update_settings({"optimizers_config": {"indexing_threshold": 32}})  # 32 KB
        col.upsert(list(range(1000)), x[:1000])  # 62.5 KB: a background build starts
        assert started.wait(30)
        col.upsert(list(range(1000, 1500)), x[1000:])  # finds the build running
        release.set()
        deadline = time.time() + 30
        while (col.hnsw is None or col.hnsw.ntotal < 1500) and time.time() < deadline:
            time.sleep(0.05)  # no search: nothing but the builder itself catches up
        assert col.hnsw is not None and col.hnsw.ntotal == 1500


def test_dead_slots_past_the_threshold_start_a_vacuum(tmp_path: Path) -> None:
    import time

    x = rng_vectors(600, 8)
    with vdb.open(tmp_path) as db:
        col = db.create_collection("v", size=8)
        col.update_settings(
            {"optimizers_config": {"deleted_threshold": 0.25, "vacuum_min_vector_number": 100}}
        )
        col.upsert(list(range(600)), x, [{"i": i} for i in range(600)])
        col.delete(list(range(100)))  # 1/6 dead: below the threshold
        time.sleep(0.3)
        assert col.generation == 0 and col.n_slots == 600
        col.upsert(list(range(100, 200)), x[100:200])  # replaced: 200 of 700 slots dead
        deadline = time.time() + 30
        while col.generation == 0 and time.time() < deadline:
            time.sleep(0.05)
        assert col.generation == 1 and col.n_slots == 500 and len(col) == 500
        assert col.check() == []
        assert col.search(x[150], limit=1)[0].id == 150
        assert col.payload_of(420) == {"i": 420}
        col.upsert([1000], x[:1])  # writes go on after the vacuum, under the same locks
        assert len(col) == 501
    with vdb.open(tmp_path) as db:
        assert len(db.collection("v")) == 501


def _write_between_slices(
    monkeypatch: pytest.MonkeyPatch, col: vdb.Collection, write: object
) -> list[bool]:
    """Patch the collection so that, while a large read builds its first slice, ``write``
    starts in another thread and waits for the lock; returns [whether it was done when
    the second slice began]."""
    import time

    import ferrox.vectordb.collection as collection_module

    monkeypatch.setattr(collection_module, "_SLICE", 100)
    done: list[bool] = []
    inner = col._in_slices

    def in_slices(n: int, build: object) -> list:
        calls: list[threading.Thread] = []

        def spy(a: int, b: int) -> list:
            if not calls:
                t = threading.Thread(target=write)
                t.start()
                calls.append(t)
                deadline = time.monotonic() + 5
                while not col._rw._waiting_writers and time.monotonic() < deadline:
                    time.sleep(0.001)
            elif len(calls) == 1:
                calls.append(calls[0])
                done.append(not calls[0].is_alive())
            return build(a, b)  # type: ignore[operator]

        out = inner(n, spy)
        calls[0].join()
        return out

    monkeypatch.setattr(col, "_in_slices", in_slices)
    return done


@pytest.mark.parametrize("read", ["scroll", "search", "get", "query"])
def test_a_large_read_lets_writes_in_between_its_slices(
    monkeypatch: pytest.MonkeyPatch, read: str
) -> None:
    x = rng_vectors(1000, 8)
    with vdb.open() as db:
        col = db.create_collection("c", size=8)
        col.upsert(list(range(1000)), x, [{"n": i} for i in range(1000)])

        def ids() -> list:
            if read == "scroll":
                return [r.id for r in col.scroll(limit=1000)[0]]
            if read == "search":
                return [h.id for h in col.search(x[0], limit=1000, exact=True)]
            if read == "get":
                return [r.id for r in col.get(list(range(1000)))]
            body = {"query": {"recommend": {"positive": [0]}}, "limit": 1000}
            return [h.id for h in run_query(col, parse_query(body), lambda n: None)]

        before = ids()
        victim = before[-1]  # in the last slice
        done = _write_between_slices(monkeypatch, col, lambda: col.delete([victim]))
        after = ids()
        assert done == [True]  # the delete did not wait for the whole read
        assert after == before[:-1]  # built after the delete: the dead slot is left out


def test_a_vacuum_waits_for_a_large_read_to_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    x = rng_vectors(1000, 8)
    with vdb.open() as db:
        col = db.create_collection("c", size=8)
        col.upsert(list(range(1000)), x)
        col.delete(list(range(0, 1000, 2)))
        vacuumed = threading.Event()

        def vacuum() -> None:
            col.vacuum()
            vacuumed.set()

        import ferrox.vectordb.collection as collection_module

        monkeypatch.setattr(collection_module, "_SLICE", 100)
        inner = col._in_slices
        seen: list[bool] = []

        def in_slices(n: int, build: object) -> list:
            t = threading.Thread(target=vacuum)
            t.start()
            t.join(0.3)
            seen.append(vacuumed.is_set())  # slot numbers must not move under the read
            return inner(n, build)  # type: ignore[arg-type]

        monkeypatch.setattr(col, "_in_slices", in_slices)
        ids = [r.id for r in col.scroll(limit=1000)[0]]
        assert seen == [False]
        assert ids == list(range(1, 1000, 2))
        assert vacuumed.wait(10)
        assert [r.id for r in col.scroll(limit=1000)[0]] == ids


def test_facets_count_from_the_index_each_value_once_per_point() -> None:
    from collections import Counter

    payloads = [
        {"tag": ["a", "b", "a"][: 1 + i % 3], "n": [i % 4, i % 4, 7][: 1 + i % 3]}
        for i in range(300)
    ]
    payloads[5] = {"tag": 3, "n": "x"}  # not of the index's type: not counted
    with vdb.open() as db:
        col = db.create_collection("c", size=2)
        col.upsert(list(range(300)), rng_vectors(300, 2), payloads)
        col.create_payload_index("tag", "keyword")
        col.create_payload_index("n", "integer")
        flt = {"must": [{"key": "n", "range": {"lt": 2}}]}
        for key, where in (("tag", None), ("n", None), ("tag", flt), ("n", flt)):
            kept = [
                p
                for p in payloads
                if where is None
                or any(
                    isinstance(v, int) and v < 2
                    for v in (p["n"] if isinstance(p["n"], list) else [p["n"]])
                )
            ]
            want = Counter(
                v
                for p in kept
                for v in set(p[key] if isinstance(p[key], list) else [p[key]])
                if isinstance(v, str if key == "tag" else int)
            )
            got = {h["value"]: h["count"] for h in col.facet(key, filter=where, limit=100)}
            assert got == dict(want), key
        col.upsert([300], rng_vectors(1, 2), [{"n": 2**60}])
        assert {"value": 2**60, "count": 1} in col.facet("n", limit=100)  # exact, by a scan
