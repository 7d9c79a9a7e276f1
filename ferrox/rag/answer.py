"""Answers with citations: a generator's answer grounded in numbered sources, or, with
no generator, an extractive answer built from the best sentences and code of the
sources. Weak evidence gives an explicit "not covered" instead of a guess."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ferrox.errors import GenerationError
from ferrox.rag.chunking import LEAD_ORDINAL
from ferrox.rag.kb import KnowledgeBase, SearchResult
from ferrox.rag.lexical import query_terms
from ferrox.rag.query import QueryAnalysis, analyze_query
from ferrox.rag.retrieval import Source

__all__ = ["Answer", "Citation", "answer", "build_prompt", "stream_answer"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(\[])")
_CITE = re.compile(r"\[(\d{1,2})\]")
_HOWTO = re.compile(r"^\s*(how|show|give|write|example)", re.I)
SOURCE_CHARS = 1800
PASSAGES_FIRST = 6
PASSAGES_OTHERS = 2
SYSTEM = (
    "You answer questions using only the numbered sources given. After each sentence "
    "that uses a source, cite it as [n]. Keep code in fenced blocks. If the sources do "
    "not contain the answer, say that the knowledge base does not cover it."
)


@dataclass
class Answer:
    """An answer, the sources it rests on (best first) and how it was made:
    ``method`` is ``llm``, ``extractive`` or ``not-covered``."""

    question: str
    answer: str
    sources: list[Source]
    method: str
    covered: bool
    evidence: float
    generator: str | None = None
    citations: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``ferrox ask --json`` contract)."""
        return {
            "question": self.question,
            "answer": self.answer,
            "method": self.method,
            "covered": self.covered,
            "evidence": round(self.evidence, 4),
            "generator": self.generator,
            "citations": [c.as_dict() for c in self.citations],
            "sources": [s.as_dict() for s in self.sources],
            "notes": self.notes,
        }


def build_prompt(question: str, sources: Sequence[Source]) -> list[dict[str, str]]:
    """Chat messages with the sources numbered from 1."""
    parts = []
    for i, s in enumerate(sources, start=1):
        where = f"{s.path}#{s.anchor}" if s.anchor else s.path
        parts.append(f"[{i}] {s.heading or s.title} ({where})\n{s.text[:SOURCE_CHARS]}")
    user = "Sources:\n\n" + "\n\n".join(parts) + f"\n\nQuestion: {question}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


_CODE_MARKS = ("fn ", "let ", "use ", "::", ";", "{", "=>", "impl ", "struct ", "=", "$ ", "cargo ")
_NAMES_CODE = re.compile(
    r"::|\w\(|--[a-z]|#!?\[|\b\w+!|\b[a-z]+_[a-z_]+\b|\b[a-z]+\.[a-z][\w-]*\b|\[\w[\w.-]*\]"
    r"|\b[A-Z][a-z]+[A-Z]\w*|&(?:mut |\')|\b[A-Z_]{4,}\b|\w<"
)
"""What marks a sentence that names a construct (a path, a call, a flag, an attribute,
a macro, an identifier, a manifest key or table, an environment variable, a generic)."""
_DECLARATION = re.compile(r"\s*(?:pub(?:\([\w ]+\))? |macro_rules! \w+ \{\s*\(|#\[)")
"""An item's declaration as rustdoc shows it above its docs (not an example)."""
MAX_SENTENCES = 3
ANSWER_SOURCES = 4
"""Sources whose passages an extractive answer reads."""
NAMES_BONUS = 0.15
"""Added to a sentence's score when it names a construct and the question wants code."""
RANK_DECAY = 0.25
"""A sentence of source ``n`` weighs ``1 / (1 + RANK_DECAY * (n - 1))``."""
CODE_LINES = 20


@dataclass(frozen=True)
class Citation:
    """What an answer's ``[n]`` points at: one passage (``chunk_id``) of source
    ``source`` (1-based rank), with its page anchor and section heading."""

    n: int
    source: int
    chunk_id: int
    path: str
    anchor: str
    heading: str
    text: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class _Passage:
    source: int
    chunk_id: int
    heading: str
    anchor: str
    text: str
    path: str
    kind: str
    title: str = ""


@dataclass(frozen=True)
class _Unit:
    passage: _Passage
    order: int
    text: str
    is_code: bool


def _units(text: str) -> list[tuple[str, bool]]:
    """Sentences and code blocks of a chunk, in order: ``(text, is_code)``."""
    out: list[tuple[str, bool]] = []
    for i, part in enumerate(text.split("```")):
        if i % 2:  # inside a fence
            code = part.strip("\n")
            if code.strip():
                out.append((code, True))
            continue
        for line in part.split("\n"):
            line = line.strip()
            if not line or line.startswith("## "):
                continue
            out.extend((s, False) for s in _SENTENCE.split(line) if len(s.split()) >= 3)
    return out


def _term_share(question: str, texts: list[str]) -> np.ndarray:
    """Share of the question's terms each text contains."""
    q = set(query_terms(question))
    if not q:
        return np.zeros(len(texts))
    return np.array([len(q & set(query_terms(t))) / len(q) for t in texts])


def _looks_like_code(block: str) -> bool:
    return any(t in block for t in _CODE_MARKS)


def _wants_code(question: str, analysis: QueryAnalysis) -> bool:
    """How-to questions, questions about Cargo and questions that name code get code."""
    return bool(
        _HOWTO.match(question)
        or {"how-to", "cargo", "code"} & analysis.topics
        or analysis.identifiers
    )


def _passages(kb: KnowledgeBase, sources: Sequence[Source], n_sources: int) -> list[_Passage]:
    out: list[_Passage] = []
    for n, s in enumerate(sources[:n_sources], start=1):
        ids = s.passages[: PASSAGES_FIRST if n == 1 else PASSAGES_OTHERS] or [s.chunk_id]
        rows = kb.catalog.chunks(ids)
        found = [rows[cid] for cid in ids if cid in rows]
        body = [r for r in found if r.ordinal != LEAD_ORDINAL]
        for r in body or found:  # a page's lead repeats its first passage
            text = r.text
            if r.ordinal == LEAD_ORDINAL and text.startswith(f"{r.title}: "):
                text = text[len(r.title) + 2 :]
            out.append(_Passage(n, r.id, r.heading, r.anchor, text, s.path, s.kind, s.title))
        if not found:
            out.append(
                _Passage(n, s.chunk_id, s.heading, s.anchor, s.text, s.path, s.kind, s.title)
            )
    return out


def _split(passages: list[_Passage]) -> list[_Unit]:
    units: list[_Unit] = []
    seen: set[str] = set()  # neighbouring passages overlap by a block: each unit once
    for p in passages:
        for order, (text, is_code) in enumerate(_units(p.text)):
            key = " ".join(text.split()).lower()
            if key not in seen:
                seen.add(key)
                units.append(_Unit(p, order, text, is_code))
    return units


class _Writer:
    """Assembles answer paragraphs, numbering a citation per passage quoted."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.citations: list[Citation] = []
        self._numbers: dict[int, int] = {}

    def cite(self, p: _Passage) -> int:
        if p.chunk_id not in self._numbers:
            n = len(self.citations) + 1
            self._numbers[p.chunk_id] = n
            self.citations.append(
                Citation(n, p.source, p.chunk_id, p.path, p.anchor, p.heading, p.text)
            )
        return self._numbers[p.chunk_id]

    def text(self, p: _Passage, sentences: list[str], label: str = "") -> None:
        lead = f"{label}: " if label else ""
        self.paragraphs.append(f"{lead}{' '.join(sentences)} [{self.cite(p)}]")

    def code(self, p: _Passage, block: str) -> None:
        block = "\n".join(block.split("\n")[:CODE_LINES])
        self.paragraphs.append(f"```\n{block}\n``` [{self.cite(p)}]")

    def result(self) -> tuple[str, list[Citation]]:
        return "\n\n".join(self.paragraphs), self.citations


def _error_code_answer(units: list[_Unit], code: str, out: _Writer) -> bool:
    """An error code's page in its own order: the explanation, the erroneous code, what
    fixes it and the fixed code (up to two blocks, three sentences before each)."""
    mine = [u for u in units if u.passage.path.endswith(f"/{code}.html")]
    if not mine:
        return False
    blocks, sentences = 0, 0
    pending: list[_Unit] = []
    for u in mine:
        if u.is_code:
            for group in _by_passage(pending):
                out.text(group[0].passage, [x.text for x in group])
            pending = []
            out.code(u.passage, u.text)
            blocks += 1
            sentences = 0
            if blocks == 2:
                break
        elif sentences < MAX_SENTENCES:
            pending.append(u)
            sentences += 1
    for group in _by_passage(pending):
        out.text(group[0].passage, [x.text for x in group])
    return True


def _by_passage(units: list[_Unit]) -> list[list[_Unit]]:
    groups: list[list[_Unit]] = []
    for u in units:
        if groups and groups[-1][0].passage.chunk_id == u.passage.chunk_id:
            groups[-1].append(u)
        else:
            groups.append([u])
    return groups


def extractive(
    kb: KnowledgeBase, question: str, sources: Sequence[Source], max_sentences: int = MAX_SENTENCES
) -> tuple[str, list[Citation]]:
    """An answer built from the sources' matching passages, each paragraph cited with
    the passage it quotes. By the question's kind: an error code's page gives its
    explanation with the erroneous and the fixed code; "X vs Y" gives the best
    sentence about each side; otherwise the best sentences (cosine to the question, or
    lexical overlap without an embedder, plus the share of question terms, weighted down
    by source rank; sentences that name a construct count more when the question wants
    code) and, for how-to questions, the code block of the best sentence's passage."""
    analysis = analyze_query(question)
    units = _split(_passages(kb, sources, ANSWER_SOURCES))
    out = _Writer()
    for code in analysis.error_codes or [
        s.path.rsplit("/", 1)[-1][:-5] for s in sources[:1] if s.kind == "error-code"
    ]:
        if _error_code_answer(units, code, out):
            return out.result()
    sentences = [u for u in units if not u.is_code]
    if not sentences and not units:
        return "", []
    if analysis.sides and _side_summaries(kb, analysis.sides, sources, out):
        return out.result()
    texts = [u.text for u in sentences]
    wants_code = _wants_code(question, analysis)
    score = _sentence_scores(kb, question, texts)
    if wants_code and len(score):
        score = score + NAMES_BONUS * np.array([bool(_NAMES_CODE.search(t)) for t in texts])
    prior = np.array([1.0 / (1 + RANK_DECAY * (u.passage.source - 1)) for u in sentences])
    score = score * prior if len(score) else score
    if analysis.sides and len(score):
        picked = _sides(analysis.sides, sentences, score)
        if picked:
            for label, i in picked:
                out.text(sentences[i].passage, [sentences[i].text], label)
            return out.result()
    best = sorted(np.argsort(-score)[:max_sentences].tolist()) if len(score) else []
    chosen = sorted((sentences[i] for i in best), key=lambda u: (u.passage.source, units.index(u)))
    shown_code: _Unit | None = None
    for group in _by_passage(chosen):
        texts_ = [u.text for u in group]
        follow = _follower(units, group[-1])  # "… as follows:" takes what follows
        if follow is not None and not follow.is_code and follow not in chosen:
            texts_.append(follow.text)
        label = (_api_label(group[0].passage) if wants_code else "") or _section_label(
            group[0].passage
        )
        out.text(group[0].passage, texts_, label)
        if (
            follow is not None
            and follow.is_code
            and shown_code is None
            and _looks_like_code(follow.text)
        ):
            out.code(follow.passage, follow.text)
            shown_code = follow
    if wants_code and shown_code is None:
        block = _code_for(units, sentences[best[0]] if best else None)
        if block is not None:
            out.code(block.passage, block.text)
    return out.result()


def _section_label(p: _Passage) -> str:
    """Where in its page a passage sits, without the page title the sources list
    already shows: ``Version 1.87.0 (2025-05-15) > Compiler`` on the release notes, ""
    for a chapter's own opening section."""
    title = p.title.strip()
    short = title.split(" - ")[0].strip()
    parts = [x.strip() for x in p.heading.split(" > ")]
    parts = [x for x in parts if x and x not in (title, short)]
    return " > ".join(parts[-2:])


def _api_label(p: _Passage) -> str:
    """For a passage of an API page, what it documents: ``BufRead::lines(self) ->
    Lines<Self>`` for a method's section, ``std::io::BufRead`` for the item itself."""
    if not (p.kind == "api" or _ITEM_TITLE.match(p.title)):
        return ""
    item = p.title.split(" - ")[0].split()[-1]
    for part in reversed(p.heading.split(" > ")):
        m = _SIGNATURE.match(part.strip())
        if m:
            rest = re.split(r"\s*where\b", m.group(2))[0].rstrip(", ")
            return f"`{item.split('::')[-1]}::{m.group(1)}{rest}`"
    return f"`{item}`" if "::" in item else ""


_ITEM_TITLE = re.compile(
    r"(?:Function|Struct|Trait|Enum|Macro|Primitive|Type|Constant|Union|Attribute) \S+$"
)
"""The title rustdoc gives an item's page (``Function std::thread::spawn``)."""
_SIGNATURE = re.compile(
    r"^(?:pub(?:\([\w ]+\))? )?(?:const |unsafe |async |extern \S+ )*fn (\w+)(.*)$"
)


def _follower(units: list[_Unit], u: _Unit) -> _Unit | None:
    """The unit after ``u`` in its passage when ``u`` ends with a colon."""
    if not u.text.rstrip().endswith(":"):
        return None
    i = units.index(u) + 1
    if i < len(units) and units[i].passage.chunk_id == u.passage.chunk_id:
        return units[i]
    return None


def _sentence_scores(kb: KnowledgeBase, question: str, texts: list[str]) -> np.ndarray:
    lexical = _term_share(question, texts)
    emb = kb.embedder()
    if emb is not None and texts:
        vecs = emb.inner.embed([question, *texts])
        return vecs[1:] @ vecs[0] + 0.3 * lexical
    return lexical


def _item_name(title: str) -> str:
    """``Struct std::string::String`` -> ``string``; ``Primitive str`` -> ``str``."""
    return title.split(" - ")[0].split()[-1].split("::")[-1].lower() if title.strip() else ""


def _side_summaries(
    kb: KnowledgeBase, sides: tuple[str, str], sources: Sequence[Source], out: _Writer
) -> bool:
    """ "X vs Y" where both X and Y name pages among the sources: each page's opening
    sentences (its summary), side by side."""
    pages: list[tuple[str, int, Source]] = []
    for side in sides:
        name = re.sub(r"^[&*]\s*(?:mut\s+|'\w+\s+)?|<.*$|\(\)$", "", side).lower()
        match = next(
            (
                (n, s)
                for n, s in enumerate(sources, start=1)
                if name and _item_name(s.title) == name and all(s is not p for _, _, p in pages)
            ),
            None,
        )
        if match is None:
            return False
        pages.append((side, *match))
    for side, n, s in pages:
        row = kb.catalog.passage_at(s.path, 0)
        text = row.text if row else s.text
        summary = [t for t, is_code in _units(text) if not is_code][:2]
        if not summary:
            return False
        passage = _Passage(
            n,
            row.id if row else s.chunk_id,
            row.heading if row else s.heading,
            row.anchor if row else s.anchor,
            text,
            s.path,
            s.kind,
        )
        out.text(passage, summary, side)
    return True


def _sides(
    sides: tuple[str, str], sentences: list[_Unit], score: np.ndarray
) -> list[tuple[str, int]]:
    """For each side, its best sentence among those that mention it (by word)."""
    picked: list[tuple[str, int]] = []
    for side in sides:
        words = [w.lower() for w in re.findall(r"[A-Za-z_]\w*", side)]
        if not words:
            return []
        pattern = re.compile(r"(?<![\w])" + r"\W+".join(map(re.escape, words)) + r"(?![\w])", re.I)
        hits = [i for i, u in enumerate(sentences) if pattern.search(u.text)]
        hits = [i for i in hits if all(i != j for _, j in picked)]
        if not hits:
            return []
        picked.append((side, max(hits, key=lambda i: score[i])))
    return picked


def _code_for(units: list[_Unit], best: _Unit | None) -> _Unit | None:
    """The code block that goes with the best sentence: an example (code that reads as
    code and is not an item's declaration) after it in its passage, else in its source,
    else any source's; a declaration only when there is no example."""
    blocks = [u for u in units if u.is_code and _looks_like_code(u.text)]
    if not blocks:
        return None
    examples = [u for u in blocks if not _DECLARATION.match(u.text)]
    if best is not None:
        for pool in (examples, blocks):
            same = [u for u in pool if u.passage.chunk_id == best.passage.chunk_id]
            after = [u for u in same if u.order > best.order]
            near = [u for u in pool if u.passage.source == best.passage.source]
            for group in (after, near):
                if group:
                    return group[0]
    return (examples or blocks)[0]


def _source_citation(n: int, s: Source) -> Citation:
    """A generator's ``[n]`` names the prompt's source ``n``: its best passage."""
    return Citation(n, n, s.chunk_id, s.path, s.anchor, s.heading, s.text)


def _not_covered(result: SearchResult) -> str:
    best = result.sources[0] if result.sources else None
    tail = f" The closest source is \u201c{best.title}\u201d ({best.path})." if best else ""
    return "The knowledge base does not cover this question." + tail


def stream_answer(
    kb: KnowledgeBase,
    question: str,
    *,
    top_k: int = 5,
    generator: Any = None,
    filters: Mapping[str, Any] | None = None,
    mode: str = "hybrid",
) -> Iterator[dict[str, Any]]:
    """Events: ``{"type": "sources", ...}`` first, then ``{"type": "token", "text"}``
    pieces, then ``{"type": "done", "answer": {...}}`` with the final :class:`Answer`."""
    result = kb.search(question, top_k, mode=mode, filters=filters)
    notes = list(result.notes)
    yield {
        "type": "sources",
        "sources": [s.as_dict() for s in result.sources],
        "covered": result.covered,
        "evidence": result.evidence,
    }
    sources = result.sources
    if not result.covered:
        text = _not_covered(result)
        yield {"type": "token", "text": text}
        yield {
            "type": "done",
            "answer": Answer(
                question, text, sources, "not-covered", False, result.evidence, None, [], notes
            ),
        }
        return
    if generator is not None:
        pieces: list[str] = []
        try:
            for piece in generator.stream(build_prompt(question, sources)):
                pieces.append(piece)
                yield {"type": "token", "text": piece}
        except GenerationError as exc:
            if pieces:
                raise
            notes.append(f"{exc}; extractive answer instead")
        else:
            text = "".join(pieces)
            numbers = sorted({int(m) for m in _CITE.findall(text) if 1 <= int(m) <= len(sources)})
            cited = [_source_citation(n, sources[n - 1]) for n in numbers]
            yield {
                "type": "done",
                "answer": Answer(
                    question,
                    text,
                    sources,
                    "llm",
                    True,
                    result.evidence,
                    generator.name,
                    cited,
                    notes,
                ),
            }
            return
    text, cited = extractive(kb, question, sources)
    yield {"type": "token", "text": text}
    yield {
        "type": "done",
        "answer": Answer(
            question, text, sources, "extractive", True, result.evidence, None, cited, notes
        ),
    }


def answer(
    kb: KnowledgeBase,
    question: str,
    *,
    top_k: int = 5,
    generator: Any = None,
    filters: Mapping[str, Any] | None = None,
    mode: str = "hybrid",
) -> Answer:
    """Answer ``question`` from ``kb`` (see :func:`stream_answer`)."""
    final = None
    for event in stream_answer(
        kb, question, top_k=top_k, generator=generator, filters=filters, mode=mode
    ):
        if event["type"] == "done":
            final = event["answer"]
    assert final is not None
    return final
