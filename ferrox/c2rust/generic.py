"""C11 ``_Generic``: which association clang selected, recovered from the source.

libclang lists a generic selection's controlling expression and its association
expressions as children but neither the association types nor the index it chose, and it
gives no spelling locations inside macro bodies (where most ``_Generic`` live). The types
are read from gcc's preprocessed text of the unit (``gcc -E``: a macro's expansion stands
on its invocation's line), put in a canonical form (specifier order, ``unsigned`` =
``unsigned int``, typedefs resolved) and compared with the controlling expression's type
after lvalue conversion, as C11 6.5.1.1 says; ``default`` is taken when none matches.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["GenericError", "Preprocessed", "association_types", "canonical", "selected_association"]

_BUILTIN = frozenset(
    {"void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "_Bool"}
)
_QUALIFIERS = frozenset({"const", "volatile", "restrict", "_Atomic"})
_TAGS = frozenset({"struct", "union", "enum"})
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\*|\S")


class GenericError(Exception):
    """The selected association could not be recovered (the reason is the message)."""


def _builtin(words: list[str]) -> str | None:
    if not words or any(w not in _BUILTIN for w in words):
        return None
    longs, unsigned = words.count("long"), "unsigned" in words
    if "void" in words:
        return "void"
    if "_Bool" in words:
        return "_Bool"
    if "float" in words:
        return "float"
    if "double" in words:
        return "long double" if longs else "double"
    if "char" in words:
        return "unsigned char" if unsigned else "signed char" if "signed" in words else "char"
    base = "short" if "short" in words else {0: "int", 1: "long"}.get(longs, "long long")
    return f"unsigned {base}" if unsigned else base


def canonical(text: str, typedefs: dict[str, str]) -> str:
    """A type name in one spelling per type: ``unsigned`` -> ``unsigned int``, ``char const *``
    -> ``const char *``; a typedef name is replaced by its canonical type."""
    tokens = _WORD.findall(text.replace("\\\n", " "))
    segments: list[list[str]] = [[]]
    for t in tokens:
        if t == "*":
            segments.append([])
        else:
            segments[-1].append(t)
    head = segments[0]
    quals = sorted(w for w in head if w in _QUALIFIERS)
    words = [w for w in head if w not in _QUALIFIERS]
    base = _builtin(words)
    if base is None and len(words) == 2 and words[0] in _TAGS:
        base = " ".join(words)
    if base is None and len(words) == 1 and words[0] in typedefs:
        try:
            inner = canonical(typedefs[words[0]], {})
        except GenericError:  # e.g. "struct (unnamed at f.c:3:9)": compared as spelled
            inner = typedefs[words[0]]
        # qualifiers of the use go on the typedef's outermost level
        if quals and inner.endswith("*"):
            inner += " " + " ".join(quals)
            quals = []
        base = inner
    if base is None:
        raise GenericError(f"type name '{text.strip()}' in a _Generic association")
    out = " ".join([*quals, base])
    for seg in segments[1:]:
        q = sorted(w for w in seg if w in _QUALIFIERS)
        if len(q) != len(seg):
            raise GenericError(f"type name '{text.strip()}' in a _Generic association")
        out += " *" + "".join(" " + w for w in q)
    return out.replace("* *", "**")


def _unqualified(spelling: str, typedefs: dict[str, str]) -> str:
    """The controlling type after lvalue conversion: top-level qualifiers dropped."""
    c = canonical(spelling, typedefs)
    if "*" in c:
        return c.rpartition("*")[0] + "*"
    return " ".join(w for w in c.split() if w not in _QUALIFIERS)


_TOKEN = re.compile(
    rb'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_.]*|\S'
)
_MARKER = re.compile(rb'^# (\d+) "((?:[^"\\]|\\.)*)"')


class Preprocessed:
    """gcc's preprocessed text of one unit (``gcc -E``, the unit's flags), by source line:
    a macro's expansion stands on the line of its invocation, so the ``_Generic`` of a macro
    body can be read there with its association types."""

    def __init__(self, text: bytes, workdir: Path) -> None:
        self.workdir = workdir
        self.lines: dict[tuple[str, int], list[bytes]] = {}
        self.order: list[tuple[str, int]] = []
        name, line = "", 0
        for raw in text.split(b"\n"):
            m = _MARKER.match(raw)
            if m:
                line = int(m.group(1))
                name = str((workdir / m.group(2).decode("utf-8", "replace")).resolve())
                continue
            key = (name, line)
            if key not in self.lines:
                self.lines[key] = []
                self.order.append(key)
            self.lines[key].append(raw)
            line += 1

    @classmethod
    def of(cls, spelled: str, workdir: Path, flags: list[str]) -> Preprocessed:
        """Runs ``gcc -E`` on ``spelled`` from ``workdir``."""
        args = ["gcc", "-E", "-std=gnu11", "-D__NO_CTYPE", "-D__SANITIZE_ADDRESS__=1"]
        skip = False
        for f in flags:
            if skip:
                skip = False
                continue
            if f in ("-working-directory", "-Xclang"):
                skip = True
                continue
            if f.startswith("-Wno-error=") or f.startswith("-ferror-limit"):
                continue
            args.append(f)
        try:
            proc = subprocess.run([*args, spelled], cwd=workdir, capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GenericError(f"gcc -E could not run ({exc})") from None
        if proc.returncode != 0:
            raise GenericError("gcc -E failed on the unit")
        return cls(proc.stdout, workdir)

    def text_from(self, name: str, line: int, limit: int = 400) -> bytes:
        """The preprocessed text from source line ``line`` of ``name`` on."""
        key = (str((self.workdir / name).resolve()), line)
        if key not in self.lines:
            raise GenericError(f"gcc -E has no line {line} of {name}")
        i = self.order.index(key)
        return b"\n".join(b"\n".join(self.lines[k]) for k in self.order[i : i + limit])


def association_types(text: bytes, nth: int) -> list[str]:
    """The association type names (``default`` as is) of the ``nth`` ``_Generic`` in
    ``text``, in order."""
    tokens = _TOKEN.findall(text)
    starts = [k for k, t in enumerate(tokens) if t == b"_Generic"]
    if nth >= len(starts):
        raise GenericError("the _Generic is not in gcc's preprocessed text")
    i = starts[nth]
    if i + 1 >= len(tokens) or tokens[i + 1] != b"(":
        raise GenericError("a _Generic without its '('")
    depth, parts, cur = 0, [], []
    for t in tokens[i + 1 :]:
        if t in (b"(", b"[", b"{"):
            depth += 1
            if depth == 1:
                continue
        elif t in (b")", b"]", b"}"):
            depth -= 1
            if depth == 0:
                parts.append(cur)
                break
        if depth == 1 and t == b",":
            parts.append(cur)
            cur = []
            continue
        cur.append((t, depth))
    types = []
    for part in parts[1:]:
        colon = next((k for k, (t, d) in enumerate(part) if t == b":" and d == 1), None)
        if colon is None:
            raise GenericError("a _Generic association without ':'")
        types.append(" ".join(t.decode("utf-8", "replace") for t, _ in part[:colon]))
    return types


def selected_association(c: Any, nth: int, pre: Preprocessed, typedefs: dict[str, str]) -> Any:
    """The association cursor of generic selection ``c`` that C selects; ``c`` is the
    ``nth`` generic selection (pre-order) whose expansion starts on its source line."""
    kids = list(c.get_children())
    if len(kids) < 2:
        raise GenericError("a _Generic with no associations")
    loc = c.location
    if loc.file is None:
        raise GenericError("a _Generic outside any file")
    types = association_types(pre.text_from(str(loc.file.name), loc.line), nth)
    if len(types) != len(kids) - 1:
        raise GenericError("the _Generic's associations differ between gcc and clang")
    want = _unqualified(kids[0].type.spelling, typedefs)
    default = None
    for k, spelled in zip(kids[1:], types, strict=True):
        if spelled == "default":
            default = k
        elif canonical(spelled, typedefs) == want:
            return k
    if default is None:
        raise GenericError(f"no _Generic association for type '{want}'")
    return default
