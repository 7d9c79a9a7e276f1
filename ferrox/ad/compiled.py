"""The fast path: trace a function once into a flat program, evaluate it compiled.

:func:`trace` runs the function on recording values and flattens the tape into arrays
(op code, argument nodes or constants per node). :class:`CompiledFunction` evaluates
that program with the generated Numba kernel: value and full Jacobian per call, or per
row of a batch. The sweep direction is chosen by measured cost, not guessed from
shape: the total size of the outputs' dependency cones (reverse) against the inputs'
(forward).

Control flow that depends on values is recorded as guards. A point where a guard
flips is re-traced there (up to ``max_traces`` programs are kept per function), so a
compiled derivative is never the derivative of the wrong branch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrox.ad.core import ADNumber
from ferrox.ad.primitives import COMPARISONS
from ferrox.ad.reverse import Tape, Var
from ferrox.errors import NonFiniteError, ShapeError, TraceError

__all__ = ["CompiledFunction", "Program", "compile_function", "trace"]

_GUARD_CODES = np.array([p.code for p in COMPARISONS], dtype=np.int32)


def flatten_outputs(y: Any) -> list[Any]:
    """A function's result as a flat list: a scalar is one output."""
    if isinstance(y, ADNumber | float | int):
        return [y]
    return list(np.asarray(y, dtype=object).ravel())


@dataclass
class Program:
    """A traced function as flat arrays, ready for the kernel."""

    n_inputs: int
    ops: np.ndarray
    a: np.ndarray
    b: np.ndarray
    ca: np.ndarray
    cb: np.ndarray
    expect: np.ndarray
    outs: np.ndarray
    oconst: np.ndarray
    prims: list[Any] = field(repr=False)
    n_guards: int = 0
    reverse: bool = True
    ptr: np.ndarray | None = field(default=None, repr=False)
    idx: np.ndarray | None = field(default=None, repr=False)
    cone_cost: tuple[int, int] = (0, 0)

    @property
    def n_outputs(self) -> int:
        """Number of outputs (m)."""
        return int(self.outs.shape[0])

    @property
    def n_nodes(self) -> int:
        """Number of nodes, inputs included."""
        return int(self.ops.shape[0])


def trace(f: Callable[[Any], Any], x: Sequence[float]) -> Program:
    """Run ``f`` once at ``x`` on recording values and flatten what it did."""
    tape = Tape(partials=False, guards=True, tracing=True)
    xs = tape.inputs([float(v) for v in x])
    try:
        outputs = flatten_outputs(f(xs))
    except TraceError:
        raise
    n = len(tape)
    ops = np.full(n, -1, dtype=np.int32)
    a = np.full(n, -1, dtype=np.int32)
    b = np.full(n, -1, dtype=np.int32)
    ca = np.zeros(n)
    cb = np.zeros(n)
    expect = np.full(n, np.nan)
    slots = ((a, ca), (b, cb))
    for i in range(tape.n_inputs, n):
        prim = tape.prims[i]
        assert prim is not None
        ops[i] = prim.code
        for k, arg in enumerate(tape.args[i]):
            node, const = slots[k]
            if isinstance(arg, Var) and arg._tape is tape:
                node[i] = arg._index
            elif isinstance(arg, ADNumber):
                raise TraceError(
                    f"{prim.name}: the function mixes in a differentiable value from "
                    "outside the trace (a closure over another derivative)"
                )
            else:
                const[i] = float(arg)
    for i in tape.guards or ():
        expect[i] = tape.values[i]
    outs = np.full(len(outputs), -1, dtype=np.int32)
    oconst = np.zeros(len(outputs))
    for j, y in enumerate(outputs):
        if isinstance(y, Var) and y._tape is tape:
            outs[j] = y._index
        elif isinstance(y, ADNumber):
            raise TraceError("an output is a differentiable value from outside the trace")
        else:
            try:
                oconst[j] = float(y)
            except (TypeError, ValueError) as exc:
                raise ShapeError(f"output {j} is not a number: {y!r}") from exc
    return Program(
        n_inputs=tape.n_inputs,
        ops=ops,
        a=a,
        b=b,
        ca=ca,
        cb=cb,
        expect=expect,
        outs=outs,
        oconst=oconst,
        prims=list(tape.prims),
        n_guards=len(tape.guards or ()),
    )


def _plan(program: Program, kernel: Any, mode: str) -> None:
    """Compute dependency cones and pick the cheaper sweep direction."""
    rptr, ridx = kernel.reverse_cones(program.a, program.b, program.n_inputs, program.outs)
    skip = np.isin(program.ops, _GUARD_CODES)
    fptr, fidx = kernel.forward_cones(program.a, program.b, program.n_inputs, skip)
    cost_rev = int(rptr[-1])
    cost_fwd = int(fptr[-1]) + program.n_inputs * program.n_outputs
    program.cone_cost = (cost_rev, cost_fwd)
    reverse = cost_rev <= cost_fwd if mode == "auto" else mode == "reverse"
    program.reverse = reverse
    program.ptr, program.idx = (rptr, ridx) if reverse else (fptr, fidx)


class _Scratch(threading.local):
    """Per-thread work arrays, so one compiled function is safe to call from threads."""

    arrays: dict[int, tuple[np.ndarray, ...]]

    def __init__(self) -> None:
        self.arrays = {}


class CompiledFunction:
    """A function traced once and evaluated by the compiled kernel.

    Call :meth:`jacobian` (value and Jacobian at a point), :meth:`jacobian_batch` (many
    points), :meth:`value` or :meth:`gradient`. ``mode`` is ``auto`` (cheaper sweep by
    cone sizes), ``forward`` or ``reverse``.
    """

    def __init__(
        self, f: Callable[[Any], Any], n_inputs: int, *, mode: str = "auto", max_traces: int = 16
    ) -> None:
        if mode not in ("auto", "forward", "reverse"):
            raise ValueError(f"mode must be auto, forward or reverse, not {mode!r}")
        from ferrox.ad.kernel import load_kernel

        self.f = f
        self.n_inputs = n_inputs
        self.mode = mode
        self.max_traces = max_traces
        self.kernel = load_kernel()
        self.programs: list[Program] = []
        self.retraces = 0
        self.setup_seconds = 0.0
        self._scratch = _Scratch()
        self._lock = threading.Lock()

    # ------------------------------------------------------------ programs
    def _add_program(self, x: np.ndarray) -> Program:
        start = time.perf_counter()
        program = trace(self.f, x)
        if program.n_inputs != self.n_inputs:
            raise ShapeError(f"expected {self.n_inputs} inputs, got {program.n_inputs}")
        if self.programs and program.n_outputs != self.programs[0].n_outputs:
            raise TraceError(
                f"the number of outputs changed between branches "
                f"({self.programs[0].n_outputs} vs {program.n_outputs})"
            )
        _plan(program, self.kernel, self.mode)
        with self._lock:
            if self.programs:
                self.retraces += 1
            self.programs.insert(0, program)
            del self.programs[self.max_traces :]
        self.setup_seconds += time.perf_counter() - start
        return program

    def _work(self, program: Program) -> tuple[np.ndarray, ...]:
        arrays = self._scratch.arrays.get(id(program))
        if arrays is None:
            n = program.n_nodes
            arrays = (np.empty(n), np.empty(n), np.empty(n), np.zeros(n))
            self._scratch.arrays[id(program)] = arrays
        return arrays

    def _point(self, x: Any) -> np.ndarray:
        arr = np.ascontiguousarray(x, dtype=np.float64)
        if arr.ndim != 1 or arr.shape[0] != self.n_inputs:
            raise ShapeError(f"expected a point of shape ({self.n_inputs},), got {arr.shape}")
        return arr

    def _evaluate(self, program: Program, x: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        vals, pa, pb, work = self._work(program)
        y = np.empty(program.n_outputs)
        jac = np.empty((program.n_outputs, self.n_inputs))
        failed = self.kernel.evaluate(
            program.ops,
            program.a,
            program.b,
            program.ca,
            program.cb,
            program.expect,
            x,
            program.outs,
            program.oconst,
            program.ptr,
            program.idx,
            program.reverse,
            vals,
            pa,
            pb,
            work,
            y,
            jac,
        )
        return failed, y, jac

    # ------------------------------------------------------------ public API
    def jacobian(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        """Value (m,) and Jacobian (m, n) at ``x``."""
        x = self._point(x)
        for program in list(self.programs):
            failed, y, jac = self._evaluate(program, x)
            if failed < 0:
                self._check_domain(program, x, y)
                return y, jac
        program = self._add_program(x)
        failed, y, jac = self._evaluate(program, x)
        if failed >= 0:  # pragma: no cover - a fresh trace passes its own guards
            raise TraceError("a freshly traced program failed its own guards")
        self._check_domain(program, x, y)
        return y, jac

    def value(self, x: Any) -> np.ndarray:
        """Value (m,) at ``x``."""
        return self.jacobian(x)[0]

    def gradient(self, x: Any) -> tuple[float, np.ndarray]:
        """Value and gradient of a scalar-valued function."""
        y, jac = self.jacobian(x)
        if y.shape[0] != 1:
            raise ShapeError(f"gradient needs a scalar function, this one has {y.shape[0]} outputs")
        return float(y[0]), jac[0]

    def jacobian_batch(self, xs: Any, *, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Values (B, m) and Jacobians (B, m, n) at each row of ``xs`` (B, n).

        ``workers > 1`` splits the batch over threads (the kernel releases the GIL).
        """
        xs = np.ascontiguousarray(xs, dtype=np.float64)
        if xs.ndim != 2 or xs.shape[1] != self.n_inputs:
            raise ShapeError(f"expected points of shape (B, {self.n_inputs}), got {xs.shape}")
        if not self.programs:
            self._add_program(xs[0]) if len(xs) else None
        if not len(xs):
            m = self.programs[0].n_outputs if self.programs else 0
            return np.empty((0, m)), np.empty((0, m, self.n_inputs))
        program = self.programs[0]
        m = program.n_outputs
        ys = np.empty((len(xs), m))
        jacs = np.empty((len(xs), m, self.n_inputs))
        failed = np.empty(len(xs), dtype=np.int64)

        def run(lo: int, hi: int) -> None:
            vals, pa, pb, work = self._work(program)
            self.kernel.evaluate_batch(
                program.ops,
                program.a,
                program.b,
                program.ca,
                program.cb,
                program.expect,
                xs[lo:hi],
                program.outs,
                program.oconst,
                program.ptr,
                program.idx,
                program.reverse,
                vals,
                pa,
                pb,
                work,
                ys[lo:hi],
                jacs[lo:hi],
                failed[lo:hi],
            )

        if workers > 1 and len(xs) >= 2 * workers:
            bounds = np.linspace(0, len(xs), workers + 1).astype(int)
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(run, bounds[:-1], bounds[1:]))
        else:
            run(0, len(xs))
        for p in np.flatnonzero(failed >= 0):
            ys[p], jacs[p] = self.jacobian(xs[p])
        for p in np.flatnonzero(~np.isfinite(ys).all(axis=1)):
            self._check_domain(program, xs[p], ys[p])
        return ys, jacs

    def _check_domain(self, program: Program, x: np.ndarray, y: np.ndarray) -> None:
        """Where the kernel produced NaN or inf from finite input, replay in Python so
        the same error as :mod:`math` (e.g. ``math domain error``) is raised."""
        if np.isfinite(y).all() or not np.isfinite(x).all():
            return
        values: list[float] = list(x)
        for i in range(program.n_inputs, program.n_nodes):
            prim = program.prims[i]
            args = []
            for node, const in ((program.a, program.ca), (program.b, program.cb))[: prim.arity]:
                args.append(values[node[i]] if node[i] >= 0 else float(const[i]))
            try:
                values.append(prim.value(*args))
            except (ValueError, ZeroDivisionError, OverflowError) as exc:
                raise type(exc)(f"{exc} (in {prim.name} at node {i})") from None

    def stats(self) -> dict[str, Any]:
        """Size and plan of the current program, for reports and benchmarks."""
        p = self.programs[0] if self.programs else None
        return {
            "programs": len(self.programs),
            "retraces": self.retraces,
            "nodes": p.n_nodes if p else 0,
            "guards": p.n_guards if p else 0,
            "sweep": ("reverse" if p.reverse else "forward") if p else None,
            "cone_cost": p.cone_cost if p else None,
            "setup_seconds": self.setup_seconds,
        }


def compile_function(
    f: Callable[[Any], Any], x: Sequence[float], *, mode: str = "auto"
) -> CompiledFunction:
    """Trace ``f`` at ``x`` and return its :class:`CompiledFunction`."""
    point = np.asarray(x, dtype=np.float64)
    if point.ndim != 1:
        raise ShapeError(f"x must be 1-D, got shape {point.shape}")
    if not np.isfinite(point).all():
        raise NonFiniteError("cannot trace at a non-finite point")
    compiled = CompiledFunction(f, point.shape[0], mode=mode)
    compiled._add_program(point)
    return compiled
