"""The primitive table: every differentiable operation and its derivative rules, once.

Each primitive states its value as a Python function (exact ``math`` semantics, errors
included) and one partial-derivative rule per argument as a small expression over
``x``, ``y`` (the arguments) and ``out`` (the value). ``None`` means the partial is zero.

The same rule text drives every mode: it is compiled once into Python callables whose
function names (``cos``, ``sqrt`` ...) are ferrox's overloaded math, so rules apply to
nested dual / reverse values and give higher derivatives; and it is pasted into the
compiled tape interpreters (:mod:`ferrox.ad.c_kernel`, translated to C, and
:mod:`ferrox.ad.numba_kernel`) where the names are libm's math.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PRIMITIVES", "Primitive", "defprim"]

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@dataclass(eq=False)
class Primitive:
    """One differentiable operation.

    ``value`` is the Python (float) implementation; ``kernel_value`` the same operation
    as an expression for the compiled kernel; ``partials`` one rule text per argument.
    """

    name: str
    arity: int
    value: Callable[..., Any]
    kernel_value: str
    partials: tuple[str | None, ...]
    code: int = -1
    rules: tuple[Any, ...] = field(default=(), repr=False)
    float_rules: tuple[Any, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if len(self.partials) != self.arity:
            raise ValueError(f"{self.name}: {self.arity} args but {len(self.partials)} rules")

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


PRIMITIVES: dict[str, Primitive] = {}
"""Every primitive by name, in definition order (the order gives kernel op codes)."""


def defprim(
    name: str,
    value: Callable[..., Any],
    *partials: str | None,
    kernel: str | None = None,
) -> Primitive:
    """Define a primitive: its value function and one partial rule per argument.

    ``kernel`` is the value expression for the compiled kernel; it defaults to
    ``name(x)`` / ``name(x, y)``.
    """
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is already defined")
    arity = len(partials)
    if kernel is None:
        kernel = f"{name}(x)" if arity == 1 else f"{name}(x, y)"
    prim = Primitive(name, arity, value, kernel, tuple(partials), code=len(PRIMITIVES))
    PRIMITIVES[name] = prim
    return prim


def _sign(x: float) -> float:
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return x * 0.0  # keeps nan as nan and 0 as 0


def _fmax(x: float, y: float) -> float:
    return x if x >= y or y != y else y


def _fmin(x: float, y: float) -> float:
    return x if x <= y or y != y else y


def _round(x: float) -> float:
    return float(round(x))


def _bool(result: bool) -> float:
    return 1.0 if result else 0.0


# ---------------------------------------------------------------- arithmetic
ADD = defprim("add", operator.add, "1.0", "1.0", kernel="x + y")
SUB = defprim("sub", operator.sub, "1.0", "-1.0", kernel="x - y")
MUL = defprim("mul", operator.mul, "y", "x", kernel="x * y")
DIV = defprim("div", operator.truediv, "1.0 / y", "-out / y", kernel="x / y")
POW = defprim("pow", math.pow, "y * x ** (y - 1.0)", "out * log(x)", kernel="x ** y")
NEG = defprim("neg", operator.neg, "-1.0", kernel="-x")
SQUARE = defprim("square", lambda x: x * x, "2.0 * x", kernel="x * x")
ABS = defprim("abs", abs, "sign(x)", kernel="abs(x)")
SIGN = defprim("sign", _sign, None)
FMOD = defprim("fmod", math.fmod, "1.0", "-trunc(x / y)")
COPYSIGN = defprim("copysign", math.copysign, "sign(x) * copysign(1.0, y)", None)
FMAX = defprim(
    "fmax", _fmax, "1.0 if x >= y else 0.0", "0.0 if x >= y else 1.0", kernel="fmax(x, y)"
)
FMIN = defprim(
    "fmin", _fmin, "1.0 if x <= y else 0.0", "0.0 if x <= y else 1.0", kernel="fmin(x, y)"
)

# ---------------------------------------------------------------- rounding (zero derivative)
FLOOR = defprim("floor", lambda x: float(math.floor(x)), None)
CEIL = defprim("ceil", lambda x: float(math.ceil(x)), None)
TRUNC = defprim("trunc", lambda x: float(math.trunc(x)), None)
ROUND = defprim("round", _round, None, kernel="rint(x)")

# ---------------------------------------------------------------- trigonometric
SIN = defprim("sin", math.sin, "cos(x)")
COS = defprim("cos", math.cos, "-sin(x)")
TAN = defprim("tan", math.tan, "1.0 + out * out")
ASIN = defprim("asin", math.asin, "1.0 / sqrt(1.0 - x * x)")
ACOS = defprim("acos", math.acos, "-1.0 / sqrt(1.0 - x * x)")
ATAN = defprim("atan", math.atan, "1.0 / (1.0 + x * x)")
ATAN2 = defprim("atan2", math.atan2, "y / (x * x + y * y)", "-x / (x * x + y * y)")
HYPOT = defprim("hypot", math.hypot, "x / out", "y / out")
DEGREES = defprim("degrees", math.degrees, "57.29577951308232", kernel="x * 57.29577951308232")
RADIANS = defprim(
    "radians", math.radians, "0.017453292519943295", kernel="x * 0.017453292519943295"
)

# ---------------------------------------------------------------- hyperbolic
SINH = defprim("sinh", math.sinh, "cosh(x)")
COSH = defprim("cosh", math.cosh, "sinh(x)")
TANH = defprim("tanh", math.tanh, "1.0 - out * out")
ASINH = defprim("asinh", math.asinh, "1.0 / sqrt(x * x + 1.0)")
ACOSH = defprim("acosh", math.acosh, "1.0 / sqrt(x * x - 1.0)")
ATANH = defprim("atanh", math.atanh, "1.0 / (1.0 - x * x)")

# ---------------------------------------------------------------- exponential and logarithmic
EXP = defprim("exp", math.exp, "out")
EXPM1 = defprim("expm1", math.expm1, "out + 1.0")
EXP2 = defprim("exp2", math.exp2, f"out * {LN2!r}")
LOG = defprim("log", math.log, "1.0 / x")
LOG1P = defprim("log1p", math.log1p, "1.0 / (1.0 + x)")
LOG2 = defprim("log2", math.log2, f"1.0 / (x * {LN2!r})")
LOG10 = defprim("log10", math.log10, f"1.0 / (x * {LN10!r})")
SQRT = defprim("sqrt", math.sqrt, "0.5 / out")
CBRT = defprim("cbrt", math.cbrt, "1.0 / (3.0 * out * out)")
ERF = defprim("erf", math.erf, f"{TWO_OVER_SQRT_PI!r} * exp(-(x * x))")
ERFC = defprim("erfc", math.erfc, f"-{TWO_OVER_SQRT_PI!r} * exp(-(x * x))")

# ---------------------------------------------------------------- comparisons (guards)
# Recorded only while tracing for the compiled mode: each one pins the branch taken.
LT = defprim("lt", lambda x, y: _bool(x < y), None, None, kernel="1.0 if x < y else 0.0")
LE = defprim("le", lambda x, y: _bool(x <= y), None, None, kernel="1.0 if x <= y else 0.0")
GT = defprim("gt", lambda x, y: _bool(x > y), None, None, kernel="1.0 if x > y else 0.0")
GE = defprim("ge", lambda x, y: _bool(x >= y), None, None, kernel="1.0 if x >= y else 0.0")
EQ = defprim("eq", lambda x, y: _bool(x == y), None, None, kernel="1.0 if x == y else 0.0")
NE = defprim("ne", lambda x, y: _bool(x != y), None, None, kernel="1.0 if x != y else 0.0")

COMPARISONS = (LT, LE, GT, GE, EQ, NE)
