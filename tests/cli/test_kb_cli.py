"""``ferrox kb`` / ``ferrox ask`` / ``ferrox analyze`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rag.corpus import write_corpus


def ferrox(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ferrox.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=900,
        input=stdin,
    )


def test_ingest_status_ask_drop(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    r = ferrox("kb", "ingest", str(corpus), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["added"] == 6 and len(report["skipped"]) == 2
    assert {s["reason"] for s in report["skipped"]} >= {"binary content (NUL bytes) in a text file"}
    r = ferrox("kb", "ingest", str(corpus))
    assert r.returncode == 0 and "unchanged" in r.stdout
    r = ferrox("ask", "--json", "--top-k", "2", "Who is the mascot of the Rust community?")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert isinstance(out["answer"], str) and "[1]" in out["answer"]
    assert len(out["sources"]) == 2
    best = out["sources"][0]
    assert best["path"].endswith("book/ferris.html")
    assert set(best) >= {"path", "title", "score", "text"}
    assert out["sources"][0]["score"] >= out["sources"][1]["score"]
    r = ferrox("ask", "How do I spawn a thread?")
    assert r.returncode == 0 and "Sources" in r.stdout and "fn.spawn.html" in r.stdout
    r = ferrox("kb", "status", "--json")
    assert json.loads(r.stdout)["files"] == 6
    r = ferrox("kb", "sources")
    assert "corpus" in r.stdout
    r = ferrox("kb", "drop", "--all")
    assert r.returncode == 0
    r = ferrox("ask", "anything")
    assert r.returncode == 2 and "no knowledge base" in r.stderr and "Traceback" not in r.stderr


def test_llm_down_falls_back_to_extractive(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    assert ferrox("kb", "ingest", str(corpus), "--no-dense").returncode == 0
    r = ferrox("ask", "--json", "--llm", "http://127.0.0.1:9", "What is Tokio?")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["method"] == "extractive"
    assert any("unreachable" in note for note in out["notes"])
    assert out["sources"][0]["path"].endswith("tokio.txt")
    r = ferrox("ask", "--no-llm", "--json", "--llm", "http://127.0.0.1:9", "What is Tokio?")
    assert not any("unreachable" in note for note in json.loads(r.stdout)["notes"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["kb", "ingest"], "nothing to ingest"),
        (["kb", "ingest", "/no/such/folder"], "no such file"),
        (["kb", "ingest", "--quick"], "--quick only applies"),
        (["ask", "   "], "question is empty"),
        (["ask", "--mode", "psychic", "x"], "unknown retrieval mode"),
        (["ask", "--llm", "gpt-5", "x"], "unknown generator"),
        (["kb", "drop"], "give a source"),
        (["analyze", "/no/such/file.txt"], "no such file"),
        (["kb", "status", "--kb", "never-made"], "no knowledge base 'never-made'"),
        (["ask", "--kb", "bad/name", "x"], "bad knowledge base name"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    r = ferrox(*args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr


def test_analyze_file_stdin_and_compare(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text(
        "Rust guarantees memory safety without a garbage collector. "
        "The borrow checker enforces ownership rules. Cargo builds crates."
    )
    b = tmp_path / "b.txt"
    b.write_text("Memory safety in Rust comes from ownership and borrowing, not a GC.")
    r = ferrox("analyze", str(a), "--compare", str(b), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["language"] == "en" and len(out["embedding"]) == 384
    assert out["keywords"] and 0.4 < out["similarity"] <= 1.0
    r = ferrox("analyze", "-", stdin="Bonjour, je voudrais apprendre le langage Rust.")
    assert r.returncode == 0 and "language fr" in r.stdout
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01")
    r = ferrox("analyze", str(tmp_path / "bin.txt"))
    assert r.returncode == 2 and "binary" in r.stderr


def test_rust_docs_quick_bm25(tmp_path: Path) -> None:
    pytest.importorskip("tantivy")
    from ferrox.rag.sources import rust_docs_root

    try:
        rust_docs_root()
    except Exception as exc:
        pytest.skip(str(exc))
    r = ferrox("kb", "ingest", "--rust-docs", "--quick", "--no-dense", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["kb"]["chunks"] > 3000
    r = ferrox("ask", "--json", "--mode", "bm25", "What does error E0382 use of moved value mean?")
    out = json.loads(r.stdout)
    assert out["sources"][0]["path"] == "error_codes/E0382.html"


@pytest.mark.slow
def test_rust_docs_quick_contract(tmp_path: Path) -> None:
    """The acceptance contract: ingest --rust-docs --quick, then ask --json."""
    r = ferrox("kb", "ingest", "--rust-docs", "--quick", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["embedded"] == report["kb"]["chunks"] + report["kb"]["leads"]
    question = "Which Rust release stabilized the anonymous pipe API?"
    out = json.loads(ferrox("ask", "--json", "--top-k", "3", question).stdout)
    assert out["sources"][0]["path"] == "releases.html"
    assert "1.87" in out["answer"]
    r = ferrox("ask", "--json", "How do I write a declarative macro with macro_rules?")
    paths = [s["path"] for s in json.loads(r.stdout)["sources"]]
    assert {"reference/macros-by-example.html", "book/ch20-05-macros.html"} & set(paths[:3])
