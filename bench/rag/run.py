"""Retrieval quality and speed of ferrox.rag over the local Rust docs.

    python bench/rag/run.py [--kb DIR] [--ingest] [--modes bm25,dense,hybrid]

* dev set: ``../shared/eval/rust-docs-qa.dev.jsonl`` (questions with gold pages and,
  for some, a phrase a right answer contains), read when present;
* known-item set (built here from the docs, 400 items): the first sentence of an error
  code's page or of a std item's page as the query, that page as the answer.

Reports recall@1/5/10 and MRR@10 per retrieval mode, the answer_contains rate of
extractive answers, retrieval latency p50/p95, and with ``--ingest`` the time until
BM25 is ready and until every passage is embedded (fresh data dir, no caches).
The knowledge base defaults to ``$FERROX_BENCH_CACHE/rag-kb`` (built when missing).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from ferrox.rag import KnowledgeBase
from ferrox.rag.answer import answer
from ferrox.rag.documents import read_document
from ferrox.rag.sources import rust_docs_root

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "rust-docs-qa.dev.jsonl"
_FIRST = re.compile(r"^[A-Z].{25,220}?[.!?](?=\s|$)")


def bench_cache() -> Path:
    """Where benchmark artefacts live."""
    return Path(os.environ.get("FERROX_BENCH_CACHE") or Path.home() / ".cache/ferrox/bench")


def load_dev() -> list[dict]:
    """The shared dev questions, or [] (with a note) when ../shared is absent."""
    if not DEV.exists():
        print(f"dev set absent ({DEV} not found): known-item set only")
        return []
    return [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]


def _first_sentence(path: Path, key: str) -> str | None:
    doc = read_document(path, key)
    if doc is None:
        return None
    for section in doc.sections:
        for block in section.blocks:
            if block.startswith("```") or block.startswith("pub "):
                continue
            m = _FIRST.match(block)
            if m and len(m.group(0).split()) >= 6:
                return m.group(0)
    return None


def known_items(root: Path, n_errors: int = 200, n_api: int = 200, seed: int = 0) -> list[dict]:
    """Known-item queries: first sentences of error-code and std item pages whose
    sentence is unique among the candidates."""
    rng = random.Random(seed)
    errors = sorted((root / "error_codes").glob("E*.html"))
    api = sorted(
        p
        for p in (root / "std").rglob("*.html")
        if p.name.split(".")[0] in ("fn", "struct", "trait", "enum", "macro")
    )
    out: list[dict] = []
    for pool, want in ((errors, n_errors), (api, n_api)):
        rng.shuffle(pool)
        seen: dict[str, int] = {}
        picked: list[dict] = []
        for path in pool:
            if len(picked) >= want * 2:
                break
            key = path.relative_to(root).as_posix()
            sentence = _first_sentence(path, key)
            if sentence:
                seen[sentence] = seen.get(sentence, 0) + 1
                picked.append({"id": f"ki-{key}", "question": sentence, "gold": [key]})
        unique = [p for p in picked if seen[p["question"]] == 1]
        out.extend(unique[:want])
    return out


def evaluate(kb: KnowledgeBase, items: list[dict], mode: str) -> dict:
    """Recall@1/5/10, MRR@10 and latency of one retrieval mode."""
    hits = {1: 0, 5: 0, 10: 0}
    rr = 0.0
    times = []
    for item in items:
        start = time.perf_counter()
        result = kb.search(item["question"], 10, mode=mode)
        times.append(time.perf_counter() - start)
        paths = [s.path for s in result.sources]
        gold = set(item["gold"])
        rank = next((i for i, p in enumerate(paths, start=1) if p in gold), None)
        if rank:
            rr += 1.0 / rank
            for k in hits:
                if rank <= k:
                    hits[k] += 1
        item.setdefault("ranks", {})[mode] = rank
    n = max(len(items), 1)
    times.sort()
    return {
        "n": len(items),
        **{f"recall@{k}": hits[k] / n for k in hits},
        "mrr@10": rr / n,
        "p50_ms": 1000 * statistics.median(times) if times else 0.0,
        "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))] if times else 0.0,
    }


def answer_contains(kb: KnowledgeBase, items: list[dict]) -> tuple[int, int]:
    """How many extractive answers contain the expected phrase."""
    graded = [i for i in items if i.get("answer_contains")]
    ok = 0
    for item in graded:
        text = answer(kb, item["question"]).answer.lower()
        if all(p.lower() in text for p in item["answer_contains"]):
            ok += 1
    return ok, len(graded)


def timed_ingest() -> dict:
    """Ingest the default Rust-docs subset into a fresh data dir (no caches)."""
    with tempfile.TemporaryDirectory(prefix="ferrox-rag-bench-") as tmp:
        marks: dict[str, float] = {}
        start = time.perf_counter()

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "embed" and "embed_start" not in marks:
                marks["embed_start"] = time.perf_counter() - start
            if done == total:
                print(f"  {stage}: {total} in {time.perf_counter() - start:.0f} s", flush=True)

        with KnowledgeBase(Path(tmp) / "kb" / "default") as kb:
            report = kb.ingest(rust_docs=True, progress=progress)
            counts = kb.catalog.counts()
        return {
            "files": counts["files"],
            "passages": counts["chunks"],
            "bm25_ready_s": report.bm25_ready_s,
            "dense_ready_s": report.dense_ready_s,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kb", type=Path, default=None, help="knowledge base directory")
    ap.add_argument("--modes", default="bm25,dense,hybrid")
    ap.add_argument("--ingest", action="store_true", help="also time a fresh ingest")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    ap.add_argument("--misses", action="store_true", help="list dev questions missed at 5")
    args = ap.parse_args()
    out: dict = {}
    if args.ingest:
        print("timing a fresh ingest of the default Rust-docs subset ...", flush=True)
        out["ingest"] = timed_ingest()
    kb_dir = args.kb or bench_cache() / "rag-kb" / "kb" / "default"
    kb = KnowledgeBase(kb_dir)
    if kb.catalog.counts()["chunks"] == 0 or kb.catalog.n_pending():
        print(f"building the knowledge base at {kb_dir} ...", flush=True)
        kb.ingest(rust_docs=True)
    counts = kb.catalog.counts()
    print(f"knowledge base: {counts['files']} files, {counts['chunks']} passages")
    dev = load_dev()
    known = known_items(rust_docs_root())
    kb.search("warm up", 5)  # load the query embedder outside the timings
    for name, items in (("dev", dev), ("known-item", known)):
        if not items:
            continue
        for mode in args.modes.split(","):
            figures = evaluate(kb, items, mode)
            out[f"{name}/{mode}"] = figures
            print(
                f"{name:10s} {mode:6s} n={figures['n']:3d} "
                f"R@1 {figures['recall@1']:.3f}  R@5 {figures['recall@5']:.3f}  "
                f"R@10 {figures['recall@10']:.3f}  MRR@10 {figures['mrr@10']:.3f}  "
                f"p50 {figures['p50_ms']:.1f} ms  p95 {figures['p95_ms']:.1f} ms",
                flush=True,
            )
    if dev:
        ok, total = answer_contains(kb, dev)
        out["dev/answer_contains"] = {"ok": ok, "of": total}
        print(f"dev extractive answers containing the expected phrase: {ok}/{total}")
        if args.misses:
            for item in dev:
                if (item["ranks"].get("hybrid") or 99) > 5:
                    print("  missed:", item["id"], item["question"], item["ranks"])
    if args.json:
        print(json.dumps(out, indent=2))
    kb.close()


if __name__ == "__main__":
    sys.exit(main())
