"""Embedder backends agree with sentence-transformers; the cache serves repeats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ferrox.errors import InvalidInputError
from ferrox.infer import CachedEmbedder, HashingEmbedder, OnnxEmbedder, load_embedder

TEXTS = [
    "The borrow checker enforces ownership and lifetimes at compile time.",
    "Cargo downloads your crate dependencies and builds your package.",
    "Traits define shared behaviour; generics are monomorphised.",
    "async functions return futures that an executor polls to completion.",
    "Vec<T> is a contiguous growable array type, written as Vec<T> and pronounced 'vector'.",
    "short",
    " ".join(["A long passage about iterators and closures."] * 60),  # past 256 tokens
    "Ünïcödé strings are UTF-8 encoded; a char is a Unicode scalar value.",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    from ferrox.infer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder().embed(TEXTS)


def test_onnx_fp32_matches_sentence_transformers(reference: np.ndarray, tmp_path: Path) -> None:
    emb = OnnxEmbedder(cache_dir=tmp_path)
    got = emb.embed(TEXTS)
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert (got * reference).sum(1).min() > 0.9999
    assert emb.model_path.exists() and emb.model_path.parent == tmp_path
    again = OnnxEmbedder(cache_dir=tmp_path)  # graph reused from the cache
    assert again.model_path == emb.model_path


def test_onnx_int8_stays_close(reference: np.ndarray) -> None:
    got = OnnxEmbedder(quantize=True).embed(TEXTS)
    cos = (got * reference).sum(1)
    assert cos.mean() >= 0.99 and cos.min() > 0.95


def test_batching_does_not_depend_on_order() -> None:
    emb = OnnxEmbedder()
    fwd = emb.embed(TEXTS)
    rev = emb.embed(TEXTS[::-1])[::-1]
    assert np.allclose(fwd, rev, atol=1e-5)


def test_load_embedder_specs() -> None:
    assert load_embedder().backend == "onnx-int8"
    assert load_embedder("onnx").backend == "onnx"
    assert load_embedder("hashing-64").dim == 64
    with pytest.raises(InvalidInputError):
        load_embedder().embed("one string")


def test_cache_serves_repeats(tmp_path: Path) -> None:
    inner = HashingEmbedder(32)
    cached = CachedEmbedder(inner, tmp_path / "cache.sqlite")
    first = cached.embed(["a b", "c d"])
    second = cached.embed(["c d", "e f", "a b"])
    assert cached.misses == 3 and cached.hits == 2
    assert np.array_equal(second[0], first[1]) and np.array_equal(second[2], first[0])
    reopened = CachedEmbedder(inner, tmp_path / "cache.sqlite")
    reopened.embed(["a b", "c d", "e f"])
    assert reopened.hits == 3 and reopened.misses == 0
