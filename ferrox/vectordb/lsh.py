"""Locality-sensitive hashing with random hyperplanes (the seed system's third index).

``tables`` independent tables, each hashing a vector to ``bits`` sign bits; a query
probes its own bucket and every bucket one bit away in each table, and the union of
candidates is re-ranked exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LshIndex"]


class LshIndex:
    """Random-hyperplane LSH over the first ``ntotal`` slots."""

    def __init__(self, dim: int, tables: int, bits: int, seed: int = 0) -> None:
        if bits > 30:
            raise ValueError("lsh_bits must be <= 30")
        rng = np.random.default_rng(seed)
        self.planes = rng.standard_normal((tables, bits, dim)).astype(np.float32)
        self.weights = (1 << np.arange(bits)).astype(np.int64)
        self.codes = np.zeros((tables, 0), dtype=np.int64)
        self._sorted: list[tuple[np.ndarray, np.ndarray]] | None = None

    @property
    def ntotal(self) -> int:
        """How many slots are hashed."""
        return int(self.codes.shape[1])

    def _hash(self, vectors: np.ndarray) -> np.ndarray:
        signs = np.einsum("tbd,nd->tnb", self.planes, vectors) > 0
        return signs.astype(np.int64) @ self.weights

    def add(self, vectors: np.ndarray) -> None:
        """Hash the next slots."""
        if vectors.shape[0]:
            self.codes = np.concatenate([self.codes, self._hash(vectors)], axis=1)
            self._sorted = None

    def candidates(self, query: np.ndarray) -> np.ndarray:
        """Slots sharing a bucket (or a bucket one bit away) with ``query`` in any table."""
        if self._sorted is None:
            self._sorted = []
            for codes in self.codes:
                order = np.argsort(codes, kind="stable")
                self._sorted.append((codes[order], order))
        keys = self._hash(query[None, :])[:, 0]
        found = []
        for (codes, order), key in zip(self._sorted, keys, strict=True):
            probes = np.concatenate([[key], key ^ self.weights])
            lo = np.searchsorted(codes, probes, side="left")
            hi = np.searchsorted(codes, probes, side="right")
            for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
                if b > a:
                    found.append(order[a:b])
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found))
