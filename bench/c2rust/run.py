"""Translate the whole c2rust corpus with no LLM and print the issue's metrics per project.

    python bench/c2rust/run.py [--projects DIR] [--out DIR] [--no-clippy]

Peers: the rule-based c2rust transpiler and LLM systems (EvoC2Rust, C2SaferRust) are not
installable on these offline machines (crates.io and model hubs are unreachable), so
their published figures are quoted in docs/benchmarks.md instead of re-measured.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ferrox.c2rust import translate

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=Path, default=ROOT / "tests" / "c2rust" / "projects")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--no-clippy", action="store_true")
    args = ap.parse_args()
    out_root = args.out or Path(tempfile.mkdtemp(prefix="ferrox-c2rust-bench-"))
    rows = []
    t0 = time.perf_counter()
    for proj in sorted(p for p in args.projects.iterdir() if p.is_dir()):
        vec = proj / "vectors.json"
        r = translate(
            proj,
            out_root / proj.name,
            tests=vec if vec.exists() else None,
            force=True,
            clippy=not args.no_clippy,
        ).report
        rows.append((proj.name, r))
    wall = time.perf_counter() - t0
    head = "| project | C lines | fns | stub | unsafe | build | tests | SafeRate | clippy/kLoC | s/kLoC |"
    print(head)
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    tot = dict(
        lines=0,
        fns=0,
        stub=0,
        unsafe=0,
        built=0,
        passed=0,
        total=0,
        fn_bytes=0,
        unsafe_bytes=0,
        clippy=0,
        rust=0,
        secs=0.0,
    )
    for name, r in rows:
        c, t, s = r["counts"], r["tests"], r["safety"]
        print(
            f"| {name} | {r['c_lines']} | {c['functions']} | {c['stub']} | {c['unsafe']} | "
            f"{'ok' if r['build_ok'] else 'FAIL'} | {t['passed']}/{t['total']} | {r['safe_rate']:.3f} | "
            f"{r['clippy_per_kloc']} | {r['seconds_per_kloc']} |"
        )
        tot["lines"] += r["c_lines"]
        tot["fns"] += c["functions"]
        tot["stub"] += c["stub"]
        tot["unsafe"] += c["unsafe"]
        tot["built"] += bool(r["build_ok"])
        tot["passed"] += t["passed"]
        tot["total"] += t["total"]
        tot["fn_bytes"] += s["fn_bytes"]
        tot["unsafe_bytes"] += s["unsafe_bytes"]
        tot["clippy"] += r["clippy_warnings"] or 0
        tot["rust"] += r["rust_lines"]
        tot["secs"] += r["seconds"]
    n = len(rows)
    print()
    print(f"projects {n}, C lines {tot['lines']}, functions {tot['fns']}")
    print(f"project build rate {tot['built'] / n:.1%}")
    print(
        f"functions not stubbed {(tot['fns'] - tot['stub']) / tot['fns']:.1%} ({tot['unsafe']} unsafe tier)"
    )
    print(
        f"test vectors passing {tot['passed']}/{tot['total']} = {tot['passed'] / max(tot['total'], 1):.1%}"
    )
    print(
        f"SafeRate (all projects, runtime counted once per project) {1 - tot['unsafe_bytes'] / tot['fn_bytes']:.4f}"
    )
    if not args.no_clippy:
        print(
            f"clippy warnings {tot['clippy']} over {tot['rust']} Rust lines = {tot['clippy'] / tot['rust'] * 1000:.1f} per kLoC"
        )
    print(
        f"translation time {tot['secs']:.1f} s = {tot['secs'] / tot['lines'] * 1000:.1f} s per kLoC of C (wall {wall:.1f} s, builds and tests included)"
    )
    print(f"outputs in {out_root}")


if __name__ == "__main__":
    main()
