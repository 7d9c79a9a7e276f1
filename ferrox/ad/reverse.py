"""Reverse mode: values recorded on a tape, then swept backwards for gradients.

A :class:`Tape` records, for every primitive applied to its :class:`Var` values, the
argument nodes and the local partials; :meth:`Tape.gradient` and :meth:`Tape.jacobian`
sweep that record backwards. A tape made with ``program=True`` records instead what
:mod:`ferrox.ad.compiled` needs to rebuild the computation: the primitive, its
arguments (nodes or constants), the value, and every comparison with the branch taken.
"""

from __future__ import annotations

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

    __slots__ = ("args", "guards", "n_inputs", "parents", "partials", "prims", "program",
                 "tag", "values")

    def __init__(self, *, program: bool = False) -> None:
        self.tag = new_tag()
        self.program = program
        self.n_inputs = 0
        self.parents: list[tuple[int, ...]] = []
        self.partials: list[tuple[Any, ...]] = []
        self.prims: list[Primitive | None] = []
        self.args: list[tuple[Any, ...]] = []
        self.values: list[Any] = []
        self.guards: list[int] = []

    def __len__(self) -> int:
        return len(self.parents)

    def inputs(self, x: Sequence[Any]) -> np.ndarray:
        """Register the independent variables; returns them as a 1-D object array."""
        if self.parents:
            raise ValueError("inputs must be registered before any operation")
        out = np.empty(len(x), dtype=object)
        for i, xi in enumerate(x):
            if isinstance(xi, np.generic):
                xi = xi.item()  # Python float semantics (errors, not warnings)
            out[i] = self._node(xi, (), ())
            if self.program:
                self.prims.append(None)
                self.args.append(())
                self.values.append(xi)
        self.n_inputs = len(x)
        return out

    def _node(self, value: Any, parents: tuple[int, ...], partials: tuple[Any, ...]) -> Var:
        index = len(self.parents)
        self.parents.append(parents)
        self.partials.append(partials)
        return Var(value, self, index)

    def record(self, prim: Primitive, args: tuple[Any, ...], value: Any) -> Var:
        """Record ``prim`` applied to ``args`` with result ``value`` (program tapes)."""
        parents = tuple(a._index for a in args if type(a) is Var and a._tape is self)
        self.prims.append(prim)
        self.args.append(args)
        self.values.append(value)
        return self._node(value, parents, ())

    def gradient(self, output: Any, seed: Any = 1.0) -> list[Any]:
        """Adjoints of the inputs for one output: one backward sweep over the tape."""
        n = self.n_inputs
        if not (type(output) is Var and output._tape is self):
            return [0.0] * n
        top = output._index
        adj: list[Any] = [0.0] * max(top + 1, n)
        adj[top] = seed
        parents, partials = self.parents, self.partials
        for i in range(top, n - 1, -1):
            a = adj[i]
            if type(a) is float and a == 0.0:
                continue
            ps = parents[i]
            if len(ps) == 1:
                p = ps[0]
                adj[p] = adj[p] + partials[i][0] * a
            elif ps:
                d0, d1 = partials[i]
                p0, p1 = ps
                adj[p0] = adj[p0] + d0 * a
                adj[p1] = adj[p1] + d1 * a
        return adj[:n]

    def jacobian(self, outputs: Sequence[Any]) -> np.ndarray:
        """Jacobian of float outputs w.r.t. the inputs: one vector-adjoint sweep."""
        m, n = len(outputs), self.n_inputs
        active = [(j, o._index) for j, o in enumerate(outputs)
                  if type(o) is Var and o._tape is self]
        if not active:
            return np.zeros((m, n))
        if m == 1:
            return np.asarray([self.gradient(outputs[0])], dtype=float)
        top = max(i for _, i in active)
        adj = np.zeros((max(top + 1, n), m))
        live = np.zeros(max(top + 1, n), dtype=bool)
        for j, i in active:
            adj[i, j] += 1.0
            live[i] = True
        parents, partials = self.parents, self.partials
        for i in range(top, n - 1, -1):
            if not live[i]:
                continue
            row = adj[i]
            for p, d in zip(parents[i], partials[i], strict=True):
                adj[p] += d * row
                live[p] = True
        return np.ascontiguousarray(adj[:n].T)


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
        out = apply1(prim, x)
        if tape.program:
            return tape.record(prim, (self,), out)
        rule = prim.rules[0]
        if rule is None:
            return tape._node(out, (), ())
        return tape._node(out, (self._index,), (partial(rule, out, x),))

    def _lift2(self, prim: Primitive, x: Any, y: Any) -> Var:
        tape = self._tape
        x_active = type(x) is Var and x._tape is tape
        y_active = type(y) is Var and y._tape is tape
        xv = x.value if x_active else x
        yv = y.value if y_active else y
        out = apply2(prim, xv, yv)
        if tape.program:
            return tape.record(prim, (x, y), out)
        rx, ry = prim.rules
        if x_active and rx is not None:
            if y_active and ry is not None:
                return tape._node(out, (x._index, y._index),
                                  (partial(rx, out, xv, yv), partial(ry, out, xv, yv)))
            return tape._node(out, (x._index,), (partial(rx, out, xv, yv),))
        if y_active and ry is not None:
            return tape._node(out, (y._index,), (partial(ry, out, xv, yv),))
        return tape._node(out, (), ())

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
