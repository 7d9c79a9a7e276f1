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

__all__ = ["FunctionFacts", "function_facts", "walk"]


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
        elif isinstance(n, cir.Unary) and n.op == "&":
            r = _addressed(n.operand)
            if r is not None:
                facts.in_memory.add(r.key)
        elif isinstance(n, cir.Cast) and isinstance(n.operand.type, cir.Array):
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
        if isinstance(n, cir.Expr) and isinstance(n.type, cir.Pointer | cir.Array):
            facts.uses_pointers = True
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
