"""Finite differences: the derivative-free reference every other mode is checked against."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ferrox.ad.core import flatten_outputs

__all__ = ["central_jacobian", "central_step"]

_EPS = np.finfo(np.float64).eps


def central_step(x: np.ndarray) -> np.ndarray:
    """Central-difference steps: cbrt(eps) scaled by |x|, rounded to representable."""
    h = np.cbrt(_EPS) * np.maximum(1.0, np.abs(x))
    return (x + h) - x  # makes x + h - x exact, removing one rounding error


def central_jacobian(
    f: Callable[[np.ndarray], Any], x: np.ndarray, value: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Value and central-difference Jacobian of ``f`` at ``x`` (2n + 1 evaluations)."""

    def call(point: np.ndarray) -> np.ndarray:
        return np.asarray([float(v) for v in flatten_outputs(f(point))], dtype=np.float64)

    y = call(x.copy()) if value is None else value
    h = central_step(x)
    jac = np.empty((y.shape[0], x.shape[0]))
    for i in range(x.shape[0]):
        up = x.copy()
        down = x.copy()
        up[i] += h[i]
        down[i] -= h[i]
        jac[:, i] = (call(up) - call(down)) / (2.0 * h[i])
    return y, jac
