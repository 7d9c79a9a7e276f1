"""Whole-program and per-function facts the lowering needs before it emits anything.

- which locals must live in memory (their address is taken, or they are arrays/records);
- which functions are used as values (they get a function-pointer id and take part in
  the dispatchers of their signature);
- which functions use ``goto`` (they are lowered through a control-flow graph);
- which pointer-free functions can be written as plain Rust (the idiomatic share).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass

from ferrox.c2rust import cir

__all__ = ["FunctionFacts", "function_facts", "pure_functions", "walk"]


def walk(node: object) -> Iterator[object]:
    """Every IR node under ``node`` (expressions, statements, locals), pre-order."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, tuple | list):
            stack.extend(reversed(n))
            continue
        if not is_dataclass(n) or isinstance(n, cir.CType | cir.FieldDef):
            continue
        for f in fields(n):
            if f.name in ("type", "field"):
                continue
            v = getattr(n, f.name)
            if isinstance(v, cir.Expr | cir.Stmt | cir.LocalVar | tuple | list):
                stack.append(v)


@dataclass
class FunctionFacts:
    """What one function's body needs."""

    locals: dict[str, cir.LocalVar] = field(default_factory=dict)
    in_memory: set[str] = field(default_factory=set)
    address_taken_functions: set[str] = field(default_factory=set)
    called: set[str] = field(default_factory=set)
    uses_goto: bool = False
    needs_frame: bool = False
    uses_pointers: bool = False
    touches_statics: bool = False


def _addressed(e: cir.Expr) -> cir.Ref | None:
    while isinstance(e, cir.Member) and not e.arrow:
        e = e.base
    return e if isinstance(e, cir.Ref) and e.kind == "local" else None


def function_facts(fn: cir.FuncDef) -> FunctionFacts:
    """Locals, memory-resident locals, function values and control flow of ``fn``."""
    facts = FunctionFacts()
    for p in fn.params:
        facts.locals[p.key] = p
    for n in walk(fn.body):
        if isinstance(n, cir.LocalVar):
            facts.locals[n.key] = n
            if isinstance(n.type, cir.Array | cir.Record):
                facts.in_memory.add(n.key)
        elif (isinstance(n, cir.Unary) and n.op == "&") or (
            isinstance(n, cir.Cast) and isinstance(n.operand.type, cir.Array)
        ):
            r = _addressed(n.operand)
            if r is not None:
                facts.in_memory.add(r.key)
        elif isinstance(n, cir.Goto | cir.Label):
            facts.uses_goto = True
        elif isinstance(n, cir.CompoundLit):
            facts.needs_frame = True
        elif isinstance(n, cir.Call):
            callee = n.callee
            if isinstance(callee, cir.Cast):
                callee = callee.operand
            if isinstance(callee, cir.Ref) and callee.kind == "function":
                facts.called.add(callee.key)
                if callee.name in ("alloca", "__builtin_alloca"):
                    facts.needs_frame = True
        if isinstance(n, cir.Expr) and isinstance(n.type, cir.Pointer | cir.Array | cir.Record):
            facts.uses_pointers = True
        if isinstance(n, cir.StrLit | cir.VaArg | cir.CompoundLit) or (
            isinstance(n, cir.Ref) and n.kind == "global"
        ):
            facts.touches_statics = True
    for p in fn.params:
        if isinstance(p.type, cir.Record | cir.Pointer):
            facts.uses_pointers = True
            if isinstance(p.type, cir.Record):
                facts.in_memory.add(p.key)
    if facts.in_memory:
        facts.needs_frame = True
    # a function used as a value: any reference that is not the callee of a direct call
    callees = set()
    for n in walk(fn.body):
        if isinstance(n, cir.Call):
            c = n.callee.operand if isinstance(n.callee, cir.Cast) else n.callee
            callees.add(id(c))
    for n in walk(fn.body):
        if isinstance(n, cir.Ref) and n.kind == "function" and id(n) not in callees:
            facts.address_taken_functions.add(n.key)
    return facts


def pure_functions(prog: cir.Program, is_pure_libc: object) -> set[str]:
    """Functions that never touch C memory, directly or through what they call: they are
    written as plain Rust without the memory parameter. Functions used as values keep the
    uniform signature of their function-pointer type."""
    facts = {k: function_facts(f) for k, f in prog.functions.items() if f.body is not None}
    taken: set[str] = set()
    for f in facts.values():
        taken |= f.address_taken_functions
    for g in prog.globals.values():
        if g.init is not None:
            taken |= {
                n.key for n in walk(g.init) if isinstance(n, cir.Ref) and n.kind == "function"
            }
    pure = {
        k
        for k, f in facts.items()
        if not (f.uses_pointers or f.in_memory or f.touches_statics or f.needs_frame)
        and k not in taken
        and prog.functions[k].name != "main"
        and not prog.functions[k].type.variadic
        and prog.functions[k].error is None
    }
    changed = True
    while changed:
        changed = False
        for k in list(pure):
            for callee in facts[k].called:
                fn = prog.functions.get(callee)
                ok = (
                    callee in pure
                    if fn is not None and fn.body is not None
                    else (
                        fn is not None and is_pure_libc(fn.name)  # type: ignore[operator]
                    )
                )
                if not ok:
                    pure.discard(k)
                    changed = True
                    break
    return pure
