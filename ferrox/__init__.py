"""ferrox: the 2025 "AI x Rust" landscape made real, fast and usable from Python.

Parts (each a subpackage): ``ferrox.ad`` (automatic differentiation), ``ferrox.vectordb``
(embedded vector database with a Qdrant-compatible REST API), ``ferrox.infer`` (embedding
and generation backends), ``ferrox.rag`` (ingest, retrieval, cited answers, text
analysis), ``ferrox.c2rust`` (C project to Cargo project) and ``ferrox serve`` (the
workbench over all of them); ``ferrox doctor`` says what this install has.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # importlib.metadata costs ~50 ms: read the version only when someone asks for it
    if name != "__version__":
        raise AttributeError(f"module 'ferrox' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("ferrox")
    except PackageNotFoundError:  # running from a source tree that is not installed
        value = "0.0.0+unknown"
    globals()["__version__"] = value
    return value
