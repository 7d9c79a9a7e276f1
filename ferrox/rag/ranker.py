"""The learned page ranker: a page's fused retrieval score times ``exp(w · f)``, where
``f`` are features of the page (its doc set, its kind, whether it is a rustdoc item)
crossed with the question's analysis (its topics, the error codes and identifiers it
names), and ``w`` are weights fitted on real questions by ``bench/rag/ranker.py``
(shipped as ``ranker.json`` beside this module)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ferrox.errors import InvalidInputError
from ferrox.rag.lexical import query_terms
from ferrox.rag.query import QueryAnalysis, stem
from ferrox.rag.retrieval import Source

__all__ = ["WEIGHTS_FILE", "Ranker", "page_features"]

WEIGHTS_FILE = Path(__file__).with_name("ranker.json")
ITEM_PAGE = re.compile(
    r"/(struct|fn|trait|enum|macro|type|constant|primitive|keyword|attr|derive|union)"
    r"\.([^/]+)\.html$"
)
_CHANGELOG = re.compile(r"(?i)changelog|release-?notes|/releases\.")
_ERROR_PAGE = re.compile(r"\b(E\d{4})\.html$")


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(t) for t in query_terms(text))


def page_features(query: QueryAnalysis, source: Source, bm25_top: float) -> dict[str, float]:
    """The features of ``source`` as an answer to ``query``: its BM25 score over the
    pool's best (``bm25_top``), its dense cosine, and 0/1 indicators."""
    feats: dict[str, float] = {
        "bm25": (source.bm25 or 0.0) / bm25_top if bm25_top > 0 else 0.0,
        "dense": source.dense or 0.0,
        "passages": math.log1p(len(source.passages)),
    }
    terms = query.terms
    if terms:
        title = _stems(source.title.split(" - ")[0])
        heading = _stems(source.heading)
        feats["title-share"] = len(terms & title) / len(terms)
        feats["heading-share"] = len(terms & heading) / len(terms)

    doc_set = source.crate or "other"
    feats[f"set:{doc_set}"] = 1.0
    feats[f"kind:{source.kind or 'other'}"] = 1.0
    if _CHANGELOG.search(source.path):
        feats["changelog"] = 1.0
    item = ITEM_PAGE.search(source.path)
    if item:
        feats["item"] = 1.0
    for topic in query.topics:
        feats[f"{topic}&kind:{source.kind or 'other'}"] = 1.0
        feats[f"{topic}&set:{doc_set}"] = 1.0
    err = _ERROR_PAGE.search(source.path)
    if err and err.group(1) in query.error_codes:
        feats["names-error-code"] = 1.0
    if item:
        name = item.group(2).lower()
        if any(ident.split("::")[-1].strip("`()!").lower() == name for ident in query.identifiers):
            feats["names-item"] = 1.0
    return feats


@dataclass(frozen=True)
class Ranker:
    """Feature weights; a missing feature weighs 0 (``Ranker()`` keeps the fused order)."""

    weights: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", MappingProxyType(dict(self.weights)))

    @classmethod
    def load(cls, path: Path | None = None) -> Ranker:
        """The weights in ``path`` (default: the shipped :data:`WEIGHTS_FILE`)."""
        path = path or WEIGHTS_FILE
        try:
            data = json.loads(path.read_text())
            weights = {str(k): float(v) for k, v in data["weights"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidInputError(f"{path}: not a ranker weights file ({exc})") from exc
        return cls(weights)

    def factor(self, query: QueryAnalysis, source: Source, bm25_top: float) -> float:
        """The score factor ``exp(w · f)`` of ``source`` (``bm25_top``: the pool's best
        BM25 score)."""
        w = self.weights
        feats = page_features(query, source, bm25_top)
        return math.exp(sum(w.get(k, 0.0) * v for k, v in feats.items()))

    def rerank(self, query: QueryAnalysis, pages: list[Source]) -> list[Source]:
        """``pages`` re-scored by their factors, best first (scores change in place)."""
        if not self.weights:
            return pages
        bm25_top = max((p.bm25 or 0.0) for p in pages) if pages else 0.0
        for page in pages:
            page.score *= self.factor(query, page, bm25_top)
        return sorted(pages, key=lambda s: -s.score)
