"""Differentiate a typed-in expression: the shared back end of the CLI and the server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ferrox.ad.api import hessian as hessian_of
from ferrox.ad.api import jacobian
from ferrox.ad.expr import parse
from ferrox.errors import ExpressionError, NonFiniteError

__all__ = ["differentiate"]


def differentiate(
    expression: str, at: Mapping[str, float], *, method: str = "reverse", hessian: bool = False
) -> dict[str, Any]:
    """Value, gradient (or Jacobian) and optionally Hessian of ``expression`` at ``at``.

    Returns plain JSON-ready data: ``variables``, ``value``, then ``gradient`` (a
    name → float mapping) for a scalar expression or ``jacobian`` (rows) for a vector
    one, and ``hessian`` (rows) when asked.
    """
    expr = parse(expression, list(at))
    unknown = [v for v in expr.variables if v not in at]
    if unknown:
        raise ExpressionError(f"no value given for variable(s): {', '.join(unknown)}")
    point = [float(at[v]) for v in expr.variables]
    if not all(np.isfinite(point)):
        raise NonFiniteError("the point has non-finite coordinates")
    try:
        value, jac = jacobian(expr, point, method)
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        if isinstance(exc, ExpressionError):
            raise
        raise ExpressionError(f"cannot evaluate {expression!r} at {dict(at)}: {exc}") from exc
    result: dict[str, Any] = {"variables": expr.variables}
    if expr.is_vector:
        result["value"] = value.tolist()
        result["jacobian"] = jac.tolist()
    else:
        result["value"] = float(value[0])
        result["gradient"] = dict(zip(expr.variables, jac[0].tolist(), strict=True))
    if hessian:
        if expr.is_vector:
            raise ExpressionError("the Hessian needs a scalar expression")
        _, _, h = hessian_of(expr, point)
        result["hessian"] = h.tolist()
    return result
