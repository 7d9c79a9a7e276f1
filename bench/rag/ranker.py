"""Fit the page ranker (ferrox/rag/ranker.py) on real questions and report it
cross-validated.

    python bench/rag/ranker.py [--kb DIR] [--folds 5] [--repeats 3] [--write]

Questions: bench/rag/real-questions.jsonl plus the 20 shared dev questions when
``../shared`` is present. Each question's 60 best pages are retrieved once with the
ranker off (``Ranker()``); the weights are fitted by coordinate ascent on recall@5 +
0.3 MRR@10 over the training folds, and recall@5 is counted on the held-out fold only.
``--write`` fits on every question and writes ferrox/rag/ranker.json (the shipped
weights, with the cross-validated figures beside them).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from real import REAL
from run import bench_cache, load_dev

from ferrox.rag import KnowledgeBase
from ferrox.rag.query import analyze_query
from ferrox.rag.ranker import WEIGHTS_FILE, Ranker, page_features

POOL = 60
STEPS = (-1.0, -0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 1.0)


class Question:
    """One question's candidate pages as arrays: log fused score, features, gold mask."""

    def __init__(self, item: dict, sources: list, names: dict[str, int]) -> None:
        self.item = item
        analysis = analyze_query(item["question"])
        self.base = np.log(np.maximum([s.score for s in sources], 1e-9))
        self.gold = np.array([s.path in set(item["gold"]) for s in sources], bool)
        self.rows = []
        bm25_top = max((s.bm25 or 0.0) for s in sources) if sources else 0.0
        for s in sources:
            feats = page_features(analysis, s, bm25_top)
            for k in feats:
                names.setdefault(k, len(names))
            self.rows.append(feats)

    def finish(self, names: dict[str, int]) -> None:
        """Builds the feature matrix once every name is known."""
        self.F = np.zeros((len(self.rows), len(names)), np.float32)
        for i, feats in enumerate(self.rows):
            for k, v in feats.items():
                self.F[i, names[k]] = v

    def rank(self, w: np.ndarray) -> int | None:
        """1-based rank of the first gold page under weights ``w`` (None: not in pool)."""
        if not self.gold.any():
            return None
        score = self.base + self.F @ w
        best_gold = score[self.gold].max()
        return int((score > best_gold).sum()) + 1


def figures(qs: list[Question], w: np.ndarray) -> tuple[float, float]:
    """recall@5 and MRR@10."""
    ranks = [q.rank(w) for q in qs]
    r5 = sum(1 for r in ranks if r is not None and r <= 5) / len(qs)
    mrr = sum(1 / r for r in ranks if r is not None and r <= 10) / len(qs)
    return r5, mrr


def fit(qs: list[Question], dim: int, rounds: int = 3) -> np.ndarray:
    """Coordinate ascent from zero weights; a step is kept only if it helps."""
    w = np.zeros(dim)

    def objective(v: np.ndarray) -> float:
        r5, mrr = figures(qs, v)
        return r5 + 0.3 * mrr

    best = objective(w)
    for _ in range(rounds):
        improved = False
        for j in range(dim):
            for step in STEPS:
                w[j] += step
                value = objective(w)
                if value > best + 1e-9:
                    best, improved = value, True
                    break
                w[j] -= step
        if not improved:
            break
    return w


def fit_listwise(qs: list[Question], dim: int, l2: float) -> np.ndarray:
    """Softmax (ListNet-style) likelihood of the gold pages among each question's pool,
    with an L2 penalty, by L-BFGS; a learnt scale on the fused score is divided out."""
    from scipy.optimize import minimize

    train = [q for q in qs if q.gold.any()]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, w = theta[0], theta[1:]
        total, grad = 0.0, np.zeros_like(theta)
        for q in train:
            s = a * q.base + q.F @ w
            s -= s.max()
            p = np.exp(s)
            p /= p.sum()
            pg = p[q.gold].sum()
            total -= np.log(pg)
            # d(-log pg)/ds = p - p*[gold]/pg
            d = p - np.where(q.gold, p / pg, 0.0)
            grad[0] += d @ q.base
            grad[1:] += q.F.T @ d
        total /= len(train)
        grad /= len(train)
        total += l2 * float(w @ w)
        grad[1:] += 2 * l2 * w
        return total, grad

    theta = np.concatenate([[1.0], np.zeros(dim)])
    res = minimize(
        loss, theta, jac=True, method="L-BFGS-B", bounds=[(1e-3, None)] + [(None, None)] * dim
    )
    return res.x[1:] / res.x[0]


def main() -> None:
    """Prints the baseline, the cross-validated figures and (``--write``) the weights."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=Path, default=None)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--l2", type=float, default=0.003, help="L2 penalty (listwise fit)")
    ap.add_argument("--fit", choices=("listwise", "ascent"), default="listwise")
    ap.add_argument(
        "--known", type=int, default=0, help="add N generated known-item queries to training"
    )
    args = ap.parse_args()
    items = [json.loads(line) for line in REAL.read_text().splitlines() if line.strip()]
    for d in load_dev():
        items.append({**d, "kind": "dev"})
    kb = KnowledgeBase(args.kb or bench_cache() / "rag-kb" / "kb" / "default")
    names: dict[str, int] = {}
    t0 = time.perf_counter()
    qs = [
        Question(it, kb.search(it["question"], POOL, diversity=0, ranker=Ranker()).sources, names)
        for it in items
    ]
    extra: list[Question] = []
    if args.known:
        from run import known_items

        from ferrox.rag.sources import rust_docs_root

        for it in known_items(rust_docs_root(), args.known // 2, args.known - args.known // 2):
            it["kind"] = "known-item"
            sources = kb.search(it["question"], POOL, diversity=0, ranker=Ranker()).sources
            extra.append(Question(it, sources, names))
    for q in qs + extra:
        q.finish(names)
    print(
        f"{len(qs)} questions, {len(names)} features, retrieved in {time.perf_counter() - t0:.0f} s"
    )
    zero = np.zeros(len(names))
    r5, mrr = figures(qs, zero)
    print(f"ranker off:           R@5 {r5:.3f}  MRR@10 {mrr:.3f}")
    shipped = Ranker.load()
    w_now = np.array([shipped.weights.get(k, 0.0) for k in names])
    r5, mrr = figures(qs, w_now)
    print(f"shipped weights (in-sample if fitted on these): R@5 {r5:.3f}  MRR@10 {mrr:.3f}")

    def fitter(train: list[Question], dim: int) -> np.ndarray:
        return fit_listwise(train, dim, args.l2) if args.fit == "listwise" else fit(train, dim)

    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for seed in range(args.repeats):
        order = list(range(len(qs)))
        random.Random(seed).shuffle(order)
        fold = {i: n % args.folds for n, i in enumerate(order)}
        for k in range(args.folds):
            train = [q for i, q in enumerate(qs) if fold[i] != k] + extra
            w = fitter(train, len(names))
            for i, q in enumerate(qs):
                if fold[i] == k:
                    r = q.rank(w)
                    ok = int(r is not None and r <= 5)
                    for key in ("all", q.item["kind"]):
                        hits[key][0] += ok
                        hits[key][1] += 1
    cv = {key: h[0] / h[1] for key, h in hits.items()}
    print(f"{args.folds}-fold cross-validated R@5 ({args.repeats} repeats): {cv['all']:.3f}")
    for key in sorted(k for k in cv if k != "all"):
        n = hits[key][1] // args.repeats
        print(f"    {key:13s} n={n:3d}  R@5 {cv[key]:.3f}")
    if args.write:
        w = fitter(qs + extra, len(names))
        weights = {k: round(float(w[j]), 4) for k, j in names.items() if w[j]}
        WEIGHTS_FILE.write_text(
            json.dumps(
                {
                    "about": "fitted by bench/rag/ranker.py on bench/rag/real-questions.jsonl"
                    " and the shared dev questions",
                    "questions": len(qs),
                    "cross_validated_recall@5": round(cv["all"], 3),
                    "weights": dict(sorted(weights.items())),
                },
                indent=1,
            )
            + "\n"
        )
        r5, mrr = figures(qs, w)
        print(f"wrote {WEIGHTS_FILE} ({len(weights)} weights); in-sample R@5 {r5:.3f}")


if __name__ == "__main__":
    main()
