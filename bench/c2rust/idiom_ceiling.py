"""How far a borrowed-view tier could take the idiomatic share, and what stops the rest.

    python bench/c2rust/idiom_ceiling.py [--dir LAID_OUT_CORPUS]

For every function the translator emits (the reachable functions of each laid-out corpus
program, e.g. ``/tmp/corpus`` from ``get_corpus.py``), the check asks whether it could be
written over Rust references and slices alone, with the memory runtime marshalling at the
boundary: pointer parameters to scalars used as slices (``*p``, ``p[i]``, ``p++``) or to
records whose used fields are scalars (``p->n``), null tests, scalar and scalar-array
locals, calls only to such functions or to memory-free libc. Anything else is the first
reason counted (a function that calls one that fails is "calls a function outside the
tier"). This is an upper bound of that design, not a translation: it says which
constructs a typed ownership model has to cover before the share can reach 50%.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ferrox.c2rust import cir
from ferrox.c2rust.analysis import pure_functions
from ferrox.c2rust.cbuild import project_units
from ferrox.c2rust.crate import _reachable
from ferrox.c2rust.frontend import build_program
from ferrox.c2rust.lower import _pure_libc
from ferrox.c2rust.project import _as_built, _project_files

SCALAR = (cir.IntT, cir.FloatT)


def _children(n: object) -> list[object]:
    if isinstance(n, tuple | list):
        return list(n)
    if not is_dataclass(n) or isinstance(n, cir.CType | cir.FieldDef):
        return []
    kids = (getattr(n, f.name) for f in fields(n) if f.name not in ("type", "field"))
    return [v for v in kids if isinstance(v, cir.Expr | cir.Stmt | cir.LocalVar | tuple | list)]


def _with_parents(root: object) -> Iterator[tuple[object, object]]:
    stack: list[tuple[object, object]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        owner = parent if isinstance(node, tuple | list) else node
        stack.extend((c, owner) for c in _children(node))


def _param_use(use: object, ref: cir.Ref) -> str | None:
    """Why this use of a pointer parameter is outside the tier (None: inside)."""
    if isinstance(use, cir.Member) and use.arrow and use.base is ref:
        ft = use.field.type
        if isinstance(ft, cir.Pointer):
            return "reads a pointer field (linked data: needs ownership inference)"
        if isinstance(ft, cir.Record):
            return "nested record field"
        if isinstance(ft, cir.Array) and not isinstance(ft.elem, SCALAR):
            return "array field of non-scalars"
        return None
    if (isinstance(use, cir.Unary) and use.op == "*") or (
        isinstance(use, cir.Index) and use.base is ref
    ):
        return None if isinstance(use.type, SCALAR) else "dereference to a non-scalar"
    if isinstance(use, cir.Binary) and use.op in ("==", "!=", "+", "-"):
        return None
    if isinstance(use, cir.IncDec | cir.Call) or (isinstance(use, cir.Unary) and use.op == "!"):
        return None
    if isinstance(use, cir.Cast) and (
        use.type == ref.type or (isinstance(use.type, cir.IntT) and use.type.boolean)
    ):
        return None
    return f"pointer parameter used in {type(use).__name__}"


def outside_reason(prog: cir.Program, fn: cir.FuncDef, tier: set[str]) -> str | None:
    """The first construct of ``fn`` outside the tier, or None."""
    if fn.name == "main":
        return "main (argv)"
    if fn.type.variadic:
        return "variadic"
    if isinstance(fn.type.ret, cir.Pointer | cir.Record):
        return "returns a pointer or a record"
    params = {p.key for p in fn.params if isinstance(p.type, cir.Pointer)}
    for p in fn.params:
        if isinstance(p.type, cir.Record):
            return "record passed by value"
        if isinstance(p.type, cir.Pointer) and isinstance(
            p.type.pointee, cir.Pointer | cir.Void | cir.FuncT
        ):
            return "parameter is void *, a pointer to a pointer or a function pointer"
    for node, parent in _with_parents(fn.body):
        if isinstance(node, cir.LocalVar):
            if isinstance(node.type, cir.Pointer):
                return "local pointer variable"
            if isinstance(node.type, cir.Record):
                return "local record"
            if isinstance(node.type, cir.Array) and not isinstance(node.type.elem, SCALAR):
                return "local array of non-scalars"
        elif isinstance(node, cir.Ref):
            if node.kind == "global":
                return "uses a global"
            if node.kind == "local" and node.key in params:
                why = _param_use(parent, node)
                if why:
                    return why
        elif isinstance(node, cir.StrLit):
            return "string literal"
        elif isinstance(node, cir.VaArg | cir.CompoundLit | cir.Goto | cir.Label):
            return type(node).__name__
        elif isinstance(node, cir.Unary) and node.op == "&":
            return "takes an address"
        elif isinstance(node, cir.Call):
            c = node.callee.operand if isinstance(node.callee, cir.Cast) else node.callee
            if not (isinstance(c, cir.Ref) and c.kind == "function"):
                return "call through a function pointer"
            callee = prog.functions.get(c.key)
            if callee is not None and callee.body is not None:
                if c.key not in tier:
                    return "calls a function outside the tier"
            elif not _pure_libc(c.name):
                return "calls libc that touches memory or state"
    return None


def measure(folder: Path) -> tuple[int, int, int, Counter[str]]:
    """(functions, inside the tier, pure today, reasons) for one laid-out program."""
    root, units, _ = project_units(folder, [])
    prog = build_program(
        [(u.path, [*u.flags, *_as_built(u)], u.name_as_built) for u in units], root
    )
    fns = _reachable(prog, _project_files(root, prog))
    tier = {f.key for f in fns}
    reasons: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for f in fns:
            if f.key in tier and (why := outside_reason(prog, f, tier)) is not None:
                tier.discard(f.key)
                reasons[f.key] = why
                changed = True
    pure = pure_functions(prog, _pure_libc)
    return len(fns), len(tier), sum(f.key in pure for f in fns), Counter(reasons.values())


def main() -> int:
    """Prints a line per program, the totals and the reasons."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/corpus"))
    args = ap.parse_args()
    if not args.dir.is_dir():
        print(f"{args.dir}: no laid-out corpus (run get_corpus.py first); nothing measured")
        return 0
    total, inside, pure, reasons = 0, 0, 0, Counter[str]()
    for folder in sorted(p for p in args.dir.iterdir() if (p / "compile_commands.json").is_file()):
        n, k, p, r = measure(folder)
        total, inside, pure = total + n, inside + k, pure + p
        reasons.update(r)
        print(f"{folder.name:45s} {n:5d} functions · tier {k:4d} · pure today {p:4d}", flush=True)
    print(
        f"\n{total} functions: pure today {pure} ({pure / total:.1%}), "
        f"borrowed-view tier at most {inside} ({inside / total:.1%})"
    )
    for why, count in reasons.most_common():
        print(f"{count:6d}  {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
