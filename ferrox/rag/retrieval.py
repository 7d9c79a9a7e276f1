"""Ranking pieces: reciprocal rank fusion, page-level aggregation and maximal
marginal relevance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrox.rag.catalog import ChunkRow

__all__ = ["Source", "fuse", "mmr", "page_ranking"]

RRF_K = 60
WEIGHTS = {"bm25": 0.6, "dense": 0.4, "lead": 0.25}
"""Fusion weights of the BM25 passages, the dense passages and the dense page leads,
tuned on the shared dev questions and checked on the known-item set (bench/rag)."""
PAGE_BONUS = 0.0


@dataclass
class Source:
    """A ranked source: one page (``path``) with its best passage."""

    path: str
    title: str
    heading: str
    anchor: str
    text: str
    score: float
    chunk_id: int
    kind: str = ""
    crate: str = ""
    bm25: float | None = None
    dense: float | None = None
    rank: int = 0
    passages: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``passages`` are the page's other matching chunk ids)."""
        return {
            "rank": self.rank,
            "path": self.path,
            "title": self.title,
            "heading": self.heading,
            "anchor": self.anchor,
            "score": round(self.score, 6),
            "text": self.text,
            "kind": self.kind,
            "crate": self.crate,
            "bm25": None if self.bm25 is None else round(self.bm25, 4),
            "dense": None if self.dense is None else round(self.dense, 4),
        }


def fuse(
    lists: Mapping[str, list[tuple[int, float]]], method: str = "cc", k: int = RRF_K
) -> list[tuple[int, float]]:
    """Fuse ranked lists of ``(chunk id, score)``.

    ``cc`` (default): a convex combination of scores scaled per list to [0, 1] by the
    list's best score (BM25, whose minimum is 0) or by min-max over the candidates
    (cosine), weighted by :data:`WEIGHTS`; a chunk missing from a list scores 0 there.
    ``rrf``: reciprocal rank fusion, ``sum(w / (k + rank))``."""
    scores: dict[int, float] = {}
    total = sum(WEIGHTS.get(name, 1.0) for name, hits in lists.items() if hits) or 1.0
    for name, hits in lists.items():
        if not hits:
            continue
        w = WEIGHTS.get(name, 1.0) / total
        if method == "rrf":
            for rank, (cid, _) in enumerate(hits, start=1):
                scores[cid] = scores.get(cid, 0.0) + w / (k + rank)
            continue
        values = [s for _, s in hits]
        top = max(values)
        low = 0.0 if name == "bm25" else min(values)
        span = (top - low) or 1.0
        for cid, score in hits:
            scores[cid] = scores.get(cid, 0.0) + w * (score - low) / span
    return sorted(scores.items(), key=lambda kv: -kv[1])


def page_ranking(
    fused: list[tuple[int, float]],
    rows: Mapping[int, ChunkRow],
    lists: Mapping[str, list[tuple[int, float]]],
    second: float = PAGE_BONUS,
) -> list[Source]:
    """One source per page: its best chunk, scored by that chunk's fused score plus
    ``second`` times the runner-up chunk's (a page that matches twice is likelier)."""
    raw = {name: dict(hits) for name, hits in lists.items()}
    dense_raw = {**raw.get("lead", {}), **raw.get("dense", {})}
    pages: dict[str, Source] = {}
    runner_up: dict[str, float] = {}
    for cid, score in fused:
        row = rows.get(cid)
        if row is None:  # not visible (half-ingested or removed)
            continue
        page = pages.get(row.key)
        if page is None:
            pages[row.key] = Source(
                row.key,
                row.title,
                row.heading,
                row.anchor,
                row.text,
                score,
                cid,
                row.kind,
                row.crate,
                raw.get("bm25", {}).get(cid),
                raw.get("dense", {}).get(cid),
                passages=[cid],
            )
        else:
            page.passages.append(cid)
            if row.key not in runner_up:
                runner_up[row.key] = score
            for attr, source in (("bm25", raw.get("bm25", {})), ("dense", dense_raw)):
                v = source.get(cid)
                if v is not None and (getattr(page, attr) is None or v > getattr(page, attr)):
                    setattr(page, attr, v)
    for key, extra in runner_up.items():
        pages[key].score += second * extra
    return sorted(pages.values(), key=lambda s: -s.score)


def mmr(
    pages: list[Source], vectors: Mapping[int, np.ndarray], k: int, diversity: float
) -> list[Source]:
    """Re-order the head of ``pages`` by maximal marginal relevance: relevance is the
    fused score (scaled to [0, 1]); redundancy is the cosine to sources already picked.
    Pages without a vector keep their relevance only."""
    if not pages:
        return pages
    top = pages[0].score or 1.0
    pool = list(pages[: max(k * 4, k)])
    rest = pages[len(pool) :]
    chosen: list[Source] = []
    while pool and len(chosen) < k:
        best, best_val = 0, -np.inf
        for i, cand in enumerate(pool):
            rel = cand.score / top
            v = vectors.get(cand.chunk_id)
            red = 0.0
            if v is not None and chosen:
                red = (
                    max(float(v @ vectors[c.chunk_id]) for c in chosen if c.chunk_id in vectors)
                    if any(c.chunk_id in vectors for c in chosen)
                    else 0.0
                )
            val = (1 - diversity) * rel - diversity * red
            if val > best_val:
                best, best_val = i, val
        chosen.append(pool.pop(best))
    return chosen + pool + rest
