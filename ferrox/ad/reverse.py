"""Reverse mode: values recorded on a tape, then swept backwards for gradients.

A :class:`Tape` records, for every primitive applied to its :class:`Var` values, the
argument nodes and the local partials; :meth:`Tape.gradient` and :meth:`Tape.jacobian`
sweep that record backwards. A tape made with ``program=True`` records instead what
:mod:`ferrox.ad.compiled` needs to rebuild the computation: the primitive, its
arguments (nodes or constants), the value, and every comparison with the branch taken.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ferrox.ad.core import ADNumber, apply1, apply2, new_tag, partial, value_of
from ferrox.ad.primitives import Primitive

__all__ = ["Tape", "Var"]


class Tape:
    """An append-only record of operations on :class:`Var` values.

    ``program=True`` records the computation itself (for the compiled mode) instead of
    local derivatives, records comparisons as guards, and makes converting a Var to a
    plain number an error, since the value would escape the record.
    """

    __slots__ = ("args", "guards", "n_inputs", "nodes", "prims", "program", "tag", "values")

    def __init__(self, *, program: bool = False) -> None:
        self.tag = new_tag()
        self.program = program
        self.n_inputs = 0
        # per node: () for an input or constant, (parent, partial) or
        # (parent, partial, parent, partial): flat tuples are the cheapest to build
        self.nodes: list[tuple[Any, ...]] = []
        self.prims: list[Primitive | None] = []
        self.args: list[tuple[Any, ...]] = []
        self.values: list[Any] = []
        self.guards: list[int] = []

    def __len__(self) -> int:
        return len(self.nodes)

    def inputs(self, x: Sequence[Any]) -> np.ndarray:
        """Register the independent variables; returns them as a 1-D object array."""
        if self.nodes:
            raise ValueError("inputs must be registered before any operation")
        # NumPy scalars become Python floats: Python's semantics (errors, not warnings)
        if isinstance(x, np.ndarray) and x.dtype != object:
            values = x.tolist()
        else:
            values = [v.item() if isinstance(v, np.generic) else v for v in x]
        n = len(values)
        self.nodes.extend([_LEAF] * n)
        if self.program:
            self.prims.extend([None] * n)
            self.args.extend([()] * n)
            self.values.extend(values)
        self.n_inputs = n
        # Built slot by slot (calling the class costs a Python __init__ per input) and
        # put in the array with fromiter (assigning a list inspects every item).
        out = []
        append = out.append
        new = object.__new__
        tag = self.tag
        for i, value in enumerate(values):
            v = new(Var)
            v.value = value
            v._tape = self
            v._index = i
            v._tag = tag
            append(v)
        return np.fromiter(out, dtype=object, count=n)

    def _node(self, value: Any, links: tuple[Any, ...]) -> Var:
        self.nodes.append(links)
        return Var(value, self, len(self.nodes) - 1)

    def record(self, prim: Primitive, args: tuple[Any, ...], value: Any) -> Var:
        """Record ``prim`` applied to ``args`` with result ``value`` (program tapes)."""
        self.prims.append(prim)
        self.args.append(args)
        self.values.append(value)
        return self._node(value, ())

    def gradient(self, output: Any, seed: Any = 1.0) -> list[Any]:
        """Adjoints of the inputs for one output: one backward sweep over the tape.

        Adjoints may be any numbers, ferrox numbers included (forward over reverse).
        """
        n = self.n_inputs
        if not (type(output) is Var and output._tape is self):
            return [0.0] * n
        top = output._index
        adj: list[Any] = [0.0] * max(top + 1, n)
        adj[top] = seed
        nodes = self.nodes
        for i in range(top, n - 1, -1):
            a = adj[i]
            if type(a) is float and a == 0.0:
                continue
            links = nodes[i]
            for k in range(0, len(links), 2):
                p = links[k]
                adj[p] = adj[p] + links[k + 1] * a
        return adj[:n]

    def _float_gradient(self, top: int) -> list[float]:
        """Float adjoints of the inputs for output node ``top``.

        Sweeps down from ``top`` only as far as the lowest node reached so far: every
        contribution to a node comes from a higher one, so nothing below that mark can
        be non-zero. For outputs whose dependencies are close together (the usual case)
        this visits about their own dependency cone, not the whole tape.
        """
        n = self.n_inputs
        nodes = self.nodes
        grad = [0.0] * n
        adj = [0.0] * (top + 1)
        adj[top] = 1.0
        low = top
        i = top
        while i >= low:
            a = adj[i]
            if a != 0.0:
                links = nodes[i]
                if len(links) == 2:
                    p = links[0]
                    if p < n:
                        grad[p] += links[1] * a
                    else:
                        adj[p] += links[1] * a
                        if p < low:
                            low = p
                elif links:
                    for k in (0, 2):
                        p = links[k]
                        if p < n:
                            grad[p] += links[k + 1] * a
                        else:
                            adj[p] += links[k + 1] * a
                            if p < low:
                                low = p
            i -= 1
        return grad

    def jacobian(self, outputs: Sequence[Any]) -> np.ndarray:
        """Jacobian of float outputs w.r.t. the inputs: one backward sweep per output
        over the stretch of tape below it that its dependencies span."""
        m, n = len(outputs), self.n_inputs
        jac = np.zeros((m, n))
        for j, o in enumerate(outputs):
            if type(o) is Var and o._tape is self:
                if o._index < n:
                    jac[j, o._index] = 1.0
                else:
                    jac[j] = self._float_gradient(o._index)
        return jac


_LEAF: tuple[Any, ...] = ()


class Var(ADNumber):
    """A value recorded on a :class:`Tape`; gradients come from a backward sweep."""

    __slots__ = ("_index", "_tag", "_tape", "value")

    def __init__(self, value: Any, tape: Tape, index: int) -> None:
        self.value = value
        self._tape = tape
        self._index = index
        self._tag = tape.tag

    @property
    def index(self) -> int:
        """Position of this value on its tape."""
        return self._index

    def __repr__(self) -> str:
        return f"Var({self.value!r}, index={self._index})"

    def _lift1(self, prim: Primitive) -> Var:
        tape = self._tape
        x = self.value
        if tape.program:
            return tape.record(prim, (self,), apply1(prim, x))
        if type(x) is float:
            out = prim.value(x)
            rule = prim.float_rules[0]
        else:
            out = apply1(prim, x)
            rule = prim.rules[0]
        nodes = tape.nodes
        if rule is None:
            nodes.append(_LEAF)
        else:
            # core.partial inlined: one call fewer per operation on the hot path
            try:
                d = rule if type(rule) is float else rule(out, x)
            except ZeroDivisionError:
                d = math.inf
            except (ValueError, OverflowError):
                d = math.nan
            nodes.append((self._index, d))
        return Var(out, tape, len(nodes) - 1)

    def _lift2(self, prim: Primitive, x: Any, y: Any) -> Var:
        tape = self._tape
        x_active = type(x) is Var and x._tape is tape
        y_active = type(y) is Var and y._tape is tape
        xv = x.value if x_active else x
        yv = y.value if y_active else y
        if tape.program:
            return tape.record(prim, (x, y), apply2(prim, xv, yv))
        if type(xv) is float and type(yv) is float:
            out = prim.value(xv, yv)
            rx, ry = prim.float_rules
        else:
            out = apply2(prim, xv, yv)
            rx, ry = prim.rules
        if not x_active or rx is None:
            node = (y._index, partial(ry, out, xv, yv)) if y_active and ry is not None else _LEAF
        elif y_active and ry is not None:
            dx = rx if type(rx) is float else partial(rx, out, xv, yv)
            dy = ry if type(ry) is float else partial(ry, out, xv, yv)
            node = (x._index, dx, y._index, dy)
        else:
            node = (x._index, rx if type(rx) is float else partial(rx, out, xv, yv))
        nodes = tape.nodes
        nodes.append(node)
        return Var(out, tape, len(nodes) - 1)

    def _compare(self, prim: Primitive, x: Any, y: Any) -> bool:
        result = bool(prim.value(value_of(x), value_of(y)))
        tape = self._tape
        if tape.program:
            xv, yv = (a.value if type(a) is Var and a._tape is tape else a for a in (x, y))
            node = tape.record(prim, (x, y), apply2(prim, xv, yv))
            tape.guards.append(node._index)
        return result

    def __float__(self) -> float:
        if self._tape.program:
            from ferrox.errors import TraceError

            raise TraceError(
                "float() of a traced value: the compiled mode cannot follow a value that "
                "leaves the computation; use ferrox.ad.math instead of math"
            )
        return super().__float__()
