"""ferrox.ad: forward- and reverse-mode automatic differentiation for plain Python code.

Write numeric code once with ``ferrox.ad.math`` (a drop-in for :mod:`math`) and
ordinary operators; differentiate it by dual numbers (:class:`Dual`, one tangent or a
vector of them), by a reverse tape (:class:`Var`), by central finite differences, or
by the compiled fast path (trace once, evaluate with a C or Numba kernel)::

    from ferrox.ad import Dual
    x = Dual(2.0, 1.0)
    y = x * x + 3.0 * x
    y.value, y.derivative        # (10.0, 7.0)

    value, jac = ferrox.ad.jacobian(f, x, method="compiled")
"""

from ferrox.ad import math
from ferrox.ad.api import (
    METHODS,
    FunctionEngine,
    derivative,
    grad,
    hessian,
    jacobian,
    jvp,
    vjp,
)
from ferrox.ad.compiled import CompiledFunction, compile_function
from ferrox.ad.dual import Dual, seed_duals
from ferrox.ad.reverse import Tape, Var

__all__ = [
    "METHODS",
    "CompiledFunction",
    "Dual",
    "FunctionEngine",
    "Tape",
    "Var",
    "compile_function",
    "derivative",
    "grad",
    "hessian",
    "jacobian",
    "jvp",
    "math",
    "seed_duals",
    "vjp",
]
