"""ferrox: the 2025 "AI x Rust" landscape made real, fast and usable from Python.

Parts (each a subpackage): ``ferrox.ad`` (automatic differentiation), ``ferrox.vectordb``
(embedded vector database with a Qdrant-compatible REST API served by ``ferrox serve``).
The other parts (``infer``, ``rag``, ``c2rust`` and the full ``ferrox serve`` workbench)
land as their issues are resolved; ``ferrox doctor`` says what this install has.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ferrox")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
