"""Exact (brute-force) search: chunked BLAS products, the oracle for every index."""

from __future__ import annotations

import numpy as np

from ferrox.vectordb.models import Distance

__all__ = ["exact_search", "pair_scores"]

CHUNK_ROWS = 32_768
DENSE_MASK_SHARE = 0.5
"""Above this share of rows kept, a mask is applied to the scores (a gather of the kept
rows costs more than scoring the rows it drops)."""


def pair_scores(
    vectors: np.ndarray, queries: np.ndarray, distance: Distance, sqnorms: np.ndarray | None = None
) -> np.ndarray:
    """Scores (n_queries, n_vectors): similarity for Cosine/Dot, distance for Euclid/Manhattan.

    Cosine expects both sides already normalised.
    """
    if distance in (Distance.COSINE, Distance.DOT):
        return queries @ vectors.T
    if distance is Distance.EUCLID:
        if sqnorms is None:
            sqnorms = np.einsum("ij,ij->i", vectors, vectors)
        qn = np.einsum("ij,ij->i", queries, queries)
        d2 = qn[:, None] - 2.0 * (queries @ vectors.T) + sqnorms[None, :]
        return np.sqrt(np.maximum(d2, 0.0))
    return np.stack([np.abs(vectors - q).sum(axis=1) for q in queries])


def exact_search(
    vectors: np.ndarray,
    queries: np.ndarray,
    k: int,
    distance: Distance,
    *,
    mask: np.ndarray | None = None,
    slots: np.ndarray | None = None,
    sqnorms: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` (scores, slots) per query, best first; ``-1`` pads missing results.

    Either ``mask`` (bool per row of ``vectors``) or ``slots`` (the rows to consider)
    restricts the candidates.
    """
    nq = queries.shape[0]
    better_high = distance.higher_is_better
    worst = -np.inf if better_high else np.inf
    best_s = np.full((nq, 0), worst, dtype=np.float32)
    best_i = np.full((nq, 0), -1, dtype=np.int64)
    rows = slots
    dense = None  # a mask kept mostly: score whole blocks and drop the masked-out scores
    if slots is None and mask is not None:
        if mask.shape[0] >= 4096 and np.count_nonzero(mask) > DENSE_MASK_SHARE * mask.shape[0]:
            dense = mask
        else:
            rows = np.flatnonzero(mask)
    total = vectors.shape[0] if rows is None else rows.shape[0]
    for start in range(0, total, CHUNK_ROWS):
        stop = min(total, start + CHUNK_ROWS)
        if rows is None:
            ids = np.arange(start, stop)
            block = vectors[start:stop]
            norms = None if sqnorms is None else sqnorms[start:stop]
        else:
            ids = rows[start:stop]
            block = vectors[ids]
            norms = None if sqnorms is None else sqnorms[ids]
        s = pair_scores(block, queries, distance, norms).astype(np.float32, copy=False)
        if dense is not None:
            s[:, ~dense[start:stop]] = worst
        best_s = np.concatenate([best_s, s], axis=1)
        best_i = np.concatenate([best_i, np.broadcast_to(ids, s.shape)], axis=1)
        if best_s.shape[1] > k:
            key = -best_s if better_high else best_s
            part = np.argpartition(key, k - 1, axis=1)[:, :k]
            best_s = np.take_along_axis(best_s, part, axis=1)
            best_i = np.take_along_axis(best_i, part, axis=1)
    key = -best_s if better_high else best_s
    order = np.argsort(key, axis=1, kind="stable")
    best_s = np.take_along_axis(best_s, order, axis=1)
    best_i = np.take_along_axis(best_i, order, axis=1)
    if dense is not None:
        best_i[np.isinf(best_s)] = -1  # masked-out rows that filled a short result
    if best_s.shape[1] < k:
        pad = k - best_s.shape[1]
        best_s = np.pad(best_s, ((0, 0), (0, pad)), constant_values=worst)
        best_i = np.pad(best_i, ((0, 0), (0, pad)), constant_values=-1)
    return best_s, best_i
