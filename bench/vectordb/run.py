"""Race ferrox.vectordb against the raw ANN libraries and the embedded vector databases.

Real data: prose passages of the local Rust docs embedded with all-MiniLM-L6-v2 (384-d,
built and cached by ``bench/vectordb/corpus.py``), 1,000 held-out queries, exact ground
truth by NumPy. Every system runs in its own child process, one after another, in this
one run: insert throughput, build time, single-query QPS and recall@10 at several ef,
filtered QPS and recall at 0.1 / 1 / 10 / 50 % selectivity, peak memory (max RSS),
reopen time; for ferrox also crash-recovery time and a 100k-point reopen.

    python bench/vectordb/run.py [--systems ferrox,faiss,...] [--queries 1000] [--points N]

``--points 1000000`` grows the corpus with :func:`expand` (synthetic points near the
real embeddings) for the scale run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from corpus import cache_dir

SYSTEMS = [
    "ferrox",
    "ferrox-rest",
    "faiss",
    "hnswlib",
    "chroma",
    "lancedb",
    "qdrant-local",
    "milvus-lite",
    "usearch",
    "scann",
    "zvec",
    "zvec-ids",
    "sqlite-vec",
]
EFS = [16, 32, 64, 128]
SELECTIVITIES = [0.001, 0.01, 0.1, 0.5]
K = 10
BATCH = 1000
QUERY_BUDGET_S = 20.0  # per measured setting: fewer queries for slow systems


# ----------------------------------------------------------------------------- data
def load(points: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The corpus, its held-out queries and the bucket payloads; ``points`` beyond the
    corpus's size grows it with :func:`expand`."""
    d = cache_dir()
    if not (d / "vectors.npy").exists():
        sys.exit(f"no embedded corpus at {d}: run python bench/vectordb/corpus.py first")
    x = np.load(d / "vectors.npy")
    q = np.load(d / "queries.npy")
    if points > x.shape[0]:
        x = expand(x, points)
    bucket = np.random.default_rng(0).integers(0, 1000, size=x.shape[0])
    return x, q, bucket


def expand(x: np.ndarray, n: int, seed: int = 1) -> np.ndarray:
    """``x`` grown to ``n`` rows: each new row lies a quarter of the way from a real
    vector towards another one, plus a little noise, normalised (so the new points stay
    near the real embeddings, clustered around them)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, x.shape[1]), dtype=np.float32)
    out[: x.shape[0]] = x
    for start in range(x.shape[0], n, 100_000):
        m = min(100_000, n - start)
        a, b = rng.integers(0, x.shape[0], m), rng.integers(0, x.shape[0], m)
        v = x[a] + 0.25 * (x[b] - x[a]) + 0.01 * rng.standard_normal((m, x.shape[1]))
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def truth(x: np.ndarray, q: np.ndarray, allowed: np.ndarray | None = None) -> list[set[int]]:
    """Exact top-10 ids per query (in chunks, so the scratch memory stays small)."""
    ids = np.arange(x.shape[0]) if allowed is None else np.flatnonzero(allowed)
    sub = x[ids]
    out: list[set[int]] = []
    for start in range(0, q.shape[0], 50):
        scores = q[start : start + 50] @ sub.T
        top = np.argpartition(-scores, min(K, sub.shape[0] - 1), axis=1)[:, :K]
        out.extend(set(ids[row].tolist()) for row in top)
    return out


def measure(
    search: Callable[[np.ndarray], list[int]], q: np.ndarray, gt: list[set[int]]
) -> dict[str, float]:
    """QPS and recall@10 of single-query calls, over as many queries as the budget allows."""
    search(q[0])
    start = time.perf_counter()
    recalls = []
    n = 0
    for i in range(q.shape[0]):
        got = search(q[i])
        want = gt[i]
        recalls.append(len(want & set(got)) / max(1, min(K, len(want))))
        n += 1
        if time.perf_counter() - start > QUERY_BUDGET_S and n >= 50:
            break
    took = time.perf_counter() - start
    return {"qps": n / took, "recall": float(np.mean(recalls)), "queries": n}


def measure_collection(col: Any, q: np.ndarray, gts: dict) -> dict[str, Any]:
    """Every ef and every selectivity for a ferrox-API collection (embedded or Milvus)."""
    out: dict[str, Any] = {}
    for ef in EFS:
        out[f"ef{ef}"] = measure(
            lambda v, ef=ef: [h.id for h in col.search(v, K, ef=ef, with_payload=False)],
            q,
            gts["all"],
        )
    for sel in SELECTIVITIES:
        flt = {"must": [{"key": "bucket", "range": {"lt": int(sel * 1000)}}]}
        out[f"sel{sel}"] = measure(
            lambda v, f=flt: [h.id for h in col.search(v, K, filter=f, with_payload=False)],
            q,
            gts[sel],
        )
    return out


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# ----------------------------------------------------------------------------- systems
def run_ferrox(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    import ferrox.vectordb as vdb

    out: dict[str, Any] = {}
    path = work / "ferrox"
    db = vdb.open(path)
    col = db.create_collection("b", 384, "Cosine", m=16, ef_construct=100, full_scan_threshold=1000)
    col.create_payload_index("bucket", "integer")
    start = time.perf_counter()
    for s in range(0, x.shape[0], BATCH):
        col.upsert(
            list(range(s, min(s + BATCH, x.shape[0]))),
            x[s : s + BATCH],
            [{"bucket": int(b)} for b in bucket[s : s + BATCH]],
        )
    out["insert_per_s"] = x.shape[0] / (time.perf_counter() - start)
    start = time.perf_counter()
    col.build_index()
    out["build_s"] = time.perf_counter() - start
    out.update(measure_collection(col, q, gts))
    db.close()
    out["peak_rss_mb"] = max_rss_mb()  # before the crash and 100k checks below
    start = time.perf_counter()
    db = vdb.open(path)
    db.collection("b").search(q[0], K)
    out["reopen_s"] = time.perf_counter() - start
    db.close()
    out["crash_recovery_s"] = crash_recovery(path, x)
    out["reopen_100k_s"], out["points_100k"] = reopen_100k(work / "ferrox100k", x)
    return out


_CRASH_WRITER = r"""
import sys, numpy as np, ferrox.vectordb as vdb
db = vdb.open(sys.argv[1]); col = db.collection("b")
x = np.load(sys.argv[2], mmap_mode="r")
col.checkpoint()
for s in range(0, 5000, 100):
    col.upsert(list(range(10**6 + s, 10**6 + s + 100)), x[s:s + 100])
print("done", flush=True)
import time; time.sleep(60)
"""


def crash_recovery(path: Path, x: np.ndarray) -> float:
    """SIGKILL a writer after 5,000 logged points; time the reopen that replays them."""
    import ferrox.vectordb as vdb

    vec_file = path.parent / "crash_vectors.npy"
    np.save(vec_file, x[:5000])
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASH_WRITER, str(path), str(vec_file)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    start = time.perf_counter()
    db = vdb.open(path)
    col = db.collection("b")
    col.search(x[0], K)
    took = time.perf_counter() - start
    assert col.replayed == 50, col.replayed
    db.close()
    return took


def reopen_100k(path: Path, x: np.ndarray) -> tuple[float, int]:
    import ferrox.vectordb as vdb

    n = 100_000
    rng = np.random.default_rng(1)
    with vdb.open(path, sync=False) as db:
        col = db.create_collection("big", 384, "Cosine", full_scan_threshold=1000)
        for s in range(0, n, 5000):
            base = x[np.arange(s, s + 5000) % x.shape[0]]
            noisy = base + 0.01 * rng.standard_normal(base.shape).astype(np.float32)
            col.upsert(
                list(range(s, s + 5000)),
                noisy,
                [{"i": i, "t": "x" * 20} for i in range(s, s + 5000)],
            )
        col.build_index()
    start = time.perf_counter()
    with vdb.open(path) as db:
        col = db.collection("big")
        col.search(x[0], K)
        took = time.perf_counter() - start
        count = len(col)
    return took, count


def run_ferrox_rest(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    import socket

    import httpx
    from qdrant_client import QdrantClient
    from qdrant_client.http import models as m

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ferrox.cli.main",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(work / "rest"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        c = QdrantClient(url=url, prefer_grpc=False, timeout=600)
        c.create_collection(
            "b",
            vectors_config=m.VectorParams(size=384, distance=m.Distance.COSINE),
            hnsw_config=m.HnswConfigDiff(full_scan_threshold=1000),
        )
        c.create_payload_index("b", "bucket", m.PayloadSchemaType.INTEGER)
        out: dict[str, Any] = {}
        start = time.perf_counter()
        for s in range(0, x.shape[0], BATCH):
            ids = list(range(s, min(s + BATCH, x.shape[0])))
            c.upsert(
                "b",
                points=m.Batch(
                    ids=ids,
                    vectors=x[s : s + BATCH].tolist(),
                    payloads=[{"bucket": int(b)} for b in bucket[s : s + BATCH]],
                ),
            )
        out["insert_per_s"] = x.shape[0] / (time.perf_counter() - start)
        start = time.perf_counter()
        c.query_points("b", query=q[0].tolist(), limit=K)  # the graph is built at the first search
        out["build_s"] = time.perf_counter() - start
        for ef in EFS:
            out[f"ef{ef}"] = measure(
                lambda v, ef=ef: [
                    p.id
                    for p in c.query_points(
                        "b", query=v.tolist(), limit=K, search_params=m.SearchParams(hnsw_ef=ef)
                    ).points
                ],
                q,
                gts["all"],
            )
        for sel in SELECTIVITIES:
            flt = m.Filter(must=[m.FieldCondition(key="bucket", range=m.Range(lt=int(sel * 1000)))])
            out[f"sel{sel}"] = measure(
                lambda v, flt=flt: [
                    p.id
                    for p in c.query_points("b", query=v.tolist(), limit=K, query_filter=flt).points
                ],
                q,
                gts[sel],
            )
        return out
    finally:
        proc.terminate()
        proc.wait()


def run_faiss(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    import faiss

    out: dict[str, Any] = {}
    index = faiss.IndexHNSWFlat(384, 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 100
    start = time.perf_counter()
    index.add(x)
    out["build_s"] = out["insert_s"] = time.perf_counter() - start
    out["insert_per_s"] = x.shape[0] / out["build_s"]
    for ef in EFS:
        params = faiss.SearchParametersHNSW(efSearch=ef)
        out[f"ef{ef}"] = measure(
            lambda v, p=params: index.search(v[None, :], K, params=p)[1][0].tolist(), q, gts["all"]
        )
    return out


def run_hnswlib(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    import hnswlib

    out: dict[str, Any] = {}
    index = hnswlib.Index(space="ip", dim=384)
    index.init_index(max_elements=x.shape[0], M=16, ef_construction=100)
    start = time.perf_counter()
    index.add_items(x, np.arange(x.shape[0]))
    out["build_s"] = time.perf_counter() - start
    out["insert_per_s"] = x.shape[0] / out["build_s"]
    index.set_num_threads(1)
    for ef in EFS:
        index.set_ef(ef)
        out[f"ef{ef}"] = measure(lambda v: index.knn_query(v, k=K)[0][0].tolist(), q, gts["all"])
    index.set_ef(64)
    for sel in SELECTIVITIES:
        lim = int(sel * 1000)
        allowed = int((bucket < lim).sum())

        def search(v: np.ndarray, lim: int = lim, allowed: int = allowed) -> list[int]:
            try:  # hnswlib raises when the filtered walk finds fewer than k
                return index.knn_query(v, k=min(K, allowed), filter=lambda i: bucket[i] < lim)[0][
                    0
                ].tolist()
            except RuntimeError:
                return []

        out[f"sel{sel}"] = measure(search, q, gts[sel])
    return out


def run_chroma(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    import chromadb

    out: dict[str, Any] = {}
    client = chromadb.PersistentClient(path=str(work / "chroma"))
    col = client.create_collection(
        "bench", metadata={"hnsw:space": "cosine", "hnsw:M": 16, "hnsw:construction_ef": 100}
    )
    start = time.perf_counter()
    for s in range(0, x.shape[0], BATCH):
        e = min(s + BATCH, x.shape[0])
        col.add(
            ids=[str(i) for i in range(s, e)],
            embeddings=x[s:e],
            metadatas=[{"bucket": int(b)} for b in bucket[s:e]],
        )
    out["insert_per_s"] = x.shape[0] / (time.perf_counter() - start)
    out["build_s"] = None
    out["ef64"] = measure(
        lambda v: [int(i) for i in col.query(query_embeddings=[v], n_results=K)["ids"][0]],
        q,
        gts["all"],
    )
    for sel in SELECTIVITIES:
        where = {"bucket": {"$lt": int(sel * 1000)}}
        out[f"sel{sel}"] = measure(
            lambda v, w=where: [
                int(i) for i in col.query(query_embeddings=[v], n_results=K, where=w)["ids"][0]
            ],
            q,
            gts[sel],
        )
    start = time.perf_counter()
    client2 = chromadb.PersistentClient(path=str(work / "chroma"))
    client2.get_collection("bench").query(query_embeddings=[q[0]], n_results=K)
    out["reopen_s"] = time.perf_counter() - start
    return out


def run_lancedb(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    import lancedb
    import pyarrow as pa

    out: dict[str, Any] = {}
    db = lancedb.connect(str(work / "lance"))
    start = time.perf_counter()
    table = None
    for s in range(0, x.shape[0], BATCH):
        e = min(s + BATCH, x.shape[0])
        batch = pa.table(
            {
                "id": pa.array(np.arange(s, e)),
                "bucket": pa.array(bucket[s:e]),
                "vector": pa.FixedSizeListArray.from_arrays(pa.array(x[s:e].ravel()), 384),
            }
        )
        if table is None:
            table = db.create_table("b", batch)
        else:
            table.add(batch)
    out["insert_per_s"] = x.shape[0] / (time.perf_counter() - start)
    start = time.perf_counter()
    table.create_index(metric="cosine", index_type="IVF_HNSW_SQ", vector_column_name="vector")
    out["build_s"] = time.perf_counter() - start
    out["ef64"] = measure(
        lambda v: (
            table.search(v).metric("cosine").limit(K).select(["id"]).to_arrow()["id"].to_pylist()
        ),
        q,
        gts["all"],
    )
    for sel in SELECTIVITIES:
        cond = f"bucket < {int(sel * 1000)}"
        out[f"sel{sel}"] = measure(
            lambda v, c=cond: (
                table.search(v)
                .metric("cosine")
                .where(c, prefilter=True)
                .limit(K)
                .select(["id"])
                .to_arrow()["id"]
                .to_pylist()
            ),
            q,
            gts[sel],
        )
    return out


def run_qdrant_local(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    from qdrant_client import QdrantClient
    from qdrant_client.http import models as m

    out: dict[str, Any] = {}
    c = QdrantClient(path=str(work / "qdrant"))
    c.create_collection("b", vectors_config=m.VectorParams(size=384, distance=m.Distance.COSINE))
    start = time.perf_counter()
    for s in range(0, x.shape[0], BATCH):
        e = min(s + BATCH, x.shape[0])
        c.upsert(
            "b",
            points=m.Batch(
                ids=list(range(s, e)),
                vectors=x[s:e].tolist(),
                payloads=[{"bucket": int(b)} for b in bucket[s:e]],
            ),
        )
    out["insert_per_s"] = x.shape[0] / (time.perf_counter() - start)
    out["build_s"] = None
    out["ef64"] = measure(
        lambda v: [p.id for p in c.query_points("b", query=v.tolist(), limit=K).points],
        q,
        gts["all"],
    )
    for sel in SELECTIVITIES:
        flt = m.Filter(must=[m.FieldCondition(key="bucket", range=m.Range(lt=int(sel * 1000)))])
        out[f"sel{sel}"] = measure(
            lambda v, f=flt: [
                p.id for p in c.query_points("b", query=v.tolist(), limit=K, query_filter=f).points
            ],
            q,
            gts[sel],
        )
    c.close()
    start = time.perf_counter()
    c = QdrantClient(path=str(work / "qdrant"))
    c.query_points("b", query=q[0].tolist(), limit=K)
    out["reopen_s"] = time.perf_counter() - start
    return out


def run_milvus_lite(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    from ferrox.vectordb.milvus import MilvusDatabase

    out: dict[str, Any] = {}
    db = MilvusDatabase(str(work / "milvus.db"))
    col = db.create_collection("b", 384, "Cosine")
    start = time.perf_counter()
    for s in range(0, x.shape[0], BATCH):
        e = min(s + BATCH, x.shape[0])
        col.upsert(list(range(s, e)), x[s:e], [{"bucket": int(b)} for b in bucket[s:e]])
    out["insert_per_s"] = x.shape[0] / (time.perf_counter() - start)
    start = time.perf_counter()
    col.flush()  # seal segments so that Milvus builds its HNSW index
    col.search(q[0], K)
    out["build_s"] = time.perf_counter() - start
    out.update(measure_collection(col, q, gts))
    db.close()
    return out


def run_usearch(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    from usearch.index import Index

    # Index.search takes no predicate (no filtered search in the Python API): no sel* entries
    out: dict[str, Any] = {}
    index = Index(ndim=384, metric="cos", dtype="f32", connectivity=16, expansion_add=100)
    start = time.perf_counter()
    index.add(np.arange(x.shape[0]), x)
    out["build_s"] = time.perf_counter() - start
    out["insert_per_s"] = x.shape[0] / out["build_s"]
    for ef in EFS:
        index.expansion_search = ef
        out[f"ef{ef}"] = measure(
            lambda v: index.search(v, K, threads=1).keys.tolist(), q, gts["all"]
        )
    path = work / "usearch.bin"
    index.save(str(path))
    start = time.perf_counter()
    Index.restore(str(path)).search(q[0], K, threads=1)
    out["reopen_s"] = time.perf_counter() - start
    return out


# ScaNN has no ef: its four columns are four increasing (leaves_to_search, pre_reorder) settings
SCANN_SETTINGS = dict(zip(EFS, [(10, 50), (20, 100), (40, 150), (80, 250)], strict=True))


def run_scann(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    import scann

    # no payload filter in ScaNN's search: no sel* entries
    out: dict[str, Any] = {}
    leaves = max(16, round(x.shape[0] ** 0.5))
    start = time.perf_counter()
    searcher = (
        scann.scann_ops_pybind.builder(x, K, "dot_product")
        .tree(num_leaves=leaves, num_leaves_to_search=40, training_sample_size=x.shape[0])
        .score_ah(2, anisotropic_quantization_threshold=0.2)
        .reorder(100)
        .build()
    )
    out["build_s"] = time.perf_counter() - start
    out["insert_per_s"] = x.shape[0] / out["build_s"]
    out["scann_leaves"] = leaves
    for ef, (ls, rr) in SCANN_SETTINGS.items():
        out[f"ef{ef}"] = measure(
            lambda v, ls=ls, rr=rr: searcher.search(
                v, final_num_neighbors=K, pre_reorder_num_neighbors=rr, leaves_to_search=ls
            )[0].tolist(),
            q,
            gts["all"],
        )
    return out


def zvec_build(x: np.ndarray, bucket: np.ndarray, path: Path) -> tuple[Any, dict[str, Any]]:
    """A zvec collection: HNSW (M=16, ef_construction=100, cosine) and an inverted bucket index."""
    import zvec

    schema = zvec.CollectionSchema(
        name="b",
        fields=[
            zvec.FieldSchema(
                "bucket",
                zvec.DataType.INT64,
                index_param=zvec.InvertIndexParam(enable_range_optimization=True),
            )
        ],
        vectors=[
            zvec.VectorSchema(
                "v",
                zvec.DataType.VECTOR_FP32,
                384,
                index_param=zvec.HnswIndexParam(
                    metric_type=zvec.MetricType.COSINE, m=16, ef_construction=100
                ),
            )
        ],
    )
    out: dict[str, Any] = {}
    col = zvec.create_and_open(str(path), schema)
    start = time.perf_counter()
    for s in range(0, x.shape[0], BATCH):
        e = min(s + BATCH, x.shape[0])
        col.insert(
            [
                zvec.Doc(id=str(i), vectors={"v": x[i]}, fields={"bucket": int(bucket[i])})
                for i in range(s, e)
            ]
        )
    out["insert_per_s"] = x.shape[0] / (time.perf_counter() - start)
    start = time.perf_counter()
    col.optimize()  # inserts land in a flat writing segment; optimize builds the HNSW graph
    out["build_s"] = time.perf_counter() - start
    return col, out


def run_zvec(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    import zvec

    path = work / "zvec"
    col, out = zvec_build(x, bucket, path)

    def search(v: np.ndarray, ef: int = 64, flt: str | None = None) -> list[int]:
        query = zvec.Query("v", vector=v, param=zvec.HnswQueryParam(ef=ef))
        return [int(d.id) for d in col.query(query, topk=K, filter=flt, output_fields=[])]

    for ef in EFS:
        out[f"ef{ef}"] = measure(lambda v, ef=ef: search(v, ef), q, gts["all"])
    for sel in SELECTIVITIES:
        flt = f"bucket < {int(sel * 1000)}"
        out[f"sel{sel}"] = measure(lambda v, f=flt: search(v, flt=f), q, gts[sel])
    col.close()
    start = time.perf_counter()
    col = zvec.open(str(path))
    search(q[0])
    out["reopen_s"] = time.perf_counter() - start
    col.close()
    return out


def run_zvec_ids(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    """zvec's low-latency id path: query_internal_ids on a read-only collection, then the
    internal ids resolved to the primary keys (resolve_internal_ids), both timed."""
    import zvec

    path = work / "zvec"
    col, out = zvec_build(x, bucket, path)
    col.close()

    def search(v: np.ndarray, ef: int = 64, flt: str | None = None) -> list[int]:
        query = zvec.Query("v", vector=v, param=zvec.HnswQueryParam(ef=ef))
        ids = col.query_internal_ids(query, topk=K, filter=flt)
        return [int(i) for i in col.resolve_internal_ids(ids[ids >= 0]) if i is not None]

    start = time.perf_counter()
    col = zvec.open(str(path), zvec.CollectionOption(read_only=True))
    search(q[0])
    out["reopen_s"] = time.perf_counter() - start
    for ef in EFS:
        out[f"ef{ef}"] = measure(lambda v, ef=ef: search(v, ef), q, gts["all"])
    for sel in SELECTIVITIES:
        flt = f"bucket < {int(sel * 1000)}"
        out[f"sel{sel}"] = measure(lambda v, f=flt: search(v, flt=f), q, gts[sel])
    col.close()
    return out


def run_sqlite_vec(
    x: np.ndarray, q: np.ndarray, bucket: np.ndarray, work: Path, gts: dict
) -> dict[str, Any]:
    import sqlite3 as dbapi

    import sqlite_vec

    if not hasattr(dbapi.Connection, "enable_load_extension"):  # a Python built without it
        from pysqlite3 import dbapi2 as dbapi

    path = work / "vec.db"

    def connect() -> Any:
        conn = dbapi.connect(str(path))
        conn.enable_load_extension(True)
        sqlite_vec.load(conn)
        conn.enable_load_extension(False)
        return conn

    out: dict[str, Any] = {}
    conn = connect()
    conn.execute(
        "CREATE VIRTUAL TABLE v USING vec0(id INTEGER PRIMARY KEY,"
        " embedding float[384] distance_metric=cosine, bucket INTEGER)"
    )
    start = time.perf_counter()
    for s in range(0, x.shape[0], BATCH):
        e = min(s + BATCH, x.shape[0])
        with conn:
            conn.executemany(
                "INSERT INTO v(id, embedding, bucket) VALUES (?, ?, ?)",
                [(i, x[i].tobytes(), int(bucket[i])) for i in range(s, e)],
            )
    out["insert_per_s"] = x.shape[0] / (time.perf_counter() - start)
    out["build_s"] = None  # brute force: no index, no ef; the one result goes under ef64
    knn = "SELECT id FROM v WHERE embedding MATCH ? AND k = ?"
    out["ef64"] = measure(
        lambda v: [r[0] for r in conn.execute(knn, (v.tobytes(), K))], q, gts["all"]
    )
    for sel in SELECTIVITIES:
        lim = int(sel * 1000)
        out[f"sel{sel}"] = measure(
            lambda v, lim=lim: [
                r[0] for r in conn.execute(knn + " AND bucket < ?", (v.tobytes(), K, lim))
            ],
            q,
            gts[sel],
        )
    conn.close()
    start = time.perf_counter()
    conn = connect()
    conn.execute(knn, (q[0].tobytes(), K)).fetchall()
    out["reopen_s"] = time.perf_counter() - start
    conn.close()
    return out


RUNNERS = {
    "ferrox": run_ferrox,
    "ferrox-rest": run_ferrox_rest,
    "faiss": run_faiss,
    "hnswlib": run_hnswlib,
    "chroma": run_chroma,
    "lancedb": run_lancedb,
    "qdrant-local": run_qdrant_local,
    "milvus-lite": run_milvus_lite,
    "usearch": run_usearch,
    "scann": run_scann,
    "zvec": run_zvec,
    "zvec-ids": run_zvec_ids,
    "sqlite-vec": run_sqlite_vec,
}


def truths(x: np.ndarray, q: np.ndarray, bucket: np.ndarray) -> dict[Any, list[set[int]]]:
    """Exact answers for every setting, cached beside the corpus (by size and queries)."""
    path = cache_dir() / f"truth-{x.shape[0]}-{q.shape[0]}.json"
    if path.exists():
        raw = json.loads(path.read_text())
        return {(k if k == "all" else float(k)): [set(r) for r in v] for k, v in raw.items()}
    gts: dict[Any, list[set[int]]] = {"all": truth(x, q)}
    for sel in SELECTIVITIES:
        gts[sel] = truth(x, q, bucket < int(sel * 1000))
    path.write_text(json.dumps({str(k): [sorted(r) for r in v] for k, v in gts.items()}))
    return gts


def worker(name: str, n_queries: int, points: int) -> None:
    x, q, bucket = load(points)
    q = q[:n_queries]
    gts = truths(x, q, bucket)
    work = Path(tempfile.mkdtemp(prefix=f"ferrox-bench-{name}-"))
    base_rss = rss_mb()
    try:
        result = RUNNERS[name](x, q, bucket, work, gts)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.setdefault("peak_rss_mb", max_rss_mb())
    result["base_rss_mb"] = base_rss
    print("RESULT " + json.dumps(result))


# ----------------------------------------------------------------------------- report
def fmt(v: Any, spec: str = ",.0f") -> str:
    return "—" if v is None else format(v, spec)


def report(results: dict[str, dict[str, Any]], n: int, nq: int) -> None:
    print(f"\n{n:,} vectors x 384 (all-MiniLM-L6-v2 over the Rust docs), {nq} queries, k=10\n")
    print("| system | insert pts/s | build s | peak RSS MB (over data) | reopen s |")
    print("|---|---:|---:|---:|---:|")
    for name, r in results.items():
        if "error" in r:
            print(f"| {name} | {r['error']} | | | |")
            continue
        cells = [
            fmt(r.get("insert_per_s")),
            fmt(r.get("build_s"), ".2f"),
            fmt(r.get("peak_rss_mb") - r.get("base_rss_mb", 0.0) if r.get("peak_rss_mb") else None),
            fmt(r.get("reopen_s"), ".2f"),
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\n**Single-query QPS (recall@10)**\n")
    print("| system | " + " | ".join(f"ef={e}" for e in EFS) + " |")
    print("|---|" + "---:|" * len(EFS))
    for name, r in results.items():
        if "error" in r:
            continue
        cells = []
        for e in EFS:
            m = r.get(f"ef{e}")
            cells.append("—" if m is None else f"{m['qps']:,.0f} ({m['recall']:.3f})")
        print(f"| {name} | " + " | ".join(cells) + " |")
    sc = results.get("scann", {})
    if "scann_leaves" in sc:
        cols = "; ".join(
            f"ef={e} = leaves_to_search {ls}, pre_reorder {rr}"
            for e, (ls, rr) in SCANN_SETTINGS.items()
        )
        print(f"\nScaNN has no ef; its columns are ({sc['scann_leaves']} leaves, AH 2-d): {cols}")
    print("\n**Filtered single-query QPS (recall@10) by selectivity**\n")
    print("| system | " + " | ".join(f"{s:.1%}" for s in SELECTIVITIES) + " |")
    print("|---|" + "---:|" * len(SELECTIVITIES))
    for name, r in results.items():
        if "error" in r:
            continue
        cells = []
        for s in SELECTIVITIES:
            m = r.get(f"sel{s}")
            cells.append("—" if m is None else f"{m['qps']:,.0f} ({m['recall']:.3f})")
        print(f"| {name} | " + " | ".join(cells) + " |")
    f = results.get("ferrox", {})
    if "reopen_100k_s" in f:
        print(
            f"\nferrox: reopen of a {f['points_100k']:,}-point collection (graph persisted) "
            f"+ first search: {f['reopen_100k_s']:.2f} s; crash recovery (SIGKILL, 50 logged "
            f"batches replayed) + first search: {f['crash_recovery_s']:.2f} s"
        )
    ratios(results)


def best_at(r: dict[str, Any], min_recall: float = 0.95) -> float | None:
    qps = [
        r[f"ef{e}"]["qps"] for e in EFS if r.get(f"ef{e}") and r[f"ef{e}"]["recall"] >= min_recall
    ]
    return max(qps) if qps else None


ANN_LIBRARIES = ("faiss", "hnswlib", "usearch", "scann")


def ratios(results: dict[str, dict[str, Any]]) -> None:
    f = results.get("ferrox")
    if not f or "error" in f:
        return
    for floor in (0.95, 0.99):
        mine = best_at(f, floor)
        print(f"\nAt recall@10 >= {floor} (each system's fastest such setting), ferrox vs:")
        for name, r in results.items():
            if name == "ferrox" or "error" in r:
                continue
            other = best_at(r, floor)
            if mine and other:
                print(f"- {name}: {mine / other:.2f}x")
            else:
                print(
                    f"- {name}: no setting reached recall {floor}"
                    if not other
                    else f"- {name}: ferrox did not reach {floor}"
                )
    same = [n for n in ANN_LIBRARIES if n in results and "error" not in results[n] and n != "scann"]
    if same:
        print("\nAt the same ef (same graph parameters, recall in brackets), ferrox vs:")
        for name in same:
            cells = []
            for e in EFS:
                a, b = f.get(f"ef{e}"), results[name].get(f"ef{e}")
                if a and b:
                    cells.append(f"ef={e} {a['qps'] / b['qps']:.2f}x ({b['recall']:.3f})")
            print(f"- {name}: " + ", ".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--worker")
    ap.add_argument("--timeout", type=float, default=1200)
    ap.add_argument(
        "--points", type=int, default=0, help="grow the corpus to this many points (expand())"
    )
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.queries, args.points)
        return
    x, q, _ = load(args.points)
    results: dict[str, dict[str, Any]] = {}
    for name in args.systems.split(","):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            proc = subprocess.run(
                [
                    *(sys.executable, __file__, "--worker", name),
                    *("--queries", str(args.queries), "--points", str(args.points)),
                ],
                capture_output=True,
                text=True,
                timeout=args.timeout,
                env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
            )
        except subprocess.TimeoutExpired:
            results[name] = {"error": f"over {args.timeout:.0f} s"}
            continue
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if line is None:
            tail = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            results[name] = {"error": tail[:120]}
        else:
            results[name] = json.loads(line[7:])
    report(results, x.shape[0], min(args.queries, q.shape[0]))


if __name__ == "__main__":
    main()
