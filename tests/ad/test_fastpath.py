"""The generated fast paths give exactly what the generic lifting gives."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ferrox.ad import Dual, Tape
from ferrox.ad import math as admath
from ferrox.ad.core import generic
from ferrox.ad.fastpath import FAST
from ferrox.ad.primitives import PRIMITIVES

# points inside every primitive's domain, and one singular point each where it has one
POINTS = {"acosh": 1.7, "fmod": 0.7}
SINGULAR = {"sqrt": 0.0, "cbrt": 0.0, "abs": 0.0, "asin": 1.0, "log": 0.0}


def _unary_results(fn, x):
    tape = Tape()
    v = tape.inputs([x])[0]
    r = fn(v)
    grad = tape.gradient(r)[0]
    d1 = fn(Dual(x, 1.0))
    dv = fn(Dual(x, np.array([1.0, 2.0])))
    return r.value, grad, d1.value, d1.tangent, dv.value, list(dv.tangent)


@pytest.mark.parametrize("name", [n for n, p in FAST.items() if PRIMITIVES[n].arity == 1])
def test_unary_fast_path_matches_generic(name) -> None:
    prim = PRIMITIVES[name]
    x = POINTS.get(name, 0.3)
    fast, slow = _unary_results(FAST[name], x), _unary_results(generic(prim), x)
    np.testing.assert_array_equal(np.array(fast[:4]), np.array(slow[:4]))
    np.testing.assert_array_equal(np.array(fast[5]), np.array(slow[5]))
    if name in SINGULAR:
        try:
            expected = _unary_results(generic(prim), SINGULAR[name])
        except (ValueError, ZeroDivisionError) as exc:
            with pytest.raises(type(exc)):
                _unary_results(FAST[name], SINGULAR[name])
        else:
            got = _unary_results(FAST[name], SINGULAR[name])
            np.testing.assert_array_equal(np.array(got[:4]), np.array(expected[:4]))


def _binary_results(fn, x, y, const_side):
    out = []
    tape = Tape()
    a, b = tape.inputs([x, y])
    for args in ((a, b), (a, y), (x, b)) if const_side else ((a, b),):
        r = fn(*args)
        out += [r.value, *tape.gradient(r)]
    tag_args = (Dual(x, 1.0), Dual(y, 0.5))
    tag_args[1]._tag = tag_args[0]._tag  # one context: both active
    for args in (tag_args, (Dual(x, np.array([1.0, 2.0])), 3), (2, Dual(y, 1.5))):
        r = fn(*args)
        out += [r.value, *np.atleast_1d(r.tangent).tolist()]
    return out


@pytest.mark.parametrize("name", [n for n, p in FAST.items() if PRIMITIVES[n].arity == 2])
def test_binary_fast_path_matches_generic_both_sides_and_with_ints(name) -> None:
    x, y = (1.3, 0.4) if name != "pow" else (1.3, 2.0)
    fast = _binary_results(FAST[name], x, y, True)
    slow = _binary_results(generic(PRIMITIVES[name]), x, y, True)
    np.testing.assert_array_equal(np.array(fast), np.array(slow))


def test_operators_and_math_use_the_fast_path_and_keep_errors() -> None:
    tape = Tape()
    v = tape.inputs([0.0])[0]
    assert admath.sin is FAST["sin"]
    with pytest.raises(ZeroDivisionError):
        1.0 / v
    with pytest.raises(ValueError, match="math domain error"):
        admath.log(v - 1.0)
    r = admath.sqrt(v)  # singular: derivative inf, like the generic rule
    assert r.value == 0.0 and tape.gradient(r)[0] == math.inf
    # reflected operators and ints
    w = 3 - 2 * v / 4 + 1
    assert w.value == 4.0 and tape.gradient(w)[0] == -0.5
