"""Retrieval on real questions (bench/rag/real-questions.jsonl): recall@1/5/10 and MRR@10
per mode, overall and per question kind.

    python bench/rag/real.py [--kb DIR] [--modes bm25,dense,hybrid] [--misses]

The questions were asked by real people on Q&A sites, forums and issue trackers (their
sources are recorded per question; see REAL_QUESTIONS.md). The shipped page ranker was
fitted on them (bench/rag/ranker.py), so these figures are in-sample: the result is the
cross-validated figure that ranker.py prints.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import bench_cache, evaluate

from ferrox.rag import KnowledgeBase

REAL = Path(__file__).resolve().parent / "real-questions.jsonl"


def main() -> None:
    """Prints a line per mode and kind."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=Path, default=None, help="knowledge base directory")
    ap.add_argument("--modes", default="bm25,dense,hybrid")
    ap.add_argument("--misses", action="store_true", help="list questions missed at 5")
    args = ap.parse_args()
    items = [json.loads(line) for line in REAL.read_text().splitlines() if line.strip()]
    kb_dir = args.kb or bench_cache() / "rag-kb" / "kb" / "default"
    kb = KnowledgeBase(kb_dir)
    if kb.catalog.counts()["chunks"] == 0:
        raise SystemExit(f"{kb_dir}: empty knowledge base (run bench/rag/run.py first)")
    kb.search("warm up", 5)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_kind[item["kind"]].append(item)
    for mode in args.modes.split(","):
        for name, group in [("all", items), *sorted(by_kind.items())]:
            f = evaluate(kb, group, mode)
            print(
                f"{mode:6s} {name:13s} n={f['n']:3d} R@1 {f['recall@1']:.3f}"
                f"  R@5 {f['recall@5']:.3f}  R@10 {f['recall@10']:.3f}  MRR@10 {f['mrr@10']:.3f}",
                flush=True,
            )
    if args.misses:
        for item in items:
            if (item["ranks"].get("hybrid") or 99) > 5:
                q = item["question"][:70]
                print(f"  missed: {item['id']} [{item['kind']}] {q} {item['gold']}")


if __name__ == "__main__":
    main()
