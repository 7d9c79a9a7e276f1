"""The text analyzer."""

from __future__ import annotations

import itertools
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


def test_overlapping_keywords_are_left_out() -> None:
    text = (
        "The ownership model guarantees memory safety. The model guarantees memory safety at"
        " compile time. Borrowing rules and the model guarantees keep data races away."
    )
    phrases = [" ".join(k.lower().split()) for k, _ in analyze(text).keywords]
    for i, a in enumerate(phrases):
        for b in phrases[i + 1 :]:
            assert f" {a} " not in f" {b} " and f" {b} " not in f" {a} ", (a, b)
            wa, wb = a.split(), b.split()
            assert not set(itertools.pairwise(wa)) & set(itertools.pairwise(wb)), (a, b)


def test_repetitive_cjk_and_unpunctuated_inputs_still_summarise() -> None:
    repeated = analyze("Rust guarantees memory safety without a garbage collector. " * 50)
    assert repeated.summary == ["Rust guarantees memory safety without a garbage collector."]
    zh = analyze("Rust是一种系统编程语言。它注重安全和速度。借用检查器在编译时执行所有权规则。")
    assert zh.language == "zh" and zh.sentences == 3 and len(zh.summary) == 3
    lines = analyze("\n".join(f"line {i} of a log without any full stop" for i in range(4000)))
    assert lines.sentences == 4000 and len(lines.summary) == 3
    blob = analyze("x" * 180_000)  # one 180k-character token
    assert blob.sentences > 0 and blob.summary


def test_a_long_text_is_summarised_over_a_bounded_graph() -> None:
    text = ". ".join(f"sentence number {i} talks about topic {i % 97}" for i in range(9000))
    a = analyze(text[:199_000])
    assert a.sentences > 4000 and len(a.summary) == 3 and all(s in text for s in a.summary)
