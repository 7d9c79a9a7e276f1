"""BM25 over chunks with tantivy: English stemming, title and heading fields boosted,
doc kind / crate / version as exact-match filter fields."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ferrox.errors import DependencyError

__all__ = ["LexicalIndex", "query_terms"]

_WORD = re.compile(r"[A-Za-z0-9_]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "their",
        "there",
        "these",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "we",
        "our",
        "should",
        "would",
        "could",
    ]
)
BOOSTS = {"title": 0.5, "heading": 0.5, "body": 1.0}
IDENT_TITLE_BOOST = 3.0
_IDENT = re.compile(r"\d|_")


def query_terms(text: str) -> list[str]:
    """Lower-cased words of a query without stop words; identifiers are also split on
    ``_`` and ``::`` so ``read_to_string`` finds its parts too."""
    terms: list[str] = []
    for word in _WORD.findall(text):
        low = word.lower()
        if low in _STOP:
            continue
        terms.append(low)
        if "_" in low:
            terms.extend(p for p in low.split("_") if p and p not in _STOP)
    return terms


class LexicalIndex:
    """A tantivy index in ``path``; one writer per process, searchable meanwhile."""

    def __init__(self, path: Path) -> None:
        try:
            import tantivy
        except ImportError as exc:
            raise DependencyError("BM25 needs tantivy: pip install 'ferrox[rag]'") from exc
        self._t = tantivy
        path.mkdir(parents=True, exist_ok=True)
        sb = tantivy.SchemaBuilder()
        sb.add_integer_field("id", stored=True, indexed=True, fast=True)
        sb.add_text_field("key", stored=False, tokenizer_name="raw", index_option="basic")
        for name in ("kind", "crate", "version"):
            sb.add_text_field(name, stored=False, tokenizer_name="raw", index_option="basic")
        for name in BOOSTS:
            sb.add_text_field(name, stored=False, tokenizer_name="en_stem")
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        self._writer = None

    # -- writing ----------------------------------------------------------------------
    def writer(self):
        """The (lazily created) index writer."""
        if self._writer is None:
            self._writer = self.index.writer(heap_size=200_000_000, num_threads=1)
        return self._writer

    def replace(self, key: str, docs: Sequence[Mapping[str, object]]) -> None:
        """Queue: delete the documents of file ``key``, add ``docs`` (dicts with id,
        kind, crate, version, title, heading, body)."""
        w = self.writer()
        w.delete_documents_by_term("key", key)
        for d in docs:
            w.add_document(self._t.Document(key=key, **d))

    def delete(self, key: str) -> None:
        """Queue the deletion of file ``key``."""
        self.writer().delete_documents_by_term("key", key)

    def commit(self) -> None:
        """Make queued changes durable and visible."""
        if self._writer is not None:
            self._writer.commit()
            self.index.reload()

    def close(self) -> None:
        """Release the writer (waits for merges)."""
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None

    # -- searching --------------------------------------------------------------------
    def search(
        self, text: str, limit: int = 50, filters: Mapping[str, Sequence[str]] | None = None
    ) -> list[tuple[int, float]]:
        """``(chunk id, BM25 score)`` best first; ``filters`` maps kind/crate/version
        to accepted values."""
        terms = query_terms(text)
        if not terms:
            return []
        t = self._t
        # identifiers (E0382, read_to_string, u8) name a page: match them in titles too
        ids = sorted({w for w in terms if _IDENT.search(w)})
        text = " ".join(terms + [f"title:{w}^{IDENT_TITLE_BOOST}" for w in ids])
        query = self.index.parse_query(text, list(BOOSTS), field_boosts=BOOSTS)
        if filters:
            clauses = [(t.Occur.Must, query)]
            for field, values in filters.items():
                if not values:
                    continue
                options = [
                    (t.Occur.Should, t.Query.term_query(self.schema, field, v)) for v in values
                ]
                clauses.append((t.Occur.Must, t.Query.boolean_query(options)))
            query = t.Query.boolean_query(clauses)
        searcher = self.index.searcher()
        hits = searcher.search(query, limit).hits
        return [(int(searcher.doc(addr)["id"][0]), float(score)) for score, addr in hits]

    def num_docs(self) -> int:
        """Documents currently searchable."""
        self.index.reload()
        return int(self.index.searcher().num_docs)
