"""Heading-aware chunking: sections are cut into passages of bounded size, small
neighbouring sections are merged, and long ones overlap by one block."""

from __future__ import annotations

from dataclasses import dataclass

from ferrox.rag.documents import Document

__all__ = ["LEAD_ORDINAL", "Chunk", "chunk_document", "lead_of"]

MAX_WORDS = 180
MIN_WORDS = 40
LEAD_WORDS = 60
LEAD_ORDINAL = -1
"""Ordinal of a page's lead: its title and first prose, embedded on its own (dense
only) because a short, focused vector matches "what is / how do I" questions best."""


@dataclass
class Chunk:
    """One passage of a document, ready to index."""

    path: str
    ordinal: int
    title: str
    heading: str
    anchor: str
    text: str

    def embed_text(self) -> str:
        """What the dense model sees: the heading path, then the passage."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


def _words(text: str) -> int:
    return text.count(" ") + text.count("\n") + 1


def _split_long(block: str, limit: int) -> list[str]:
    if _words(block) <= limit:
        return [block]
    if block.startswith("```\n"):  # code: cut on lines, each part fenced again
        out, cur, n = [], [], 0
        for line in block[4:].removesuffix("\n```").split("\n"):
            w = _words(line)
            if cur and n + w > limit:
                out.append("\n".join(cur))
                cur, n = [], 0
            cur.append(line)
            n += w
        if cur:
            out.append("\n".join(cur))
        return [f"```\n{part}\n```" for part in out]
    words = block.split(" ")
    step = limit - limit // 6
    return [" ".join(words[i : i + limit]) for i in range(0, len(words), step)]


def chunk_document(doc: Document, max_words: int = MAX_WORDS) -> list[Chunk]:
    """Passages of at most about ``max_words`` words, in document order."""
    chunks: list[Chunk] = []
    cur: list[str] = []
    cur_words = 0
    cur_heading, cur_anchor = "", ""

    def emit() -> None:
        nonlocal cur, cur_words
        if cur:
            chunks.append(
                Chunk(doc.path, len(chunks), doc.title, cur_heading, cur_anchor, "\n".join(cur))
            )
        cur, cur_words = [], 0

    for section in doc.sections:
        blocks = [p for b in section.blocks for p in _split_long(b, max_words)]
        if not blocks:
            continue
        heading = " > ".join(section.headings[-3:])
        if cur and cur_words >= MIN_WORDS:
            emit()
        if not cur:
            cur_heading, cur_anchor = heading, section.anchor
        elif heading != cur_heading:  # a small section merged into the running chunk
            cur.append(f"## {section.headings[-1]}" if section.headings else "")
        for block in blocks:
            w = _words(block)
            if cur and cur_words + w > max_words:
                last = cur[-1]
                emit()
                cur_heading, cur_anchor = heading, section.anchor
                if _words(last) < max_words // 3 and not last.startswith("## "):
                    cur, cur_words = [last], _words(last)
            cur.append(block)
            cur_words += w
    emit()
    return chunks


def lead_of(doc: Document, words: int = LEAD_WORDS) -> Chunk | None:
    """The page's lead passage: title, then the first ``words`` words of prose (code
    left out); None for a page without prose."""
    prose: list[str] = []
    n = 0
    for section in doc.sections:
        for block in section.blocks:
            if block.startswith("```"):
                continue
            prose.append(block)
            n += _words(block)
            if n >= words:
                break
        if n >= words:
            break
    if not prose:
        return None
    text = " ".join(" ".join(prose).split()[:words])
    return Chunk(doc.path, LEAD_ORDINAL, doc.title, doc.title, "", f"{doc.title}: {text}")
