from __future__ import annotations

import numpy as np
import pytest

from ferrox.ad import math as admath
from ferrox.ad.optimize import least_squares, minimize, scipy_jacobian, scipy_minimize
from ferrox.errors import InvalidInputError, ShapeError


def rosen(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


@pytest.mark.parametrize("method", ["bfgs", "lbfgs"])
@pytest.mark.parametrize("ad", ["compiled", "reverse"])
def test_quasi_newton_solves_rosenbrock(method: str, ad: str) -> None:
    result = minimize(rosen, [-1.2, 1.0, -0.5, 0.3], method, ad=ad)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, np.ones(4), atol=1e-6)
    assert all(a >= b for a, b in zip(result.history, result.history[1:], strict=False))


def test_gradient_descent_decreases_and_converges_on_a_convex_bowl() -> None:
    def bowl(x):
        return (x[0] - 1) ** 2 + 10 * (x[1] + 2) ** 2 + admath.cosh(x[0] - 1) - 1

    result = minimize(bowl, [3.0, 3.0], "gd", max_iter=5000, gtol=1e-7)
    assert result.success
    np.testing.assert_allclose(result.x, [1.0, -2.0], atol=1e-6)


@pytest.mark.parametrize("method", ["gn", "lm"])
def test_least_squares_fits_an_exponential(method: str) -> None:
    t = np.linspace(0, 2, 20)
    data = 2.5 * np.exp(-1.3 * t) + 0.1

    def residuals(p):
        return [p[0] * admath.exp(p[1] * ti) + p[2] - di for ti, di in zip(t, data, strict=True)]

    result = least_squares(residuals, [1.0, -0.5, 0.0], method)
    np.testing.assert_allclose(result.x, [2.5, -1.3, 0.1], atol=1e-6)


def test_scipy_bridge() -> None:
    result = scipy_minimize(rosen, [-1.2, 1.0, -0.5, 0.3], method="BFGS")
    np.testing.assert_allclose(result.x, np.ones(4), atol=1e-4)
    jac = scipy_jacobian(lambda x: [x[0] * x[1], x[1]], 2)
    np.testing.assert_allclose(jac(np.array([2.0, 3.0])), [[3.0, 2.0], [0.0, 1.0]])
    from scipy.optimize import root

    sol = root(
        lambda x: [x[0] ** 2 - 2.0], [1.0], jac=scipy_jacobian(lambda x: [x[0] ** 2 - 2.0], 1)
    )
    assert sol.x[0] == pytest.approx(2**0.5)


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInputError):
        minimize(rosen, [0.0, 0.0], "newton-raphson")
    with pytest.raises(InvalidInputError):
        least_squares(lambda x: [x[0]], [0.0], "dogleg")
    with pytest.raises(ShapeError):
        minimize(lambda x: [x[0], x[1]], [0.0, 0.0])
