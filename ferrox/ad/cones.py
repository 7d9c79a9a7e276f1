"""Dependency cones of a traced program: which nodes each output needs (reverse sweep)
or each input reaches (forward sweep), as CSR lists in sweep order."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

__all__ = ["forward_cones", "reverse_cones"]


def _graph(code: np.ndarray, keep: np.ndarray | None, transpose: bool) -> csr_matrix:
    """Edges node -> argument (or argument -> node when ``transpose``)."""
    n = code.shape[1]
    rows, cols = [], []
    for k in (1, 2):
        args = code[k]
        mask = args >= 0
        if keep is not None:
            mask &= keep
        nodes = np.flatnonzero(mask)
        rows.append(nodes)
        cols.append(args[nodes])
    src = np.concatenate(rows)
    dst = np.concatenate(cols)
    if transpose:
        src, dst = dst, src
    data = np.ones(src.shape[0], dtype=np.int8)
    return csr_matrix((data, (src, dst)), shape=(n, n))


def _cones(
    graph: csr_matrix, starts: np.ndarray, descending: bool, drop_start: bool
) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(starts.shape[0] + 1, dtype=np.int64)
    parts = []
    for j, start in enumerate(starts):
        if start < 0:
            nodes = np.empty(0, dtype=np.int32)
        else:
            nodes = np.sort(
                breadth_first_order(graph, int(start), directed=True, return_predecessors=False)
            )
            if drop_start:
                nodes = nodes[nodes != start]
            if descending:
                nodes = nodes[::-1]
        parts.append(nodes.astype(np.int32))
        ptr[j + 1] = ptr[j] + nodes.shape[0]
    idx = np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)
    return ptr, idx


def reverse_cones(code: np.ndarray, outs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each output, the nodes it depends on, itself included, highest first."""
    return _cones(_graph(code, None, transpose=False), outs, descending=True, drop_start=False)


def forward_cones(
    code: np.ndarray, n_inputs: int, skip: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each input, the nodes that depend on it (not itself, not ``skip``), lowest first."""
    graph = _graph(code, ~skip, transpose=True)
    return _cones(graph, np.arange(n_inputs), descending=False, drop_start=True)
