"""Query analysis: what a question names (error codes, identifiers, paths) and which
topics it is about, read before anything is retrieved.

The topics come from :data:`TOPIC_RULES`, a table of (topic, pattern); the ranker
(:mod:`ferrox.rag.ranker`) learns how much each topic favours each kind of page."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ferrox.rag.lexical import query_terms

__all__ = ["TOPIC_RULES", "QueryAnalysis", "analyze_query", "stem"]

TOPIC_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "cargo",
        re.compile(
            r"\bcargo\b|\.toml\b|\bmanifest\b|\bcrates?\b|\bdependenc(?:y|ies)\b|\bdeps?\b"
            r"|\bfeatures?\b|\bworkspaces?\b|\bbuild\.rs\b|\bbuild scripts?\b|\bprofiles?\b"
            r"|\bregistry\b|\bpublish\w*|\bcrates\.io\b|\brelease builds?\b",
            re.I,
        ),
    ),
    (
        "compile-error",
        re.compile(
            r"\berror\b|\berrors\b|\bE\d{4}\b|\bcompil\w*|\bborrow\w*|\blifetimes?\b|\bmoved?\b"
            r"|\bexpected\b.*\bfound\b|\bcannot\b|\bcan't\b|\bmismatch\w*|\bdoesn't live\b",
            re.I,
        ),
    ),
    (
        "testing",
        re.compile(r"\btests?\b|\btesting\b|\bdoc ?tests?\b|\bnocapture\b|\bbench\w*", re.I),
    ),
    ("docs", re.compile(r"\brustdoc\b|\bdoc(?:s|umentation)?\b|\bdoc comments?\b", re.I)),
    (
        "toolchain",
        re.compile(
            r"\brustup\b|\btoolchains?\b|\bnightly\b|\btargets?\b|\bcross[- ]?compil\w*"
            r"|\binstall\w*|\blinker\b|\blink\w*|\bbinary size\b|\bexecutables?\b|\brustc\b",
            re.I,
        ),
    ),
    (
        "difference",
        re.compile(r"\bdifference\b|\bdiffer\b|\bvs\.?\b|\bversus\b|\bcompared? to\b", re.I),
    ),
    (
        "how-to",
        re.compile(
            r"^\s*how (?:do|can|to|should)\b|\bbest way\b|\bidiomatic\w*|\bis there a way\b", re.I
        ),
    ),
    ("code", re.compile(r"::|&mut\b|&'|<[A-Z]\w*>|\bfn\s+\w+|[{};]|\bimpl\b|\bdyn\b|=>|->")),
)
"""Each topic with the pattern that marks a question as about it."""

_ERROR_CODE = re.compile(r"\b[Ee](\d{4})\b|\berror\s*(?:code\s*)?\[?[Ee]?(\d{3,4})\b", re.I)
_IDENTIFIER = re.compile(
    r"`([^`]{1,80})`"  # quoted code
    r"|\b((?:[A-Za-z_]\w*::)+[A-Za-z_]\w*)"  # paths: std::fs::File
    r"|\b([a-z]\w*_\w+)\b"  # snake_case: read_to_string
    r"|\b([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)\b"  # CamelCase: BufReader
    r"|(--[a-z][a-z0-9-]+)"  # command-line flags: --nocapture
    r"|\b([A-Za-z_][\w-]*\.(?:toml|rs|lock))\b"  # file names: Cargo.toml, build.rs
)
_SIDES = re.compile(
    r"(?:difference between|differences between)\s+(.+?)\s+and\s+(.+?)\s*\??$"
    r"|^(.+?)\s+(?:vs\.?|versus)\s+(.+?)\s*\??$",
    re.I,
)


@dataclass(frozen=True)
class QueryAnalysis:
    """What a question names and what it is about."""

    text: str
    error_codes: tuple[str, ...]
    """Error codes, normalised (``error 106`` and ``E0106`` both give ``E0106``)."""
    identifiers: tuple[str, ...]
    """Code the question names: quoted code, paths, snake_case and CamelCase names,
    flags and file names, in order of appearance."""
    topics: frozenset[str]
    """The topics of :data:`TOPIC_RULES` whose pattern matches."""
    sides: tuple[str, str] | None
    """The two things compared by a "difference between X and Y" or "X vs Y" question."""

    @functools.cached_property
    def terms(self) -> frozenset[str]:
        """The question's content words, stemmed."""
        return frozenset(stem(t) for t in query_terms(self.text))

    @property
    def expansion(self) -> str:
        """Terms to add to the lexical query: normalised error codes the question did
        not spell out."""
        have = self.text.upper()
        return " ".join(code for code in self.error_codes if code not in have)


def stem(word: str) -> str:
    """A light English stem (plural and verb endings) for overlap counts."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def analyze_query(text: str) -> QueryAnalysis:
    """Reads ``text`` (a question) into a :class:`QueryAnalysis`."""
    codes: list[str] = []
    for m in _ERROR_CODE.finditer(text):
        code = f"E{int(m.group(1) or m.group(2)):04d}"
        if code not in codes:
            codes.append(code)
    idents: list[str] = []
    for m in _IDENTIFIER.finditer(text):
        ident = next(g for g in m.groups() if g)
        if ident not in idents:
            idents.append(ident)
    topics = frozenset(name for name, pattern in TOPIC_RULES if pattern.search(text))
    sides = None
    m = _SIDES.search(text.strip())
    if m:
        a, b = (g for g in m.groups() if g)
        sides = (a.strip(" `'\""), b.strip(" `'\""))
    return QueryAnalysis(text, tuple(codes), tuple(idents), topics, sides)
