"""Reverse mode: values recorded on a tape, then swept backwards for gradients.

A :class:`Tape` records every primitive applied to its :class:`Var` values: the
primitive, its arguments (tape nodes or constants), the value, and the local partials.
The same record is what :mod:`ferrox.ad.compiled` turns into a flat program, so a tape
made with ``guards=True`` also records each comparison and the branch it took.
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

    ``partials=False`` skips computing local derivatives (tracing for the compiled
    mode only needs the graph); ``guards=True`` records comparisons; ``tracing=True``
    makes converting a Var to a plain number an error, since the value would escape.
    """

    __slots__ = (
        "args",
        "guards",
        "n_inputs",
        "parents",
        "partials",
        "prims",
        "tag",
        "tracing",
        "values",
        "want_partials",
    )

    def __init__(
        self, *, partials: bool = True, guards: bool = False, tracing: bool = False
    ) -> None:
        self.tag = new_tag()
        self.prims: list[Primitive | None] = []
        self.args: list[tuple[Any, ...]] = []
        self.values: list[Any] = []
        self.parents: list[tuple[int, ...]] = []
        self.partials: list[tuple[Any, ...]] = []
        self.guards: list[int] | None = [] if guards else None
        self.want_partials = partials
        self.tracing = tracing
        self.n_inputs = 0

    def __len__(self) -> int:
        return len(self.values)

    def inputs(self, x: Sequence[Any]) -> np.ndarray:
        """Register the independent variables; returns them as a 1-D object array."""
        if self.values:
            raise ValueError("inputs must be registered before any operation")
        out = np.empty(len(x), dtype=object)
        for i, xi in enumerate(x):
            if isinstance(xi, np.generic):
                xi = xi.item()  # Python float semantics (errors, not warnings)
            out[i] = self._push(None, (), xi, (), ())
        self.n_inputs = len(x)
        return out

    def _push(
        self,
        prim: Primitive | None,
        args: tuple[Any, ...],
        value: Any,
        parents: tuple[int, ...],
        partials: tuple[Any, ...],
    ) -> Var:
        index = len(self.values)
        self.prims.append(prim)
        self.args.append(args)
        self.values.append(value)
        self.parents.append(parents)
        self.partials.append(partials)
        return Var(value, self, index)

    def record(self, prim: Primitive, args: tuple[Any, ...]) -> Var:
        """Apply ``prim`` to ``args`` (Vars of this tape or constants) and record it."""
        active = [isinstance(a, Var) and a._tape is self for a in args]
        vals = tuple(a.value if act else a for a, act in zip(args, active, strict=True))
        out = apply1(prim, vals[0]) if prim.arity == 1 else apply2(prim, *vals)
        parents: list[int] = []
        partials: list[Any] = []
        if self.want_partials:
            for arg, act, rule in zip(args, active, prim.rules, strict=True):
                if act and rule is not None:
                    parents.append(arg._index)
                    partials.append(partial(rule, out, *vals))
        else:
            parents = [a._index for a, act in zip(args, active, strict=True) if act]
        return self._push(prim, args, out, tuple(parents), tuple(partials))

    def gradient(self, output: Any, seed: Any = 1.0) -> list[Any]:
        """Adjoints of the inputs for one output: one backward sweep over the tape."""
        if not (isinstance(output, Var) and output._tape is self):
            return [0.0] * self.n_inputs
        adj: list[Any] = [0.0] * (output._index + 1)
        adj[output._index] = seed
        parents, partials = self.parents, self.partials
        for i in range(output._index, self.n_inputs - 1, -1):
            a = adj[i]
            if type(a) is float and a == 0.0:
                continue
            for p, d in zip(parents[i], partials[i], strict=True):
                adj[p] = adj[p] + d * a
        return adj[: self.n_inputs] + [0.0] * max(0, self.n_inputs - len(adj))

    def jacobian(self, outputs: Sequence[Any]) -> np.ndarray:
        """Jacobian of float outputs w.r.t. the inputs: one vector-adjoint sweep."""
        m, n = len(outputs), self.n_inputs
        active = [
            (j, o._index) for j, o in enumerate(outputs) if isinstance(o, Var) and o._tape is self
        ]
        if not active:
            return np.zeros((m, n))
        if m == 1:
            return np.asarray([self.gradient(outputs[0])], dtype=float)
        top = max(i for _, i in active)
        adj = np.zeros((max(top + 1, n), m))
        for j, i in active:
            adj[i, j] += 1.0
        live = np.zeros(max(top + 1, n), dtype=bool)
        for _, i in active:
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
        return self._tape.record(prim, (self,))

    def _lift2(self, prim: Primitive, x: Any, y: Any) -> Var:
        return self._tape.record(prim, (x, y))

    def _compare(self, prim: Primitive, x: Any, y: Any) -> bool:
        tape = self._tape
        result = bool(prim.value(value_of(x), value_of(y)))
        if tape.guards is not None:
            node = tape.record(prim, (x, y))
            tape.guards.append(node._index)
        return result
