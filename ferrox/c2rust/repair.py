"""Stage 3: compiler-driven repair — rustc's fixes, an optional LLM, then stubs.

Each round runs ``cargo check``; an edit is kept only when it lowers the error count,
otherwise the function rolls back to its last state, and a function that still fails
becomes a stub naming the error.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from ferrox.c2rust.cargo import Diagnostic, cargo_check

__all__ = ["Repairer", "explain"]


def explain(code: str | None) -> str:
    """The explanation of a rustc error code, from the local Rust docs' error index (read
    with :mod:`ferrox.rag`'s rustdoc-aware parser), else from ``rustc --explain``."""
    if not code or not re.fullmatch(r"E\d{4}", code):
        return ""
    try:
        from ferrox.rag.documents import read_document
        from ferrox.rag.sources import rust_docs_root

        doc = read_document(rust_docs_root() / "error_codes" / f"{code}.html")
        if doc is not None:
            text = "\n\n".join(b for sec in doc.sections for b in sec.blocks)
            if text.strip():
                return text[:1500]
    except Exception:
        pass
    try:
        proc = subprocess.run(
            ["rustc", "--explain", code], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout[:1500]


class Repairer:
    """Runs check-fix rounds over a :class:`~ferrox.c2rust.crate.Crate`."""

    def __init__(self, crate: Any, out: Path, generator: Any = None) -> None:
        self.crate = crate
        self.out = out
        self.generator = generator
        self.repaired: set[str] = set()
        self.log: list[str] = []
        self._tried_fixes: set[str] = set()
        self._tried_llm: set[str] = set()

    def check(self) -> list[Diagnostic]:
        self.crate.write(self.out)
        return cargo_check(self.out)

    def run(self, max_rounds: int, progress: Any) -> int:
        """Repairs until the project checks clean; returns the rounds used."""
        diags = self.check()
        for rnd in range(1, max_rounds + 1):
            progress("repair", rnd, max_rounds)
            if not diags:
                return rnd - 1
            by_fn: dict[str, list[Diagnostic]] = defaultdict(list)
            items = {}
            outside: list[Diagnostic] = []
            for d in diags:
                owner = self.crate.owner(d.file, d.start)
                if owner is None or owner.stub_reason:
                    outside.append(d)
                else:
                    by_fn[owner.c_key].append(d)
                    items[owner.c_key] = owner
            improved = self.apply_rustc_fixes(by_fn, items, diags)
            if improved is not None:
                diags = improved
                continue
            if self.generator is not None:
                improved = self.ask_llm(by_fn, items, diags)
                if improved is not None:
                    diags = improved
                    continue
            for key, ds in by_fn.items():
                item = items[key]
                first = ds[0]
                code = f" {first.code}" if first.code else ""
                self.crate.stub(item, f"rustc{code}: {first.message}")
                where = first.rendered.strip().splitlines()[:12]
                self.log.append(f"round {rnd}: {item.name} stubbed: " + "\n".join(where))
            if not by_fn:
                self.log.append(
                    f"round {rnd}: {len(outside)} error(s) outside functions left: {outside[0].message}"
                )
                return rnd
            diags = self.check()
        return max_rounds

    def apply_rustc_fixes(
        self, by_fn: dict[str, list[Diagnostic]], items: dict[str, Any], diags: list[Diagnostic]
    ) -> list[Diagnostic] | None:
        """Applies rustc's machine-applicable suggestions once per function; None if no gain."""
        saved = {}
        for name, ds in by_fn.items():
            if name in self._tried_fixes:
                continue
            fixes = sorted({f for d in ds for f in d.fixes}, reverse=True)
            if not fixes:
                continue
            item = items[name]
            self._tried_fixes.add(name)
            where = next(
                (
                    (f, a, b)
                    for f, spans in self.crate.spans.items()
                    for a, b, it in spans
                    if it is item
                ),
                None,
            )
            if where is None:
                continue
            file, start, end = where
            # the spans are over the formatted file: patch the function's formatted text
            code = (self.out / file).read_bytes()[start:end]
            for a, b, text in fixes:
                a, b = a - start, b - start
                if 0 <= a <= b <= len(code):
                    code = code[:a] + text.encode() + code[b:]
            saved[name] = item.code
            item.code = code.decode()
        return self._keep_if_better(saved, items, diags, "rustc suggestions")

    def ask_llm(
        self, by_fn: dict[str, list[Diagnostic]], items: dict[str, Any], diags: list[Diagnostic]
    ) -> list[Diagnostic] | None:
        """Asks the configured generator to fix each failing function; keeps only gains."""
        saved = {}
        for name, ds in by_fn.items():
            if name in self._tried_llm:
                continue
            self._tried_llm.add(name)
            item = items[name]
            errors = "\n".join(d.rendered[:800] for d in ds[:3])
            explanation = explain(ds[0].code)
            prompt = (
                "Fix this Rust function, translated from C, so that it compiles. C memory is "
                "the runtime's `rt::Mem` (`m`, always the last argument); a pointer is a u64; "
                "loads and stores are rt::ld_T(p, m) / rt::st_T(p, v, m). Answer with the whole "
                "corrected Rust function only, in one ```rust block.\n\n"
                f"Rust:\n```rust\n{item.code}\n```\n\n"
                f"rustc errors:\n{errors}\n\n{explanation}"
            )
            try:
                answer = "".join(
                    self.generator.stream([{"role": "user", "content": prompt}], max_tokens=1500)
                )
            except Exception as exc:
                self.log.append(f"LLM repair of {name} failed: {exc}")
                continue
            m = re.search(r"```(?:rust)?\n(.*?)```", answer, re.S)
            if m and "fn " in m.group(1):
                saved[name] = item.code
                item.code = m.group(1).strip() + "\n"
        return self._keep_if_better(saved, items, diags, "LLM edits")

    def _keep_if_better(
        self, saved: dict[str, str], items: dict[str, Any], diags: list[Diagnostic], what: str
    ) -> list[Diagnostic] | None:
        """Checks the edited project; keeps the edits only if the error count fell, else
        restores each function's previous code (``saved``). None when nothing was kept."""
        if not saved:
            return None
        after = self.check()
        names = ", ".join(sorted(saved))
        if len(after) < len(diags):
            self.repaired.update(saved)
            self.log.append(f"{what} kept for {names} ({len(diags)} -> {len(after)} errors)")
            return after
        for name, code in saved.items():
            items[name].code = code
        self.log.append(f"{what} rolled back for {names}")
        return None
