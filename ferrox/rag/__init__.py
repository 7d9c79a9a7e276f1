"""ferrox.rag: knowledge bases over documents (the local Rust docs above all), hybrid
retrieval, answers with citations, and text analysis."""

from ferrox.rag.kb import IngestReport, KnowledgeBase, SearchResult
from ferrox.rag.retrieval import Source

__all__ = ["IngestReport", "KnowledgeBase", "SearchResult", "Source"]
