"""The fast path: trace a function once into a flat program, evaluate it compiled.

:func:`trace` runs the function on recording values and flattens the tape into arrays
(op code, argument nodes or constants per node). :class:`CompiledFunction` evaluates
that program with the generated C (or Numba) kernel: value and full Jacobian per call, or per
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

from ferrox.ad.core import ADNumber, flatten_outputs
from ferrox.ad.primitives import COMPARISONS
from ferrox.ad.reverse import Tape, Var
from ferrox.errors import NonFiniteError, ShapeError, TraceError

__all__ = ["CompiledFunction", "Program", "compile_function", "trace"]

_GUARD_CODES = np.array([p.code for p in COMPARISONS], dtype=np.int32)


@dataclass
class Program:
    """A traced function as flat arrays, ready for the kernel.

    Node ``i`` is column ``i``: ``code[:, i] = (op, a, b)``, the primitive's code and its
    argument nodes (-1 where the argument is a constant); ``cst[:, i] = (constant a,
    constant b, expected guard value)``.
    """

    n_inputs: int
    code: np.ndarray
    cst: np.ndarray
    outs: np.ndarray
    oconst: np.ndarray
    prims: list[Any] = field(repr=False)
    n_guards: int = 0
    reverse: bool = True
    ptr: np.ndarray | None = field(default=None, repr=False)
    idx: np.ndarray | None = field(default=None, repr=False)
    cone_cost: tuple[int, int] = (0, 0)
    kernel: Any = field(default=None, repr=False)
    plan: Any = field(default=None, repr=False)

    @property
    def n_outputs(self) -> int:
        """Number of outputs (m)."""
        return int(self.outs.shape[0])

    @property
    def n_nodes(self) -> int:
        """Number of nodes, inputs included."""
        return int(self.code.shape[1])


def trace(f: Callable[[Any], Any], x: Sequence[float]) -> Program:
    """Run ``f`` once at ``x`` on recording values and flatten what it did."""
    tape = Tape(program=True)
    xs = tape.inputs([float(v) for v in x])
    try:
        outputs = flatten_outputs(f(xs))
    except TraceError:
        raise
    n = len(tape)
    code = np.full((3, n), -1, dtype=np.int32)
    cst = np.zeros((3, n))
    cst[2] = np.nan
    for i in range(tape.n_inputs, n):
        prim = tape.prims[i]
        assert prim is not None
        code[0, i] = prim.code
        for k, arg in enumerate(tape.args[i]):
            if isinstance(arg, Var) and arg._tape is tape:
                code[1 + k, i] = arg._index
            elif isinstance(arg, ADNumber):
                raise TraceError(
                    f"{prim.name}: the function mixes in a differentiable value from "
                    "outside the trace (a closure over another derivative)"
                )
            else:
                cst[k, i] = float(arg)
    for i in tape.guards:
        cst[2, i] = tape.values[i]
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
        code=code,
        cst=cst,
        outs=outs,
        oconst=oconst,
        prims=list(tape.prims),
        n_guards=len(tape.guards),
    )


def _plan(program: Program, mode: str) -> None:
    """Load the kernel, compute dependency cones and pick the cheaper sweep direction."""
    from ferrox.ad.kernel import load_kernel

    used = np.unique(program.code[0, program.n_inputs :]).tolist()
    kernel = load_kernel(used)
    rptr, ridx = kernel.cones(program.code, program.outs)
    skip = np.isin(program.code[0], _GUARD_CODES)
    fptr, fidx = kernel.cones(program.code, np.arange(program.n_inputs), skip=skip)
    cost_rev = int(rptr[-1])
    cost_fwd = int(fptr[-1]) + program.n_inputs * program.n_outputs
    program.cone_cost = (cost_rev, cost_fwd)
    reverse = cost_rev <= cost_fwd if mode == "auto" else mode == "reverse"
    program.reverse = reverse
    program.ptr, program.idx = (rptr, ridx) if reverse else (fptr, fidx)
    program.kernel = kernel
    program.plan = kernel.prepare(program)


class _Slot:
    """One thread's buffers for one program, bound to the kernel once: a single-point
    call then costs a copy in, the kernel call and copies out."""

    __slots__ = ("call", "jac", "status", "work", "x", "ys")

    def __init__(self, program: Program) -> None:
        n_in, m = program.n_inputs, program.n_outputs
        self.work = np.zeros((4, program.n_nodes))
        self.x = np.zeros((1, n_in))
        self.ys = np.empty((1, m))
        self.jac = np.empty((1, m, n_in))
        self.status = np.empty(1, dtype=np.int64)
        self.call = program.kernel.bind(
            program.plan, self.x, True, self.work, self.ys, self.jac, self.status
        )


class _Scratch(threading.local):
    """Per-thread slots, so one compiled function is safe to call from threads."""

    slots: dict[int, _Slot]

    def __init__(self) -> None:
        self.slots = {}


_OK, _NON_FINITE = -1, -2


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
        from ferrox.ad.kernel import require_compiler

        require_compiler()
        self.f = f
        self.n_inputs = n_inputs
        self.mode = mode
        self.max_traces = max_traces
        self.programs: list[Program] = []  # replaced, never mutated: safe to iterate
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
        _plan(program, self.mode)
        with self._lock:
            if self.programs:
                self.retraces += 1
            self.programs = [program, *self.programs][: self.max_traces]
        self.setup_seconds += time.perf_counter() - start
        return program

    def _slot(self, program: Program) -> _Slot:
        slot = self._scratch.slots.get(id(program))
        if slot is None:
            slot = _Slot(program)
            live = {id(p) for p in self.programs}
            self._scratch.slots = {k: v for k, v in self._scratch.slots.items() if k in live}
            self._scratch.slots[id(program)] = slot
        return slot

    def _point(self, x: Any) -> np.ndarray:
        if not (type(x) is np.ndarray and x.dtype == np.float64 and x.flags.c_contiguous):
            x = np.ascontiguousarray(x, dtype=np.float64)
        if x.ndim != 1 or x.shape[0] != self.n_inputs:
            raise ShapeError(f"expected a point of shape ({self.n_inputs},), got {x.shape}")
        return x

    def _evaluate(self, program: Program, x: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        slot = self._slot(program)
        slot.x[0] = x
        slot.call()
        return int(slot.status[0]), slot.ys[0].copy(), slot.jac[0].copy()

    # ------------------------------------------------------------ public API
    def jacobian(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        """Value (m,) and Jacobian (m, n) at ``x``."""
        x = self._point(x)
        for program in self.programs:
            status, y, jac = self._evaluate(program, x)
            if status == _OK:
                return y, jac
            if status == _NON_FINITE:
                self._check_domain(program, x, y)
                return y, jac
        program = self._add_program(x)
        status, y, jac = self._evaluate(program, x)
        if status >= 0:  # pragma: no cover - a fresh trace passes its own guards
            raise TraceError("a freshly traced program failed its own guards")
        if status == _NON_FINITE:
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
        Rows where a guard flips are re-done one by one (re-tracing as needed).
        """
        xs = np.ascontiguousarray(xs, dtype=np.float64)
        if xs.ndim != 2 or xs.shape[1] != self.n_inputs:
            raise ShapeError(f"expected points of shape (B, {self.n_inputs}), got {xs.shape}")
        if not self.programs and len(xs):
            self._add_program(xs[0])
        m = self.programs[0].n_outputs if self.programs else 0
        ys = np.empty((len(xs), m))
        jacs = np.empty((len(xs), m, self.n_inputs))
        if not len(xs):
            return ys, jacs
        program = self.programs[0]
        status = np.empty(len(xs), dtype=np.int64)

        def run(lo: int, hi: int) -> None:
            program.kernel.bind(
                program.plan,
                xs[lo:hi],
                True,
                self._slot(program).work,
                ys[lo:hi],
                jacs[lo:hi],
                status[lo:hi],
            )()

        if workers > 1 and len(xs) >= 2 * workers:
            bounds = np.linspace(0, len(xs), workers + 1).astype(int)
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(run, bounds[:-1], bounds[1:]))
        else:
            run(0, len(xs))
        for p in np.flatnonzero(status >= 0):
            ys[p], jacs[p] = self.jacobian(xs[p])
        for p in np.flatnonzero(status == _NON_FINITE):
            self._check_domain(program, xs[p], ys[p])
        return ys, jacs

    def _check_domain(self, program: Program, x: np.ndarray, y: np.ndarray) -> None:
        """Where the kernel produced NaN or inf from finite input, replay in Python so
        the same error as :mod:`math` (e.g. ``math domain error``) is raised."""
        if np.isfinite(y).all() or not np.isfinite(x).all():
            return
        values: list[float] = [float(v) for v in x]
        for i in range(program.n_inputs, program.n_nodes):
            prim = program.prims[i]
            args = [
                values[program.code[1 + k, i]] if program.code[1 + k, i] >= 0
                else float(program.cst[k, i])
                for k in range(prim.arity)
            ]  # fmt: skip
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
