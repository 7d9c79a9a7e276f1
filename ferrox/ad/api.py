"""One function interface over every mode: write ``f(x)`` once, pick a method.

Like ad-trait's ``FunctionEngine``: :func:`jacobian` returns the value and the
Jacobian; ``method`` picks how. :func:`grad`, :func:`jvp`, :func:`vjp`,
:func:`hessian` and :func:`derivative` cover the other common shapes.
"""

from __future__ import annotations

import functools
import gc
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from ferrox.ad.compiled import CompiledFunction
from ferrox.ad.core import ADNumber, flatten_outputs
from ferrox.ad.dual import Dual, seed_duals
from ferrox.ad.finite import central_jacobian
from ferrox.ad.reverse import Tape
from ferrox.errors import InvalidInputError, NonFiniteError, ShapeError

__all__ = [
    "METHODS",
    "FunctionEngine",
    "derivative",
    "grad",
    "hessian",
    "jacobian",
    "jvp",
    "vjp",
]

METHODS = ("forward", "forward-multi", "reverse", "finite-difference", "compiled")
"""The derivative methods :func:`jacobian` accepts."""

_compiled: weakref.WeakKeyDictionary[Any, dict[int, CompiledFunction]] = weakref.WeakKeyDictionary()


def _point(x: Any, check_finite: bool) -> np.ndarray:
    try:
        arr = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"x must be a 1-D sequence of numbers: {exc}") from exc
    if arr.ndim == 0:
        raise ShapeError("x must be a 1-D sequence of numbers, got a scalar (use derivative)")
    if arr.ndim != 1:
        raise ShapeError(f"x must be 1-D, got shape {arr.shape}")
    if check_finite and not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr)).tolist()
        raise NonFiniteError(f"x has non-finite entries at positions {bad}")
    return arr


def _finish(y: np.ndarray, jac: np.ndarray, check_finite: bool) -> tuple[np.ndarray, np.ndarray]:
    if check_finite and not (np.isfinite(y).all() and np.isfinite(jac).all()):
        raise NonFiniteError("the value or the Jacobian has non-finite entries")
    return y, jac


def _primal(y: Any) -> float:
    while isinstance(y, ADNumber):
        y = y.value
    try:
        return float(y)
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"the function returned a non-number: {y!r}") from exc


_Fn = TypeVar("_Fn", bound=Callable[..., Any])


def _collector_paused(fn: _Fn) -> _Fn:
    """Run ``fn`` with the cyclic garbage collector paused (resumed after, if it was on).

    The pure-Python modes allocate a number object per operation; thousands of them
    trigger collections that traverse every object in the process (~20% of a
    1000-input gradient's time), though the numbers and tapes hold no reference cycles.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return wrapper  # type: ignore[return-value]


@_collector_paused
def _forward_multi(f: Callable[[Any], Any], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xs = seed_duals(x)
    tag = xs[0]._tag if len(xs) else -1
    outs = flatten_outputs(f(xs))
    y = np.empty(len(outs))
    jac = np.zeros((len(outs), len(x)))
    for j, o in enumerate(outs):
        if isinstance(o, Dual) and o._tag == tag:
            y[j] = _primal(o.value)
            jac[j] = o.tangent
        else:
            y[j] = _primal(o)
    return y, jac


@_collector_paused
def _forward(f: Callable[[Any], Any], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(x)
    y: np.ndarray | None = None
    columns = []
    for i in range(n):
        direction = np.zeros(n)
        direction[i] = 1.0
        yi, col = _jvp(f, x, direction)
        y = yi if y is None else y
        columns.append(col)
    if y is None:
        y = np.array([_primal(o) for o in flatten_outputs(f(np.asarray(x, dtype=object)))])
        return y, np.zeros((len(y), 0))
    return y, np.stack(columns, axis=1)


@_collector_paused
def _jvp(f: Callable[[Any], Any], x: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xs = seed_duals(x, v)
    tag = xs[0]._tag if len(xs) else -1
    outs = flatten_outputs(f(xs))
    y = np.empty(len(outs))
    t = np.zeros(len(outs))
    for j, o in enumerate(outs):
        if isinstance(o, Dual) and o._tag == tag:
            y[j] = _primal(o.value)
            t[j] = _primal(o.tangent)
        else:
            y[j] = _primal(o)
    return y, t


@_collector_paused
def _reverse(f: Callable[[Any], Any], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tape = Tape()
    outs = flatten_outputs(f(tape.inputs(x)))
    y = np.array([_primal(o) for o in outs])
    return y, tape.jacobian(outs)


def compiled(f: Callable[[Any], Any], n: int) -> CompiledFunction:
    """The cached :class:`CompiledFunction` of ``f`` for ``n`` inputs (made on first use)."""
    try:
        per_f = _compiled.setdefault(f, {})
    except TypeError:  # not weak-referenceable: compile without caching
        return CompiledFunction(f, n)
    cf = per_f.get(n)
    if cf is None:
        cf = per_f[n] = CompiledFunction(f, n)
    return cf


def jacobian(
    f: Callable[[Any], Any],
    x: Sequence[float],
    method: str = "forward-multi",
    *,
    check_finite: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Value (m,) and Jacobian (m, n) of ``f`` at ``x``.

    ``f`` takes a 1-D array and returns a number or a sequence of numbers. ``method``
    is one of :data:`METHODS`. ``check_finite`` raises :class:`NonFiniteError` for a
    non-finite input, value or Jacobian entry.
    """
    point = _point(x, check_finite)
    if method == "forward-multi":
        y, jac = _forward_multi(f, point)
    elif method == "forward":
        y, jac = _forward(f, point)
    elif method == "reverse":
        y, jac = _reverse(f, point)
    elif method == "finite-difference":
        y, jac = central_jacobian(f, point)
    elif method == "compiled":
        y, jac = compiled(f, point.shape[0]).jacobian(point)
    else:
        raise InvalidInputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return _finish(y, jac, check_finite)


def grad(
    f: Callable[[Any], Any], x: Sequence[float], method: str = "reverse", **kwargs: Any
) -> tuple[float, np.ndarray]:
    """Value and gradient (n,) of a scalar-valued ``f``."""
    y, jac = jacobian(f, x, method, **kwargs)
    if y.shape[0] != 1:
        raise ShapeError(f"grad needs a scalar-valued function; this one has {y.shape[0]} outputs")
    return float(y[0]), jac[0]


def jvp(
    f: Callable[[Any], Any], x: Sequence[float], v: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Value and Jacobian-vector product ``J v`` in one forward pass."""
    point = _point(x, False)
    direction = _point(v, False)
    if direction.shape != point.shape:
        raise ShapeError(f"v has shape {direction.shape}, x has {point.shape}")
    return _jvp(f, point, direction)


@_collector_paused
def vjp(
    f: Callable[[Any], Any], x: Sequence[float], u: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Value and vector-Jacobian product ``u^T J`` in one reverse sweep."""
    point = _point(x, False)
    tape = Tape()
    outs = flatten_outputs(f(tape.inputs(point)))
    weights = _point(u, False)
    if weights.shape[0] != len(outs):
        raise ShapeError(f"u has {weights.shape[0]} entries, f has {len(outs)} outputs")
    total: Any = 0.0
    for w, o in zip(weights, outs, strict=True):
        if w != 0.0:
            total = total + float(w) * o
    y = np.array([_primal(o) for o in outs])
    return y, np.asarray(tape.gradient(total), dtype=float)


@_collector_paused
def hessian(f: Callable[[Any], Any], x: Sequence[float]) -> tuple[float, np.ndarray, np.ndarray]:
    """Value, gradient (n,) and Hessian (n, n) of a scalar ``f``: forward over reverse.

    One reverse sweep whose values are multi-tangent duals gives every Hessian row.
    """
    point = _point(x, False)
    inner = seed_duals(point)
    tape = Tape()
    outs = flatten_outputs(f(tape.inputs(list(inner))))
    if len(outs) != 1:
        raise ShapeError(
            f"hessian needs a scalar-valued function; this one has {len(outs)} outputs"
        )
    out = outs[0]
    n = len(point)
    adjoints = tape.gradient(out)
    g = np.zeros(n)
    h = np.zeros((n, n))
    tag = inner[0]._tag if n else -1
    for i, adj in enumerate(adjoints):
        if isinstance(adj, Dual) and adj._tag == tag:
            g[i] = _primal(adj.value)
            h[i] = adj.tangent
        else:
            g[i] = _primal(adj)
    return _primal(out), g, 0.5 * (h + h.T)


def derivative(f: Callable[[Any], Any], x: float) -> tuple[Any, Any]:
    """Value and derivative of a scalar function of one variable, by a dual number.

    Nested calls give higher derivatives: ``derivative(lambda t: derivative(f, t)[1], x)``.
    """
    d = Dual(x, 1.0)
    out = f(d)
    if isinstance(out, Dual) and out._tag == d._tag:
        return out.value, out.tangent
    return out, 0.0


class FunctionEngine:
    """A function bound to a derivative method, like ad-trait's ``FunctionEngine``.

    ``engine.call(x)`` gives the value, ``engine.derivative(x)`` the value and Jacobian.
    """

    def __init__(self, f: Callable[[Any], Any], method: str = "compiled") -> None:
        if method not in METHODS:
            raise InvalidInputError(
                f"unknown method {method!r}; choose one of {', '.join(METHODS)}"
            )
        self.f = f
        self.method = method

    def call(self, x: Sequence[float]) -> np.ndarray:
        """Value of the function at ``x`` as a float array."""
        return np.array([_primal(o) for o in flatten_outputs(self.f(_point(x, False)))])

    def derivative(self, x: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """Value and Jacobian at ``x`` by this engine's method."""
        return jacobian(self.f, x, self.method)
