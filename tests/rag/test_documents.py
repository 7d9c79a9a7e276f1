"""Reading and chunking documents of every supported format."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrox.rag.chunking import chunk_document
from ferrox.rag.documents import UnreadableError, read_document


def test_rustdoc_page_keeps_signature_prose_code_and_drops_chrome(corpus: Path) -> None:
    doc = read_document(corpus / "api" / "fn.spawn.html", "api/fn.spawn.html")
    assert doc is not None
    assert doc.title == "Function std::thread::spawn"
    text = "\n".join(b for s in doc.sections for b in s.blocks)
    assert "pub fn spawn<F, T>(f: F) -> JoinHandle<T>" in text
    assert "Spawns a new thread" in text
    assert "```\nuse std::thread;" in text  # code kept whole, fenced
    for noise in ("Sidebar noise", "script noise", "Copy item path", "Expand description", "§"):
        assert noise not in text
    anchors = {s.anchor for s in doc.sections}
    assert {"panics", "examples"} <= anchors
    panics = next(s for s in doc.sections if s.anchor == "panics")
    assert panics.headings == ("Function std::thread::spawn", "Panics")


def test_mdbook_page_and_redirect_stub(corpus: Path) -> None:
    doc = read_document(corpus / "book" / "ferris.html", "book/ferris.html")
    assert doc is not None
    text = "\n".join(b for s in doc.sections for b in s.blocks)
    assert "unofficial mascot" in text and "- Crabs walk sideways." in text
    assert "Chapter list noise" not in text and "Previous chapter" not in text
    assert read_document(corpus / "api" / "old.html", "api/old.html") is None


def test_markdown_text_and_pdf(corpus: Path) -> None:
    md = read_document(corpus / "notes.md", "notes.md")
    assert md.title == "Borrow checker notes"
    life = next(s for s in md.sections if s.anchor == "lifetimes")
    assert life.headings == ("Borrow checker notes", "Lifetimes")
    assert any(b.startswith("```\nfn longest") for b in life.blocks)
    txt = read_document(corpus / "tokio.txt", "tokio.txt")
    assert len(txt.sections[0].blocks) == 2
    pdf = read_document(corpus / "manual.pdf", "manual.pdf")
    assert "Rust package manager" in pdf.sections[0].blocks[0]
    assert pdf.sections[0].anchor == "page=1"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("broken.pdf", "not a readable PDF"),
        ("binary.txt", "binary content"),
        ("image.png", "unsupported file type"),
    ],
)
def test_unreadable_files_raise_with_reason(corpus: Path, name: str, reason: str) -> None:
    with pytest.raises(UnreadableError, match=reason):
        read_document(corpus / name, name)


def test_chunks_are_bounded_and_long_code_is_refenced(tmp_path: Path) -> None:
    words = " ".join(f"w{i}" for i in range(1000))
    code = "\n".join(f"let x{i} = {i};" for i in range(400))
    path = tmp_path / "long.md"
    path.write_text(f"# Long\n\n{words}\n\n## Code\n\n```rust\n{code}\n```\n")
    chunks = chunk_document(read_document(path, "long.md"))
    assert len(chunks) > 5
    for c in chunks:
        assert c.text.count(" ") + c.text.count("\n") < 260
        assert c.text.count("```") % 2 == 0
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert any(c.anchor == "code" for c in chunks)
    # the prose is covered completely, in order, with overlap only between neighbours
    seen = [w for c in chunks if c.anchor == "long" for w in c.text.split()]
    assert seen[0] == "w0" and seen[-1] == "w999"
    assert set(words.split()) <= set(seen)
