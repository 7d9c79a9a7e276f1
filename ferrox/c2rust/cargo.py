"""Writing the Cargo project and reading ``cargo check``'s diagnostics."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ferrox.errors import DependencyError

__all__ = ["Diagnostic", "cargo", "cargo_check", "rustfmt", "write_file"]

LINTS = (
    "dead_code",
    "unused_mut",
    "unused_variables",
    "unused_assignments",
    "unused_parens",
    "unused_labels",
    "unreachable_code",
    "unused_imports",
    "non_snake_case",
    "non_camel_case_types",
    "non_upper_case_globals",
    "unused_braces",
    "unused_unsafe",
    "redundant_semicolons",
    "while_true",
    "unused_must_use",
    "path_statements",
    # C's constant arithmetic wraps; a panic rustc can prove is one C reaches only by UB
    "arithmetic_overflow",
    "unconditional_panic",
    "overflowing_literals",
    "unreachable_patterns",
    "irrefutable_let_patterns",
)


@dataclass
class Diagnostic:
    """One rustc error: file (relative to the project), byte span, message, code."""

    file: str
    start: int
    end: int
    line: int
    message: str
    code: str | None
    rendered: str
    fixes: list[tuple[int, int, str]]


def cargo() -> str:
    exe = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
    if not Path(exe).exists():
        raise DependencyError(
            "ferrox c2rust needs a Rust toolchain (cargo) on PATH: https://rustup.rs"
        )
    return exe


def write_file(path: Path, text: str) -> None:
    """Writes ``text`` unless the file already holds it: an untouched mtime keeps cargo
    from rebuilding unchanged modules (and the runtime) in every repair round."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text() == text:
        return
    path.write_text(text)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["CARGO_TERM_COLOR"] = "never"
    env.setdefault("CARGO_NET_OFFLINE", "true")
    return env


def cargo_check(project: Path, timeout: float = 1800) -> list[Diagnostic]:
    """Errors from ``cargo build`` (empty when the project compiles). A build, not a
    check: rustc stops before code generation when there are errors, and when there are
    none the binary is there (a check would type-check the whole crate twice)."""
    proc = subprocess.run(
        [cargo(), "build", "--offline", "--quiet", "--message-format=json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
    )
    diags: list[Diagnostic] = []
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") != "compiler-message":
            continue
        m = msg["message"]
        if m.get("level") != "error":
            continue
        spans = [s for s in m.get("spans", []) if s.get("is_primary")] or m.get("spans", [])
        fixes = []
        for child in m.get("children", []):
            for s in child.get("spans", []):
                if (
                    s.get("suggestion_applicability") == "MachineApplicable"
                    and s.get("suggested_replacement") is not None
                ):
                    fixes.append((s["byte_start"], s["byte_end"], s["suggested_replacement"]))
        if not spans:
            diags.append(
                Diagnostic("", 0, 0, 0, m["message"], None, m.get("rendered") or "", fixes)
            )
            continue
        s = spans[0]
        code = (m.get("code") or {}).get("code")
        diags.append(
            Diagnostic(
                s["file_name"],
                s["byte_start"],
                s["byte_end"],
                s["line_start"],
                m["message"],
                code,
                m.get("rendered") or "",
                fixes,
            )
        )
    if proc.returncode != 0 and not diags:
        diags.append(
            Diagnostic(
                "",
                0,
                0,
                0,
                (proc.stderr or "cargo check failed").strip()[-500:],
                None,
                proc.stderr,
                [],
            )
        )
    return diags


def rustfmt(path: Path) -> bool:
    """Formats one Rust file in place; False when rustfmt is missing or fails."""
    exe = shutil.which("rustfmt") or str(Path.home() / ".cargo" / "bin" / "rustfmt")
    if not Path(exe).exists():
        return False
    try:
        proc = subprocess.run(
            [exe, "--edition", "2021", str(path)], capture_output=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        return False
    return proc.returncode == 0
