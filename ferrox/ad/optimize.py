"""Optimisers driven by ferrox derivatives: line-search descent, BFGS, L-BFGS,
Gauss-Newton / Levenberg-Marquardt, and a bridge that hands ferrox Jacobians to SciPy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ferrox.ad.api import METHODS, compiled, jacobian
from ferrox.errors import InvalidInputError, ShapeError

__all__ = [
    "OptimizeResult",
    "least_squares",
    "minimize",
    "scipy_jacobian",
    "scipy_minimize",
    "value_and_jacobian",
]


@dataclass
class OptimizeResult:
    """Outcome of an optimisation: the point, its value and how the run ended."""

    x: np.ndarray
    fun: float
    grad: np.ndarray
    nit: int
    nfev: int
    success: bool
    message: str
    history: list[float] = field(default_factory=list, repr=False)


def value_and_jacobian(
    f: Callable[[Any], Any], n: int, ad: str = "compiled"
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``x -> (value, jacobian)`` for ``f`` by derivative method ``ad``."""
    if ad not in METHODS:
        raise InvalidInputError(f"unknown derivative method {ad!r}; choose one of {METHODS}")
    if ad == "compiled":
        return compiled(f, n).jacobian
    return lambda x: jacobian(f, x, ad)


def _scalar(
    f: Callable[[Any], Any], n: int, ad: str
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    vj = value_and_jacobian(f, n, ad)

    def value_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
        y, jac = vj(x)
        if y.shape[0] != 1:
            raise ShapeError(f"minimize needs a scalar objective; it has {y.shape[0]} outputs")
        return float(y[0]), jac[0]

    return value_and_grad


def _armijo(
    vg: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x: np.ndarray,
    fx: float,
    g: np.ndarray,
    p: np.ndarray,
    c1: float = 1e-4,
    max_halvings: int = 40,
) -> tuple[float, np.ndarray, float, np.ndarray, int]:
    """Backtracking line search: the first step 2^-k meeting the Armijo condition."""
    slope = float(g @ p)
    step = 1.0
    for k in range(1, max_halvings + 1):
        x_new = x + step * p
        f_new, g_new = vg(x_new)
        if np.isfinite(f_new) and f_new <= fx + c1 * step * slope:
            return step, x_new, f_new, g_new, k
        step *= 0.5
    return 0.0, x, fx, g, max_halvings


def minimize(
    f: Callable[[Any], Any],
    x0: Sequence[float],
    method: str = "bfgs",
    *,
    ad: str = "compiled",
    gtol: float = 1e-8,
    max_iter: int = 500,
    memory: int = 10,
) -> OptimizeResult:
    """Minimise a scalar ``f`` from ``x0`` with ``gd``, ``bfgs`` or ``lbfgs``.

    Gradients come from ferrox by method ``ad``; steps use a backtracking line search.
    Stops when the gradient's max-norm falls below ``gtol``.
    """
    if method not in ("gd", "bfgs", "lbfgs"):
        raise InvalidInputError(f"unknown method {method!r}; choose gd, bfgs or lbfgs")
    x = np.array(x0, dtype=float)
    vg = _scalar(f, x.shape[0], ad)
    fx, g = vg(x)
    nfev = 1
    n = x.shape[0]
    h_inv = np.eye(n)
    s_list: list[np.ndarray] = []
    y_list: list[np.ndarray] = []
    history = [fx]
    for it in range(max_iter):
        if np.max(np.abs(g), initial=0.0) < gtol:
            return OptimizeResult(x, fx, g, it, nfev, True, "gradient below gtol", history)
        if method == "gd":
            p = -g
        elif method == "bfgs":
            p = -h_inv @ g
        else:
            p = -_two_loop(g, s_list, y_list)
        if g @ p >= 0:  # not a descent direction: restart from steepest descent
            p = -g
            h_inv = np.eye(n)
            s_list.clear()
            y_list.clear()
        step, x_new, f_new, g_new, evals = _armijo(vg, x, fx, g, p)
        nfev += evals
        if step == 0.0:
            return OptimizeResult(x, fx, g, it, nfev, False, "line search failed", history)
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):
            if method == "bfgs":
                rho = 1.0 / sy
                if it == 0:
                    h_inv = np.eye(n) * (sy / float(y @ y))
                v = np.eye(n) - rho * np.outer(s, y)
                h_inv = v @ h_inv @ v.T + rho * np.outer(s, s)
            elif method == "lbfgs":
                s_list.append(s)
                y_list.append(y)
                if len(s_list) > memory:
                    s_list.pop(0)
                    y_list.pop(0)
        x, fx, g = x_new, f_new, g_new
        history.append(fx)
    ok = np.max(np.abs(g), initial=0.0) < gtol
    return OptimizeResult(x, fx, g, max_iter, nfev, bool(ok), "max_iter reached", history)


def _two_loop(g: np.ndarray, s_list: list[np.ndarray], y_list: list[np.ndarray]) -> np.ndarray:
    """L-BFGS: the inverse-Hessian approximation applied to ``g``."""
    q = g.copy()
    alphas = []
    for s, y in zip(reversed(s_list), reversed(y_list), strict=True):
        a = float(s @ q) / float(y @ s)
        alphas.append(a)
        q -= a * y
    if s_list:
        q *= float(s_list[-1] @ y_list[-1]) / float(y_list[-1] @ y_list[-1])
    for (s, y), a in zip(zip(s_list, y_list, strict=True), reversed(alphas), strict=True):
        b = float(y @ q) / float(y @ s)
        q += (a - b) * s
    return q


def least_squares(
    residuals: Callable[[Any], Any],
    x0: Sequence[float],
    method: str = "lm",
    *,
    ad: str = "compiled",
    xtol: float = 1e-12,
    ftol: float = 1e-14,
    max_iter: int = 200,
) -> OptimizeResult:
    """Minimise ``0.5 * |r(x)|^2`` by Gauss-Newton (``gn``) or Levenberg-Marquardt (``lm``).

    The Jacobian of the residuals comes from ferrox; LM adapts its damping by the
    ratio of actual to predicted reduction (Nielsen's rule).
    """
    if method not in ("gn", "lm"):
        raise InvalidInputError(f"unknown method {method!r}; choose gn or lm")
    x = np.array(x0, dtype=float)
    vj = value_and_jacobian(residuals, x.shape[0], ad)
    r, jac = vj(x)
    nfev = 1
    cost = 0.5 * float(r @ r)
    history = [cost]
    mu: float | None = None
    nu = 2.0
    for it in range(max_iter):
        g = jac.T @ r
        if cost <= ftol or np.max(np.abs(g), initial=0.0) < 1e-15:
            return OptimizeResult(x, cost, g, it, nfev, True, "converged", history)
        jtj = jac.T @ jac
        if method == "gn":
            step = np.linalg.lstsq(jac, -r, rcond=None)[0]
            accepted = False
            for _ in range(30):
                x_new = x + step
                r_new, jac_new = vj(x_new)
                nfev += 1
                cost_new = 0.5 * float(r_new @ r_new)
                if np.isfinite(cost_new) and cost_new < cost:
                    accepted = True
                    break
                step *= 0.5
        else:
            if mu is None:
                mu = 1e-3 * float(np.max(np.diag(jtj), initial=1.0))
            step = np.linalg.solve(jtj + mu * np.eye(x.shape[0]), -g)
            x_new = x + step
            r_new, jac_new = vj(x_new)
            nfev += 1
            cost_new = 0.5 * float(r_new @ r_new)
            predicted = -float(step @ g) - 0.5 * float(step @ jtj @ step)
            rho = (cost - cost_new) / predicted if predicted > 0 else -1.0
            accepted = bool(np.isfinite(cost_new) and rho > 0)
            if accepted:
                mu *= max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
                nu = 2.0
            else:
                mu *= nu
                nu *= 2.0
        if not accepted:
            if method == "gn" or (mu is not None and mu > 1e16):
                return OptimizeResult(
                    x, cost, g, it, nfev, cost <= ftol, "no further decrease", history
                )
            continue
        small = np.linalg.norm(step) <= xtol * (np.linalg.norm(x) + xtol)
        x, r, jac, cost = x_new, r_new, jac_new, cost_new
        history.append(cost)
        if small:
            return OptimizeResult(
                x, cost, jac.T @ r, it + 1, nfev, True, "step below xtol", history
            )
    return OptimizeResult(
        x, cost, jac.T @ r, max_iter, nfev, cost <= ftol, "max_iter reached", history
    )


def scipy_jacobian(
    f: Callable[[Any], Any], n: int, ad: str = "compiled"
) -> Callable[[np.ndarray], np.ndarray]:
    """A ``jac=`` callable for SciPy: the Jacobian (or gradient, for scalar ``f``)."""
    vj = value_and_jacobian(f, n, ad)

    def jac(x: np.ndarray) -> np.ndarray:
        y, j = vj(np.asarray(x, dtype=float))
        return j[0] if y.shape[0] == 1 else j

    return jac


def scipy_minimize(
    f: Callable[[Any], Any],
    x0: Sequence[float],
    method: str = "BFGS",
    ad: str = "compiled",
    **kwargs: Any,
) -> Any:
    """:func:`scipy.optimize.minimize` with value and gradient from one ferrox call."""
    from scipy.optimize import minimize as sp_minimize

    x0 = np.asarray(x0, dtype=float)
    vg = _scalar(f, x0.shape[0], ad)
    return sp_minimize(vg, x0, jac=True, method=method, **kwargs)
