"""Single-query speed of ferrox against the raw ANN libraries and the fastest embedded
database (zvec, by its id path and by ``query()``), truly interleaved: every system is
built once in this one process, then each round times every (system, setting) pair on
the same queries, in a rotated order; the QPS reported is the median over rounds, so a
noisy neighbour on this shared machine hits every system alike. Recall@10 comes from all
queries.

    python bench/vectordb/race.py [--rounds 7] [--queries 1000] [--points N]

Uses the embedded Rust-docs corpus of ``bench/vectordb/corpus.py`` (``--points`` grows
it as ``run.py`` does). Systems whose package is missing are left out and named.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from run import BATCH, EFS, SCANN_SETTINGS, K, load, truths, zvec_build

Search = Callable[[np.ndarray], Any]


def ferrox(x: np.ndarray, bucket: np.ndarray, work: Path) -> dict[int, Search]:
    import ferrox.vectordb as vdb

    col = vdb.open(work / "ferrox").create_collection("b", 384, "Cosine", m=16, ef_construct=100)
    for s in range(0, x.shape[0], BATCH):
        col.upsert(list(range(s, min(s + BATCH, x.shape[0]))), x[s : s + BATCH])
    col.build_index()
    return {
        ef: (lambda v, ef=ef: [h.id for h in col.search(v, K, ef=ef, with_payload=False)])
        for ef in EFS
    }


def faiss_(x: np.ndarray, bucket: np.ndarray, work: Path) -> dict[int, Search]:
    import faiss

    index = faiss.IndexHNSWFlat(384, 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 100
    index.add(x)
    params = {ef: faiss.SearchParametersHNSW(efSearch=ef) for ef in EFS}
    return {
        ef: (lambda v, p=params[ef]: index.search(v[None, :], K, params=p)[1][0].tolist())
        for ef in EFS
    }


def hnswlib_(x: np.ndarray, bucket: np.ndarray, work: Path) -> dict[int, Search]:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=384)
    index.init_index(max_elements=x.shape[0], M=16, ef_construction=100)
    index.add_items(x, np.arange(x.shape[0]))
    index.set_num_threads(1)

    def at(ef: int) -> Search:
        def search(v: np.ndarray) -> list[int]:
            index.set_ef(ef)
            return index.knn_query(v, k=K)[0][0].tolist()

        return search

    return {ef: at(ef) for ef in EFS}


def usearch_(x: np.ndarray, bucket: np.ndarray, work: Path) -> dict[int, Search]:
    from usearch.index import Index

    index = Index(ndim=384, metric="cos", dtype="f32", connectivity=16, expansion_add=100)
    index.add(np.arange(x.shape[0]), x)

    def at(ef: int) -> Search:
        def search(v: np.ndarray) -> list[int]:
            index.expansion_search = ef
            return index.search(v, K, threads=1).keys.tolist()

        return search

    return {ef: at(ef) for ef in EFS}


def scann_(x: np.ndarray, bucket: np.ndarray, work: Path) -> dict[int, Search]:
    import scann

    searcher = (
        scann.scann_ops_pybind.builder(x, K, "dot_product")
        .tree(
            num_leaves=max(16, round(x.shape[0] ** 0.5)),
            num_leaves_to_search=40,
            training_sample_size=x.shape[0],
        )
        .score_ah(2, anisotropic_quantization_threshold=0.2)
        .reorder(100)
        .build()
    )
    return {
        ef: (
            lambda v, ls=ls, rr=rr: searcher.search(
                v, final_num_neighbors=K, pre_reorder_num_neighbors=rr, leaves_to_search=ls
            )[0].tolist()
        )
        for ef, (ls, rr) in SCANN_SETTINGS.items()
    }


def zvec_ids(x: np.ndarray, bucket: np.ndarray, work: Path) -> dict[int, Search]:
    import zvec

    col, _ = zvec_build(x, bucket, work / "zvec")
    col.close()
    col = zvec.open(str(work / "zvec"), zvec.CollectionOption(read_only=True))

    def at(ef: int) -> Search:
        param = zvec.HnswQueryParam(ef=ef)

        def search(v: np.ndarray) -> list[int]:
            ids = col.query_internal_ids(zvec.Query("v", vector=v, param=param), topk=K)
            return [int(i) for i in col.resolve_internal_ids(ids[ids >= 0]) if i is not None]

        return search

    return {ef: at(ef) for ef in EFS}


def zvec_query(x: np.ndarray, bucket: np.ndarray, work: Path) -> dict[int, Search]:
    import zvec

    col, _ = zvec_build(x, bucket, work / "zvec-query")

    def at(ef: int) -> Search:
        param = zvec.HnswQueryParam(ef=ef)

        def search(v: np.ndarray) -> list[int]:
            query = zvec.Query("v", vector=v, param=param)
            return [int(d.id) for d in col.query(query, topk=K, output_fields=[])]

        return search

    return {ef: at(ef) for ef in EFS}


SYSTEMS: dict[str, Callable[[np.ndarray, np.ndarray, Path], dict[int, Search]]] = {
    "ferrox": ferrox,
    "faiss": faiss_,
    "hnswlib": hnswlib_,
    "usearch": usearch_,
    "scann": scann_,
    "zvec-ids": zvec_ids,
    "zvec": zvec_query,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--points", type=int, default=0)
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    args = ap.parse_args()
    x, q, bucket = load(args.points)
    q = q[: args.queries]
    gt = truths(x, q, bucket)["all"]
    work = Path(tempfile.mkdtemp(prefix="ferrox-race-"))
    built: dict[str, dict[int, Search]] = {}
    for name in args.systems.split(","):
        try:
            start = time.perf_counter()
            built[name] = SYSTEMS[name](x, bucket, work)
            print(f"built {name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        except ImportError as exc:
            print(f"left out {name}: {exc}", file=sys.stderr)
    recall: dict[tuple[str, int], float] = {}
    for name, searches in built.items():
        for ef, search in searches.items():
            hits = [len(set(search(v)) & want) / K for v, want in zip(q, gt, strict=True)]
            recall[name, ef] = float(np.mean(hits))
    qps: dict[tuple[str, int], list[float]] = {key: [] for key in recall}
    pairs = list(recall)
    for r in range(args.rounds):
        shift = (r * 7) % len(pairs)
        for name, ef in pairs[shift:] + pairs[:shift]:
            search = built[name][ef]
            start = time.perf_counter()
            for v in q:
                search(v)
            qps[name, ef].append(q.shape[0] / (time.perf_counter() - start))
        print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
    med = {key: statistics.median(v) for key, v in qps.items()}
    print(
        f"\n{x.shape[0]:,} vectors x 384, {q.shape[0]} queries, k={K}, median of "
        f"{args.rounds} interleaved rounds\n"
    )
    print("| system | " + " | ".join(f"ef={e}" for e in EFS) + " |")
    print("|---|" + "---:|" * len(EFS))
    for name in built:
        cells = [f"{med[name, e]:,.0f} ({recall[name, e]:.3f})" for e in EFS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\n(ScaNN's columns are (leaves_to_search, pre_reorder) settings, see run.py)")
    if "ferrox" not in built:
        return
    for floor in (0.95, 0.99):

        def best(name: str, floor: float = floor) -> float | None:
            ok = [med[name, e] for e in EFS if recall[name, e] >= floor]
            return max(ok) if ok else None

        mine = best("ferrox")
        print(f"\nAt recall@10 >= {floor} (each system's fastest such setting), ferrox vs:")
        for name in built:
            other = best(name)
            if name != "ferrox":
                ratio = f"{mine / other:.2f}x" if mine and other else "— (not reached)"
                print(f"- {name}: {ratio}")
    print("\nAt the same ef, ferrox vs (the other's recall in brackets):")
    for name in built:
        if name in ("ferrox", "scann"):
            continue
        cells = [
            f"ef={e} {med['ferrox', e] / med[name, e]:.2f}x ({recall[name, e]:.3f})" for e in EFS
        ]
        print(f"- {name}: " + ", ".join(cells))


if __name__ == "__main__":
    main()
