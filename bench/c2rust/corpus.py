"""Translate real C programs from Debian source packages (the shared c2rust corpus) and score them.

    python bench/c2rust/corpus.py [--corpus PATH_TO.json] [--dir LAID_OUT_DIR] [--out DIR]
                                  [--only NAME,...] [--jobs N] [--timeout S] [--json FILE]
                                  [--clippy]

The corpus (``dev-core.json``: 60 programs from 26 packages) lives in the project's shared
folder, ``../shared/c2rust-corpus`` next to the repository; a plain clone has no such folder
and the bench says so and exits 0. Programs missing from ``--dir`` are fetched with the
corpus's ``get_corpus.py`` (``apt-get source`` from Debian bookworm); when apt cannot reach
Debian the bench says so and exits 0. The programs' code is never part of this repository.

Every program is translated with no LLM in its own subprocess (a crash or a hang costs that
program only; ``--timeout`` seconds each), its differential tests run against the C build,
and, as a second check, every vector's Rust output is compared with the ``expected.json``
the corpus recorded from a plain gcc build (exit code and SHA-256 of stdout).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import traceback
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "c2rust-corpus"
DEFAULT_CORPUS = SHARED / "dev-core.json"
CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ferrox" / "c2rust-corpus"
)
VECTOR_TIMEOUT_S = 60.0
FETCH_TIMEOUT_S = 3600.0

# failure kinds of one vector (the translator's statuses) as the summary names them
KIND = {
    "not_run": "build failure",
    "panic": "panic",
    "mismatch": "mismatch",
    "timeout": "timeout",
    "limit": "resource limit",
    "killed": "killed by a signal",
}


def program_name(entry: dict[str, Any]) -> str:
    """The folder ``get_corpus.py`` lays a corpus entry out in: ``<package>-<program>``."""
    return f"{entry['package']}-{entry['program']}"


def load_corpus(path: Path) -> list[dict[str, Any]]:
    """The corpus entries (a JSON list of objects with ``package`` and ``program``)."""
    data = json.loads(path.read_text())
    if not isinstance(data, list) or not all("package" in e and "program" in e for e in data):
        raise SystemExit(f"{path}: not a c2rust corpus file (a list of package/program entries)")
    return data


def is_laid_out(entry: dict[str, Any], folder: Path) -> bool:
    """Whether ``folder`` holds the complete layout of ``entry`` (written last by get_corpus)."""
    need = ["compile_commands.json", "vectors.json"] + (
        ["expected.json"] if entry.get("expected") else []
    )
    return all((folder / n).is_file() for n in need)


def fetch_programs(
    corpus: Path, entries: list[dict[str, Any]], dest: Path, *, timeout: float = FETCH_TIMEOUT_S
) -> str | None:
    """Lays ``entries`` out under ``dest`` with the corpus's ``get_corpus.py``; ``None`` on
    success, else why it failed (apt unreachable, no apt-get, a package that did not download)."""
    script = corpus.parent / "get_corpus.py"
    if not script.is_file():
        script = SHARED / "get_corpus.py"
    if not script.is_file():
        return f"no get_corpus.py next to {corpus} or in {SHARED}"
    if shutil.which("apt-get") is None:
        return "apt-get is not installed (get_corpus.py fetches Debian source packages with it)"
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ferrox-corpus-slice-") as tmp:
        slice_path = Path(tmp) / "slice.json"
        slice_path.write_text(json.dumps(entries))
        try:
            proc = subprocess.run(
                [sys.executable, str(script), str(slice_path), str(dest)],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return f"get_corpus.py ran over {timeout:g} s (is deb.debian.org reachable?)"
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        # apt's own "E: ..." / "Err: ..." lines say why; the traceback's last line says what
        apt = [ln.strip() for ln in lines if re.match(r"\s*(E|Err:\d+|W):", ln)][:3]
        why = " | ".join([*apt, *lines[-1:]])
        return f"get_corpus.py failed (apt could not fetch the sources?): {why[-500:]}"
    missing = [program_name(e) for e in entries if not is_laid_out(e, dest / program_name(e))]
    return f"get_corpus.py did not lay out {', '.join(missing)}" if missing else None


def _crate_name(out: Path) -> str | None:
    try:
        name = tomllib.loads((out / "Cargo.toml").read_text())["package"]["name"]
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        return None
    return str(name)


def check_expected(
    prog_dir: Path,
    out: Path,
    vectors: list[dict[str, Any]],
    *,
    built: bool = True,
    timeout: float = VECTOR_TIMEOUT_S,
) -> dict[str, Any] | None:
    """Runs the Rust build on every vector the way the corpus ran the C build (in a copy of
    the program folder, ``LC_ALL=C TZ=UTC``) and compares exit code and stdout's SHA-256
    with ``expected.json``; ``None`` when the corpus recorded no expectations. ``built``
    false (the last build failed) runs nothing: ``target/`` may hold an older binary."""
    exp_path = prog_dir / "expected.json"
    if not exp_path.is_file():
        return None
    expected = json.loads(exp_path.read_text())
    crate = _crate_name(out)
    exe = out / "target" / "debug" / crate if crate else None
    res: dict[str, Any] = {"passed": 0, "total": len(expected), "failures": []}
    for i, (vec, want) in enumerate(zip(vectors, expected, strict=False)):
        if not built or exe is None or not exe.is_file():
            res["failures"].append({"index": i, "status": "not_run", "detail": "no Rust build"})
            continue
        scratch = Path(tempfile.mkdtemp(prefix="ferrox-corpus-run-"))
        try:
            shutil.copytree(prog_dir, scratch, dirs_exist_ok=True)
            env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC", "HOME": str(scratch)}
            try:
                proc = subprocess.run(
                    [str(exe), *vec.get("args", [])],
                    cwd=scratch,
                    input=vec.get("stdin", "").encode(),
                    capture_output=True,
                    timeout=timeout,
                    env=env,
                )
            except subprocess.TimeoutExpired:
                res["failures"].append(
                    {"index": i, "status": "timeout", "detail": f"no exit within {timeout:g} s"}
                )
                continue
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        sha = hashlib.sha256(proc.stdout).hexdigest()
        if proc.returncode == want["exit_code"] and sha == want["stdout_sha256"]:
            res["passed"] += 1
            continue
        status = "panic" if proc.returncode == 101 and b"panicked" in proc.stderr else "mismatch"
        detail = (
            f"exit code {proc.returncode} (want {want['exit_code']}), stdout "
            f"{len(proc.stdout)} bytes (want {want.get('stdout_bytes', '?')})"
            f"{', same bytes' if sha == want['stdout_sha256'] else ''}"
        )
        if status == "panic":
            detail += ": " + " ".join(proc.stderr.decode("utf-8", "replace").split())[:200]
        res["failures"].append({"index": i, "status": status, "detail": detail})
    return res


def _worker(prog_dir: Path, out: Path, result: Path, clippy: bool) -> int:
    """One program, in its own process: translate, then the check against expected.json."""
    from ferrox.c2rust import translate
    from ferrox.errors import FerroxError

    rec: dict[str, Any] = {"status": "ok"}
    try:
        vec_path = prog_dir / "vectors.json"
        r = translate(prog_dir, out, tests=vec_path, force=True, clippy=clippy).report
        rec["report"] = r
        vectors = json.loads(vec_path.read_text())
        rec["expected_check"] = check_expected(prog_dir, out, vectors, built=r["build_ok"])
    except FerroxError as exc:
        rec.update(status="error", error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a translator bug: the run goes on with the next program
        rec.update(
            status="crash",
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc()[-3000:],
        )
    result.write_text(json.dumps(rec, indent=1, default=str))
    return 0


def run_program(
    entry: dict[str, Any], prog_dir: Path, out_root: Path, clippy: bool, timeout: float
) -> dict[str, Any]:
    """Translates one program in a subprocess (killed with its children after ``timeout``)."""
    name = program_name(entry)
    result = out_root / "_results" / f"{name}.json"
    result.parent.mkdir(parents=True, exist_ok=True)
    result.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        str(prog_dir),
        str(out_root / name),
        str(result),
    ] + (["--clippy"] if clippy else [])
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
    )
    try:
        output, _ = proc.communicate(timeout=timeout)
        rec: dict[str, Any] | None = None
        if result.is_file():
            rec = json.loads(result.read_text())
        if rec is None:
            tail = output.decode("utf-8", "replace").strip().splitlines()[-5:]
            rec = {
                "status": "crash",
                "error": f"worker exited {proc.returncode}: " + " | ".join(tail)[-400:],
            }
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        rec = {"status": "timeout", "error": f"translation ran over {timeout:g} s"}
    rec.update(
        name=name,
        package=entry["package"],
        program=entry["program"],
        corpus_c_lines=entry.get("c_lines"),
        wall_s=round(time.perf_counter() - t0, 1),
    )
    return rec


# ---------------------------------------------------------------------- scoring


def passes(rec: dict[str, Any]) -> bool:
    """Built, and every vector that was not discarded passed (at least one ran)."""
    r = rec.get("report")
    if not r or not r["build_ok"]:
        return False
    t = r["tests"]
    return t["total"] > 0 and t["passed"] == t["total"]


def passes_expected(rec: dict[str, Any]) -> bool | None:
    """Every vector matched the corpus's expected.json (``None``: nothing to compare)."""
    e = rec.get("expected_check")
    if rec.get("report") is None:
        return False
    if not e:
        return None
    return e["total"] > 0 and e["passed"] == e["total"]


def short_reason(text: str, width: int = 90) -> str:
    """A failure or stub reason on one line, quoted names elided so reasons group together."""
    text = re.sub(r"'(?!\w+')[^']*'", "'…'", text)  # a quoted name stays: 'setjmp'
    text = re.sub(r"`[^`]*`", "`…`", text)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def failure_kinds(rec: dict[str, Any]) -> Counter[str]:
    """Failure kinds of one program, counted per vector (build failure, panic, mismatch, …)."""
    kinds: Counter[str] = Counter()
    if rec["status"] != "ok":
        kinds["crash" if rec["status"] != "timeout" else "translation timeout"] += 1
        return kinds
    r = rec["report"]
    for f in r["tests"]["failures"]:
        kinds[KIND.get(f["status"], f["status"])] += 1
    if not r["build_ok"] and not kinds:
        kinds["build failure"] += 1
    return kinds


def first_failure(rec: dict[str, Any]) -> str:
    """The first reason the program did not pass, shortened."""
    if rec["status"] != "ok":
        return short_reason(f"{rec['status']}: {rec.get('error', '')}")
    r = rec["report"]
    if not r["build_ok"]:
        log = r.get("build_log") or ""
        err = next((ln for ln in log.splitlines() if ln.startswith("error")), log.strip()[:200])
        return short_reason(f"build: {err}")
    fails = r["tests"]["failures"]
    if fails:
        f = fails[0]
        return short_reason(
            f"#{f['index']} {f['status']}: {(f.get('detail') or '').splitlines()[0] if f.get('detail') else ''}"
        )
    if r["tests"]["total"] == 0:
        return "every vector discarded"
    e = rec.get("expected_check") or {}
    if e.get("failures"):
        f = e["failures"][0]
        return short_reason(f"vs corpus #{f['index']} {f['status']}: {f['detail']}")
    return ""


def row(rec: dict[str, Any]) -> dict[str, str]:
    """One program's line of the table."""
    r = rec.get("report")
    base = {"package": rec["package"], "program": rec["program"]}
    if r is None:
        return base | {
            "C lines": str(rec.get("corpus_c_lines") or ""),
            "build": rec["status"].upper(),
            "tests": "-",
            "vs corpus": "-",
            "discarded": "",
            "fns": "-",
            "stubs": "-",
            "idiom": "-",
            "SafeRate": "-",
            "s/kLoC": "-",
            "first failure": first_failure(rec),
        }
    c, t, e = r["counts"], r["tests"], rec.get("expected_check")
    disc = ""
    if t["discarded_ub"]:
        why = sorted({short_reason(d.get("detail", ""), 50) for d in t.get("discarded", [])} - {""})
        disc = f"{t['discarded_ub']}" + (f" ({'; '.join(why)})" if why else "")
    return base | {
        "C lines": str(r["c_lines"]),
        "build": "ok" if r["build_ok"] else "FAIL",
        "tests": f"{t['passed']}/{t['total']}",
        "vs corpus": f"{e['passed']}/{e['total']}" if e else "-",
        "discarded": disc,
        "fns": str(c["functions"]),
        "stubs": str(c["stub"]),
        "idiom": f"{c['idiomatic_share']:.0%}",
        "SafeRate": f"{r['safe_rate']:.1%}",
        "s/kLoC": f"{r['seconds_per_kloc']:.1f}",
        "first failure": first_failure(rec),
    }


def _pct(a: float, b: float) -> str:
    return f"{a / b:.1%}" if b else "n/a"


def summarize(recs: list[dict[str, Any]], wall: float) -> dict[str, Any]:
    """The run's totals: programs and packages passing, stub rate, SafeRate, s/kLoC, histograms."""
    reports = [r["report"] for r in recs if r.get("report")]
    fns = [f for r in reports for f in r["functions"]]
    translated = [f for f in fns if f["tier"] != "stub"]
    t_bytes = sum(f.get("bytes") or 0 for f in translated)
    t_unsafe = sum(f.get("unsafe_bytes") or 0 for f in translated)
    by_pkg: dict[str, list[bool]] = {}
    for rec in recs:
        by_pkg.setdefault(rec["package"], []).append(passes(rec))
    with_expected = [rec for rec in recs if passes_expected(rec) is not None]
    c_lines = sum(r["c_lines"] for r in reports)
    seconds = sum(r["seconds"] for r in reports)
    stubs = Counter(short_reason(f["reason"] or "?", 80) for f in fns if f["tier"] == "stub")
    kinds: Counter[str] = Counter()
    kind_programs: Counter[str] = Counter()
    for rec in recs:
        k = failure_kinds(rec)
        kinds.update(k)
        kind_programs.update(k.keys())
    return {
        "programs": len(recs),
        "programs_passing": sum(passes(rec) for rec in recs),
        "programs_built": sum(bool(r["build_ok"]) for r in reports),
        "packages": len(by_pkg),
        "packages_passing": sum(all(v) for v in by_pkg.values()),
        "programs_with_expected": len(with_expected),
        "programs_passing_expected": sum(bool(passes_expected(rec)) for rec in with_expected),
        "vectors_passed": sum(r["tests"]["passed"] for r in reports),
        "vectors_total": sum(r["tests"]["total"] for r in reports),
        "vectors_discarded": sum(r["tests"]["discarded_ub"] for r in reports),
        "functions": len(fns),
        "functions_translated": len(translated),
        "idiomatic_translated": sum(not f["uses_runtime_pointers"] for f in translated),
        "safe_rate": (1 - t_unsafe / t_bytes) if t_bytes else 0.0,
        "c_lines": c_lines,
        "seconds": round(seconds, 1),
        "seconds_per_kloc": round(seconds / c_lines * 1000, 2) if c_lines else None,
        "wall_seconds": round(wall, 1),
        "stub_reasons": dict(stubs.most_common()),
        "failure_kinds_vectors": dict(kinds.most_common()),
        "failure_kinds_programs": dict(kind_programs.most_common()),
    }


def summary_lines(s: dict[str, Any]) -> list[str]:
    """The summary as printable lines."""
    return [
        f"programs passing all their vectors: {s['programs_passing']}/{s['programs']} = "
        f"{_pct(s['programs_passing'], s['programs'])} (built {s['programs_built']})",
        f"packages all of whose programs pass: {s['packages_passing']}/{s['packages']} = "
        f"{_pct(s['packages_passing'], s['packages'])}",
        f"second check, Rust output vs the corpus's expected.json: "
        f"{s['programs_passing_expected']}/{s['programs_with_expected']} programs = "
        f"{_pct(s['programs_passing_expected'], s['programs_with_expected'])}",
        f"vectors passing {s['vectors_passed']}/{s['vectors_total']} "
        f"({s['vectors_discarded']} discarded: the C build misbehaved)",
        f"functions translated (not stubs): {s['functions_translated']}/{s['functions']} = "
        f"{_pct(s['functions_translated'], s['functions'])}",
        f"idiomatic share over translated functions: {s['idiomatic_translated']}/"
        f"{s['functions_translated']} = {_pct(s['idiomatic_translated'], s['functions_translated'])}",
        f"SafeRate over translated code: {s['safe_rate']:.2%}",
        f"time {s['seconds']} s over {s['c_lines']} C lines = {s['seconds_per_kloc']} s per kLoC "
        f"(wall {s['wall_seconds']} s)",
    ]


# ---------------------------------------------------------------------- output


class Printer:
    """Tables and the progress bar through rich when it is installed, plain text otherwise."""

    def __init__(self) -> None:
        try:
            from rich.console import Console
        except ImportError:  # rich is a dependency of ferrox, but the bench may run without it
            self.console = None
        else:
            # piped output (CI logs, tee) gets wide tables rather than rich's 80 columns
            self.console = Console(width=None if sys.stdout.isatty() else 200)

    def say(self, text: str) -> None:
        """One line of output."""
        if self.console is not None:
            self.console.print(text, markup=False, highlight=False)
        else:
            print(text, flush=True)

    def table(self, title: str, rows: list[dict[str, str]]) -> None:
        """A table of ``rows`` (all with the same keys)."""
        if not rows:
            return
        if self.console is None:
            self.say(title)
            self.say(" | ".join(rows[0]))
            for r in rows:
                self.say(" | ".join(r.values()))
            return
        from rich.table import Table

        t = Table(title=title, title_justify="left")
        for k in rows[0]:
            right = k not in ("package", "program", "first failure", "discarded", "reason", "kind")
            t.add_column(k, justify="right" if right else "left", overflow="fold")
        for r in rows:
            t.add_row(*r.values())
        self.console.print(t)

    def histogram(
        self, title: str, counts: dict[str, int], key: str, extra: dict[str, int] | None = None
    ) -> None:
        """A histogram as a table, largest first."""
        rows = [
            {key: k, "count": str(v)}
            | ({"programs": str(extra.get(k, 0))} if extra is not None else {})
            for k, v in counts.items()
        ]
        if rows:
            self.table(title, rows)
        else:
            self.say(f"{title}: none")


def run_all(
    jobs: list[tuple[dict[str, Any], Path]],
    out_root: Path,
    clippy: bool,
    timeout: float,
    workers: int,
    printer: Printer,
) -> list[dict[str, Any]]:
    """Runs every program (``workers`` at a time) under a progress bar; a line as each ends."""
    recs: list[dict[str, Any]] = []

    def line(rec: dict[str, Any]) -> str:
        r = row(rec)
        return (
            f"{r['package']:<14} {r['program']:<34} {r['C lines']:>6} C  build {r['build']:<5} "
            f"tests {r['tests']:<6} corpus {r['vs corpus']:<6} stubs {r['stubs']}/{r['fns']} "
            f"SafeRate {r['SafeRate']}  {r['s/kLoC']} s/kLoC  {r['first failure']}"
        )

    def done(rec: dict[str, Any], advance: Any) -> None:
        recs.append(rec)
        printer.say(line(rec))
        advance()

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futs = [pool.submit(run_program, e, d, out_root, clippy, timeout) for e, d in jobs]
        if printer.console is not None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=printer.console,
            ) as bar:
                task = bar.add_task("translating", total=len(futs))
                for fut in as_completed(futs):
                    done(fut.result(), lambda: bar.advance(task))
        else:
            for fut in as_completed(futs):
                done(fut.result(), lambda: None)
    return sorted(recs, key=lambda r: r["name"])


def select(entries: list[dict[str, Any]], only: str | None) -> list[dict[str, Any]]:
    """The entries ``--only`` names (``<package>-<program>`` folders or whole packages)."""
    if not only:
        return entries
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    names = {program_name(e) for e in entries}
    packages = {e["package"] for e in entries}
    unknown = [w for w in wanted if w not in names and w not in packages]
    if unknown:
        raise SystemExit(
            f"--only: not in the corpus: {', '.join(unknown)} (names look like "
            f"{next(iter(sorted(names)), 'jsmn-simple')}, or give a package)"
        )
    return [e for e in entries if program_name(e) in wanted or e["package"] in wanted]


def main(argv: Iterable[str] | None = None) -> int:
    """The bench's command line; returns the exit status."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus JSON (default: %(default)s)"
    )
    ap.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="laid-out programs (default: a cache folder per corpus)",
    )
    ap.add_argument(
        "--out", type=Path, default=None, help="translations (default: a fresh temporary folder)"
    )
    ap.add_argument(
        "--only", default=None, help="comma-separated <package>-<program> names or packages"
    )
    ap.add_argument(
        "--jobs", type=int, default=1, help="programs at a time (cargo already uses every core)"
    )
    ap.add_argument(
        "--timeout", type=float, default=900.0, help="seconds per program (default: %(default)s)"
    )
    ap.add_argument(
        "--json",
        type=Path,
        default=None,
        help="everything as JSON (default: OUT/corpus-report.json)",
    )
    ap.add_argument("--clippy", action="store_true", help="count clippy warnings too (slower)")
    ap.add_argument("--worker", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.worker:
        return _worker(*args.worker, clippy=args.clippy)

    printer = Printer()
    if not args.corpus.is_file():
        printer.say(
            f"no corpus at {args.corpus}: the Debian C corpus lives in the project's shared "
            f"folder ({SHARED}), which a clone of the repository does not have; nothing to run"
        )
        return 0
    entries = select(load_corpus(args.corpus), args.only)
    prog_root = (args.dir or CACHE / args.corpus.stem).resolve()
    missing = [e for e in entries if not is_laid_out(e, prog_root / program_name(e))]
    if missing:
        printer.say(
            f"fetching {len(missing)} program(s) into {prog_root} with get_corpus.py "
            f"(apt-get source from Debian bookworm; the first run downloads the package index)"
        )
        err = fetch_programs(args.corpus, missing, prog_root)
        if err:
            printer.say(f"could not fetch the corpus: {err}")
    ready = [e for e in entries if is_laid_out(e, prog_root / program_name(e))]
    if not ready:
        printer.say("no corpus programs available (apt could not fetch them); nothing to run")
        return 0
    if len(ready) < len(entries):
        skipped = sorted({program_name(e) for e in entries} - {program_name(e) for e in ready})
        printer.say(
            f"skipping {len(skipped)} program(s) that are not laid out: {', '.join(skipped)}"
        )

    out_root = (args.out or Path(tempfile.mkdtemp(prefix="ferrox-c2rust-corpus-"))).resolve()
    out_root.mkdir(parents=True, exist_ok=True)
    printer.say(
        f"{len(ready)} programs from {len({e['package'] for e in ready})} packages "
        f"({prog_root}) -> {out_root}, {args.jobs} at a time"
    )
    t0 = time.perf_counter()
    recs = run_all(
        [(e, prog_root / program_name(e)) for e in ready],
        out_root,
        args.clippy,
        args.timeout,
        args.jobs,
        printer,
    )
    s = summarize(recs, time.perf_counter() - t0)

    printer.table("programs", [row(r) for r in recs])
    printer.histogram("stub reasons (functions)", s["stub_reasons"], "reason")
    printer.histogram(
        "failure kinds (vectors; programs affected)",
        s["failure_kinds_vectors"],
        "kind",
        s["failure_kinds_programs"],
    )
    for ln in summary_lines(s):
        printer.say(ln)
    json_path = args.json or out_root / "corpus-report.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(
        json.dumps(
            {
                "corpus": str(args.corpus),
                "dir": str(prog_root),
                "out": str(out_root),
                "summary": s,
                "programs": recs,
            },
            indent=1,
            default=str,
        )
    )
    printer.say(f"report in {json_path}; translations in {out_root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
