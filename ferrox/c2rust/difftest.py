"""Differential tests: the C build (with sanitizers) against the Rust build, vector by vector."""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ferrox.c2rust.sandbox import (
    Limits,
    MiB,
    SandboxResult,
    asan_options,
    hand_over,
    run_sandboxed,
)
from ferrox.errors import InvalidInputError

__all__ = [
    "Outcome",
    "TestReport",
    "failed_report",
    "load_vectors",
    "record_expected",
    "run_vectors",
]

MEMORY_MB = 2048  # each run's memory: RLIMIT_AS for Rust, ASan's RSS limit for C


@dataclass
class Outcome:
    """One vector's result: status in pass / mismatch / panic / timeout / limit (a resource
    limit of the sandbox, named in ``detail``) / killed (a signal the C build did not die
    of) / not_run (no Rust build) / ub (discarded: the C build misbehaved; ``detail`` says
    how, e.g. ``C build: AddressSanitizer: heap-buffer-overflow``)."""

    index: int
    status: str
    detail: str = ""


@dataclass
class TestReport:
    """Totals over all vectors; discarded (``ub``) vectors are excluded from ``total``;
    ``limits`` and ``killed`` count failures the sandbox stopped or saw die of a signal."""

    passed: int = 0
    failed: int = 0
    total: int = 0
    mismatches: int = 0
    panics: int = 0
    timeouts: int = 0
    limits: int = 0
    killed: int = 0
    discarded_ub: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (``report.json``'s ``tests``)."""
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


def _limits(reference: bool, timeout: float) -> Limits:
    # the CPU limit sits above the wall-clock one: a busy loop ends as a timeout, the CPU
    # limit catches programs that burn several cores
    cpu = math.ceil(timeout) + 2
    if reference:  # ASan reserves terabytes of address space: bounded by ASAN_OPTIONS
        return Limits(cpu_seconds=cpu, address_space=None)
    return Limits(cpu_seconds=cpu, address_space=(MEMORY_MB + 512) * MiB)


def _env(reference: bool) -> dict[str, str]:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": "/tmp"}
    if reference:
        env["ASAN_OPTIONS"] = asan_options(MEMORY_MB)
        env["UBSAN_OPTIONS"] = "print_stacktrace=0"
    return env


def _run(
    exe: Path,
    vector: dict[str, Any],
    timeout: float,
    *,
    cwd: Path | None = None,
    reference: bool = False,
) -> SandboxResult:
    """Runs one vector in the sandbox, in a fresh copy of ``cwd`` (the data files)."""
    scratch = Path(tempfile.mkdtemp(prefix="ferrox-run-"))
    try:
        if cwd is not None and Path(cwd).is_dir():
            shutil.copytree(
                cwd,
                scratch,
                symlinks=True,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("target", ".git"),
            )
            hand_over(scratch)
        env = _env(reference) | {"HOME": str(scratch)}
        return run_sandboxed(
            [str(Path(exe).resolve()), *vector.get("args", [])],
            cwd=scratch,
            stdin=vector.get("stdin", "").encode(),
            timeout=timeout,
            env=env,
            limits=_limits(reference, timeout),
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


_SANITIZER_LINE = re.compile(
    r"(AddressSanitizer: [\w-]+|runtime error: [^\n]{0,160}|LeakSanitizer: [\w-]+)"
)


def _sanitizer_finding(stderr: str) -> str | None:
    """The sanitizer's verdict in a C run's stderr, e.g. ``AddressSanitizer: SEGV``."""
    m = _SANITIZER_LINE.search(stderr)
    return m.group(1).strip() if m else None


def record_expected(
    c_exe: Path,
    vectors: list[dict[str, Any]],
    timeout: float = 10.0,
    *,
    cwd: Path | None = None,
) -> list[dict[str, Any]]:
    """Fills absent ``stdout``/``exit_code`` from the C build, run in the sandbox in a copy
    of ``cwd``. A vector the C build misbehaves on is discarded, with ``c_reason`` saying
    why: ``"ub": true`` (a sanitizer finding), ``"c_timeout": true`` or ``"c_limit": true``
    (a resource limit)."""
    out = []
    for v in vectors:
        v = dict(v)
        started = time.monotonic()
        r = _run(c_exe, v, timeout, cwd=cwd, reference=True)
        v["c_seconds"] = round(time.monotonic() - started, 3)
        text = r.stderr.decode("utf-8", "replace")
        finding = _sanitizer_finding(text)
        if r.status == "timeout":
            v["c_timeout"] = True
            v["c_reason"] = f"C build: timed out after {timeout:g} s"
        elif r.status == "limit":
            v["c_limit"] = True
            v["c_reason"] = f"C build: {r.reason}"
        elif finding is not None or "runtime error:" in text or "AddressSanitizer" in text:
            v["ub"] = True
            v["c_reason"] = f"C build: {finding or 'sanitizer report'}"
        else:  # ok, or killed by a signal (abort()): the exit code is what C does
            if "stdout" not in v:
                v["stdout"] = r.stdout.decode("utf-8", "replace")
                v["stdout_sha256"] = hashlib.sha256(r.stdout).hexdigest()
            v.setdefault("exit_code", r.returncode)
        out.append(v)
    return out


def _discard_reason(v: dict[str, Any]) -> str | None:
    if v.get("c_reason"):
        return str(v["c_reason"])
    if v.get("ub"):
        return "C build: undefined behaviour (sanitizer report)"
    if v.get("c_timeout"):
        return "C build: timed out"
    if v.get("c_limit"):
        return "C build: resource limit hit"
    return None


def _discarded(rep: TestReport, i: int, v: dict[str, Any]) -> bool:
    """Counts vector ``i`` as discarded (with the C build's reason) when it is one."""
    why = _discard_reason(v)
    if why is None:
        return False
    rep.discarded_ub += 1
    rep.outcomes.append(Outcome(i, "ub", why))
    return True


def failed_report(vectors: list[dict[str, Any]], reason: str) -> TestReport:
    """Every vector that was not discarded counted as failed with ``reason`` (the Rust
    build failed, say); discarded ones keep their reason."""
    rep = TestReport()
    for i, v in enumerate(vectors):
        if _discarded(rep, i, v):
            continue
        rep.total += 1
        rep.failed += 1
        rep.outcomes.append(Outcome(i, "not_run", reason))
    return rep


def run_vectors(
    rust_exe: Path,
    vectors: list[dict[str, Any]],
    timeout: float = 10.0,
    *,
    cwd: Path | None = None,
) -> TestReport:
    """Runs the Rust build (sandboxed, in a copy of ``cwd``) on every vector that has
    expectations and compares."""
    rep = TestReport()
    for i, v in enumerate(vectors):
        if _discarded(rep, i, v):
            continue
        rep.total += 1
        # the C reference ran with sanitizers; a program that takes long in C may in Rust too
        limit = max(timeout, 3 * float(v.get("c_seconds", 0)))
        r = _run(rust_exe, v, limit, cwd=cwd)
        want_out = v.get("stdout", "")
        want_code = int(v.get("exit_code", 0))
        got = r.stdout.decode("utf-8", "replace")
        same_out = (
            hashlib.sha256(r.stdout).hexdigest() == v["stdout_sha256"]
            if "stdout_sha256" in v
            else got == want_out
        )
        if r.status == "timeout":
            rep.timeouts += 1
            rep.outcomes.append(Outcome(i, "timeout", f"no exit within {limit:g} s"))
        elif r.status == "limit":
            rep.limits += 1
            rep.outcomes.append(Outcome(i, "limit", r.reason))
        elif r.returncode == 101 and b"panicked" in r.stderr:
            rep.panics += 1
            msg = r.stderr.decode("utf-8", "replace").strip().splitlines()
            rep.outcomes.append(Outcome(i, "panic", " ".join(msg[:2])[:300]))
        elif same_out and r.returncode == want_code:
            rep.passed += 1
            rep.outcomes.append(Outcome(i, "pass"))
            continue
        elif r.status == "killed":
            rep.killed += 1
            tail = r.stderr.decode("utf-8", "replace").strip().splitlines()[-2:]
            detail = r.reason + (f" (C: exit code {want_code})" if want_code >= 0 else "")
            rep.outcomes.append(
                Outcome(i, "killed", (detail + "\n" + "\n".join(tail)).strip()[:500])
            )
        else:
            rep.mismatches += 1
            diff = "".join(
                difflib.unified_diff(
                    want_out.splitlines(True), got.splitlines(True), "c", "rust", n=1
                )
            )[:1500]
            if r.returncode != want_code:
                diff = f"exit code {r.returncode} != {want_code}\n" + diff
            rep.outcomes.append(Outcome(i, "mismatch", diff))
        rep.failed += 1
    return rep
