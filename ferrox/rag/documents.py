"""Reading documents: HTML (rustdoc and mdBook aware), Markdown, plain text and PDF,
each turned into a title and a list of sections of text blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ferrox.errors import InvalidInputError

__all__ = ["SUFFIXES", "Document", "Section", "read_document"]

SUFFIXES = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".rst": "text",
    ".pdf": "pdf",
}


@dataclass
class Section:
    """A run of text blocks under one heading path; ``anchor`` is the fragment id of
    its heading when the format has one."""

    headings: tuple[str, ...]
    anchor: str = ""
    blocks: list[str] = field(default_factory=list)


@dataclass
class Document:
    """One source file, read: ``kind`` and ``crate`` are metadata for filters."""

    path: str
    title: str
    sections: list[Section]
    kind: str = "document"
    crate: str = ""


class UnreadableError(InvalidInputError):
    """A file that cannot be read as the format its name says (reason in the message)."""


# ---------------------------------------------------------------- HTML ------------------

_SKIP_TAGS = {
    "script",
    "style",
    "nav",
    "button",
    "noscript",
    "template",
    "svg",
    "form",
    "input",
    "rustdoc-toolbar",
    "rustdoc-topbar",
    "head",
    "-comment",
    "iframe",
}
_DROP_SELECTORS = (
    ".sidebar, .sidebar-resizer, .rightside, a.doc-anchor, a.anchor, summary.hideme, "
    ".sub-heading, #copy-path, .buttons, #menu-bar, #sidebar, .nav-chapters, .nav-wrapper, "
    "#search-wrapper, .mobile-nav-chapters, #blanket-implementations, "
    "#blanket-implementations-list, #synthetic-implementations, "
    "#synthetic-implementations-list, .tooltip, .since, .search-form, .skip-main-content, "
    "#rustdoc-toc, #rustdoc-modnav, .rustdoc-breadcrumbs"
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_PROSE = {"p", "dd", "figcaption", "caption", "td", "th"}
_INLINE = {
    "a",
    "span",
    "code",
    "em",
    "strong",
    "b",
    "i",
    "small",
    "sup",
    "sub",
    "kbd",
    "del",
    "ins",
    "u",
}
_REDIRECT = re.compile(r'http-equiv=["\']?refresh', re.I)
_STUB = re.compile(
    r"has moved|no longer distributed|deprecated in favou?r|is now deprecated|"
    r"two editions of",
    re.I,
)
_RUSTDOC_TITLE = re.compile(r"^(?P<item>.+?) in (?P<parent>\S+) - Rust$")


def _squash(text: str) -> str:
    return " ".join(text.split())


class _HtmlWalker:
    """Collects sections in document order from a cleaned content node."""

    def __init__(self, title: str) -> None:
        self.stack: list[tuple[int, str]] = []
        self.sections = [Section((title,) if title else ())]
        self.title = title
        self.pending_term = ""
        self.seen_h1 = False

    def heading(self, level: int, text: str, anchor: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        if level == 1 and self.title and not self.seen_h1:  # the page title names it
            self.seen_h1 = True
        else:
            self.stack.append((level, text))
        path = tuple(t for _, t in self.stack)
        if self.title and (not path or path[0] != self.title):
            path = (self.title, *path)
        self.sections.append(Section(path, anchor))

    def block(self, text: str) -> None:
        if text:
            self.sections[-1].blocks.append(text)

    def walk(self, node) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag in _SKIP_TAGS:
                continue
            if tag in _HEADINGS:
                anchor = child.id or ""
                if not anchor and child.parent is not None:
                    anchor = child.parent.id or ""
                text = _squash(child.text(separator=""))
                if text:
                    self.heading(_HEADINGS[tag], text, anchor)
            elif tag == "pre":
                code = child.text(separator="").strip("\n")
                if code.strip():
                    self.block(f"```\n{code}\n```")
            elif tag == "li":
                if child.css_first("p, pre, ul, ol, div"):
                    self.walk(child)
                else:
                    self.block("- " + _squash(child.text(separator="")))
            elif tag == "dt":
                self.pending_term = _squash(child.text(separator=""))
            elif tag in _PROSE:
                text = _squash(child.text(separator=""))
                if tag == "dd" and self.pending_term:
                    text, self.pending_term = f"{self.pending_term}: {text}", ""
                self.block(text)
            elif tag == "tr":
                cells = [_squash(c.text(separator="")) for c in child.css("td, th")]
                self.block(" | ".join(c for c in cells if c))
            elif child.id == "trait-implementations-list":
                impls = [_squash(h.text(separator="")) for h in child.css("h3.code-header")]
                if impls:
                    self.block("Implements: " + "; ".join(impls))
            elif tag == "-text" or tag in _INLINE:
                text = _squash(
                    child.text(separator="") if tag in _INLINE else child.text_content or ""
                )
                if len(text) > 2 and node.tag not in ("ul", "ol", "table", "tbody", "thead", "dl"):
                    self.block(text)
            else:
                self.walk(child)


def _html_document(text: str, rel: str) -> Document | None:
    from selectolax.lexbor import LexborHTMLParser

    if len(text) < 4096 and (_REDIRECT.search(text) or "<title>Redirection</title>" in text):
        return None
    tree = LexborHTMLParser(text)
    title_node = tree.css_first("title")
    raw_title = _squash(title_node.text()) if title_node else ""
    body = tree.body
    if body is None:
        return None
    is_rustdoc = body.css_first("section#main-content") is not None
    title = raw_title
    if is_rustdoc:
        m = _RUSTDOC_TITLE.match(raw_title)
        h1 = body.css_first("h1")
        what = _squash(h1.text(separator="")).split(" ")[0] if h1 else ""
        if m:
            title = f"{what} {m['parent']}::{m['item']}".strip()
        elif raw_title.endswith(" - Rust"):
            title = f"{what} {raw_title[: -len(' - Rust')]}".strip()
    for node in body.css(_DROP_SELECTORS):
        node.decompose()
    for node in body.css(
        "#trait-implementations-list .impl-items, #trait-implementations-list .docblock"
    ):
        node.decompose()
    main = (
        body.css_first("section#main-content")
        or body.css_first("main")
        or body.css_first("article")
        or body.css_first("#content")
        or body
    )
    walker = _HtmlWalker(title)
    walker.walk(main)
    words = sum(b.count(" ") + 1 for s in walker.sections for b in s.blocks)
    if words < 80 and _STUB.search(" ".join(b for s in walker.sections for b in s.blocks)):
        return None
    return Document(rel, title or Path(rel).stem, walker.sections)


# ------------------------------------------------------------ Markdown / text -------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^(```|~~~)")


def _slug(text: str) -> str:
    return re.sub(r"[^\w\- ]", "", text.lower()).strip().replace(" ", "-")


def _markdown_document(text: str, rel: str) -> Document:
    title = ""
    stack: list[tuple[int, str]] = []
    sections = [Section(())]
    para: list[str] = []
    fence: str | None = None
    code: list[str] = []

    def flush() -> None:
        if para:
            sections[-1].blocks.append(_squash(" ".join(para)))
            para.clear()

    for line in text.splitlines():
        if fence is not None:
            if line.strip().startswith(fence):
                sections[-1].blocks.append("```\n" + "\n".join(code) + "\n```")
                fence, code = None, []
            else:
                code.append(line)
            continue
        m_fence = _FENCE.match(line.strip())
        if m_fence:
            flush()
            fence = m_fence.group(1)
            continue
        m = _MD_HEADING.match(line)
        if m:
            flush()
            level, heading = len(m.group(1)), m.group(2)
            title = title or heading
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading))
            sections.append(Section(tuple(h for _, h in stack), _slug(heading)))
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
    flush()
    if code:
        sections[-1].blocks.append("```\n" + "\n".join(code) + "\n```")
    title = title or Path(rel).stem
    for s in sections:
        if not s.headings or s.headings[0] != title:
            s.headings = (title, *s.headings)
    return Document(rel, title, sections)


def _text_document(text: str, rel: str) -> Document:
    blocks = [_squash(b) for b in re.split(r"\n\s*\n", text) if b.strip()]
    title = Path(rel).stem
    return Document(rel, title, [Section((title,), "", blocks)])


def _pdf_document(path: Path, rel: str) -> Document:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the reason goes in the report

    try:
        reader = PdfReader(str(path))
        meta_title = (reader.metadata.title if reader.metadata else None) or Path(rel).stem
        sections = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            blocks = [_squash(b) for b in re.split(r"\n\s*\n", text) if b.strip()]
            if len(blocks) <= 1 and text.strip():
                blocks = [_squash(text)]
            sections.append(Section((str(meta_title), f"page {number}"), f"page={number}", blocks))
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise UnreadableError(f"not a readable PDF: {exc}") from exc
    return Document(rel, str(meta_title), sections)


def read_document(path: Path, rel: str | None = None, data: bytes | None = None) -> Document | None:
    """Read one file by its suffix; None for files that hold no content (redirect stubs).
    Raises :class:`UnreadableError` for binary or undecodable files."""
    rel = rel or path.name
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise UnreadableError(f"unsupported file type {path.suffix or '(none)'}")
    if kind == "pdf":
        return _pdf_document(path, rel)
    if data is None:
        data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise UnreadableError("binary content (NUL bytes) in a text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise UnreadableError(f"not valid UTF-8 text ({exc.reason})") from exc
    if kind == "html":
        return _html_document(text, rel)
    if kind == "markdown":
        return _markdown_document(text, rel)
    return _text_document(text, rel)
