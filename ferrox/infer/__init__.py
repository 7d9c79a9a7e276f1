"""ferrox.infer: pluggable inference backends.

Embedders (``embed(texts) -> float32[n, dim]``, unit-normalised rows, plus ``dim`` and
``name``): all-MiniLM-L6-v2 on ONNX Runtime (fp32 or int8, graph written from the
safetensors weights, no PyTorch needed) or through sentence-transformers, a model-free
hashing embedder, and an on-disk cache keyed by text hash. Generators
(``generate(messages)`` / ``stream(messages)``): any OpenAI-compatible server, or
llama.cpp in process with a GGUF file.
"""

from ferrox.infer.cache import CachedEmbedder
from ferrox.infer.embedders import (
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    default_model_dir,
    load_embedder,
)
from ferrox.infer.generators import (
    Generator,
    LlamaCppGenerator,
    OpenAIGenerator,
    load_generator,
)
from ferrox.infer.onnx_bert import OnnxEmbedder, export_bert_onnx

__all__ = [
    "CachedEmbedder",
    "Embedder",
    "Generator",
    "HashingEmbedder",
    "LlamaCppGenerator",
    "OnnxEmbedder",
    "OpenAIGenerator",
    "SentenceTransformerEmbedder",
    "default_model_dir",
    "export_bert_onnx",
    "load_embedder",
    "load_generator",
]
