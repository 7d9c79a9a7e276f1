"""Forward mode: dual numbers with one tangent (a float) or many (a NumPy vector)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ferrox.ad.core import ADNumber, apply1, apply2, new_tag, partial
from ferrox.ad.primitives import Primitive

__all__ = ["Dual", "seed_duals"]


class Dual(ADNumber):
    """A value with a tangent: ``Dual(2.0, 1.0)`` is 2 moving at unit speed.

    The tangent is a float for one direction or a 1-D NumPy array for many (one pass
    then yields a whole Jacobian). ``value`` may itself be a ferrox number, which gives
    higher derivatives. Arithmetic, comparisons, ``abs``, ``**``, ``ferrox.ad.math`` and
    NumPy ufuncs all work on it.
    """

    __slots__ = ("_dir", "_scale", "_tag", "value")

    def __init__(
        self, value: Any, tangent: Any = 0.0, tag: int | None = None, scale: float = 1.0
    ) -> None:
        self.value = value
        # the tangent is _dir * _scale: a chain of scalings of an array tangent (each
        # primitive's partial) multiplies floats until an addition needs the array
        self._dir = tangent
        self._scale = scale
        self._tag = new_tag() if tag is None else tag

    @property
    def tangent(self) -> Any:
        """The tangent: a float, or a 1-D array for many directions at once."""
        scale = self._scale
        # computed, not stored back: a shared number stays safe to read from threads
        return self._dir if scale == 1.0 else self._dir * scale

    @tangent.setter
    def tangent(self, tangent: Any) -> None:
        self._dir = tangent
        self._scale = 1.0

    @property
    def derivative(self) -> Any:
        """The tangent: the directional derivative carried by this number."""
        return self.tangent

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.tangent!r})"

    def _lift1(self, prim: Primitive) -> Dual:
        x = self.value
        if type(x) is float:
            out = prim.value(x)
            rule = prim.float_rules[0]
        else:
            out = apply1(prim, x)
            rule = prim.rules[0]
        if rule is None:
            return Dual(out, self.tangent * 0.0, self._tag)
        # core.partial inlined: one call fewer per operation on the hot path
        try:
            d = rule if type(rule) is float else rule(out, x)
        except ZeroDivisionError:
            d = math.inf
        except (ValueError, OverflowError):
            d = math.nan
        return Dual(out, d * self.tangent, self._tag)

    def _lift2(self, prim: Primitive, x: Any, y: Any) -> Dual:
        tag = self._tag
        x_active = type(x) is Dual and x._tag == tag
        y_active = type(y) is Dual and y._tag == tag
        xv = x.value if x_active else x
        yv = y.value if y_active else y
        if type(xv) is float and type(yv) is float:
            out = prim.value(xv, yv)
            rx, ry = prim.float_rules
        else:
            out = apply2(prim, xv, yv)
            rx, ry = prim.rules
        if x_active:
            if rx is None:
                tangent = x.tangent * 0.0
            else:
                tangent = _scaled(rx if type(rx) is float else partial(rx, out, xv, yv), x.tangent)
            if y_active and ry is not None:
                d = ry if type(ry) is float else partial(ry, out, xv, yv)
                tangent = tangent + _scaled(d, y.tangent)
            return Dual(out, tangent, tag)
        if ry is None:
            return Dual(out, y.tangent * 0.0, tag)
        d = ry if type(ry) is float else partial(ry, out, xv, yv)
        return Dual(out, _scaled(d, y.tangent), tag)


def _scaled(d: Any, tangent: Any) -> Any:
    """``d * tangent``, skipping the multiply for the common unit partial (tangents are
    never changed in place, so sharing one is safe)."""
    if type(d) is float and d == 1.0:
        return tangent
    return d * tangent


def _unit_rows(n: int) -> list[np.ndarray]:
    """The rows of a read-only n x n identity. Tangents are never changed in place, so
    for moderate n one identity is kept between calls: allocating and zero-filling n^2
    floats per Jacobian costs more than the function itself for wide inputs."""
    return _cached_unit_rows(n) if n <= _CACHED_EYE_MAX else _identity_rows(n)


def _identity_rows(n: int) -> list[np.ndarray]:
    eye = np.eye(n)
    eye.flags.writeable = False
    return list(eye)


_CACHED_EYE_MAX = 2048  # 32 MiB per cached identity at most
_cached_unit_rows = lru_cache(maxsize=2)(_identity_rows)


def seed_duals(x: Sequence[Any], directions: Any = None) -> np.ndarray:
    """Duals for the point ``x``, all in one new tag, as a 1-D object array.

    With ``directions`` None each input gets a unit-vector tangent (multi-tangent
    mode, tangent length n); a 1-D array gives one direction (scalar tangents); a 2-D
    array of shape (n, k) gives k directions at once.
    """
    if isinstance(x, np.ndarray) and x.dtype != object:
        x = x.tolist()  # Python floats: Python's semantics (errors, not warnings)
    else:
        x = [v.item() if isinstance(v, np.generic) else v for v in x]
    n = len(x)
    tag = new_tag()
    if directions is None and n == 1:  # one direction: a float tangent is cheaper
        return seed_duals(x, np.ones(1))
    if directions is None:
        # Built slot by slot (calling the class costs a Python __init__ per input) and
        # put in the array with fromiter (assigning a list inspects every item).
        duals = []
        append = duals.append
        new = object.__new__
        for value, row in zip(x, _unit_rows(n), strict=True):
            d = new(Dual)
            d.value = value
            d._dir = row
            d._scale = 1.0
            d._tag = tag
            append(d)
        return np.fromiter(duals, dtype=object, count=n)
    out = np.empty(n, dtype=object)
    d = np.asarray(directions, dtype=float)
    for i in range(n):
        out[i] = Dual(x[i], float(d[i]) if d.ndim == 1 else d[i].copy(), tag)
    return out
