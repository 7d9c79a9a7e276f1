"""The HNSW graph index: built by faiss (``IndexHNSWFlat``, or ``IndexHNSWSQ`` for int8),
searched by ferrox's own kernel (:mod:`ferrox.vectordb.graph_kernel`) where a C compiler
is found, else by faiss.

Graph ids are storage slots. Deleted and filtered-out slots are excluded at search time
by a bitmap, so the graph never holds a wrong answer, only stale nodes, which a rebuild
(vacuum) removes. For inner products (cosine, dot) the kernel walks int8 copies of the
vectors (a quarter of the memory traffic) and re-scores its beam on the floats.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ferrox.errors import DependencyError, StorageError
from ferrox.vectordb.graph_kernel import (
    METRIC_IP,
    METRIC_L1,
    METRIC_L2,
    GraphView,
    Int8Codes,
    load_kernel,
)
from ferrox.vectordb.models import Distance

__all__ = ["HnswIndex", "RenumberedIndex"]


def _faiss():
    try:
        import faiss
    except ImportError as exc:
        raise DependencyError("the HNSW index needs faiss: pip install 'ferrox[vectordb]'") from exc
    return faiss


class HnswIndex:
    """A faiss HNSW graph over the first ``ntotal`` slots of a collection."""

    growable = True
    """Slots can be appended (:meth:`add`, :meth:`copy`) and the graph saved."""

    def __init__(
        self, dim: int, distance: Distance, m: int, ef_construct: int, quantization: str | None
    ) -> None:
        faiss = _faiss()
        self.dim, self.distance, self.quantization = dim, distance, quantization
        metric = {
            Distance.COSINE: faiss.METRIC_INNER_PRODUCT,
            Distance.DOT: faiss.METRIC_INNER_PRODUCT,
            Distance.EUCLID: faiss.METRIC_L2,
            Distance.MANHATTAN: faiss.METRIC_L1,
        }[distance]
        if quantization == "int8":
            self.index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, m, metric)
        else:
            self.index = faiss.IndexHNSWFlat(dim, m, metric)
        self.index.hnsw.efConstruction = ef_construct
        self._plain_params: dict[int, object] = {}
        self._ntotal = 0
        self._attach_kernel()

    def _attach_kernel(self, codes: Int8Codes | None = None) -> None:
        """ferrox's search kernel over this graph, where it can run (a flat graph and a
        compiler; ``codes``: the int8 walk copy when already made); None leaves searches
        to faiss."""
        self.view: GraphView | None = None
        self.codes: Int8Codes | None = None
        kernel = load_kernel() if self.quantization is None else None
        if kernel is None:
            return
        metric = {
            Distance.COSINE: METRIC_IP,
            Distance.DOT: METRIC_IP,
            Distance.EUCLID: METRIC_L2,
            Distance.MANHATTAN: METRIC_L1,
        }[self.distance]
        if metric == METRIC_IP and codes is not None:
            self.codes = codes
        elif metric == METRIC_IP:
            self.codes = Int8Codes(self.dim, per_dimension=True)
            if self.index.ntotal:
                stored = self._stored()
                self.codes.add(stored, stored)
        self.view = GraphView(kernel, self.index, metric, self.codes)

    def _stored(self) -> np.ndarray:
        """The graph's float vectors (faiss's storage, read in place)."""
        faiss = _faiss()
        codes = faiss.downcast_index(self.index.storage).codes
        raw = faiss.rev_swig_ptr(codes.data(), codes.size())
        return raw.view(np.float32).reshape(-1, self.dim)

    @property
    def ntotal(self) -> int:
        """How many slots the graph holds."""
        return self._ntotal

    def plain_params(self, ef: int) -> object:
        """Cached unfiltered search parameters for beam width ``ef`` (read-only in use)."""
        params = self._plain_params.get(ef)
        if params is None:
            params = _faiss().SearchParametersHNSW()
            params.efSearch = ef
            self._plain_params[ef] = params
        return params

    def add(self, vectors: np.ndarray) -> None:
        """Append the next slots (in slot order)."""
        if vectors.shape[0] == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if not self.index.is_trained:
            self.index.train(vectors)
        self.index.add(vectors)
        if self.view is not None:
            if self.codes is not None:
                self.codes.add(vectors, self._stored())
            self.view.refresh()
        self._ntotal = int(self.index.ntotal)

    def search_one(self, query: np.ndarray, k: int, ef: int) -> tuple[list[float], list[int]]:
        """One contiguous float32 (1, dim) query, unfiltered: scores and slots as lists
        (the lean path: the kernel, else faiss's C entry point; no argument checks)."""
        if self.view is not None:
            scores_l, slots_l = self.view.search_one(query, k, ef)
            if self.distance is Distance.EUCLID:
                scores_l = [max(v, 0.0) ** 0.5 for v in scores_l]
            return scores_l, slots_l
        faiss = _faiss()
        scores = np.empty((1, k), dtype=np.float32)
        slots = np.empty((1, k), dtype=np.int64)
        ptr = faiss.swig_ptr
        self.index.search_c(1, ptr(query), k, ptr(scores), ptr(slots), self.plain_params(ef))
        if self.distance is Distance.EUCLID:
            return np.sqrt(np.maximum(scores[0], 0.0)).tolist(), slots[0].tolist()
        return scores[0].tolist(), slots[0].tolist()

    def search(
        self, queries: np.ndarray, k: int, ef: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, slots) with faiss's raw scores turned into ferrox's (L2 -> distance)."""
        if self.view is not None:
            bits = None if allowed is None else _bitmap(allowed, self.ntotal)
            scores, slots = self.view.search(queries, k, max(ef, k), bits)
            if self.distance is Distance.EUCLID:
                scores = np.sqrt(np.maximum(scores, 0.0))
            return scores, slots
        faiss = _faiss()
        bits = None
        if allowed is None:
            params = self.plain_params(max(ef, k))
        else:
            params = faiss.SearchParametersHNSW()
            params.efSearch = max(ef, k)
            bits = np.packbits(allowed[: self.ntotal], bitorder="little")
            selector = faiss.IDSelectorBitmap(self.ntotal, faiss.swig_ptr(bits))
            params.sel = selector
        q = np.ascontiguousarray(queries, dtype=np.float32)
        scores, slots = self.index.search(q, k, params=params)
        del bits
        if self.distance is Distance.EUCLID:
            scores = np.sqrt(np.maximum(scores, 0.0))
        return scores, slots.astype(np.int64)

    def copy(self) -> HnswIndex:
        """An independent copy of the graph (to grow while this one serves searches);
        the int8 walk copy is copied too, not quantised again."""
        faiss = _faiss()
        return self._around(
            faiss.clone_index(self.index),
            self.dim,
            self.distance,
            self.quantization,
            int(self.index.hnsw.efConstruction),
            None if self.codes is None else self.codes.copy(),
        )

    @classmethod
    def _around(
        cls,
        index: object,
        dim: int,
        distance: Distance,
        quantization: str | None,
        ef_construct: int,
        codes: Int8Codes | None = None,
    ) -> HnswIndex:
        """An index object around an existing faiss index (loaded or cloned)."""
        obj = cls.__new__(cls)
        obj.dim, obj.distance, obj.quantization = dim, distance, quantization
        obj.index = index
        obj.index.hnsw.efConstruction = ef_construct
        obj._plain_params = {}
        obj._ntotal = int(obj.index.ntotal)
        obj._attach_kernel(codes)
        return obj

    def save(self, path: Path) -> None:
        """Write the graph (atomically: temp file + rename)."""
        faiss = _faiss()
        tmp = path.with_suffix(".tmp")
        faiss.write_index(self.index, str(tmp))
        tmp.replace(path)

    @classmethod
    def load(
        cls, path: Path, dim: int, distance: Distance, m: int, ef_construct: int, q: str | None
    ) -> HnswIndex:
        """Read a saved graph; a damaged file raises :class:`StorageError`."""
        faiss = _faiss()
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise StorageError(f"{path}: unreadable HNSW index ({exc})") from exc
        if index.d != dim:
            raise StorageError(f"{path}: index dimension {index.d} != collection's {dim}")
        return cls._around(index, dim, distance, q, ef_construct)


class RenumberedIndex:
    """The graph of a generation a vacuum replaced, serving the new generation until a
    graph of its own is built: a vacuum compacts the slots, so the old graph holds the
    new slots' vectors under their old numbers (and the dead points beside them, never
    answered). ``old_of[j]`` is new slot ``j``'s old slot (increasing, as compaction
    keeps the order); the new slots it covers are a prefix, ``ntotal`` of them."""

    growable = False

    def __init__(self, base: HnswIndex, old_of: np.ndarray) -> None:
        if isinstance(base, RenumberedIndex):  # a second vacuum before the rebuild
            old_of = base.old_of[old_of[old_of < base.ntotal]]
            base = base.base
        self.base = base
        self.old_of = old_of[old_of < base.ntotal]
        self.new_of = np.full(base.ntotal, -1, dtype=np.int64)
        self.new_of[self.old_of] = np.arange(self.old_of.shape[0])
        self.kept = self.new_of >= 0
        self.distance, self.quantization = base.distance, base.quantization

    @property
    def ntotal(self) -> int:
        """How many (new) slots the graph holds: a prefix of the collection's."""
        return int(self.old_of.shape[0])

    def search(
        self, queries: np.ndarray, k: int, ef: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`HnswIndex.search`, ``allowed`` and the slots answered in the new
        numbering."""
        if allowed is None:
            old_allowed = self.kept
        else:
            old_allowed = np.zeros(self.base.ntotal, dtype=bool)
            n = min(allowed.shape[0], self.ntotal)
            old_allowed[self.old_of[:n][allowed[:n]]] = True
        scores, slots = self.base.search(queries, k, ef, old_allowed)
        return scores, np.where(slots >= 0, self.new_of[np.maximum(slots, 0)], -1)

    def search_one(self, query: np.ndarray, k: int, ef: int) -> tuple[list[float], list[int]]:
        """As :meth:`HnswIndex.search_one` (dead points left out)."""
        scores, slots = self.search(query, k, ef, None)
        return scores[0].tolist(), slots[0].tolist()


def _bitmap(allowed: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` entries of a boolean mask (False past its end) as the kernel's
    little-endian bitmap."""
    mask = allowed[:n]
    if mask.shape[0] < n:
        mask = np.concatenate([mask, np.zeros(n - mask.shape[0], dtype=bool)])
    return np.packbits(mask, bitorder="little")
