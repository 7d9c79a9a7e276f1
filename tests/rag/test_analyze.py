"""The text analyzer."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrox.errors import InvalidInputError
from ferrox.rag import KnowledgeBase
from ferrox.rag.analyze import analyze, similarity

TEXT = (
    "Rust is a systems programming language focused on safety and speed. "
    "The borrow checker enforces ownership rules at compile time. "
    "Ownership means every value has a single owner that frees it. "
    "Cargo is the build tool and package manager of Rust. "
    "Many developers enjoy the helpful compiler error messages."
)


def test_language_keywords_summary_and_embedding(minilm) -> None:
    a = analyze(TEXT, embedder=minilm, summary_sentences=2)
    assert a.language == "en" and a.language_confidence > 0.5
    assert a.sentences == 5 and a.words == len(TEXT.split())
    words = " ".join(k for k, _ in a.keywords).lower()
    assert "rust" in words or "ownership" in words
    assert len(a.summary) == 2 and all(s in TEXT for s in a.summary)
    assert len(a.embedding) == minilm.dim
    assert (
        analyze(
            "Der Borrow-Checker prüft die Besitzregeln zur Kompilierzeit, und das ist gut so."
        ).language
        == "de"
    )


def test_nearest_documents_and_similarity(minilm, kb: KnowledgeBase, corpus: Path) -> None:
    kb.ingest([corpus])
    a = analyze("Ferris the orange crab is the community mascot.", embedder=minilm, kb=kb)
    assert a.nearest[0]["path"].endswith("ferris.html")
    close = similarity("How do I spawn a thread?", "Starting a new OS thread", minilm)
    far = similarity("How do I spawn a thread?", "Recipe for lemon cake", minilm)
    assert close > far + 0.2


def test_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="empty"):
        analyze("   ")
    with pytest.raises(InvalidInputError, match="string"):
        analyze(b"bytes")  # type: ignore[arg-type]
