"""GNU C that gcc accepts and clang refuses, rewritten where the rewrite keeps the meaning.

The rewrites live in libclang's unsaved files (file name -> bytes) and the unit is parsed
again after each round, so the IR is built from ordinary C:

- the ``d``/``D`` suffix of a double constant (``1.5d``) is dropped;
- a nested function (GNU C) is lifted to file scope under a name of its own, declared where
  its enclosing function starts and defined at the end of the file after a ``#line``
  directive (``__LINE__`` and ``__FILE__`` keep gcc's values). Each enclosing local it uses
  is reached through a static pointer, which the statement left in the definition's place
  sets. As with gcc's trampolines, the pointer is valid while that activation of the
  enclosing function runs; one recursive activation of the enclosing function hides the
  outer one's locals from the nested function.

Only the unit's own files (under the project root) are rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox.c2rust.clang_api import _cindex

__all__ = ["Capture", "GnuRewriter", "NestedFunction", "Placed", "Token", "find_nested", "render"]

_D_SUFFIX = re.compile(r"invalid suffix '[dD]' on floating constant")
_DOUBLE_D = re.compile(r"(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][+-]?[0-9]+)?[dD]")
_NESTED = "function definition is not allowed here"
# a captured variable used as a value, and one called (an implicit declaration to clang)
_UNDECLARED = re.compile(
    r"(?:use of undeclared identifier|call to undeclared function"
    r"|implicit declaration of function) '(\w+)'"
)
_STOPS = {";", "{", "}", ":"}


@dataclass(frozen=True)
class Token:
    """One token of a file: byte offsets, spelling and libclang's kind name."""

    start: int
    end: int
    text: str
    kind: str


@dataclass(frozen=True)
class NestedFunction:
    """A nested function definition: offsets in the file's text (start of its declaration,
    its body's ``{``, one past its ``}``), its name, the file-scope name it gets, and the
    enclosing function (its name and extent)."""

    start: int
    brace: int
    end: int
    name: str
    alias: str
    outer: str
    outer_start: int
    outer_end: int
    line: int


def _match(tokens: Sequence[Token], i: int) -> int | None:
    """Index of the ``}`` closing the ``{`` at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind == "PUNCTUATION":
            if tokens[j].text == "{":
                depth += 1
            elif tokens[j].text == "}":
                depth -= 1
                if depth == 0:
                    return j
    return None


def _declared_name(header: Sequence[Token]) -> str | None:
    """The name a function declarator declares: the identifier before its first ``(``."""
    depth = 0
    for i, t in enumerate(header):
        if t.kind == "PUNCTUATION" and t.text in "([":
            if depth == 0 and t.text == "(" and i and header[i - 1].kind == "IDENTIFIER":
                return header[i - 1].text
            depth += 1
        elif t.kind == "PUNCTUATION" and t.text in ")]":
            depth -= 1
    return None


def find_nested(
    text: bytes,
    tokens: Sequence[Token],
    braces: Iterable[int],
    outers: Sequence[tuple[str, int, int]],
) -> list[NestedFunction]:
    """The nested function definitions whose body opens at the offsets ``braces`` (where
    clang said "function definition is not allowed here"), given the file's tokens and its
    function definitions ``(name, start, end)``. A definition whose shape is not understood
    is left out (clang's error then stands)."""
    by_start = {t.start: i for i, t in enumerate(tokens)}
    found: list[NestedFunction] = []
    seen: dict[tuple[str, str], int] = {}
    for brace in sorted(set(braces)):
        i = by_start.get(brace)
        outer = next((o for o in outers if o[1] < brace < o[2]), None)
        if i is None or outer is None or tokens[i].text != "{":
            continue
        close = _match(tokens, i)
        k = i
        while k > 0 and not (tokens[k - 1].kind == "PUNCTUATION" and tokens[k - 1].text in _STOPS):
            k -= 1
        name = _declared_name(tokens[k:i])
        if close is None or name is None or tokens[k].start <= outer[1]:
            continue
        if any(f.start < brace < f.end for f in found):
            continue  # a function nested in a nested one stays an error
        n = seen[(outer[0], name)] = seen.get((outer[0], name), 0) + 1
        alias = f"__nested_{outer[0]}_{name}" + (f"_{n}" if n > 1 else "")
        found.append(
            NestedFunction(
                start=tokens[k].start,
                brace=brace,
                end=tokens[close].end,
                name=name,
                alias=alias,
                outer=outer[0],
                outer_start=outer[1],
                outer_end=outer[2],
                line=text.count(b"\n", 0, tokens[k].start) + 1,
            )
        )
    return found


@dataclass(frozen=True)
class Capture:
    """An enclosing local a nested function uses: its name and C type spelling."""

    name: str
    type: str


def _pointer(nf: NestedFunction, name: str) -> str:
    return f"{nf.alias}__{name}"


def _splice(
    text: bytes, lo: int, hi: int, subs: Sequence[tuple[int, int, str]]
) -> tuple[bytes, list[tuple[int, int, int]], dict[int, int]]:
    """``text[lo:hi]`` with each ``(start, end, replacement)`` of ``subs`` applied, the
    copied spans as ``(offset in the result, offset in text, length)``, and where each
    replacement landed (start in text -> offset in the result)."""
    out = bytearray()
    spans: list[tuple[int, int, int]] = []
    landed: dict[int, int] = {}
    pos = lo
    for s, e, r in sorted(subs):
        if s < pos or e > hi:
            continue
        spans.append((len(out), pos, s - pos))
        out += text[pos:s]
        landed[s] = len(out)
        out += r.encode()
        pos = e
    spans.append((len(out), pos, hi - pos))
    out += text[pos:hi]
    return bytes(out), spans, landed


@dataclass(frozen=True)
class Placed:
    """Where a lifted function ended up in the rewritten text: the statement left in its
    place (``hole``), its definition (``start``, ``size``) and the definition's spans
    copied from the original (to map clang's diagnostics back)."""

    nested: NestedFunction
    hole: int
    start: int
    size: int
    spans: tuple[tuple[int, int, int], ...]

    def original(self, at: int) -> int | None:
        """The original offset of rewritten offset ``at`` inside the definition."""
        rel = at - self.start
        return next((b + rel - o for o, b, n in self.spans if o <= rel < o + n), None)


def render(
    text: bytes,
    tokens: Sequence[Token],
    nested: Sequence[NestedFunction],
    captures: dict[int, tuple[int, Capture]],
    file_name: str,
) -> tuple[bytes, list[Placed]]:
    """The file with every nested function lifted. ``captures`` maps the offset of an
    identifier token inside a nested function to (its function's index, the capture)."""
    used: dict[int, dict[str, Capture]] = {}
    for idx, cap in captures.values():
        used.setdefault(idx, {})[cap.name] = cap
    subs: dict[int, tuple[int, int, str]] = {}
    for j, t in enumerate(tokens):
        if t.kind != "IDENTIFIER" or (j and tokens[j - 1].text in (".", "->")):
            continue
        # the latest definition of that name above the use, in the same enclosing function
        # (its own name inside a definition: recursion)
        seen = [
            nf
            for nf in nested
            if nf.name == t.text
            and nf.outer_start <= t.start < nf.outer_end
            and nf.start <= t.start
        ]
        if seen:
            subs[t.start] = (t.start, t.end, seen[-1].alias)
    by_start = {t.start: t for t in tokens}
    for off, (idx, cap) in captures.items():
        t = by_start[off]
        subs[off] = (t.start, t.end, f"(*{_pointer(nested[idx], cap.name)})")
    head: dict[int, list[str]] = {}
    holes: list[tuple[int, int, str]] = []
    for idx, nf in enumerate(nested):
        header = [
            "static" if t.text == "auto" else subs[t.start][2] if t.start in subs else t.text
            for t in tokens
            if nf.start <= t.start < nf.brace
        ]
        if "static" not in header:
            header.insert(0, "static")
        decls = [" ".join(header) + ";"]
        sets = []
        for cap in used.get(idx, {}).values():
            decls.append(f"static __typeof__({cap.type}) *{_pointer(nf, cap.name)};")
            sets.append(f"{_pointer(nf, cap.name)} = &{cap.name};")
        head.setdefault(nf.outer_start, []).extend(decls)
        gap = text.count(b"\n", nf.start, nf.end)
        holes.append((nf.start, nf.end, " ".join([*sets, ";"]) + "\n" * gap))
    outer = [s for s in subs.values() if not any(nf.start <= s[0] < nf.end for nf in nested)]
    outer += holes
    outer += [(at, at, " ".join(decls) + " ") for at, decls in head.items()]
    out, _, landed = _splice(text, 0, len(text), outer)
    quoted = file_name.replace("\\", "\\\\").replace('"', '\\"')
    tail = bytearray(b"\n")
    placed = []
    for nf in nested:
        inner = [s for s in subs.values() if nf.start <= s[0] < nf.end]
        header = [t for t in tokens if nf.start <= t.start < nf.brace]
        storage = next((t for t in header if t.text in ("auto", "static")), None)
        if storage is not None and storage.text == "auto":
            inner.append((storage.start, storage.end, "static"))
        copy, spans, _ = _splice(text, nf.start, nf.end, inner)
        tail += f'#line {nf.line} "{quoted}"\n'.encode()
        if storage is None:
            tail += b"static "
        start = len(out) + len(tail)
        placed.append(Placed(nf, landed[nf.start], start, len(copy), tuple(spans)))
        tail += copy + b"\n"
    return out + bytes(tail), placed


def _scope_vars(fn: Any, at: int) -> dict[str, str]:
    """Names and type spellings of the locals and parameters of ``fn`` in scope at ``at``."""
    found: dict[str, str] = {}

    def visit(c: Any) -> None:
        for k in c.get_children():
            start, end = k.extent.start.offset, k.extent.end.offset
            kind = k.kind.name
            if kind in ("PARM_DECL", "VAR_DECL") and start < at:
                found[k.spelling] = k.type.spelling
            elif kind == "DECL_STMT" and start < at:
                for v in k.get_children():
                    if v.kind.name == "VAR_DECL":
                        found[v.spelling] = v.type.spelling
            elif start <= at < end:
                visit(k)

    visit(fn)
    return found


class GnuRewriter:
    """The rewrites of one translation unit's files (``unsaved``: file name -> bytes, for
    libclang's unsaved files), kept across parse rounds."""

    ROUNDS = 4

    def __init__(self, root: Path, workdir: Path) -> None:
        self.root = root
        self.workdir = workdir
        # bytes, not text: a file that is not UTF-8 keeps its byte offsets
        self.unsaved: dict[str, bytes] = {}
        self._base: dict[str, bytes] = {}
        self._tokens: dict[str, list[Token]] = {}
        self._nested: dict[str, list[NestedFunction]] = {}
        self._placed: dict[str, list[Placed]] = {}
        self._captured: set[str] = set()

    def _own_files(self, tu: Any) -> list[str]:
        names = {tu.spelling, *(str(i.include.name) for i in tu.get_includes())}
        own = []
        for name in sorted(names):
            path = self.workdir / name
            if self.root == path.resolve() or self.root in path.resolve().parents:
                own.append(name)
        return own

    def _text(self, name: str) -> bytes | None:
        if name in self.unsaved:
            return self.unsaved[name]
        try:
            return (self.workdir / name).read_bytes()
        except OSError:
            return None

    @staticmethod
    def _tokens_of(tu: Any, name: str, data: bytes) -> list[Token]:
        """The tokens of file ``name`` of ``tu``, spelled from ``data`` (its bytes, which
        need not be UTF-8)."""
        ci = _cindex()
        f = tu.get_file(name)
        extent = ci.SourceRange.from_locations(
            ci.SourceLocation.from_offset(tu, f, 0),
            ci.SourceLocation.from_offset(tu, f, len(data)),
        )
        out = []
        for t in tu.get_tokens(extent=extent):
            start, end = t.extent.start.offset, t.extent.end.offset
            text = data[start:end].decode("utf-8", errors="replace")
            out.append(Token(start, end, text, t.kind.name))
        return out

    def apply(self, tu: Any, diagnostics: list[Any]) -> bool:
        """Rewrites what ``diagnostics`` (clang's, for ``tu``; the caller's objects, never
        fetched again here) show can be rewritten; whether anything changed (the unit is
        then parsed again)."""
        nested_at: dict[str, list[int]] = {}
        for d in diagnostics:
            if d.spelling == _NESTED and d.location.file is not None:
                nested_at.setdefault(d.location.file.name, []).append(d.location.offset)
        suffix = any(_D_SUFFIX.search(d.spelling) for d in diagnostics)
        if not (suffix or nested_at or self._placed):
            return False
        changed = False
        own = self._own_files(tu)
        if suffix or nested_at:
            for name in own:
                if name in self._nested:
                    continue
                data = self._text(name)
                if data is None:
                    continue
                cuts = [
                    t.end - 1
                    for t in self._tokens_of(tu, name, data)
                    if t.kind == "LITERAL" and _DOUBLE_D.fullmatch(t.text)
                ]
                for at in sorted(cuts, reverse=True):
                    data = data[:at] + data[at + 1 :]
                if cuts:
                    self.unsaved[name] = data
                    changed = True
        if changed:
            return True
        for name, braces in nested_at.items():
            if name not in own or name in self._nested:
                continue
            data = self._text(name)
            if data is None:
                continue
            tokens = self._tokens_of(tu, name, data)
            outers = [
                (c.spelling, c.extent.start.offset, c.extent.end.offset)
                for c in _definitions(tu, name).values()
            ]
            nested = find_nested(data, tokens, braces, outers)
            if not nested:
                continue
            self._base[name], self._tokens[name], self._nested[name] = data, tokens, nested
            text, self._placed[name] = render(data, tokens, nested, {}, name)
            self.unsaved[name] = text
            changed = True
        if changed:
            return True
        for name, placed in self._placed.items():
            if name in self._captured:
                continue
            self._captured.add(name)
            captures = self._captures(tu, name, diagnostics, placed)
            if captures:
                text, _ = render(
                    self._base[name], self._tokens[name], self._nested[name], captures, name
                )
                self.unsaved[name] = text
                changed = True
        return changed

    def _captures(
        self, tu: Any, name: str, errors: list[Any], placed: list[Placed]
    ) -> dict[int, tuple[int, Capture]]:
        """The enclosing locals the lifted functions use: a name clang calls undeclared
        inside a lifted definition that a local of the enclosing function in scope where
        the definition stood declares. Every use of that name in the definition is one
        (the error of a use inside a macro argument points at the macro), unless the nested
        function declares the name itself: then only the uses clang located."""
        defs = _definitions(tu, name)
        base, tokens = self._base[name], self._tokens[name]
        found: dict[int, tuple[int, Capture]] = {}
        for idx, p in enumerate(placed):
            nf = p.nested
            names: dict[str, list[int]] = {}
            for d in errors:
                m = _UNDECLARED.match(d.spelling)
                at = d.location.offset
                if (
                    m
                    and d.location.file
                    and d.location.file.name == name
                    and p.start <= at < p.start + p.size
                ):
                    names.setdefault(m[1], []).append(at)
            if not names:
                continue
            outer = defs.get(nf.outer)
            scope = _scope_vars(outer, p.hole) if outer is not None else {}
            lifted = defs.get(nf.alias)
            own = _declared_names(lifted) if lifted is not None else set()
            for var, sites in names.items():
                if var not in scope:
                    continue
                cap = Capture(var, scope[var])
                if var in own:
                    for at in sites:
                        orig = p.original(at)
                        if orig is not None and base[orig : orig + len(var)] == var.encode():
                            found[orig] = (idx, cap)
                    continue
                for j, t in enumerate(tokens):
                    if (
                        nf.brace <= t.start < nf.end
                        and t.kind == "IDENTIFIER"
                        and t.text == var
                        and tokens[j - 1].text not in (".", "->")
                    ):
                        found[t.start] = (idx, cap)
        return found


def _definitions(tu: Any, name: str) -> dict[str, Any]:
    """The function definitions at file scope of file ``name`` of ``tu``, by name."""
    return {
        c.spelling: c
        for c in tu.cursor.get_children()
        if c.kind.name == "FUNCTION_DECL"
        and c.is_definition()
        and c.location.file is not None
        and c.location.file.name == name
    }


def _declared_names(fn: Any) -> set[str]:
    """The parameters and locals a function declares (at any depth)."""
    return {c.spelling for c in fn.walk_preorder() if c.kind.name in ("PARM_DECL", "VAR_DECL")}
