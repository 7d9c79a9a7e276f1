"""ferrox's own HNSW search kernel (``graph_search.c``) over a graph that faiss built.

faiss builds and stores the graph; the search walks faiss's arrays in place with a C
kernel compiled for this CPU at first use (:mod:`ferrox.native`), called through ctypes
with the GIL released. For inner products, int8 codes (a per-dimension scale) make the
walk read a quarter of the memory; its beam is re-scored on the float vectors before
the top k are taken (L2 and L1 walk the floats). Where no C compiler is
found, :func:`load_kernel` answers None and the index searches with faiss.
"""

from __future__ import annotations

import ctypes
import os
import threading
from importlib import resources
from typing import Any

import numpy as np

from ferrox.errors import DependencyError
from ferrox.native import build_library

__all__ = ["GraphKernel", "GraphView", "Int8Codes", "load_kernel"]

_FLAGS = ("-O3", "-march=native", "-fPIC", "-shared", "-fno-math-errno", "-fno-strict-aliasing")
METRIC_IP, METRIC_L2, METRIC_L1 = 0, 1, 2


class _Graph(ctypes.Structure):
    _fields_ = [
        *[(name, ctypes.c_int64) for name in ("n", "dim", "metric", "entry", "max_level")],
        *[
            (name, ctypes.c_void_p)
            for name in ("vectors", "codes", "scale", "neighbors", "offsets", "levels", "cum")
        ],
    ]


class GraphKernel:
    """The loaded kernel library."""

    def __init__(self, path: str) -> None:
        lib = ctypes.CDLL(path)
        i64, ptr = ctypes.c_int64, ctypes.c_void_p
        self.search = lib.fx_search
        self.search.argtypes = [ptr, ptr, ptr, i64, i64, ptr, ptr, ptr]
        self.search.restype = i64
        self.search_many = lib.fx_search_many
        self.search_many.argtypes = [ptr, ptr, ptr, i64, i64, i64, ptr, ptr, ptr]
        self.search_many.restype = i64
        self.scratch_new = lib.fx_scratch_new
        self.scratch_new.argtypes = []
        self.scratch_new.restype = ptr
        self.scratch_free = lib.fx_scratch_free
        self.scratch_free.argtypes = [ptr]
        self.scratch_free.restype = None


_lock = threading.Lock()
_kernel: list[GraphKernel | None] = []


def load_kernel() -> GraphKernel | None:
    """The kernel, built at first use; None without a compiler, when the build fails or
    when ``FERROX_GRAPH_KERNEL=faiss`` asks for faiss's own search."""
    if _kernel:
        return _kernel[0]
    with _lock:
        if not _kernel:
            kernel = None
            if os.environ.get("FERROX_GRAPH_KERNEL", "").strip().lower() != "faiss":
                source = resources.files("ferrox.vectordb").joinpath("graph_search.c")
                try:
                    path, _ = build_library(
                        "ferrox_graph_search",
                        source.read_text(encoding="utf-8"),
                        _FLAGS,
                        what="graph search kernel",
                        native=True,
                    )
                    kernel = GraphKernel(str(path))
                except (DependencyError, OSError):
                    kernel = None
            _kernel.append(kernel)
    return _kernel[0]


def _address(array: np.ndarray) -> int:
    return int(array.__array_interface__["data"][0])


class Int8Codes:
    """Growing int8 copies of the vectors for the walk, with their dequantisation scale.

    The scale follows the largest magnitude seen, per dimension (the kernel's walk takes
    inner products) or, with ``per_dimension`` False, one for every dimension; a batch
    beyond it re-quantises everything stored.
    """

    def __init__(self, dim: int, per_dimension: bool) -> None:
        self.dim, self.per_dimension = dim, per_dimension
        self.maxabs = np.zeros(dim, dtype=np.float32)
        self.scale = np.ones(dim, dtype=np.float32)
        self._codes = np.zeros((0, dim), dtype=np.int8)
        self.n = 0

    def copy(self) -> Int8Codes:
        """An independent copy (for a graph copy that grows on its own)."""
        other = Int8Codes(self.dim, self.per_dimension)
        other.maxabs, other.scale = self.maxabs.copy(), self.scale.copy()
        other._codes, other.n = self._codes[: self.n].copy(), self.n
        return other

    @property
    def codes(self) -> np.ndarray:
        """The codes of the stored vectors (a view, in slot order)."""
        return self._codes[: self.n]

    def add(self, vectors: np.ndarray, everything: np.ndarray) -> None:
        """Append codes for ``vectors``; ``everything`` holds all vectors added so far
        including these (read only when the scale must grow)."""
        peak = np.abs(vectors).max(axis=0) if vectors.shape[0] else self.maxabs
        if not self.per_dimension:
            peak = np.full(self.dim, peak.max(initial=0.0), dtype=np.float32)
        if (peak > self.maxabs).any():
            self.maxabs = np.maximum(self.maxabs, peak).astype(np.float32)
            self.scale = np.where(self.maxabs > 0, self.maxabs / 127.0, 1.0).astype(np.float32)
            start, source = 0, everything
        else:
            start, source = self.n, vectors
        need = self.n + vectors.shape[0]
        if need > self._codes.shape[0]:
            grown = np.zeros((max(need, 2 * self._codes.shape[0], 1024), self.dim), np.int8)
            grown[: self.n] = self._codes[: self.n]
            self._codes = grown
        for first in range(0, source.shape[0], 65536):  # bounded temporaries at any size
            block = np.asarray(source[first : first + 65536]) / self.scale
            quantised = np.clip(np.rint(block), -127, 127).astype(np.int8)
            self._codes[start + first : start + first + quantised.shape[0]] = quantised
        self.n = need


class GraphView:
    """The kernel's view of one faiss ``IndexHNSWFlat``: its arrays, read in place.

    :meth:`refresh` re-reads the addresses after faiss has grown the index (the caller
    holds the index's write lock then; searches run under its read lock or, on the
    lean path, only while the graph cannot change)."""

    def __init__(self, kernel: GraphKernel, index: Any, metric: int, codes: Int8Codes | None):
        self.kernel, self.index, self.metric, self.codes = kernel, index, metric, codes
        self._graph = _Graph()
        self._address = ctypes.addressof(self._graph)
        self._pool: list[_Scratch] = []
        self._keep: tuple[Any, ...] = ()
        self.refresh()

    def refresh(self) -> None:
        """Point the kernel at the index's current arrays."""
        import faiss

        index, hnsw = self.index, self.index.hnsw
        storage = faiss.downcast_index(index.storage)
        g = self._graph
        g.n, g.dim, g.metric = int(index.ntotal), int(index.d), self.metric
        g.entry, g.max_level = int(hnsw.entry_point), int(hnsw.max_level)
        if g.n == 0:
            g.entry = -1
            return
        neighbors = faiss.rev_swig_ptr(hnsw.neighbors.data(), hnsw.neighbors.size())
        offsets = faiss.rev_swig_ptr(hnsw.offsets.data(), hnsw.offsets.size())
        levels = faiss.rev_swig_ptr(hnsw.levels.data(), hnsw.levels.size())
        cum = faiss.rev_swig_ptr(
            hnsw.cum_nneighbor_per_level.data(), hnsw.cum_nneighbor_per_level.size()
        )
        vectors = faiss.rev_swig_ptr(storage.codes.data(), storage.codes.size())
        g.vectors, g.neighbors = _address(vectors), _address(neighbors)
        g.offsets, g.levels, g.cum = _address(offsets), _address(levels), _address(cum)
        keep: list[Any] = [neighbors, offsets, levels, cum, vectors]
        if self.codes is not None and self.codes.n >= g.n:
            codes, scale = self.codes.codes, self.codes.scale
            g.codes, g.scale = _address(codes), _address(scale)
            keep += [codes, scale]
        else:
            g.codes = g.scale = None
        self._keep = tuple(keep)

    def _scratch(self, k: int) -> _Scratch:
        try:
            scratch = self._pool.pop()
        except IndexError:
            scratch = _Scratch(self.kernel, self.index.d)
        if scratch.k < k:
            scratch.resize(k)
        return scratch

    def search_one(self, query: np.ndarray, k: int, ef: int) -> tuple[list[float], list[int]]:
        """Raw scores (inner products, squared L2 distances, L1 distances) and slots of
        the ``k`` best nodes for one float32 query of the index's dimension, as lists
        (the lean path: unfiltered, fewer than ``k`` only in a graph of fewer nodes)."""
        scratch = self._scratch(k)
        try:
            scratch.query[:] = query
            found = self.kernel.search(
                self._address, scratch.ptr, scratch.query_at, k, ef, None,
                scratch.scores_at, scratch.slots_at,
            )  # fmt: skip
            if found < 0:
                raise MemoryError("out of memory in the graph search")
            return scratch.scores[:found].tolist(), scratch.slots[:found].tolist()
        finally:
            self._pool.append(scratch)

    def search(
        self, queries: np.ndarray, k: int, ef: int, allowed_bits: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw scores and slots (-1 padded) of the ``k`` best allowed nodes for each row
        of ``queries``; ``allowed_bits`` is a little-endian bitmap over the slots."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.index.d)
        n = queries.shape[0]
        scores = np.empty((n, k), dtype=np.float32)
        slots = np.empty((n, k), dtype=np.int64)
        scratch = self._scratch(1)
        try:
            done = self.kernel.search_many(
                self._address, scratch.ptr, _address(queries), n, k, ef,
                None if allowed_bits is None else _address(allowed_bits),
                _address(scores), _address(slots),
            )  # fmt: skip
        finally:
            self._pool.append(scratch)
        if done < 0:
            raise MemoryError("out of memory in the graph search")
        return scores, slots


class _Scratch:
    """One search's working memory: the C scratch and the query and output buffers."""

    def __init__(self, kernel: GraphKernel, dim: int) -> None:
        self.kernel = kernel
        self.ptr = kernel.scratch_new()
        if not self.ptr:
            raise MemoryError("out of memory allocating graph search scratch")
        self.query = np.zeros(dim, dtype=np.float32)
        self.query_at = _address(self.query)
        self.k = 0
        self.resize(16)

    def resize(self, k: int) -> None:
        """Output buffers for ``k`` results."""
        self.k = k
        self.scores = np.empty(k, dtype=np.float32)
        self.slots = np.empty(k, dtype=np.int64)
        self.scores_at, self.slots_at = _address(self.scores), _address(self.slots)

    def __del__(self) -> None:
        if getattr(self, "ptr", None):
            self.kernel.scratch_free(self.ptr)
