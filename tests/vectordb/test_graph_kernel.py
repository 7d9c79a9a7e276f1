"""ferrox's own HNSW search kernel against faiss's search and exact answers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

faiss = pytest.importorskip("faiss")

from ferrox.vectordb.graph_kernel import (  # noqa: E402
    METRIC_IP,
    METRIC_L1,
    METRIC_L2,
    GraphView,
    Int8Codes,
    load_kernel,
)
from ferrox.vectordb.hnsw import HnswIndex  # noqa: E402
from ferrox.vectordb.models import Distance  # noqa: E402

KERNEL = load_kernel()
pytestmark = pytest.mark.skipif(KERNEL is None, reason="no C compiler: faiss searches")


def low_rank(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Points near an 8-dimensional subspace (embeddings have a low intrinsic dimension)."""
    basis = np.random.default_rng(99).standard_normal((8, d))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 8)) @ basis + 0.05 * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact(x: np.ndarray, q: np.ndarray, k: int, metric: int) -> np.ndarray:
    if metric == METRIC_IP:
        d = -(q @ x.T)
    elif metric == METRIC_L2:
        d = ((q[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    else:
        d = np.abs(q[:, None, :] - x[None, :, :]).sum(-1)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def recall(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.mean([len(set(g) & set(w)) / len(w) for g, w in zip(got, want, strict=True)]))


FAISS_METRIC = {METRIC_IP: "METRIC_INNER_PRODUCT", METRIC_L2: "METRIC_L2", METRIC_L1: "METRIC_L1"}


def build(x: np.ndarray, metric: int) -> object:
    index = faiss.IndexHNSWFlat(x.shape[1], 16, getattr(faiss, FAISS_METRIC[metric]))
    index.hnsw.efConstruction = 80
    index.add(x)
    return index


@pytest.mark.parametrize("metric", [METRIC_IP, METRIC_L2, METRIC_L1])
@pytest.mark.parametrize("coded", [False, True])
def test_recall_matches_faiss_and_scores_are_exact(metric: int, coded: bool) -> None:
    if coded and metric != METRIC_IP:
        pytest.skip("int8 codes serve inner products only")
    x, q = low_rank(3000, 48), low_rank(100, 48, seed=1)
    index = build(x, metric)
    codes = None
    if coded:
        codes = Int8Codes(48, per_dimension=True)
        codes.add(x, x)
    view = GraphView(KERNEL, index, metric, codes)
    want = exact(x, q, 10, metric)
    scores, slots = view.search(q, 10, 64)
    params = faiss.SearchParametersHNSW(efSearch=64)
    _, theirs = index.search(q, 10, params=params)
    assert recall(slots, want) >= 0.97
    assert recall(slots, want) >= recall(theirs, want) - 0.02
    # scores are the floats' own (re-scored after an int8 walk), best first
    rows = np.arange(len(q))[:, None]
    if metric == METRIC_IP:
        true = (q[:, None, :] * x[slots]).sum(-1)
        assert np.all(np.diff(scores, axis=1) <= 1e-6)
    elif metric == METRIC_L2:
        true = ((q[:, None, :] - x[slots]) ** 2).sum(-1)
        assert np.all(np.diff(scores, axis=1) >= -1e-6)
    else:
        true = np.abs(q[:, None, :] - x[slots]).sum(-1)
    np.testing.assert_allclose(scores, true, rtol=1e-4, atol=1e-5)
    assert rows.shape[0] == slots.shape[0]
    # one query at a time gives the batch's answer
    one_scores, one_slots = view.search_one(q[3], 10, 64)
    assert one_slots == slots[3].tolist()
    np.testing.assert_allclose(one_scores, scores[3], rtol=1e-6)


def test_filter_bitmap_admits_only_allowed_slots() -> None:
    x, q = low_rank(2000, 32), low_rank(40, 32, seed=2)
    index = HnswIndex(32, Distance.COSINE, 16, 80, None)
    index.add(x)
    assert index.view is not None
    allowed = np.zeros(2000, dtype=bool)
    allowed[::3] = True
    _, slots = index.search(q, 10, 64, allowed)
    assert (slots >= 0).all() and allowed[slots].all()
    sub = np.flatnonzero(allowed)
    want = sub[exact(x[sub], q, 10, METRIC_IP)]
    assert recall(slots, want) >= 0.9
    # nothing allowed: nothing found, padded with -1
    _, none = index.search(q[:2], 5, 64, np.zeros(2000, dtype=bool))
    assert (none == -1).all()


def test_fewer_nodes_than_k_and_an_empty_graph() -> None:
    index = HnswIndex(8, Distance.DOT, 16, 40, None)
    _, slots = index.search(np.ones((1, 8), np.float32), 5, 16, None)
    assert (slots == -1).all()
    index.add(np.eye(8, dtype=np.float32)[:3])
    found_scores, found = index.search_one(np.ones((1, 8), np.float32), 5, 16)
    assert sorted(found) == [0, 1, 2] and len(found_scores) == 3


def test_codes_rescale_when_a_batch_is_larger_than_the_scale() -> None:
    codes = Int8Codes(4, per_dimension=True)
    first = np.array([[0.1, -0.2, 0.05, 0.0]], np.float32)
    codes.add(first, first)
    both = np.vstack([first, [[1.0, 0.1, 0.1, 0.0]]]).astype(np.float32)
    codes.add(both[1:], both)
    assert codes.codes.shape == (2, 4)
    assert codes.codes[1, 0] == 127 and codes.codes[0, 0] == round(0.1 / (1.0 / 127))
    np.testing.assert_allclose(codes.codes * codes.scale, both, atol=codes.scale.max())


def test_growing_graph_stays_searchable_and_concurrent_searches_agree() -> None:
    x, q = low_rank(3000, 32), low_rank(64, 32, seed=3)
    index = HnswIndex(32, Distance.COSINE, 16, 80, None)
    for start in range(0, 3000, 700):  # several adds: faiss reallocates its arrays
        index.add(x[start : start + 700])
    serial = [index.search_one(q[i : i + 1], 10, 48)[1] for i in range(len(q))]
    assert recall(np.array(serial), exact(x, q, 10, METRIC_IP)) >= 0.95
    results: dict[int, list[int]] = {}

    def worker(part: int) -> None:
        for i in range(part, len(q), 4):
            results[i] = index.search_one(q[i : i + 1], 10, 48)[1]

    threads = [threading.Thread(target=worker, args=(p,)) for p in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(len(q))] == serial


def test_saved_graph_reopens_with_the_kernel(tmp_path) -> None:
    x, q = low_rank(1500, 32), low_rank(20, 32, seed=4)
    index = HnswIndex(32, Distance.COSINE, 16, 80, None)
    index.add(x)
    before = index.search(q, 10, 48, None)[1]
    index.save(tmp_path / "g.faiss")
    again = HnswIndex.load(tmp_path / "g.faiss", 32, Distance.COSINE, 16, 80, None)
    assert again.view is not None and again.codes is not None and again.codes.n == 1500
    np.testing.assert_array_equal(again.search(q, 10, 48, None)[1], before)


def test_faiss_fallback_when_asked() -> None:
    code = (
        "import numpy as np\n"
        "from ferrox.vectordb.hnsw import HnswIndex\n"
        "from ferrox.vectordb.models import Distance\n"
        "i = HnswIndex(8, Distance.COSINE, 16, 40, None)\n"
        "i.add(np.eye(8, dtype=np.float32))\n"
        "print(i.view is None, i.search_one(np.eye(8, dtype=np.float32)[:1], 1, 16)[1])\n"
    )
    env = {**os.environ, "FERROX_GRAPH_KERNEL": "faiss"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.split() == ["True", "[0]"], out.stderr
