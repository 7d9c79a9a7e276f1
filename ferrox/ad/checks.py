"""Derivative checks against central finite differences, first and second order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ferrox.ad.api import hessian, jacobian
from ferrox.ad.core import flatten_outputs
from ferrox.ad.finite import central_jacobian
from ferrox.errors import DifferentiationError

__all__ = ["check_grads"]


def check_grads(
    f: Callable[[Any], Any],
    x: Sequence[float],
    *,
    modes: Sequence[str] = ("forward", "forward-multi", "reverse", "compiled"),
    order: int = 2,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Raise :class:`DifferentiationError` unless every mode matches finite differences.

    ``order=2`` also checks the Hessian of each output (forward over reverse) against
    finite differences of the reverse-mode gradient.
    """
    point = np.asarray(x, dtype=float)
    _, reference = central_jacobian(f, point)
    for mode in modes:
        _, jac = jacobian(f, point, mode)
        if not np.allclose(jac, reference, rtol=rtol, atol=atol):
            raise DifferentiationError(
                f"{mode} Jacobian differs from finite differences by "
                f"{np.max(np.abs(jac - reference)):.3g}:\n{jac}\nvs\n{reference}"
            )
    if order < 2:
        return
    m = reference.shape[0]
    for j in range(m):

        def component(v: Any, j: int = j) -> Any:
            return _component(f(v), j)

        def gradient(v: np.ndarray, j: int = j) -> np.ndarray:
            return jacobian(component, v, "reverse")[1][0]

        _, _, h = hessian(component, point)
        _, h_fd = central_jacobian(gradient, point)
        h_fd = 0.5 * (h_fd + h_fd.T)
        if not np.allclose(h, h_fd, rtol=100 * rtol, atol=100 * atol):
            raise DifferentiationError(
                f"Hessian of output {j} differs from finite differences by "
                f"{np.max(np.abs(h - h_fd)):.3g}"
            )


def _component(y: Any, j: int) -> Any:
    return flatten_outputs(y)[j]
