"""Dependency cones of a traced program: which nodes each output needs (reverse sweep)
or each input reaches (forward sweep), as CSR lists in sweep order."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["forward_cones", "reverse_cones"]

# Below this many (nodes x starts), cones are walked in Python: importing SciPy's graph
# module alone costs ~0.2 s, more than the walk for programs of a few thousand nodes.
_PYTHON_WALK_MAX = 400_000


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
    from scipy.sparse import csr_matrix

    return csr_matrix((data, (src, dst)), shape=(n, n))


def _cones(
    graph: csr_matrix, starts: np.ndarray, descending: bool, drop_start: bool
) -> tuple[np.ndarray, np.ndarray]:
    from scipy.sparse.csgraph import breadth_first_order

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


def _walk(
    edges: list[list[int]], starts: np.ndarray, descending: bool, drop_start: bool
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_cones` by a depth-first walk in Python over adjacency lists."""
    ptr = np.zeros(starts.shape[0] + 1, dtype=np.int64)
    parts: list[int] = []
    for j, start in enumerate(starts.tolist()):
        if start >= 0:
            seen = {start}
            stack = [start]
            while stack:
                for p in edges[stack.pop()]:
                    if p not in seen:
                        seen.add(p)
                        stack.append(p)
            if drop_start:
                seen.discard(start)
            parts.extend(sorted(seen, reverse=descending))
        ptr[j + 1] = len(parts)
    return ptr, np.array(parts, dtype=np.int32)


def _small(code: np.ndarray, starts: np.ndarray) -> bool:
    return code.shape[1] * max(1, starts.shape[0]) <= _PYTHON_WALK_MAX


def reverse_cones(code: np.ndarray, outs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each output, the nodes it depends on, itself included, highest first."""
    if _small(code, outs):
        args = list(zip(code[1].tolist(), code[2].tolist(), strict=True))
        edges = [[a for a in pair if a >= 0] for pair in args]
        return _walk(edges, outs, descending=True, drop_start=False)
    return _cones(_graph(code, None, transpose=False), outs, descending=True, drop_start=False)


def forward_cones(
    code: np.ndarray, n_inputs: int, skip: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each input, the nodes that depend on it (not itself, not ``skip``), lowest first."""
    starts = np.arange(n_inputs)
    if _small(code, starts):
        users: list[list[int]] = [[] for _ in range(code.shape[1])]
        for node, (a, b, skipped) in enumerate(
            zip(code[1].tolist(), code[2].tolist(), skip.tolist(), strict=True)
        ):
            if skipped:
                continue
            if a >= 0:
                users[a].append(node)
            if b >= 0 and b != a:
                users[b].append(node)
        return _walk(users, starts, descending=False, drop_start=True)
    graph = _graph(code, ~skip, transpose=True)
    return _cones(graph, starts, descending=False, drop_start=True)
