"""A drop-in for the :mod:`math` module whose functions differentiate.

``from ferrox.ad import math`` and write numeric code as usual: on floats each
function is the standard one (same results, same errors); on ferrox numbers it
records or propagates derivatives. ``floor``/``ceil``/``trunc`` have zero derivative.
Predicates (``isnan``, ``isinf``, ``isfinite``) are comparisons, so the compiled mode
guards on them; ``isclose`` looks through to the values.
"""

from __future__ import annotations

import math as _math
from typing import Any

from ferrox.ad import fastpath as _fastpath  # noqa: F401  # fills GENERIC with fast paths
from ferrox.ad.core import GENERIC, ADNumber, value_of

__all__ = [
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "cbrt",
    "ceil",
    "copysign",
    "cos",
    "cosh",
    "degrees",
    "e",
    "erf",
    "erfc",
    "exp",
    "exp2",
    "expm1",
    "fabs",
    "floor",
    "fmax",
    "fmin",
    "fmod",
    "hypot",
    "inf",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "log",
    "log1p",
    "log2",
    "log10",
    "nan",
    "pi",
    "pow",
    "radians",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "tan",
    "tanh",
    "tau",
    "trunc",
]

pi = _math.pi
e = _math.e
tau = _math.tau
inf = _math.inf
nan = _math.nan

sin = GENERIC["sin"]
cos = GENERIC["cos"]
tan = GENERIC["tan"]
asin = GENERIC["asin"]
acos = GENERIC["acos"]
atan = GENERIC["atan"]
atan2 = GENERIC["atan2"]
hypot2 = GENERIC["hypot"]
sinh = GENERIC["sinh"]
cosh = GENERIC["cosh"]
tanh = GENERIC["tanh"]
asinh = GENERIC["asinh"]
acosh = GENERIC["acosh"]
atanh = GENERIC["atanh"]
exp = GENERIC["exp"]
expm1 = GENERIC["expm1"]
exp2 = GENERIC["exp2"]
log1p = GENERIC["log1p"]
log2 = GENERIC["log2"]
log10 = GENERIC["log10"]
sqrt = GENERIC["sqrt"]
cbrt = GENERIC["cbrt"]
erf = GENERIC["erf"]
erfc = GENERIC["erfc"]
floor = GENERIC["floor"]
ceil = GENERIC["ceil"]
trunc = GENERIC["trunc"]
fabs = GENERIC["abs"]
fmod = GENERIC["fmod"]
copysign = GENERIC["copysign"]
degrees = GENERIC["degrees"]
radians = GENERIC["radians"]
fmax = GENERIC["fmax"]
fmin = GENERIC["fmin"]
sign = GENERIC["sign"]
square = GENERIC["square"]
_log = GENERIC["log"]
_pow = GENERIC["pow"]


def log(x: Any, base: Any = None) -> Any:
    """Natural logarithm, or the logarithm to ``base`` like :func:`math.log`."""
    if base is None:
        return _log(x)
    return _log(x) / _log(base)


def pow(x: Any, y: Any) -> Any:
    """``x`` raised to ``y`` with :func:`math.pow`'s errors (no complex results)."""
    return _pow(x, y)


def hypot(*coordinates: Any) -> Any:
    """Euclidean norm of any number of coordinates, like :func:`math.hypot`."""
    if not coordinates:
        return 0.0
    result = fabs(coordinates[0])
    for c in coordinates[1:]:
        result = hypot2(result, c)
    return result


def isnan(x: Any) -> bool:
    """True when the value of ``x`` is NaN (a traced value records the test as a guard)."""
    if isinstance(x, ADNumber):
        return x != x
    return _math.isnan(x)


def isinf(x: Any) -> bool:
    """True when the value of ``x`` is infinite (recorded as a guard when traced)."""
    if isinstance(x, ADNumber):
        return fabs(x) == _math.inf
    return _math.isinf(x)


def isfinite(x: Any) -> bool:
    """True when ``x`` is neither NaN nor infinite (recorded as a guard when traced)."""
    if isinstance(x, ADNumber):
        return (x - x) == 0.0
    return _math.isfinite(x)


def isclose(a: Any, b: Any, *, rel_tol: float = 1e-09, abs_tol: float = 0.0) -> bool:
    """:func:`math.isclose` on the values of ``a`` and ``b``."""
    return _math.isclose(value_of(a), value_of(b), rel_tol=rel_tol, abs_tol=abs_tol)
