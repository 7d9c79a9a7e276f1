"""Embedding throughput and fidelity: sentence-transformers vs ferrox's ONNX backends
(fp32, int8) on the same Rust-docs passages, in one process.

    python bench/infer/run.py [--n 1000] [--rounds 2] [--short] [--model2vec]

Passages are the knowledge base's own (heading + text, as ingest embeds them) from
``$FERROX_BENCH_CACHE/rag-kb`` when it exists, else paragraphs of the vector-DB corpus.
Each backend runs ``--rounds`` times, interleaved; the best round counts. Fidelity is
the cosine of each vector to sentence-transformers' fp32 vector of the same passage.
``--model2vec`` adds a static model distilled from the same MiniLM (needs model2vec
and its distill extra), for a fast first pass.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def bench_cache() -> Path:
    """Where benchmark artefacts live."""
    return Path(os.environ.get("FERROX_BENCH_CACHE") or Path.home() / ".cache/ferrox/bench")


def passages(n: int, short: bool = False) -> tuple[list[str], str]:
    """``n`` passages and where they came from (a fixed, spread-out sample)."""
    catalog = bench_cache() / "rag-kb" / "kb" / "default" / "catalog.sqlite"
    if catalog.exists() and not short:
        db = sqlite3.connect(catalog)
        rows = db.execute(
            "SELECT heading, text FROM chunks WHERE ordinal >= 0 ORDER BY id"
        ).fetchall()
        step = max(1, len(rows) // n)
        texts = [f"{h}\n{t}" if h else t for h, t in rows[::step][:n]]
        return texts, f"knowledge-base passages ({len(rows)} in the KB, every {step}th)"
    corpus = bench_cache() / "rustdocs-minilm" / "passages.jsonl"
    lines = corpus.read_text().splitlines()[:n]
    return [json.loads(x)["text"] for x in lines], "vector-DB corpus paragraphs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--model2vec", action="store_true")
    ap.add_argument("--short", action="store_true", help="the vector-DB corpus paragraphs")
    args = ap.parse_args()
    from ferrox.infer import OnnxEmbedder, SentenceTransformerEmbedder

    texts, origin = passages(args.n, args.short)
    words = np.mean([len(t.split()) for t in texts])
    print(f"{len(texts)} {origin}; mean {words:.0f} words")
    backends = {
        "sentence-transformers fp32": SentenceTransformerEmbedder(),
        "ferrox onnx fp32": OnnxEmbedder(),
        "ferrox onnx int8": OnnxEmbedder(quantize=True),
    }
    if args.model2vec:
        from model2vec.distill import distill

        from ferrox.infer import default_model_dir

        static = distill(model_name=str(default_model_dir()), pca_dims=256)
        backends["model2vec static (distilled)"] = static
    best: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for name, emb in backends.items():
            start = time.perf_counter()
            out = emb.encode(texts) if name.startswith("model2vec") else emb.embed(texts)
            took = time.perf_counter() - start
            best[name] = min(best.get(name, float("inf")), took)
            vectors[name] = np.asarray(out, np.float32)
    ref = vectors["sentence-transformers fp32"]
    base = len(texts) / best["sentence-transformers fp32"]
    print(f"{'backend':32s} {'passages/s':>10s} {'vs ST':>6s} {'cos mean':>9s} {'cos min':>8s}")
    for name in backends:
        rate = len(texts) / best[name]
        v = vectors[name]
        if v.shape[1] == ref.shape[1]:
            cos = (v * ref).sum(1) / np.linalg.norm(v, axis=1) / np.linalg.norm(ref, axis=1)
            fid = f"{cos.mean():9.4f} {cos.min():8.4f}"
        else:
            fid = f"{'(other space)':>18s}"
        print(f"{name:32s} {rate:10.1f} {rate / base:5.2f}x {fid}")


if __name__ == "__main__":
    main()
