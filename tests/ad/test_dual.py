"""Forward mode: the report's example, every operator, NumPy, nesting."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ferrox.ad import Dual, derivative, seed_duals
from ferrox.ad import math as admath
from ferrox.errors import DifferentiationError


def test_the_reports_example() -> None:
    x = Dual(2.0, 1.0)
    y = x * x + 3.0 * x
    assert (y.value, y.derivative) == (10.0, 7.0)


@pytest.mark.parametrize(
    ("f", "df"),
    [
        (lambda x: x + 2, lambda x: 1.0),
        (lambda x: 2 + x, lambda x: 1.0),
        (lambda x: x - 2, lambda x: 1.0),
        (lambda x: 2 - x, lambda x: -1.0),
        (lambda x: 3 * x, lambda x: 3.0),
        (lambda x: x / 4, lambda x: 0.25),
        (lambda x: 4 / x, lambda x: -4 / x**2),
        (lambda x: x**3, lambda x: 3 * x**2),
        (lambda x: x**2, lambda x: 2 * x),
        (lambda x: x**0.5, lambda x: 0.5 / math.sqrt(x)),
        (lambda x: 2**x, lambda x: math.log(2) * 2**x),
        (lambda x: x**x, lambda x: x**x * (math.log(x) + 1)),
        (lambda x: -x, lambda x: -1.0),
        (lambda x: +x, lambda x: 1.0),
        (lambda x: abs(-x), lambda x: 1.0),
        (lambda x: x % 0.5, lambda x: 1.0),
        (lambda x: 7 % x, lambda x: -math.floor(7 / x)),
        (lambda x: x // 0.5, lambda x: 0.0),
        (lambda x: round(x * 10), lambda x: 0.0),
        (lambda x: math.floor(x) + math.ceil(x) + math.trunc(x), lambda x: 0.0),
    ],
)
def test_operators_and_reflected_operators(f, df) -> None:
    x0 = 1.3
    y = f(Dual(x0, 1.0))
    assert y.value == pytest.approx(f(x0))
    assert y.derivative == pytest.approx(df(x0))


def test_comparisons_use_values() -> None:
    a, b = Dual(1.0, 5.0), Dual(2.0, -1.0)
    assert a < b and a <= b and b > a and b >= a and a != b
    assert a == Dual(1.0, 0.0)
    assert a < 1.5 and a > 0.5 and a == 1.0
    assert bool(Dual(0.0, 1.0)) is False and bool(a) is True
    assert max(a, b) is b


def test_float_conversion_refuses_to_drop_the_derivative() -> None:
    with pytest.raises(DifferentiationError, match=r"ferrox\.ad\.math"):
        math.sin(Dual(1.0, 1.0))
    with pytest.raises(DifferentiationError):
        int(Dual(1.0, 1.0))


def test_multi_tangent_gives_a_full_jacobian_in_one_pass() -> None:
    x = seed_duals([1.0, 2.0, 3.0])
    y = x[0] * x[1] + admath.sin(x[2])
    np.testing.assert_allclose(y.tangent, [2.0, 1.0, math.cos(3.0)])


def test_numpy_ufuncs_and_matmul_on_object_arrays() -> None:
    x = seed_duals([0.5, -0.25])
    s = np.sin(x)
    np.testing.assert_allclose(s[0].tangent, [math.cos(0.5), 0.0])
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = a @ x
    np.testing.assert_allclose(y[1].tangent, [3.0, 4.0])
    z = x @ x
    np.testing.assert_allclose(z.tangent, [1.0, -0.5])
    w = np.exp(x) * np.float64(2.0) + np.arctan2(x[0], x[1])
    assert isinstance(w[0], Dual)
    assert np.sum(x).value == pytest.approx(0.25)
    assert isinstance(np.float64(2.0) * x[0], Dual)
    m = np.array([1.0, 2.0]) * x[0]
    assert m[1].tangent[0] == 2.0


def test_nested_duals_give_second_derivatives() -> None:
    value, d2 = derivative(lambda t: derivative(lambda s: s**3 + admath.sin(s), t)[1], 0.7)
    assert value == pytest.approx(3 * 0.49 + math.cos(0.7))
    assert d2 == pytest.approx(6 * 0.7 - math.sin(0.7))


def test_no_perturbation_confusion() -> None:
    # d/dx [x * d/dy (x + y)] at any x is 1: the inner derivative is 1, not x-dependent
    _, d = derivative(lambda x: x * derivative(lambda y: x + y, 1.0)[1], 3.0)
    assert d == 1.0
    # Siskind & Pearlmutter's example: d/dx [x * (d/dy x*y)|y=2] = 2x
    _, d = derivative(lambda x: x * derivative(lambda y: x * y, 2.0)[1], 3.0)
    assert d == pytest.approx(6.0)


def test_repr_and_derivative_alias() -> None:
    d = Dual(1.5, 2.0)
    assert repr(d) == "Dual(1.5, 2.0)" and d.derivative == d.tangent == 2.0
