"""``ferrox demo``: each part that exists, working on real input."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from ferrox.cli.context import console
from ferrox.config import Settings
from ferrox.doctor import run_checks
from ferrox.errors import FerroxError

__all__ = ["run_demo"]


def _demo_ad() -> None:
    from ferrox.ad import METHODS, Dual, jacobian
    from ferrox.ad import math as m
    from ferrox.ad.robotics import SerialArm, solve_ik

    console.rule("[bold]ferrox.ad[/bold] — automatic differentiation")
    x = Dual(2.0, 1.0)
    y = x * x + 3.0 * x
    console.print("The report's example: x = Dual(2.0, 1.0); y = x*x + 3.0*x")
    console.print(f"  y.value = {y.value}, y.derivative = {y.derivative}")

    def f(v):
        return [m.sin(v[0] * v[1]) + v[2] ** 3, m.exp(v[0]) / (1.0 + v[1] ** 2)]

    point = [0.5, -1.0, 2.0]
    table = Table(
        title=escape(
            "Jacobian of f(a, b, c) = [sin(a b) + c^3, e^a / (1 + b^2)] "
            f"at {point}, one row per method"
        )
    )
    table.add_column("method")
    table.add_column("J[0]")
    table.add_column("J[1]")
    table.add_column("max |J - J_reverse|", justify="right")
    _, reference = jacobian(f, point, "reverse")
    for method in METHODS:
        _, jac = jacobian(f, point, method)
        table.add_row(
            method,
            "  ".join(f"{v:.6g}" for v in jac[0]),
            "  ".join(f"{v:.6g}" for v in jac[1]),
            f"{np.max(np.abs(jac - reference)):.1e}",
        )
    console.print(table)

    arm = SerialArm.panda()
    rng = np.random.default_rng(0)
    solves = []
    start = time.perf_counter()
    for _ in range(20):
        target = arm.pose(arm.random_configuration(rng))
        solves.append(solve_ik(arm, target, arm.random_configuration(rng), method="compiled"))
    elapsed = time.perf_counter() - start
    ok = sum(r.success for r in solves)
    console.print(
        f"Inverse kinematics, {arm.name}: {ok}/{len(solves)} random targets reached from "
        f"random starts (compiled Jacobians, {1e3 * elapsed / len(solves):.1f} ms per solve "
        "including the one-off trace and compile)"
    )


def _demo_vectordb(settings: Settings) -> None:
    try:
        import ferrox.vectordb as vdb
        from ferrox.errors import DependencyError

        vdb.Collection  # noqa: B018 - the import is the check
    except ImportError:
        console.print("ferrox.vectordb needs its extra: pip install 'ferrox[vectordb]'")
        return
    console.rule("[bold]ferrox.vectordb[/bold] — embedded vector database")
    rng = np.random.default_rng(0)
    n, dim = 20_000, 64
    centers = rng.standard_normal((50, dim)).astype(np.float32)
    topic = rng.integers(0, 50, size=n)
    vectors = centers[topic] + 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
    path = settings.data_dir / "demo-vectordb"
    try:
        with vdb.open(path, sync=False) as db:
            if db.has_collection("demo"):
                db.delete_collection("demo")
            col = db.create_collection("demo", size=dim, full_scan_threshold=1000)
            start = time.perf_counter()
            col.upsert(
                list(range(n)),
                vectors,
                [{"topic": int(t), "odd": bool(i % 2)} for i, t in enumerate(topic)],
            )
            col.create_payload_index("topic", "integer")
            col.build_index()
            built = time.perf_counter() - start
            query = centers[7]
            flt = {
                "must": [
                    {"key": "topic", "match": {"value": 7}},
                    {"key": "odd", "match": {"value": True}},
                ]
            }
            hits = col.search(query, limit=5, filter=flt)
        with vdb.open(path) as db:
            again = db.collection("demo").search(query, limit=5, filter=flt)
    except DependencyError as exc:
        console.print(f"  {exc}")
        return
    console.print(
        f"  {n:,} points ({dim}-d, 50 topics) stored in {path} and indexed (HNSW) in {built:.1f} s"
    )
    console.print(
        "  filtered search (topic 7 and odd id): "
        + ", ".join(f"{h.id} ({h.score:.3f})" for h in hits)
    )
    same = [h.id for h in hits] == [h.id for h in again]
    console.print(f"  reopened from disk, same answer: {same}")


def _demo_rag(settings: Settings) -> None:
    console.rule("[bold]ferrox.rag[/bold]: questions over the local Rust docs")
    try:
        from ferrox.rag import KnowledgeBase
        from ferrox.rag.answer import answer
        from ferrox.rag.sources import rust_docs_root

        root = rust_docs_root()
    except (ImportError, FerroxError) as exc:
        console.print(escape(f"  skipped: {exc} (pip install 'ferrox[rag]')"))
        return
    start = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="ferrox-demo-") as tmp,
        KnowledgeBase(Path(tmp) / "kb", embedder=None) as kb,
    ):
        report = kb.ingest(rust_docs=True, quick=True, dense=False)
        took = time.perf_counter() - start
        console.print(
            f"  BM25 over the Book, Reference, error index and release notes of {root}:\n"
            f"  {report.added} pages, {report.chunks} passages in {took:.1f} s"
        )
        question = "What does error E0382 'use of moved value' mean?"
        reply = answer(kb, question, top_k=3)
        console.print(f"  ask: {question}")
        console.print(escape("  " + reply.answer.replace("\n", "\n  ")[:600]), soft_wrap=True)
        for s in reply.sources:
            console.print(escape(f"    [{s.rank}] {s.title} — {s.path}"), soft_wrap=True)
    console.print(
        "  the full knowledge base (BM25 + dense, ~26k passages): ferrox kb ingest --rust-docs"
    )


_DEMO_C = """#include <stdio.h>
#include <stdlib.h>

struct node { int value; struct node *next; };

struct node *push(struct node *head, int v) {
    struct node *n = malloc(sizeof *n);
    n->value = v;
    n->next = head;
    return n;
}

int main(void) {
    struct node *list = NULL;
    for (int i = 1; i <= 5; i++)
        list = push(list, i * i);
    for (struct node *p = list; p; p = p->next)
        printf("%d ", p->value);
    printf("\\n");
    return 0;
}
"""


def _demo_c2rust() -> None:
    console.rule("[bold]ferrox.c2rust[/bold] — C to safe Rust, no LLM")
    try:
        from ferrox.c2rust import translate
    except (ImportError, FerroxError) as exc:
        console.print(escape(f"  skipped: {exc} (pip install 'ferrox[c2rust]')"))
        return
    with tempfile.TemporaryDirectory(prefix="ferrox-demo-") as tmp:
        src = Path(tmp) / "list"
        src.mkdir()
        (src / "list.c").write_text(_DEMO_C)
        (Path(tmp) / "vectors.json").write_text('[{"args": []}]')
        try:
            result = translate(
                src, Path(tmp) / "list-rs", tests=Path(tmp) / "vectors.json", clippy=False
            )
        except FerroxError as exc:
            console.print(escape(f"  skipped: {exc}"))
            return
        r = result.report
        push = (Path(tmp) / "list-rs" / "src" / "list.rs").read_text()
        start = push.index("pub fn push")
        console.print(
            escape("  " + push[start : push.index("\n}\n", start) + 2].replace("\n", "\n  "))
        )
        console.print(
            f"  build {'ok' if r['build_ok'] else 'FAILED'}, tests {r['tests']['passed']}/"
            f"{r['tests']['total']} against the C build (ASan/UBSan),"
            f" SafeRate {r['safe_rate']:.1%}, {r['seconds']} s"
        )


def run_demo(settings: Settings) -> None:
    """Run every available part's demo, then say where to go next."""
    console.print(Panel.fit("ferrox demo: each part that exists in this version, on real input"))
    _demo_ad()
    _demo_vectordb(settings)
    _demo_rag(settings)
    _demo_c2rust()
    console.rule("[bold]what this machine has[/bold]")
    missing = [c for c in run_checks(settings) if not c.ok]
    if missing:
        for check in missing:
            console.print(escape(f"  missing {check.name}: {check.hint or check.detail}"))
    else:
        console.print("  everything ferrox can use was found ('ferrox doctor' for details)")
    console.rule("[bold]next[/bold]")
    console.print(
        "  ferrox ad diff 'x**2 + 3*x' --at x=2      differentiate an expression\n"
        "  ferrox ad bench                          time every AD method\n"
        "  python examples/ik.py                    7-DOF inverse kinematics, per method\n"
        "  ferrox serve                             the workbench: http://127.0.0.1:6333/app\n"
        "  ferrox db --help                         create, import, search, snapshot, check\n"
        "  ferrox kb ingest --rust-docs             knowledge base over the local Rust docs\n"
        "  ferrox ask '...'                         answers with citations (--json)\n"
        "  ferrox c2rust translate SRC OUT          a C project to a Cargo project\n"
        "  docs/index.md                            what ferrox is and how the parts fit"
    )
