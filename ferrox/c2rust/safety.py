"""Safety counted honestly: EvoC2Rust's SafeRate and C2SaferRust's unsafe counts.

SafeRate = 1 - (bytes inside ``unsafe`` blocks and ``unsafe fn`` bodies) / (bytes of all
function bodies), over every ``.rs`` file of the output, the emitted runtime included.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["FnSafety", "SafetyCounts", "function_spans", "measure"]


@dataclass
class FnSafety:
    """Byte counts of one Rust function."""

    file: str
    name: str
    bytes: int
    unsafe_bytes: int


@dataclass
class SafetyCounts:
    """Project totals."""

    safe_rate: float
    fn_bytes: int
    unsafe_bytes: int
    unsafe_lines: int
    raw_pointer_decls: int
    raw_pointer_derefs: int
    unsafe_casts: int
    functions: list[FnSafety]

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.pop("functions")
        return d


def _blank(text: str) -> str:
    """The text with comments and string/char literal contents replaced by spaces."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out[i:j] = [ch if ch == "\n" else " " for ch in text[i:j]]
            i = j
        elif c == '"' or (
            c == "b"
            and i + 1 < n
            and text[i + 1] == '"'
            and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))
        ):
            start = i + (2 if c == "b" else 1)
            j = start
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out[start:j] = [ch if ch == "\n" else " " for ch in text[start:j]]
            i = j + 1
        elif (c == "'" and re.match(r"'(\\.|[^\\'])'", text[i : i + 4])) or (
            c == "'" and text.startswith("'\\x", i)
        ):
            m = re.match(r"'(\\x[0-9a-fA-F]{2}|\\.|[^\\'])'", text[i:])
            if m:
                out[i + 1 : i + m.end() - 1] = " " * (m.end() - 2)
                i += m.end()
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


def _match_brace(text: str, open_at: int) -> int:
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


_FN = re.compile(r"\b(unsafe\s+)?fn\s+(r#)?(\w+)\s*(<[^{;]*?>)?\s*\(")


def function_spans(text: str) -> list[tuple[str, int, int, bool]]:
    """(name, body start, body end, is unsafe fn) of every function with a body."""
    clean = _blank(text)
    spans = []
    pos = 0
    while True:
        m = _FN.search(clean, pos)
        if not m:
            break
        brace = clean.find("{", m.end())
        semi = clean.find(";", m.end())
        if brace < 0 or (0 <= semi < brace):
            pos = m.end()
            continue
        end = _match_brace(clean, brace)
        spans.append((m.group(3), brace, end, bool(m.group(1))))
        pos = end
    return spans


def measure(src_dir: Path) -> SafetyCounts:
    """Counts over every ``.rs`` file under ``src_dir``."""
    fns: list[FnSafety] = []
    unsafe_lines = raw_decls = raw_derefs = casts = 0
    for path in sorted(src_dir.rglob("*.rs")):
        text = path.read_text()
        clean = _blank(text)
        unsafe_regions: list[tuple[int, int]] = []
        for m in re.finditer(r"\bunsafe\s*\{", clean):
            start = m.start()
            unsafe_regions.append((start, _match_brace(clean, m.end() - 1)))
        for name, start, end, is_unsafe in function_spans(text):
            if is_unsafe:
                unsafe = end - start
            else:
                unsafe = 0
                for a, b in unsafe_regions:
                    lo, hi = max(a, start), min(b, end)
                    if lo < hi:
                        unsafe += hi - lo
            fns.append(
                FnSafety(
                    str(path.relative_to(src_dir)), name, end - start, min(unsafe, end - start)
                )
            )
        lines_in = set()
        for a, b in unsafe_regions:
            lines_in.update(range(clean.count("\n", 0, a), clean.count("\n", 0, b) + 1))
        unsafe_lines += len(lines_in)
        raw_decls += len(re.findall(r"\*\s*(const|mut)\s+[\w(\[]", clean))
        raw_derefs += len(re.findall(r"\*\s*\(?\s*\w+\s*(\.add|\.offset)", clean))
        casts += len(re.findall(r"\bas\s+\*\s*(const|mut)\b|\btransmute\b", clean))
    total = sum(f.bytes for f in fns)
    unsafe_total = sum(f.unsafe_bytes for f in fns)
    rate = 1.0 - unsafe_total / total if total else 1.0
    return SafetyCounts(rate, total, unsafe_total, unsafe_lines, raw_decls, raw_derefs, casts, fns)
