"""Differential tests: the C build (with sanitizers) against the Rust build, vector by vector."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ferrox.errors import DependencyError, InvalidInputError

__all__ = ["Outcome", "TestReport", "build_c", "load_vectors", "run_vectors"]

SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"]


@dataclass
class Outcome:
    """One vector's result: status in pass / mismatch / panic / timeout / ub (discarded)."""

    index: int
    status: str
    detail: str = ""


@dataclass
class TestReport:
    """Totals over all vectors; ``ub`` vectors are excluded from ``total``."""

    passed: int = 0
    failed: int = 0
    total: int = 0
    mismatches: int = 0
    panics: int = 0
    timeouts: int = 0
    discarded_ub: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_vectors(path: Path) -> list[dict[str, Any]]:
    """Reads and checks a test-vector file (a JSON list of {args, stdin, stdout, exit_code})."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{path}: not a readable JSON file: {exc}") from exc
    if not isinstance(data, list):
        raise InvalidInputError(f"{path}: test vectors must be a JSON list")
    for i, v in enumerate(data):
        if not isinstance(v, dict):
            raise InvalidInputError(f"{path}: vector {i} is not an object")
        if not isinstance(v.get("args", []), list) or not all(
            isinstance(a, str) for a in v.get("args", [])
        ):
            raise InvalidInputError(f"{path}: vector {i}: 'args' must be a list of strings")
        if not isinstance(v.get("stdin", ""), str):
            raise InvalidInputError(f"{path}: vector {i}: 'stdin' must be a string")
    return data


def build_c(sources: list[Path], include_dirs: list[Path], cflags: list[str], out: Path) -> Path:
    """Compiles the C project with gcc and sanitizers; returns the executable."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        raise DependencyError("differential tests need gcc on PATH")
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        gcc,
        "-std=gnu11",
        "-O0",
        "-g",
        "-w",
        *SANITIZE,
        *(f"-I{d}" for d in include_dirs),
        *cflags,
        *map(str, sources),
        "-o",
        str(out),
        "-lm",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise InvalidInputError(f"gcc could not build the C project: {proc.stderr.strip()[:800]}")
    return out


def _run(exe: Path, vector: dict[str, Any], timeout: float) -> tuple[str, bytes, bytes, int]:
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0"
    env["UBSAN_OPTIONS"] = "print_stacktrace=0"
    try:
        proc = subprocess.run(
            [str(exe), *vector.get("args", [])],
            input=vector.get("stdin", "").encode(),
            capture_output=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return "timeout", b"", b"", -1
    return "ok", proc.stdout, proc.stderr, proc.returncode


def record_expected(
    c_exe: Path, vectors: list[dict[str, Any]], timeout: float = 10.0
) -> list[dict[str, Any]]:
    """Fills absent ``stdout``/``exit_code`` from the C build; marks UB runs ``"ub": true``."""
    out = []
    for v in vectors:
        v = dict(v)
        status, stdout, stderr, code = _run(c_exe, v, timeout)
        text = stderr.decode("utf-8", "replace")
        if status == "timeout":
            v["c_timeout"] = True
        elif "runtime error:" in text or "AddressSanitizer" in text:
            v["ub"] = True
        else:
            v.setdefault("stdout", stdout.decode("utf-8", "replace"))
            v.setdefault("exit_code", code)
        out.append(v)
    return out


def run_vectors(rust_exe: Path, vectors: list[dict[str, Any]], timeout: float = 10.0) -> TestReport:
    """Runs the Rust build on every vector that has expectations and compares."""
    rep = TestReport()
    for i, v in enumerate(vectors):
        if v.get("ub") or v.get("c_timeout"):
            rep.discarded_ub += 1
            rep.outcomes.append(
                Outcome(i, "ub", "the C build hit undefined behaviour or timed out")
            )
            continue
        rep.total += 1
        status, stdout, stderr, code = _run(rust_exe, v, timeout)
        want_out = v.get("stdout", "")
        want_code = int(v.get("exit_code", 0))
        got = stdout.decode("utf-8", "replace")
        if status == "timeout":
            rep.timeouts += 1
            rep.outcomes.append(Outcome(i, "timeout", f"no exit within {timeout:g} s"))
        elif code == 101 and b"panicked" in stderr:
            rep.panics += 1
            msg = stderr.decode("utf-8", "replace").strip().splitlines()
            rep.outcomes.append(Outcome(i, "panic", " ".join(msg[:2])[:300]))
        elif got == want_out and code == want_code:
            rep.passed += 1
            rep.outcomes.append(Outcome(i, "pass"))
            continue
        else:
            rep.mismatches += 1
            diff = "".join(
                difflib.unified_diff(
                    want_out.splitlines(True), got.splitlines(True), "c", "rust", n=1
                )
            )[:1500]
            if code != want_code:
                diff = f"exit code {code} != {want_code}\n" + diff
            rep.outcomes.append(Outcome(i, "mismatch", diff))
        rep.failed += 1
    return rep
