"""``translate``: a C project in, a Cargo project, ``report.json`` and ``report.md`` out."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ferrox.c2rust.cargo import LINTS, Diagnostic, cargo, rustfmt, write_file
from ferrox.c2rust.difftest import TestReport, build_c, load_vectors, record_expected, run_vectors
from ferrox.c2rust.frontend import ParsedFile, parse_file, project_flags
from ferrox.c2rust.functions import FunctionTranslator
from ferrox.c2rust.repair import Repairer
from ferrox.c2rust.rtypes import Untranslatable
from ferrox.c2rust.safety import measure
from ferrox.c2rust.skeleton import FunctionItem, ProjectContext
from ferrox.errors import ConflictError, InvalidInputError

__all__ = ["Progress", "TranslationResult", "check", "translate"]

RUNTIME = Path(__file__).with_name("runtime") / "rt.rs"
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


def _sources(src: Path, out: Path) -> tuple[Path, list[Path], list[Path]]:
    if not src.exists():
        raise InvalidInputError(f"{src}: no such file or directory")
    if src.is_file():
        if src.suffix != ".c":
            raise InvalidInputError(f"{src}: not a .c file")
        return src.parent, [src], []
    files = sorted(p for p in src.rglob("*") if p.suffix in (".c", ".h") and out not in p.parents)
    c_files = [p for p in files if p.suffix == ".c"]
    if not c_files:
        raise InvalidInputError(f"{src}: no .c files in this directory")
    return src, c_files, [p for p in files if p.suffix == ".h"]


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


class Assembler:
    """Builds module texts from the context and remembers where each function lies."""

    def __init__(self, ctx: ProjectContext, out: Path) -> None:
        self.ctx = ctx
        self.out = out
        self.spans: dict[str, list[tuple[int, int, FunctionItem]]] = {}
        self.static_spans: dict[str, list[tuple[int, int, int]]] = {}

    def module_text(self, name: str) -> str:
        mod = self.ctx.modules[name]
        others = [m for m in sorted(self.ctx.modules) if m != name]
        head = [
            f"//! Translated from `{mod.source.name}` by ferrox c2rust.",
            "",
            "use crate::rt::{self, Arr, Ptr};",
        ]
        head += [f"use crate::{m}::*;" for m in others]
        text = "\n".join(head) + "\n\n" + "\n".join(mod.items) + "\n"
        statics = []
        for i, st in enumerate(mod.statics):
            start = len(text.encode())
            text += st + "\n"
            statics.append((start, len(text.encode()), i))
        self.static_spans[f"src/{name}.rs"] = statics
        spans = []
        for item in mod.functions:
            code = self.ctx.stub(item, item.stub_reason) if item.stub_reason else item.code
            start = len(text.encode())
            text += code + "\n"
            spans.append((start, len(text.encode()), item))
        self.spans[f"src/{name}.rs"] = spans
        return text

    def main_text(self) -> str:
        mods = sorted(self.ctx.modules)
        lints = ", ".join(LINTS)
        lines = [f"#![allow({lints})]", "", "mod rt;"]
        lines += [f"mod {m};" for m in mods]
        main = self.ctx.functions.get("main")
        lines.append("")
        if main is None:
            lines.append("fn main() {}")
        else:
            nargs = len(list(main.cursor.get_arguments()))
            call = (
                f"{main.module}::c_main(argc, argv)" if nargs >= 2 else f"{main.module}::c_main()"
            )
            lines += [
                "fn main() {",
                "    let (argc, argv) = rt::args();",
                "    let _ = (argc, &argv);",
                f"    let code = {call};",
                "    rt::exit(code);",
                "}",
            ]
        return "\n".join(lines) + "\n"

    def write(self, crate: str) -> None:
        write_file(
            self.out / "Cargo.toml",
            f'[package]\nname = "{crate}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n\n[profile.dev]\nopt-level = 1\n',
        )
        write_file(self.out / "src" / "rt.rs", RUNTIME.read_text())
        write_file(self.out / "src" / "main.rs", self.main_text())
        for name in self.ctx.modules:
            write_file(self.out / "src" / f"{name}.rs", self.module_text(name))

    def owner(self, diag: Diagnostic) -> FunctionItem | None:
        """The function whose text holds the diagnostic's primary span."""
        for start, end, item in self.spans.get(diag.file, []):
            if start <= diag.start < end:
                return item
        return None

    def function_start(self, item: FunctionItem) -> int:
        for spans in self.spans.values():
            for start, _, it in spans:
                if it is item:
                    return start
        return -1

    def drop_static(self, diag: Diagnostic) -> bool:
        """Replaces the global whose text holds ``diag`` by a comment; False if none does."""
        name = diag.file.removeprefix("src/").removesuffix(".rs")
        for start, end, i in self.static_spans.get(diag.file, []):
            if start <= diag.start < end:
                mod = self.ctx.modules[name]
                mod.statics[i] = f"// global not translated: rustc: {diag.message}\n"
                self.ctx.skipped.append({"item": f"global in {name}", "reason": diag.message})
                return True
        return False


def translate(
    src: Path,
    out: Path,
    *,
    tests: Path | None = None,
    cflags: list[str] | None = None,
    force: bool = False,
    generator: Any = None,
    progress: Progress = _noop,
    max_rounds: int = 12,
    clippy: bool = True,
    skeleton_only: bool = False,
) -> TranslationResult:
    """Translates the C project at ``src`` into a Cargo project at ``out``."""
    t0 = time.perf_counter()
    src = src.resolve()
    out = out.resolve()
    if out == src or out in src.parents:
        raise InvalidInputError(f"{out}: the output directory may not contain the C sources")
    root, c_files, headers = _sources(src, out)
    vectors = load_vectors(tests) if tests is not None else None
    _check_out(root, out, force)
    cflags = list(cflags or [])
    per_file = project_flags(root, cflags)
    include = sorted({str(root), *(str(h.parent) for h in headers)})
    base_flags = [f"-I{d}" for d in include] + cflags
    parsed: list[ParsedFile] = []
    for i, f in enumerate(c_files):
        progress("parse", i, len(c_files))
        parsed.append(parse_file(f, per_file.get(f.resolve(), base_flags)))
    progress("parse", len(c_files), len(c_files))
    _prepare_out(root, out, force)

    ctx = ProjectContext(root, parsed)
    ctx.collect()
    items = list(ctx.functions.values())
    for i, item in enumerate(items):
        progress("translate", i, len(items))
        if skeleton_only:
            item.stub_reason = "skeleton only (stage 1)"
            continue
        try:
            tr = FunctionTranslator(ctx, item.cursor)
            item.code = tr.translate()
            item.unsafe = "unsafe {" in item.code
        except Untranslatable as exc:
            item.stub_reason = str(exc)
        except RecursionError:
            item.stub_reason = "expression nested too deeply"
    progress("translate", len(items), len(items))

    asm = Assembler(ctx, out)
    crate = _crate_name(root)
    asm.write(crate)
    repairer = Repairer(asm, out, crate, generator=generator)
    rounds = repairer.run(max_rounds, progress)

    for path in (out / "src").glob("*.rs"):
        rustfmt(path)
    build_ok, build_log = _build(out)
    progress("build", 1, 1)

    test_report = TestReport()
    if vectors is not None:
        progress("test", 0, len(vectors))
        c_exe = build_c(
            c_files, [Path(d) for d in include], cflags, out / "target" / "c-build" / crate
        )
        vectors = record_expected(c_exe, vectors)
        write_file(out / "tests" / "vectors.json", json.dumps(vectors, indent=1))
        if build_ok:
            test_report = run_vectors(out / "target" / "debug" / crate, vectors)
        else:
            test_report.total = sum(1 for v in vectors if not v.get("ub"))
            test_report.failed = test_report.total
        progress("test", len(vectors), len(vectors))

    report = _report(
        ctx,
        items,
        out,
        build_ok,
        build_log,
        test_report,
        rounds,
        time.perf_counter() - t0,
        c_files,
        headers,
        repairer,
        clippy,
    )
    write_file(out / "report.json", json.dumps(report, indent=2))
    write_file(out / "report.md", _markdown(report))
    return TranslationResult(out=out, report=report, build_ok=build_ok, functions=items)


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
            if spans[0].get("file_name") != "src/rt.rs":
                count += 1
    return count


def _report(
    ctx: ProjectContext,
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
    c_lines = sum(len(p.read_text(errors="replace").splitlines()) for p in [*c_files, *headers])
    functions = []
    for item in items:
        tier = "stub" if item.stub_reason else ("unsafe" if item.unsafe else "safe")
        fs = per_fn.get((f"{item.module}.rs", item.rust_name.removeprefix("r#")))
        functions.append(
            {
                "name": item.name,
                "module": item.module,
                "tier": tier,
                "reason": item.stub_reason,
                "uses_runtime_pointers": bool(item.code)
                and not item.stub_reason
                and ("Ptr" in item.code or ".with(" in item.code),
                "bytes": fs.bytes if fs else None,
                "unsafe_bytes": fs.unsafe_bytes if fs else None,
                "repaired": item.name in repairer.repaired,
            }
        )
    warnings = _clippy(out) if build_ok and clippy else None
    rust_lines = sum(
        len(p.read_text().splitlines()) for p in (out / "src").glob("*.rs") if p.name != "rt.rs"
    )
    n = len(functions) or 1
    return {
        "source": str(ctx.root),
        "functions": functions,
        "counts": {
            "functions": len(functions),
            "safe": sum(f["tier"] == "safe" for f in functions),
            "unsafe": sum(f["tier"] == "unsafe" for f in functions),
            "stub": sum(f["tier"] == "stub" for f in functions),
            "not_stubbed_rate": sum(f["tier"] != "stub" for f in functions) / n,
            "runtime_pointer_functions": sum(f["uses_runtime_pointers"] for f in functions),
        },
        "build_ok": build_ok,
        "build_log": "" if build_ok else build_log,
        "repair_rounds": rounds,
        "repair_log": repairer.log,
        "tests": {k: v for k, v in tests.as_dict().items() if k != "outcomes"}
        | {"failures": [o.__dict__ for o in tests.outcomes if o.status not in ("pass",)][:50]},
        "safe_rate": safety.safe_rate,
        "safety": safety.as_dict(),
        "clippy_warnings": warnings,
        "clippy_per_kloc": None
        if warnings is None or not rust_lines
        else round(warnings / rust_lines * 1000, 2),
        "skipped_items": ctx.skipped,
        "c_lines": c_lines,
        "rust_lines": rust_lines,
        "seconds": round(seconds, 2),
        "seconds_per_kloc": round(seconds / max(c_lines, 1) * 1000, 2),
    }


def _markdown(r: dict[str, Any]) -> str:
    c = r["counts"]
    t = r["tests"]
    lines = [
        f"# ferrox c2rust report: `{Path(r['source']).name}`",
        "",
        f"- build: **{'ok' if r['build_ok'] else 'FAILED'}** after {r['repair_rounds']} repair round(s)",
        f"- functions: {c['functions']} — safe {c['safe']}, unsafe {c['unsafe']}, stub {c['stub']} "
        f"(not stubbed {c['not_stubbed_rate']:.1%}; {c['runtime_pointer_functions']} use the runtime's `Ptr`)",
        f"- tests: {t['passed']}/{t['total']} passed ({t['mismatches']} mismatches, {t['panics']} panics, "
        f"{t['timeouts']} timeouts; {t['discarded_ub']} vectors discarded for undefined behaviour in C)",
        f"- SafeRate {r['safe_rate']:.1%} (unsafe bytes {r['safety']['unsafe_bytes']} of {r['safety']['fn_bytes']}, runtime included); "
        f"unsafe lines {r['safety']['unsafe_lines']}, raw-pointer declarations {r['safety']['raw_pointer_decls']}, "
        f"unsafe casts {r['safety']['unsafe_casts']}",
        f"- clippy warnings: {r['clippy_warnings']} ({r['clippy_per_kloc']} per kLoC)",
        f"- {r['c_lines']} C lines → {r['rust_lines']} Rust lines in {r['seconds']} s ({r['seconds_per_kloc']} s per kLoC)",
        "",
        "| function | module | tier | note |",
        "|---|---|---|---|",
    ]
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
        tr = run_vectors(out / "target" / "debug" / crate, load_vectors(vec_path))
        report["tests"] = {k: v for k, v in tr.as_dict().items() if k != "outcomes"} | {
            "failures": [o.__dict__ for o in tr.outcomes if o.status != "pass"][:50]
        }
    report["safety"] = measure(out / "src").as_dict()
    report["safe_rate"] = report["safety"]["safe_rate"]
    write_file(report_path, json.dumps(report, indent=2))
    write_file(out / "report.md", _markdown(report))
    return report
