"""Answers: extractive with citations, not-covered when evidence is weak, streamed
events, and the prompt given to a generator."""

from __future__ import annotations

import re
from pathlib import Path

from ferrox.rag import KnowledgeBase
from ferrox.rag.answer import answer, build_prompt, stream_answer


def test_extractive_answer_cites_its_sources(kb: KnowledgeBase, corpus: Path) -> None:
    kb.ingest([corpus])
    a = answer(kb, "Who is the mascot of the Rust community?")
    assert a.method == "extractive" and a.covered
    assert "unofficial mascot" in a.answer and "[1]" in a.answer
    assert a.citations and a.citations[0].n == 1 and a.citations[0].source == 1
    assert a.sources[0].path.endswith("ferris.html")
    d = a.as_dict()
    assert set(d) >= {"answer", "sources", "method", "citations"}
    assert set(d["sources"][0]) >= {"path", "title", "score", "text"}
    assert set(d["citations"][0]) == {
        "n",
        "source",
        "chunk_id",
        "path",
        "anchor",
        "heading",
        "text",
    }


def test_each_marker_opens_the_passage_it_quotes(kb: KnowledgeBase, corpus: Path) -> None:
    kb.ingest([corpus])
    for question in ("How do I spawn a thread and join it?", "What is Tokio?", "mascot of Rust"):
        a = answer(kb, question)
        by_n = {c.n: c for c in a.citations}
        paragraphs = list(re.finditer(r"(.+?) \[(\d+)\](?:\n\n|$)", a.answer, re.S))
        assert paragraphs and len(by_n) == len(a.citations)
        assert sum(len(m.group(0)) for m in paragraphs) == len(a.answer)
        for m in paragraphs:
            body, cite = m.group(1), by_n[int(m.group(2))]
            flat = " ".join(cite.text.split())
            if body.startswith("```"):
                quoted = body.strip("`\n")
            else:  # labelled with what an API passage documents, or with its section
                label, colon, rest = body.partition(": ")
                if label.startswith("`") or (colon and label in cite.heading):
                    body = quoted = rest
                else:
                    quoted = body
            for piece in re.split(r"(?<=[.!?:])\s+", quoted):
                assert " ".join(piece.split()) in flat, (question, piece)
            assert cite.path == a.sources[cite.source - 1].path
            assert not body.startswith(a.sources[cite.source - 1].title)  # no title noise


def test_howto_answer_includes_code(kb: KnowledgeBase, corpus: Path) -> None:
    kb.ingest([corpus])
    a = answer(kb, "How do I spawn a thread and join it?")
    assert "```" in a.answer and "thread::spawn" in a.answer


def test_api_passages_are_labelled_with_their_signature(kb: KnowledgeBase, corpus: Path) -> None:
    kb.ingest([corpus])
    a = answer(kb, "How do I spawn a thread and join it?")
    assert a.answer.startswith("`std::thread::spawn`: Spawns a new thread")


def test_weak_evidence_says_not_covered(kb: KnowledgeBase, corpus: Path) -> None:
    kb.ingest([corpus])
    a = answer(kb, "What is the boiling point of olive oil in kelvin?")
    assert a.method == "not-covered" and not a.covered
    assert a.answer.startswith("The knowledge base does not cover this question")


def test_stream_events_in_order(kb: KnowledgeBase, corpus: Path) -> None:
    kb.ingest([corpus])
    events = list(stream_answer(kb, "What is Tokio?"))
    assert events[0]["type"] == "sources" and events[-1]["type"] == "done"
    assert any(e["type"] == "token" for e in events)
    assert events[-1]["answer"].sources[0].path.endswith("tokio.txt")


def test_prompt_numbers_sources(kb: KnowledgeBase, corpus: Path) -> None:
    kb.ingest([corpus])
    sources = kb.search("Tokio runtime", 2).sources
    messages = build_prompt("What is Tokio?", sources)
    assert messages[0]["role"] == "system" and "[n]" in messages[0]["content"]
    assert "[1]" in messages[1]["content"] and "[2]" in messages[1]["content"]
    assert messages[1]["content"].endswith("Question: What is Tokio?")
