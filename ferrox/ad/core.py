"""Dispatch shared by every ferrox number type: lifting primitives over nested values.

A ferrox number (:class:`ADNumber`) carries a ``_tag``: each differentiation context
(one forward seed, one reverse tape) gets a fresh, larger tag. When a primitive meets
several ferrox numbers, the one with the largest tag is the outermost perturbation and
does the lifting; numbers with smaller tags are constants to it. This keeps nested
derivatives (Hessians, derivatives of derivatives) free of perturbation confusion.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ferrox.ad import primitives as P
from ferrox.ad.primitives import PRIMITIVES, Primitive
from ferrox.errors import DifferentiationError

__all__ = [
    "ADNumber",
    "apply1",
    "apply2",
    "compile_rules",
    "flatten_outputs",
    "generic",
    "new_tag",
    "value_of",
]

_tags = itertools.count(1)


def new_tag() -> int:
    """A fresh tag, larger than every tag handed out before."""
    return next(_tags)


class ADNumber:
    """Base of ferrox's overloaded number types (:class:`Dual`, :class:`Var`).

    Subclasses implement ``_lift1``/``_lift2`` (apply a primitive where this number is the
    outermost perturbation) and ``_compare`` (a comparison, which tracers record).
    """

    __slots__ = ()
    _tag: int
    value: Any

    def _lift1(self, prim: Primitive) -> Any:
        raise NotImplementedError

    def _lift2(self, prim: Primitive, x: Any, y: Any) -> Any:
        raise NotImplementedError

    def _compare(self, prim: Primitive, x: Any, y: Any) -> bool:
        return bool(prim.value(value_of(x), value_of(y)))

    def __float__(self) -> float:
        raise DifferentiationError(
            "float() of a differentiable value would drop its derivative: use "
            "ferrox.ad.math instead of math (or .value to take the value on purpose)"
        )

    def __int__(self) -> int:
        raise DifferentiationError(
            "int() of a differentiable value would drop its derivative: use "
            "math.floor/trunc from ferrox.ad.math (or .value to take the value on purpose)"
        )

    def __index__(self) -> int:
        raise DifferentiationError("a differentiable value cannot be used as an index")

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Any:
        return apply2(P.ADD, self, other)

    def __radd__(self, other: Any) -> Any:
        return apply2(P.ADD, other, self)

    def __sub__(self, other: Any) -> Any:
        return apply2(P.SUB, self, other)

    def __rsub__(self, other: Any) -> Any:
        return apply2(P.SUB, other, self)

    def __mul__(self, other: Any) -> Any:
        return apply2(P.MUL, self, other)

    def __rmul__(self, other: Any) -> Any:
        return apply2(P.MUL, other, self)

    def __truediv__(self, other: Any) -> Any:
        return apply2(P.DIV, self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return apply2(P.DIV, other, self)

    def __pow__(self, other: Any, modulo: Any = None) -> Any:
        if modulo is not None:
            raise TypeError("pow() with a modulus is not differentiable")
        if other == 2:  # exact and cheaper, the most common power
            return apply1(P.SQUARE, self)
        return apply2(P.POW, self, other)

    def __rpow__(self, other: Any) -> Any:
        return apply2(P.POW, other, self)

    def __mod__(self, other: Any) -> Any:
        # Python's % takes the sign of the divisor: x - y * floor(x / y)
        return self - other * apply1(P.FLOOR, self / other)

    def __rmod__(self, other: Any) -> Any:
        return other - self * apply1(P.FLOOR, other / self)

    def __floordiv__(self, other: Any) -> Any:
        return apply1(P.FLOOR, self / other)

    def __rfloordiv__(self, other: Any) -> Any:
        return apply1(P.FLOOR, other / self)

    def __neg__(self) -> Any:
        return apply1(P.NEG, self)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return apply1(P.ABS, self)

    def __floor__(self) -> Any:
        return apply1(P.FLOOR, self)

    def __ceil__(self) -> Any:
        return apply1(P.CEIL, self)

    def __trunc__(self) -> Any:
        return apply1(P.TRUNC, self)

    def __round__(self, ndigits: int | None = None) -> Any:
        if ndigits is None:
            return apply1(P.ROUND, self)
        scale = 10.0**ndigits
        return apply1(P.ROUND, self * scale) / scale

    # ------------------------------------------------------------ comparisons
    def __lt__(self, other: Any) -> bool:
        return self._compare(P.LT, self, other)

    def __le__(self, other: Any) -> bool:
        return self._compare(P.LE, self, other)

    def __gt__(self, other: Any) -> bool:
        return self._compare(P.GT, self, other)

    def __ge__(self, other: Any) -> bool:
        return self._compare(P.GE, self, other)

    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return self._compare(P.EQ, self, other)

    def __ne__(self, other: object) -> bool:  # type: ignore[override]
        return self._compare(P.NE, self, other)

    def __bool__(self) -> bool:
        return self._compare(P.NE, self, 0.0)

    __hash__ = None  # type: ignore[assignment]  # equality is by value

    # ------------------------------------------------------------ NumPy interoperability
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """Let ``np.sin(x)`` and friends work when ``x`` is a ferrox number."""
        if method != "__call__" or kwargs:
            return NotImplemented
        fn = UFUNCS.get(ufunc.__name__)
        if fn is None:
            return NotImplemented
        if any(isinstance(i, np.ndarray) for i in inputs):
            # Elementwise over object arrays: boxing ferrox numbers in 0-d object arrays
            # lets NumPy's object loop run (it calls the operators item by item) instead
            # of dispatching back here.
            return ufunc(*(_as_object_array(i) for i in inputs))
        return fn(*(i.item() if isinstance(i, np.generic) else i for i in inputs))


def flatten_outputs(y: Any) -> list[Any]:
    """A function's result as a flat list: a scalar is one output."""
    if isinstance(y, ADNumber | float | int):
        return [y]
    if type(y) is list or type(y) is tuple:
        items = list(y)
        if all(isinstance(v, ADNumber | float | int) for v in items):
            return items  # already flat: skip NumPy's per-item inspection
    return list(np.asarray(y, dtype=object).ravel())


def _as_object_array(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.astype(object)
    if isinstance(x, ADNumber):
        boxed = np.empty((), dtype=object)
        boxed[()] = x
        return boxed
    return x


def value_of(x: Any) -> Any:
    """The primal value of ``x``, stripping every level of ferrox number."""
    while isinstance(x, ADNumber):
        x = x.value
    return x


def apply1(prim: Primitive, x: Any) -> Any:
    """Apply a one-argument primitive to a float or ferrox number."""
    if isinstance(x, ADNumber):
        return x._lift1(prim)
    return prim.value(x)


def apply2(prim: Primitive, x: Any, y: Any) -> Any:
    """Apply a two-argument primitive; the outermost (largest-tag) number lifts it."""
    if isinstance(x, ADNumber):
        if isinstance(y, ADNumber) and y._tag > x._tag:
            return y._lift2(prim, x, y)
        return x._lift2(prim, x, y)
    if isinstance(y, ADNumber):
        return y._lift2(prim, x, y)
    return prim.value(x, y)


def generic(prim: Primitive) -> Callable[..., Any]:
    """The overloaded function for ``prim``: floats in, floats out; ferrox numbers lift."""
    fn = prim.value
    if prim.arity == 1:

        def unary(x: Any) -> Any:
            if isinstance(x, ADNumber):
                return x._lift1(prim)
            return fn(x)

        unary.__name__ = unary.__qualname__ = prim.name
        unary.__doc__ = f"{prim.name}(x), differentiable (see ferrox.ad.primitives)."
        return unary

    def binary(x: Any, y: Any) -> Any:
        return apply2(prim, x, y)

    binary.__name__ = binary.__qualname__ = prim.name
    binary.__doc__ = f"{prim.name}(x, y), differentiable (see ferrox.ad.primitives)."
    return binary


GENERIC: dict[str, Callable[..., Any]] = {name: generic(p) for name, p in PRIMITIVES.items()}
"""The overloaded function of every primitive, by primitive name."""


def compile_rules(prim: Primitive) -> None:
    """Compile ``prim``'s rule texts, twice: over ferrox's overloaded math (``rules``,
    for nested values and higher derivatives) and over the plain float functions
    (``float_rules``, the fast path when every argument is a float).

    A rule that is a plain number (``"1.0"``) is stored as that float, so modes can
    use it without a call.
    """
    params = "out, x" if prim.arity == 1 else "out, x, y"
    floats = {name: p.value for name, p in PRIMITIVES.items()}
    rules: list[Any] = []
    float_rules: list[Any] = []
    for text in prim.partials:
        if text is None:
            rules.append(None)
            float_rules.append(None)
            continue
        try:
            rules.append(float(text))
            float_rules.append(float(text))
            continue
        except ValueError:
            pass
        code = compile(f"lambda {params}: {text}", f"<rule {prim.name}>", "eval")
        # rule text is ferrox's own, never user input
        rules.append(eval(code, GENERIC))
        float_rules.append(eval(code, floats))
    prim.rules = tuple(rules)
    prim.float_rules = tuple(float_rules)


def _compile_rules() -> None:
    for prim in PRIMITIVES.values():
        compile_rules(prim)


_compile_rules()


def partial(rule: Any, out: Any, *args: Any) -> Any:
    """Evaluate one partial; a singular point gives inf (or nan) instead of raising."""
    if type(rule) is float:
        return rule
    try:
        return rule(out, *args)
    except ZeroDivisionError:
        return math.inf
    except (ValueError, OverflowError):
        return math.nan


def _ufunc_table() -> dict[str, Callable[..., Any]]:
    g = GENERIC
    table = {
        "add": operator.add,
        "subtract": operator.sub,
        "multiply": operator.mul,
        "true_divide": operator.truediv,
        "divide": operator.truediv,
        "power": operator.pow,
        "float_power": operator.pow,
        "negative": operator.neg,
        "positive": operator.pos,
        "absolute": g["abs"],
        "fabs": g["abs"],
        "square": g["square"],
        "reciprocal": lambda x: 1.0 / x,
        "arcsin": g["asin"],
        "arccos": g["acos"],
        "arctan": g["atan"],
        "arctan2": g["atan2"],
        "arcsinh": g["asinh"],
        "arccosh": g["acosh"],
        "arctanh": g["atanh"],
        "maximum": g["fmax"],
        "minimum": g["fmin"],
        "rint": g["round"],
        "deg2rad": g["radians"],
        "rad2deg": g["degrees"],
        "less": operator.lt,
        "less_equal": operator.le,
        "greater": operator.gt,
        "greater_equal": operator.ge,
        "equal": operator.eq,
        "not_equal": operator.ne,
    }
    for name in [
        "sin",
        "cos",
        "tan",
        "sinh",
        "cosh",
        "tanh",
        "exp",
        "expm1",
        "exp2",
        "log",
        "log1p",
        "log2",
        "log10",
        "sqrt",
        "cbrt",
        "floor",
        "ceil",
        "trunc",
        "sign",
        "hypot",
        "copysign",
        "fmod",
        "fmax",
        "fmin",
        "degrees",
        "radians",
    ]:
        table[name] = g[name]
    return table


UFUNCS = _ufunc_table()
"""NumPy ufunc name → overloaded function, for ``__array_ufunc__`` and object arrays."""

for _name, _fn in UFUNCS.items():
    # NumPy applies a ufunc to an object array by calling the element's method of the
    # ufunc's name, so every ferrox number answers to these names too.
    if not hasattr(ADNumber, _name):
        setattr(ADNumber, _name, _fn)
ADNumber.conjugate = lambda self: self  # type: ignore[attr-defined]
