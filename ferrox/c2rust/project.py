"""``translate``: a C project in, a Cargo project, ``report.json`` and ``report.md`` out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ferrox.c2rust.cargo import cargo, write_file
from ferrox.c2rust.cbuild import build_reference, included_c_files, project_units
from ferrox.c2rust.crate import FunctionItem, assemble
from ferrox.c2rust.difftest import (
    TestReport,
    failed_report,
    load_vectors,
    record_expected,
    run_vectors,
)
from ferrox.c2rust.frontend import build_program
from ferrox.c2rust.repair import Repairer
from ferrox.c2rust.safety import measure
from ferrox.errors import ConflictError, InvalidInputError

__all__ = ["Progress", "TranslationResult", "check", "translate"]

Progress = Callable[[str, int, int], None]


@dataclass
class TranslationResult:
    """What ``translate`` produced; ``report`` is what ``report.json`` holds."""

    out: Path
    report: dict[str, Any]
    build_ok: bool
    functions: list[FunctionItem] = field(default_factory=list)


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _check_out(src_root: Path, out: Path, force: bool) -> None:
    out = out.resolve()
    if out == src_root or out in src_root.parents:
        raise InvalidInputError(f"{out}: the output directory may not contain the C sources")
    if out.exists() and not out.is_dir():
        raise InvalidInputError(f"{out}: exists and is not a directory")
    if out.exists() and any(out.iterdir()) and not force:
        raise ConflictError(f"{out}: not empty (pass --force to replace its contents)")


def _prepare_out(src_root: Path, out: Path, force: bool) -> None:
    _check_out(src_root, out, force)
    if out.exists():
        for child in out.iterdir():
            if child.name == "target":
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _crate_name(src_root: Path) -> str:
    name = (
        "".join(c if c.isalnum() else "_" for c in src_root.name.lower()).strip("_") or "translated"
    )
    return name if name[0].isalpha() else "c_" + name


def translate(
    src: str | Path,
    out: str | Path,
    *,
    tests: str | Path | None = None,
    cflags: list[str] | None = None,
    force: bool = False,
    generator: Any = None,
    progress: Progress = _noop,
    max_rounds: int = 12,
    clippy: bool = True,
    skeleton_only: bool = False,
) -> TranslationResult:
    """Translates the C project at ``src`` into a Cargo project at ``out``.

    Stages: the front end (:mod:`~ferrox.c2rust.frontend`) parses every unit that
    ``compile_commands.json`` names into the typed C IR; the analyses and the lowering
    (:mod:`~ferrox.c2rust.lower`) build the Rust IR over the memory runtime; the crate is
    written, built, and every function rustc rejects becomes a stub naming the error;
    then the differential tests run the C and the Rust builds on the vectors.
    """
    t0 = time.perf_counter()
    src = Path(src).resolve()
    out = Path(out).resolve()
    tests = Path(tests) if tests is not None else None
    if out == src or out in src.parents:
        raise InvalidInputError(f"{out}: the output directory may not contain the C sources")
    root, units, headers = project_units(src, list(cflags or []))
    vectors = load_vectors(tests) if tests is not None else None
    _check_out(root, out, force)
    progress("parse", 0, len(units))
    # one build time for the translation and the C reference, so __DATE__/__TIME__ agree
    epoch = source_date_epoch()
    dated = ["-Xclang", "-source-date-epoch", "-Xclang", str(epoch)]
    prog = build_program(
        [(u.path, [*u.flags, *_as_built(u), *dated], u.name_as_built) for u in units], root
    )
    progress("parse", len(units), len(units))
    _prepare_out(root, out, force)
    project_files = _project_files(root, prog)
    crate_name = _crate_name(root)
    progress("translate", 0, 1)
    crate = assemble(prog, project_files, crate_name)
    items = crate.functions
    if skeleton_only:
        for item in items:
            crate.stub(item, "skeleton only (stage 1)")
    progress("translate", 1, 1)

    repairer = Repairer(crate, out, generator=generator)
    rounds = repairer.run(max_rounds, progress)
    build_ok, build_log = _build(out)
    progress("build", 1, 1)

    test_report = TestReport()
    if vectors is not None:
        progress("test", 0, len(vectors))
        c_exe = build_reference(units, out / "target" / "c-build" / crate_name, epoch=epoch)
        vectors = record_expected(c_exe, vectors, cwd=root)
        if any(v.get("c_timeout") for v in vectors):
            plain = build_reference(
                units,
                out / "target" / "c-build" / f"{crate_name}-plain",
                sanitize=False,
                epoch=epoch,
            )
            vectors = [_unsanitized(plain, v, root) if v.get("c_timeout") else v for v in vectors]
        write_file(out / "tests" / "vectors.json", json.dumps(vectors, indent=1))
        _copy_data(root, out / "tests" / "data")
        if build_ok:
            test_report = run_vectors(_exe(out, crate_name), vectors, cwd=out / "tests" / "data")
        else:
            test_report = failed_report(vectors, "the Rust build failed")
        progress("test", len(vectors), len(vectors))

    report = _report(
        root,
        items,
        out,
        build_ok,
        build_log,
        test_report,
        rounds,
        time.perf_counter() - t0,
        [u.path for u in units],
        headers,
        repairer,
        clippy,
    )
    write_file(out / "report.json", json.dumps(report, indent=2))
    write_file(out / "report.md", _markdown(report))
    return TranslationResult(out=out, report=report, build_ok=build_ok, functions=items)


def source_date_epoch() -> int:
    """The build time both builds see: ``$SOURCE_DATE_EPOCH`` when set (reproducible
    builds), otherwise now."""
    v = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(v) if v.isdigit() else int(time.time())


def _as_built(u: Any) -> list[str]:
    """Flags that make clang see the file as gcc does: from its directory, under the name
    the compile command uses (so ``__FILE__`` expands the same)."""
    if u.directory is None or u.spelled is None:
        return []
    return ["-working-directory", str(u.directory)]


def _project_files(root: Path, prog: Any) -> set[str]:
    """Names of the files under ``root`` (functions defined there are translated)."""
    names = {p.name for p in root.rglob("*") if p.suffix in (".c", ".h", ".inc", ".def")}
    return names


def _unsanitized(plain: Path, v: dict[str, Any], root: Path) -> dict[str, Any]:
    """A vector whose sanitized C run ran over its limit, recorded from the unsanitized
    build instead (sanitizers slow C down severalfold); undefined behaviour goes unchecked
    for it, which ``c_reference`` says."""
    retry = {k: x for k, x in v.items() if k not in ("c_timeout", "c_reason", "c_seconds")}
    got = record_expected(plain, [retry], cwd=root)[0]
    if got.get("c_reason"):
        return v
    got["c_reference"] = "unsanitized gcc -O0 (the sanitized build ran over the time limit)"
    return got


def _copy_data(root: Path, dest: Path) -> None:
    """A copy of the project's files, where the programs run (they read data files)."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns("target", ".git"))


def _exe(out: Path, crate: str) -> Path:
    return out / "target" / "debug" / crate


def _build(out: Path) -> tuple[bool, str]:
    proc = subprocess.run(
        [cargo(), "build", "--offline", "--quiet"],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return proc.returncode == 0, proc.stderr[-3000:]


def _clippy(out: Path) -> int | None:
    try:
        proc = subprocess.run(
            [
                cargo(),
                "clippy",
                "--offline",
                "--quiet",
                "--message-format=json",
                "--",
                "-W",
                "clippy::all",
            ],
            cwd=out,
            capture_output=True,
            text=True,
            timeout=900,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    count = 0
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        m = msg.get("message") or {}
        if (
            msg.get("reason") == "compiler-message"
            and m.get("level") == "warning"
            and (m.get("code") or {}).get("code", "").startswith("clippy::")
        ):
            spans = m.get("spans") or [{}]
            if not spans[0].get("file_name", "").startswith("rt/"):
                count += 1
    return count


def _report(
    root: Path,
    items: list[FunctionItem],
    out: Path,
    build_ok: bool,
    build_log: str,
    tests: TestReport,
    rounds: int,
    seconds: float,
    c_files: list[Path],
    headers: list[Path],
    repairer: Any,
    clippy: bool = True,
) -> dict[str, Any]:
    safety = measure(out / "src")
    per_fn = {(f.file, f.name): f for f in safety.functions}
    counted = {*c_files, *headers, *included_c_files(c_files)}
    c_lines = sum(len(p.read_text(errors="replace").splitlines()) for p in counted)
    functions = []
    for item in items:
        fs = per_fn.get((f"{item.module}.rs", item.rust_name.removeprefix("r#")))
        unsafe = bool(fs and fs.unsafe_bytes)
        tier = "stub" if item.stub_reason else ("unsafe" if unsafe else "safe")
        functions.append(
            {
                "name": item.name,
                "module": item.module,
                "tier": tier,
                "reason": item.stub_reason,
                "uses_runtime_pointers": item.uses_pointers and not item.stub_reason,
                "bytes": fs.bytes if fs else None,
                "unsafe_bytes": fs.unsafe_bytes if fs else None,
                "repaired": item.name in repairer.repaired,
                # calls of functions nobody defines: they panic if reached
                "missing_calls": item.missing,
            }
        )
    warnings = _clippy(out) if build_ok and clippy else None
    rust_lines = sum(
        len(p.read_text().splitlines()) for p in (out / "src").glob("*.rs") if p.name != "rt.rs"
    )
    n = len(functions) or 1
    translated = [f for f in functions if f["tier"] != "stub"]
    t_bytes = sum(f["bytes"] or 0 for f in translated)
    t_unsafe = sum(f["unsafe_bytes"] or 0 for f in translated)
    return {
        "source": str(root),
        "functions": functions,
        "counts": {
            "functions": len(functions),
            "safe": sum(f["tier"] == "safe" for f in functions),
            "unsafe": sum(f["tier"] == "unsafe" for f in functions),
            "stub": sum(f["tier"] == "stub" for f in functions),
            "stub_rate": sum(f["tier"] == "stub" for f in functions) / n,
            "not_stubbed_rate": len(translated) / n,
            "runtime_pointer_functions": sum(f["uses_runtime_pointers"] for f in functions),
            "functions_with_missing_calls": sum(bool(f["missing_calls"]) for f in functions),
            "idiomatic_share": (
                sum(not f["uses_runtime_pointers"] for f in translated) / len(translated)
                if translated
                else 0.0
            ),
        },
        "build_ok": build_ok,
        "build_log": "" if build_ok else build_log,
        "repair_rounds": rounds,
        "repair_log": repairer.log,
        "tests": _tests_dict(tests),
        # over translated code only: a stub is a failure, not safe code
        "safe_rate": (1 - t_unsafe / t_bytes) if t_bytes else 0.0,
        "safety": safety.as_dict(),
        "clippy_warnings": warnings,
        "clippy_per_kloc": None
        if warnings is None or not rust_lines
        else round(warnings / rust_lines * 1000, 2),
        "skipped_items": [],
        "c_lines": c_lines,
        "rust_lines": rust_lines,
        "seconds": round(seconds, 2),
        "seconds_per_kloc": round(seconds / max(c_lines, 1) * 1000, 2),
    }


def _tests_dict(tests: TestReport) -> dict[str, Any]:
    d = {k: v for k, v in tests.as_dict().items() if k != "outcomes"}
    d["failures"] = [o.__dict__ for o in tests.outcomes if o.status not in ("pass", "ub")][:50]
    d["discarded"] = [o.__dict__ for o in tests.outcomes if o.status == "ub"][:50]
    return d


def headline(r: dict[str, Any]) -> str:
    """One line: build, tests (with discarded vectors), stubs, SafeRate over translated code."""
    c, t = r["counts"], r["tests"]
    disc = t.get("discarded_ub", 0)
    why = ""
    if disc:
        reasons = sorted({d.get("detail", "") for d in t.get("discarded", [])} - {""})
        why = (
            f" ({disc} discarded: {'; '.join(reasons)[:160]})"
            if reasons
            else f" ({disc} discarded)"
        )
    return (
        f"build {'ok' if r['build_ok'] else 'FAILED'} · tests {t['passed']}/{t['total']}{why}"
        f" · stubs {c['stub']}/{c['functions']} ({c.get('stub_rate', 0):.0%})"
        f" · SafeRate {r['safe_rate']:.1%} of translated code"
        f" · idiomatic {c.get('idiomatic_share', 0):.0%}"
    )


def _markdown(r: dict[str, Any]) -> str:
    c = r["counts"]
    t = r["tests"]
    lines = [
        f"# ferrox c2rust report: `{Path(r['source']).name}`",
        "",
        f"**{headline(r)}**",
        "",
        f"- build: **{'ok' if r['build_ok'] else 'FAILED'}** after {r['repair_rounds']} repair round(s)",
        f"- functions: {c['functions']} — translated {c['functions'] - c['stub']}, "
        f"**stubs {c['stub']}** (a stub is a failure); {c['runtime_pointer_functions']} translated "
        f"functions use the runtime's pointers, idiomatic share {c.get('idiomatic_share', 0):.0%}",
        f"- tests: {t['passed']}/{t['total']} passed ({t['mismatches']} mismatches, {t['panics']} panics, "
        f"{t['timeouts']} timeouts); {t['discarded_ub']} vectors discarded",
        f"- SafeRate {r['safe_rate']:.1%} over translated functions; unsafe lines {r['safety']['unsafe_lines']}, "
        f"raw-pointer declarations {r['safety']['raw_pointer_decls']}",
        f"- clippy warnings: {r['clippy_warnings']} ({r['clippy_per_kloc']} per kLoC)",
        f"- {r['c_lines']} C lines → {r['rust_lines']} Rust lines in {r['seconds']} s ({r['seconds_per_kloc']} s per kLoC)",
        "",
    ]
    if t.get("discarded"):
        lines += ["## Discarded vectors", ""]
        for d in t["discarded"]:
            lines.append(f"- vector {d['index']}: {d.get('detail', '')}")
        lines.append("")
    lines += ["| function | module | tier | note |", "|---|---|---|---|"]
    for f in r["functions"]:
        note = (f["reason"] or "").replace("|", "\\|")[:120]
        lines.append(f"| `{f['name']}` | {f['module']} | {f['tier']} | {note} |")
    if t["failures"]:
        lines += ["", "## Test failures", ""]
        for o in t["failures"][:20]:
            lines += [f"### vector {o['index']}: {o['status']}", "", "```", o["detail"], "```", ""]
    return "\n".join(lines) + "\n"


def check(out: Path) -> dict[str, Any]:
    """Re-runs build and tests on a translated project; updates its reports."""
    out = out.resolve()
    report_path = out / "report.json"
    if not report_path.exists():
        raise InvalidInputError(f"{out}: no report.json (not a ferrox c2rust output)")
    report = json.loads(report_path.read_text())
    build_ok, log = _build(out)
    report["build_ok"] = build_ok
    report["build_log"] = "" if build_ok else log
    vec_path = out / "tests" / "vectors.json"
    if vec_path.exists() and build_ok:
        crate = next(
            line.split('"')[1]
            for line in (out / "Cargo.toml").read_text().splitlines()
            if line.startswith("name")
        )
        data = out / "tests" / "data"
        tr = run_vectors(
            _exe(out, crate), load_vectors(vec_path), cwd=data if data.exists() else out
        )
        report["tests"] = _tests_dict(tr)
    report["safety"] = measure(out / "src").as_dict()
    write_file(report_path, json.dumps(report, indent=2))
    write_file(out / "report.md", _markdown(report))
    return report
