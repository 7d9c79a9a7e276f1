"""Knowledge bases: ingest reports, incremental re-ingest, hybrid search, filters,
visibility after a crash, and clear errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ferrox.errors import InvalidInputError, NotFoundError
from ferrox.rag import KnowledgeBase


def test_ingest_report_and_hybrid_search(kb: KnowledgeBase, corpus: Path) -> None:
    report = kb.ingest([corpus])
    assert report.files_seen == 8  # hidden folder and .png left out
    assert report.added == 6 and report.empty == 1  # the redirect stub counts as empty
    assert {k.rsplit("/", 1)[-1]: r for k, r in report.skipped}.keys() == {
        "broken.pdf",
        "binary.txt",
    }
    assert all(r for _, r in report.skipped)
    assert report.embedded == report.chunks + report.leads and report.leads == 5
    assert report.dense_ready_s is not None and report.bm25_ready_s <= report.dense_ready_s
    for mode in ("hybrid", "bm25", "dense"):
        top = kb.search("Who is the mascot of the Rust community?", 3, mode=mode).sources[0]
        assert top.path.endswith("book/ferris.html"), mode
    hit = kb.search("how do I start a new thread", 2).sources[0]
    assert hit.path.endswith("fn.spawn.html") and hit.title == "Function std::thread::spawn"
    assert hit.dense is not None and hit.rank == 1
    result = kb.search("package manager that downloads dependencies", 5)
    assert result.sources[0].path.endswith("manual.pdf") and result.covered
    paths = [s.path for s in result.sources]
    assert len(paths) == len(set(paths))  # one source per page


def test_reingest_is_incremental(kb: KnowledgeBase, corpus: Path) -> None:
    first = kb.ingest([corpus])
    again = kb.ingest([corpus])
    assert (again.added, again.updated, again.chunks, again.embedded) == (0, 0, 0, 0)
    assert again.unchanged == first.added
    (corpus / "notes.md").write_text("# Borrow checker notes\n\nZebras graze on savanna grass.\n")
    (corpus / "tokio.txt").unlink()
    os.utime(corpus / "book" / "ferris.html")  # touched, same content: not re-parsed
    third = kb.ingest([corpus])
    assert (third.updated, third.removed, third.added) == (1, 1, 0)
    assert third.embedded == third.chunks + third.leads == 2
    top = kb.search("what do zebras eat", 1, mode="bm25").sources[0]
    assert top.path.endswith("notes.md")
    assert all(
        not s.path.endswith("tokio.txt")
        for s in kb.search("asynchronous runtime event loop", 10).sources
    )
    assert all(
        "mutable reference" not in s.text
        for s in kb.search("one mutable reference shared references", 10).sources
    )
    counts = kb.catalog.counts()
    assert kb._collection(create=False).count() == counts["chunks"]
    assert kb._leads.count() == counts["leads"] == counts["files"] - 1  # not the stub
    assert counts["embedded"] == counts["chunks"] + counts["leads"]
    assert kb.lexical.num_docs() == counts["chunks"]


def test_filters_modes_and_errors(kb: KnowledgeBase, corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="empty"):
        kb.search("anything")
    kb.ingest([corpus])
    only_md = kb.search("Rust", 10, filters={"kind": "markdown"}).sources
    assert only_md and {s.kind for s in only_md} == {"markdown"}
    both = kb.search("Rust", 10, filters={"kind": ["markdown", "text"]}).sources
    assert {s.kind for s in both} == {"markdown", "text"}
    with pytest.raises(InvalidInputError, match="unknown filter"):
        kb.search("Rust", filters={"colour": "red"})
    with pytest.raises(InvalidInputError, match="empty"):
        kb.search("   ")
    with pytest.raises(InvalidInputError, match="mode"):
        kb.search("Rust", mode="psychic")
    with pytest.raises(InvalidInputError, match="top_k"):
        kb.search("Rust", 0)
    with pytest.raises(NotFoundError, match="no such file"):
        kb.ingest([tmp_path / "nope"])
    with pytest.raises(InvalidInputError, match="nothing to ingest"):
        kb.ingest([])


def test_drop_source_and_whole_kb(kb: KnowledgeBase, corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.md").write_text("# Alpha\n\nQuokkas are small marsupials.\n")
    kb.ingest([corpus, other])
    assert {s["label"] for s in kb.catalog.sources()} == {"corpus", "other"}
    assert kb.drop("corpus") == 6  # 5 with text + the redirect stub
    assert [s.path for s in kb.search("quokka marsupial", 5).sources] == [
        str((other / "a.md").resolve())
    ]
    assert kb._collection(create=False).count() == kb.catalog.counts()["chunks"]
    with pytest.raises(NotFoundError):
        kb.drop("corpus")


def test_nothing_half_ingested_is_visible(
    kb: KnowledgeBase, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb.ingest([corpus / "notes.md"])

    def crash(*args, **kw):
        raise OSError("simulated crash between the BM25 commit and the catalogue")

    monkeypatch.setattr(kb.catalog, "commit_files", crash)
    with pytest.raises(OSError):
        kb.ingest([corpus / "tokio.txt"], dense=False)
    monkeypatch.undo()
    assert kb.lexical.search("Tokio asynchronous runtime", 5)  # the index has it ...
    assert all(
        "tokio" not in s.path  # ... but nothing outside the catalogue is shown
        for s in kb.search("Tokio asynchronous runtime", 5).sources
    )
    kb.ingest([corpus / "tokio.txt"])
    assert kb.search("Tokio asynchronous runtime", 1).sources[0].path.endswith("tokio.txt")


KILL_SCRIPT = """
import sys
from ferrox.rag import KnowledgeBase
from ferrox.infer import HashingEmbedder
kb = KnowledgeBase(sys.argv[1], embedder=HashingEmbedder(64))
kb.ingest([sys.argv[2]], progress=lambda stage, done, total: print(stage, done, flush=True))
"""


@pytest.mark.parametrize("stage,at", [("parse", 100), ("parse", 450), ("embed", 512)])
def test_killed_ingest_leaves_only_whole_files(tmp_path: Path, stage: str, at: int) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(600):
        body = "\n\n".join(f"Paragraph {j} of file {i} about topic{i % 17}." for j in range(40))
        (docs / f"f{i:03d}.md").write_text(f"# File {i}\n\n{body}\n")
    kb_dir = tmp_path / "kb"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(kb_dir), str(docs)],
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in proc.stdout:  # SIGKILL once the ingest is past the chosen point
        name, done = line.split()
        if name == stage and int(done) >= at:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with KnowledgeBase(kb_dir, embedder=None) as base:
        db = base.catalog.db
        files = {k for (k,) in db.execute("SELECT key FROM files")}
        assert len(files) < 600 or stage == "embed"
        for key, n in db.execute("SELECT key, n_chunks FROM files").fetchall():
            got = db.execute("SELECT COUNT(*) FROM chunks WHERE key = ?", (key,)).fetchone()[0]
            assert got == n, key
        if files:
            for s in base.search("topic3 paragraph", 50, mode="bm25").sources:
                assert s.path in files
        report = base.ingest([docs], dense=False)  # finishing the job later works
        assert report.added + report.unchanged == 600 and not report.skipped
        assert base.catalog.counts()["files"] == 600


def test_parser_upgrade_rereads_every_file(
    kb: KnowledgeBase, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = kb.ingest([corpus])
    monkeypatch.setattr("ferrox.rag.kb.PARSER_VERSION", "next")
    again = kb.ingest([corpus])
    assert again.updated == first.added and again.unchanged == 0
    assert again.chunks == first.chunks
    assert kb.ingest([corpus]).unchanged == first.added  # and only once
