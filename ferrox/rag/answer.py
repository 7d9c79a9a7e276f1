"""Answers with citations: a generator's answer grounded in numbered sources, or, with
no generator, an extractive answer built from the best sentences and code of the
sources. Weak evidence gives an explicit "not covered" instead of a guess."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrox.errors import GenerationError
from ferrox.rag.kb import KnowledgeBase, SearchResult
from ferrox.rag.lexical import query_terms
from ferrox.rag.retrieval import Source

__all__ = ["Answer", "answer", "build_prompt", "stream_answer"]

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
    citations: list[int] = field(default_factory=list)
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
            "citations": self.citations,
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


_CODE_MARKS = ("fn ", "let ", "use ", "::", ";", "{", "=>", "impl ", "struct ")


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


def extractive(
    kb: KnowledgeBase, question: str, sources: Sequence[Source], max_sentences: int = 3
) -> tuple[str, list[int]]:
    """The best sentences of the top sources' matching passages with ``[n]`` markers,
    plus the first code block of the best source for how-to questions. Sentences are
    scored by cosine to the question (lexical overlap without an embedder) plus the
    share of question terms they hold, weighted down by source rank."""
    cands: list[tuple[int, str, str]] = []  # (source number, heading, sentence)
    code: list[tuple[int, str]] = []
    seen: set[str] = set()  # neighbouring passages overlap by a block: each sentence once
    for n, s in enumerate(sources[:3], start=1):
        ids = s.passages[: PASSAGES_FIRST if n == 1 else PASSAGES_OTHERS] or [s.chunk_id]
        rows = kb.catalog.chunks(ids)
        for cid in ids:
            row = rows.get(cid)
            text, heading = (row.text, row.heading) if row else (s.text, s.heading)
            for unit, is_code in _units(text):
                key = " ".join(unit.split()).lower()
                if key in seen:
                    continue
                seen.add(key)
                if is_code:
                    code.append((n, unit))
                else:
                    cands.append((n, heading or s.title, unit))
    if not cands and not code:
        return "", []
    texts = [t for _, _, t in cands]
    emb = kb.embedder()
    lexical = _term_share(question, texts)
    if emb is not None and texts:
        vecs = emb.inner.embed([question, *texts])
        score = vecs[1:] @ vecs[0] + 0.3 * lexical
    else:
        score = lexical
    prior = np.array([1.0 / (1 + 0.25 * (n - 1)) for n, _, _ in cands])
    score = score * prior if len(score) else score
    best = sorted(np.argsort(-score)[:max_sentences].tolist()) if len(score) else []
    groups: dict[tuple[int, str], list[str]] = {}
    for i in best:
        n, heading, text = cands[i]
        groups.setdefault((n, heading), []).append(text)
    lines = [
        f"{heading}: {' '.join(texts_)} [{n}]" for (n, heading), texts_ in sorted(groups.items())
    ]
    cited = {n for n, _ in groups}
    if _HOWTO.match(question) and code:
        first = min(cited) if cited else 1
        # prefer a block that reads as code (a chapter's first fence can be sample data)
        looks = [(n, b) for n, b in code if any(t in b for t in _CODE_MARKS)]
        n, block = next(
            ((n, b) for n, b in looks if n == first),
            next(((n, b) for n, b in code if n == first), (looks or code)[0]),
        )
        block = "\n".join(block.split("\n")[:20])
        lines.append(f"```\n{block}\n``` [{n}]")
        cited.add(n)
    return "\n\n".join(lines), sorted(cited)


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
            cited = sorted({int(m) for m in _CITE.findall(text) if 1 <= int(m) <= len(sources)})
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
