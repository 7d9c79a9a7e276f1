"""Functions with ``goto``: the statements that hold labels become a control-flow graph.

Only the statements that contain a label are split into basic blocks; everything else is
lowered as structured Rust inside the block that holds it. The blocks run in one
``'cfg: loop { match st { … } }``; a ``goto`` anywhere (however deeply nested) is
``st = K; continue 'cfg;``. Gotos into loops, out of loops and backwards all work.
"""

from __future__ import annotations

from typing import Any

from ferrox.c2rust import cir
from ferrox.c2rust.analysis import walk
from ferrox.c2rust.lower import NotLowered
from ferrox.c2rust.lower import _int_lit as _lit
from ferrox.c2rust.rir import RBlock, RLine, RStmt

__all__ = ["jump", "lower_with_gotos"]


def walk_children(n: object) -> list[object]:
    """The direct statement children of a statement node."""
    out: list[object] = []
    for name in ("items", "then", "other", "body"):
        v = getattr(n, name, None)
        if isinstance(v, tuple):
            out.extend(v)
        elif isinstance(v, cir.Stmt):
            out.append(v)
    if isinstance(n, cir.For) and n.init is not None:
        out.insert(0, n.init)
    return out


def jump(target: int) -> list[RStmt]:
    """Statements that continue at block ``target``."""
    return [RLine(f"st = {target};"), RLine("continue 'cfg;")]


def _has_label(s: cir.Stmt) -> bool:
    return any(isinstance(n, cir.Label | cir.Case | cir.Default) for n in walk(s))


class _Graph:
    def __init__(self, lw: Any) -> None:
        self.lw = lw
        self.blocks: list[list[RStmt]] = [[]]
        self.cur = 0
        self.label_ids: dict[str, int] = {}
        self.case_blocks: list[dict[int, int]] = []

    def new(self) -> int:
        self.blocks.append([])
        return len(self.blocks) - 1

    def label(self, name: str) -> int:
        if name not in self.label_ids:
            self.label_ids[name] = self.new()
        return self.label_ids[name]

    def emit(self, stmts: list[RStmt]) -> None:
        self.blocks[self.cur] += stmts

    def goto(self, target: int) -> None:
        self.emit(jump(target))

    def enter(self, block: int) -> None:
        self.cur = block

    def seq(self, s: cir.Stmt) -> None:
        if isinstance(s, cir.Block):
            for item in s.items:
                self.seq(item)
            return
        if not _has_label(s):
            self.emit(self.lw.stmt(s))
            return
        if isinstance(s, cir.Label):
            target = self.label(s.name)
            self.goto(target)
            self.enter(target)
            self.seq(s.body)
            return
        if isinstance(s, cir.Case | cir.Default):
            if not self.case_blocks or id(s) not in self.case_blocks[-1]:
                raise NotLowered("case label outside its switch")
            target = self.case_blocks[-1][id(s)]
            self.goto(target)
            self.enter(target)
            self.seq(s.body)
            return
        if isinstance(s, cir.If):
            then_b, end_b = self.new(), self.new()
            else_b = self.new() if s.other is not None else end_b
            self.emit([RBlock(f"if {self.lw.cond(s.cond)}", tuple(jump(then_b))), *jump(else_b)])
            self.enter(then_b)
            self.seq(s.then)
            self.goto(end_b)
            if s.other is not None:
                self.enter(else_b)
                self.seq(s.other)
                self.goto(end_b)
            self.enter(end_b)
            return
        if isinstance(s, cir.While | cir.For | cir.DoWhile):
            self.loop(s)
            return
        if isinstance(s, cir.Switch):
            self.switch(s)
            return
        raise NotLowered(f"goto label inside a {type(s).__name__.lower()}")

    def switch(self, s: cir.Switch) -> None:
        """Every case label (however deeply nested in the body) is a block of its own."""
        labels: dict[int, int] = {}
        arms: list[str] = []
        default_block: int | None = None
        end = self.new()
        stack: list[object] = [s.body]
        ct = s.cond.type
        while stack:
            n = stack.pop()
            if isinstance(n, cir.Switch):
                continue
            if isinstance(n, cir.Case | cir.Default):
                labels[id(n)] = b = self.new()
                if isinstance(n, cir.Default):
                    default_block = b
                elif n.high is None:
                    arms.append(f"{_lit(n.value, ct)} => {b},")
                else:
                    arms.append(f"{_lit(n.value, ct)}..={_lit(n.high, ct)} => {b},")
            stack.extend(c for c in reversed(list(walk_children(n))) if isinstance(c, cir.Stmt))
        arms.append(f"_ => {default_block if default_block is not None else end},")
        self.emit(
            [
                RBlock(f"st = match {self.lw.rv(s.cond)}", tuple(RLine(a) for a in arms), ";"),
                RLine("continue 'cfg;"),
            ]
        )
        self.case_blocks.append(labels)
        self.lw.loops.append((f"={end}", None, True))
        self.enter(self.new())  # statements before the first label are unreachable
        self.seq(s.body)
        self.goto(end)
        self.lw.loops.pop()
        self.case_blocks.pop()
        self.enter(end)

    def _structured_switch(self, s: cir.Switch) -> None:
        prefix, sections, arms, default = self.lw.switch_sections(s)
        for p in prefix:
            if isinstance(p, cir.DeclStmt):
                self.emit(self.lw.stmt(p))
        blocks = [self.new() for _ in sections]
        end = self.new()
        targets = [*blocks, end]
        v = self.lw.fresh("sw")
        match = [RLine(a) for a in arms] + [RLine(f"_ => {default},")]
        self.emit([RBlock(f"let {v}: usize = match {self.lw.rv(s.cond)}", tuple(match), ";")])
        table = ", ".join(str(t) for t in targets)
        self.emit([RLine(f"st = [{table}][{v}];"), RLine("continue 'cfg;")])
        self.lw.loops.append((f"={end}", None, True))
        for i, body in enumerate(sections):
            self.enter(blocks[i])
            for b in body:
                self.seq(b)
            self.goto(targets[i + 1])
        self.lw.loops.pop()
        self.enter(end)

    def loop(self, s: cir.While | cir.For | cir.DoWhile) -> None:
        if isinstance(s, cir.For) and s.init is not None:
            self.emit(self.lw.stmt(s.init))
        head, body, step, end = self.new(), self.new(), self.new(), self.new()
        cond = s.cond
        self.goto(body if isinstance(s, cir.DoWhile) else head)
        self.enter(head)
        if cond is None:
            self.goto(body)
        else:
            self.emit([RBlock(f"if {self.lw.cond(cond)}", tuple(jump(body))), *jump(end)])
        self.lw.loops.append((f"={end}", f"={step}", False))
        self.enter(body)
        self.seq(s.body)
        self.goto(step)
        self.lw.loops.pop()
        self.enter(step)
        if isinstance(s, cir.For) and s.step is not None:
            self.emit(self.lw.effect(s.step))
        self.goto(head)
        self.enter(end)


def lower_with_gotos(lw: Any, body: cir.Block) -> list[RStmt]:
    """The function body as a state machine over basic blocks."""
    g = _Graph(lw)
    for n in walk(body):
        if isinstance(n, cir.Label):
            g.label(n.name)
    lw.goto_labels = g.label_ids
    g.seq(body)
    g.emit([RLine("break 'cfg;")])
    arms: list[RStmt] = []
    for i, stmts in enumerate(g.blocks):
        arms.append(RBlock(f"{i} =>", tuple(stmts)))
    arms.append(RLine("_ => unreachable!(),"))
    return [
        RLine("let mut st: u32 = 0;"),
        RBlock("'cfg: loop", (RBlock("match st", tuple(arms)),)),
    ]
