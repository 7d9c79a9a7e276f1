"""Sparse (BM25) and hybrid (dense + BM25 fused by RRF) single-query speed, interleaved
as race.py does: ferrox against qdrant-client's local mode (the embedded Qdrant, the
one other library here with sparse vectors, IDF and fusion), a SciPy CSR product (the
raw sparse kernel: exact, no index) and bm25s (a BM25 engine on SciPy matrices, with
its own tokenizer and scoring).

    python bench/vectordb/sparse.py [--rounds 5] [--queries 1000] [--docs N]

Documents are the passages of the vector-DB corpus (bench/vectordb/corpus.py), queries
its 1,000 held-out passages. Sparse vectors are ferrox's ``qdrant/bm25`` vectors (the
same tokens and term weights as Qdrant's and fastembed's) in a sparse space with
``modifier: idf``; every system but bm25s gets the same vectors, so their exact
answers agree, and recall@10 is against SciPy's exact product. Hybrid: the top 20 of
the dense (HNSW, ef 64) and of the sparse search, fused by RRF; recall against the
same fusion of exact top-20s. All timed calls take vectors (or token ids for bm25s)
made beforehand.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from corpus import cache_dir, query_texts
from run import load

K = 10
PREFETCH = 20
EF = 64
RRF_K = 2  # Qdrant's default ranking constant: 1 / (k + rank), ranks from 1 ... (see rrf)

Search = Callable[[int], list[Any]]


def rrf(rankings: list[list[int]], k: int = K) -> list[int]:
    """Reciprocal rank fusion as Qdrant scores it: sum of 1 / (rank + RRF_K - 1) over the
    lists, rank from 1 (ties: the smaller id first)."""
    score: dict[int, float] = {}
    for ranked in rankings:
        for rank, pid in enumerate(ranked, start=1):
            score[pid] = score.get(pid, 0.0) + 1.0 / (rank + RRF_K - 1)
    return sorted(score, key=lambda p: (-score[p], p))[:k]


class Data:
    """The corpus as each system takes it."""

    def __init__(self, docs: int, queries: int) -> None:
        from ferrox.vectordb.bm25 import Bm25

        x, q, _ = load()
        lines = (cache_dir() / "passages.jsonl").read_text().splitlines()
        texts = [json.loads(line)["text"] for line in lines]
        n = min(docs or len(texts), len(texts))
        self.x, self.texts = x[:n], texts[:n]
        self.q, self.q_texts = q[:queries], query_texts()[:queries]
        bm25 = Bm25()
        self.doc_sparse = [bm25.document(t).to_json() for t in self.texts]
        self.q_sparse = [bm25.query(t).to_json() for t in self.q_texts]
        self.q_lists = [v.tolist() for v in self.q]


def csr(data: Data) -> tuple[Any, dict[int, int], np.ndarray]:
    """Documents x tokens (term weights), the token -> column map, and Qdrant's IDF per
    column: ln(1 + (N - df + 0.5) / (df + 0.5))."""
    from scipy.sparse import csr_matrix

    column: dict[int, int] = {}
    rows, cols, vals = [], [], []
    for r, v in enumerate(data.doc_sparse):
        for i, w in zip(v["indices"], v["values"], strict=True):
            rows.append(r)
            cols.append(column.setdefault(int(i), len(column)))
            vals.append(w)
    m = csr_matrix(
        (vals, (rows, cols)), shape=(len(data.doc_sparse), len(column)), dtype=np.float64
    )
    df = np.bincount(m.indices, minlength=m.shape[1])
    n = m.shape[0]
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    return m, column, idf


def scipy_(data: Data, work: Path) -> dict[str, Search]:
    m, column, idf = csr(data)
    mt = m.T.tocsr()  # tokens x documents: a query reads only its tokens' rows
    qs = []
    for v in data.q_sparse:
        cols = [column[i] for i in v["indices"] if i in column]
        w = [x for i, x in zip(v["indices"], v["values"], strict=True) if i in column]
        qs.append((np.asarray(cols, dtype=np.int64), np.asarray(w, dtype=np.float64)))

    def every(j: int) -> np.ndarray:
        cols, w = qs[j]
        if not cols.size:
            return np.zeros(m.shape[0])
        return np.asarray(mt[cols].T @ (w * idf[cols])).ravel()

    def top(j: int, k: int) -> list[int]:
        scores = every(j)
        hit = np.flatnonzero(scores)
        if hit.size > k:
            hit = hit[np.argpartition(-scores[hit], k - 1)[:k]]
        return hit[np.lexsort((hit, -scores[hit]))].tolist()

    dense = data.x

    def hybrid(j: int) -> list[int]:
        d = np.argpartition(-(dense @ data.q[j]), PREFETCH)[:PREFETCH]
        d = d[np.argsort(-(dense[d] @ data.q[j]), kind="stable")].tolist()
        return rrf([d, top(j, PREFETCH)])

    return {"sparse": lambda j: top(j, K), "hybrid": hybrid, "scores": every}


def ferrox(data: Data, work: Path) -> dict[str, Search]:
    import ferrox.vectordb as vdb
    from ferrox.vectordb.query import parse_query, run_query

    col = vdb.open(work / "ferrox").create_collection("s", 384, "Cosine", m=16, ef_construct=100)
    col.create_space("bm25", {"modifier": "idf"}, sparse=True)
    for s in range(0, len(data.texts), 1000):
        ids = list(range(s, min(s + 1000, len(data.texts))))
        named = [{"bm25": data.doc_sparse[i]} for i in ids]
        col.upsert(ids, data.x[ids], named=named)
    col.build_index()
    sparse_q = data.q_sparse
    hybrid_q = [
        parse_query(
            {
                "prefetch": [
                    {"query": data.q_lists[j], "limit": PREFETCH, "params": {"hnsw_ef": EF}},
                    {"query": sparse_q[j], "using": "bm25", "limit": PREFETCH},
                ],
                "query": {"fusion": "rrf"},
                "limit": K,
                "with_payload": False,
            }
        )
        for j in range(len(sparse_q))
    ]

    def sparse(j: int) -> list[Any]:
        return [h.id for h in col.search_space("bm25", sparse_q[j], K, with_payload=False)]

    def hybrid(j: int) -> list[Any]:
        return [h.id for h in run_query(col, hybrid_q[j], lambda name: None)]

    return {"sparse": sparse, "hybrid": hybrid}


def qdrant_local(data: Data, work: Path) -> dict[str, Search]:
    from qdrant_client import QdrantClient
    from qdrant_client import models as m

    client = QdrantClient(path=str(work / "qdrant"))
    client.create_collection(
        "s",
        vectors_config={"dense": m.VectorParams(size=384, distance=m.Distance.COSINE)},
        sparse_vectors_config={"bm25": m.SparseVectorParams(modifier=m.Modifier.IDF)},
    )
    for s in range(0, len(data.texts), 1000):
        ids = list(range(s, min(s + 1000, len(data.texts))))
        client.upsert(
            "s",
            [
                m.PointStruct(
                    id=i,
                    vector={
                        "dense": data.x[i].tolist(),
                        "bm25": m.SparseVector(**data.doc_sparse[i]),
                    },
                )
                for i in ids
            ],
        )
    sparse_q = [m.SparseVector(**v) for v in data.q_sparse]

    def sparse(j: int) -> list[Any]:
        res = client.query_points("s", query=sparse_q[j], using="bm25", limit=K)
        return [p.id for p in res.points]

    def hybrid(j: int) -> list[Any]:
        res = client.query_points(
            "s",
            prefetch=[
                m.Prefetch(query=data.q_lists[j], using="dense", limit=PREFETCH),
                m.Prefetch(query=sparse_q[j], using="bm25", limit=PREFETCH),
            ],
            query=m.FusionQuery(fusion=m.Fusion.RRF),
            limit=K,
        )
        return [p.id for p in res.points]

    return {"sparse": sparse, "hybrid": hybrid}


def bm25s_(data: Data, work: Path) -> dict[str, Search]:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(data.texts, stopwords="en", show_progress=False), show_progress=False
    )
    tokens = [bm25s.tokenize([t], stopwords="en", show_progress=False) for t in data.q_texts]

    def sparse(j: int) -> list[Any]:
        docs, _ = retriever.retrieve(tokens[j], k=K, show_progress=False, n_threads=1)
        return docs[0].tolist()

    return {"sparse": sparse}


SYSTEMS: dict[str, Callable[[Data, Path], dict[str, Search]]] = {
    "ferrox": ferrox,
    "qdrant-local": qdrant_local,
    "scipy": scipy_,
    "bm25s": bm25s_,
}
KINDS = ("sparse", "hybrid")
OWN_SCORING = {"bm25s"}  # ranks by its own BM25: speed only, no recall against the truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--docs", type=int, default=0, help="the first N passages (default all)")
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    args = ap.parse_args()
    data = Data(args.docs, args.queries)
    nq = len(data.q_sparse)
    work = Path(tempfile.mkdtemp(prefix="ferrox-sparse-"))
    built: dict[str, dict[str, Search]] = {}
    for name in args.systems.split(","):
        try:
            start = time.perf_counter()
            built[name] = SYSTEMS[name](data, work)
            print(f"built {name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        except ImportError as exc:
            print(f"left out {name}: {exc}", file=sys.stderr)
    exact = scipy_(data, work)
    truth = {kind: [set(exact[kind](j)) for j in range(nq)] for kind in ("sparse", "hybrid")}

    # sparse: a hit counts when its exact score reaches the 10th best one, since many
    # passages tie exactly and the last bits of a sum decide between them
    def correct(kind: str, j: int, got: list[Any]) -> int:
        if kind == "hybrid":
            return len(set(got) & truth[kind][j])
        every = exact["scores"](j)
        kth = float(np.sort(every)[-K]) if len(truth[kind][j]) >= K else 0.0
        return sum(1 for i in got if every[i] > 0 and every[i] >= kth * (1 - 1e-9))

    recall: dict[tuple[str, str], float] = {}
    for name, searches in built.items():
        for kind, search in searches.items():
            if kind not in KINDS:
                continue
            got = [correct(kind, j, search(j)) / max(len(truth[kind][j]), 1) for j in range(nq)]
            recall[name, kind] = math.nan if name in OWN_SCORING else float(np.mean(got))
    qps: dict[tuple[str, str], list[float]] = {key: [] for key in recall}
    pairs = list(recall)
    for r in range(args.rounds):
        shift = (r * 3) % len(pairs)
        for name, kind in pairs[shift:] + pairs[:shift]:
            search = built[name][kind]
            start = time.perf_counter()
            for j in range(nq):
                search(j)
            qps[name, kind].append(nq / (time.perf_counter() - start))
        print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
    med = {key: statistics.median(v) for key, v in qps.items()}
    print(
        f"\n{len(data.texts):,} documents, {nq:,} queries, median of {args.rounds} rotated rounds\n"
    )
    print("| system | sparse QPS (recall@10) | hybrid QPS (recall@10) |")
    print("|---|---:|---:|")
    for name in built:
        cells = []
        for kind in ("sparse", "hybrid"):
            if (name, kind) not in med:
                cells.append("—")
                continue
            r = recall[name, kind]
            cells.append(f"{med[name, kind]:,.0f}" + ("" if math.isnan(r) else f" ({r:.3f})"))
        print(f"| {name} | {cells[0]} | {cells[1]} |")
    if "ferrox" in built:
        for kind in ("sparse", "hybrid"):
            for other in built:
                if other != "ferrox" and (other, kind) in med:
                    print(
                        f"ferrox / {other} ({kind}): {med['ferrox', kind] / med[other, kind]:.2f}x"
                    )


if __name__ == "__main__":
    main()
