"""The one-function interface: the contract other code relies on."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ferrox.ad as ad
from ferrox.ad import math as admath
from ferrox.errors import InvalidInputError, NonFiniteError, ShapeError


def f3(x):
    return [
        admath.sin(x[0] * x[1]) + x[2] ** 3,
        admath.exp(x[0]) / (1 + x[1] ** 2),
        admath.atan2(x[2], x[0]) * admath.hypot(x[0], x[1]),
    ]


def reference_jacobian(x):
    a, b, c = x
    return np.array(
        [
            [b * math.cos(a * b), a * math.cos(a * b), 3 * c**2],
            [math.exp(a) / (1 + b**2), -2 * b * math.exp(a) / (1 + b**2) ** 2, 0.0],
            [
                -c / (a * a + c * c) * math.hypot(a, b) + math.atan2(c, a) * a / math.hypot(a, b),
                math.atan2(c, a) * b / math.hypot(a, b),
                a / (a * a + c * c) * math.hypot(a, b),
            ],
        ]
    )


@pytest.mark.parametrize("method", ad.METHODS)
def test_contract_shapes_types_and_values(method: str) -> None:
    x = [0.5, -1.25, 2.0]
    value, jac = ad.jacobian(f3, x, method=method)
    assert isinstance(value, np.ndarray) and value.dtype == np.float64 and value.shape == (3,)
    assert isinstance(jac, np.ndarray) and jac.dtype == np.float64 and jac.shape == (3, 3)
    np.testing.assert_allclose(value, [float(v) for v in f3(x)])
    tol = 1e-7 if method == "finite-difference" else 1e-12
    np.testing.assert_allclose(jac, reference_jacobian(x), rtol=tol, atol=tol)


@pytest.mark.parametrize("method", ad.METHODS)
def test_scalar_output_and_constant_outputs(method: str) -> None:
    value, jac = ad.jacobian(lambda x: x[0] * x[1], [2.0, 3.0], method)
    assert value.shape == (1,) and jac.shape == (1, 2)
    np.testing.assert_allclose(jac, [[3.0, 2.0]], rtol=1e-8)
    value, jac = ad.jacobian(lambda x: [1.0, x[0]], [2.0], method)
    np.testing.assert_allclose(value, [1.0, 2.0])
    np.testing.assert_allclose(jac, [[0.0], [1.0]], atol=1e-9)


def test_compiled_caches_per_function_and_is_cheap_at_new_points() -> None:
    calls = []

    def f(x):
        calls.append(1)
        return [x[0] ** 2]

    for v in np.linspace(-1, 1, 20):
        _, jac = ad.jacobian(f, [v], "compiled")
        assert jac[0, 0] == pytest.approx(2 * v)
    assert len(calls) == 1  # traced once


def test_grad_jvp_vjp_hessian_derivative() -> None:
    x = [0.5, -1.25, 2.0]
    ref = reference_jacobian(x)
    value, g = ad.grad(lambda v: f3(v)[0], x)
    assert value == pytest.approx(float(f3(x)[0]))
    np.testing.assert_allclose(g, ref[0])
    _, jv = ad.jvp(f3, x, [1.0, 2.0, -1.0])
    np.testing.assert_allclose(jv, ref @ [1.0, 2.0, -1.0])
    _, uj = ad.vjp(f3, x, [0.5, 0.0, -2.0])
    np.testing.assert_allclose(uj, np.array([0.5, 0.0, -2.0]) @ ref)

    def rosen(v):
        return 100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2

    value, g, h = ad.hessian(rosen, [1.5, 0.5])
    np.testing.assert_allclose(h, [[1200 * 1.5**2 - 400 * 0.5 + 2, -600.0], [-600.0, 200.0]])
    np.testing.assert_allclose(g, [-400 * 1.5 * (0.5 - 2.25) - 2 * (1 - 1.5), 200 * (0.5 - 2.25)])
    assert ad.derivative(admath.tanh, 0.3)[1] == pytest.approx(1 - math.tanh(0.3) ** 2)


def test_function_engine_like_ad_trait() -> None:
    engine = ad.FunctionEngine(f3, "compiled")
    value, jac = engine.derivative([0.5, -1.25, 2.0])
    np.testing.assert_allclose(engine.call([0.5, -1.25, 2.0]), value)
    np.testing.assert_allclose(jac, reference_jacobian([0.5, -1.25, 2.0]))
    with pytest.raises(InvalidInputError):
        ad.FunctionEngine(f3, "symbolic")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ad.jacobian(f3, 1.0), ShapeError, "scalar"),
        (lambda: ad.jacobian(f3, [[1.0, 2.0]]), ShapeError, "1-D"),
        (lambda: ad.jacobian(f3, ["a", "b"]), InvalidInputError, "numbers"),
        (lambda: ad.jacobian(f3, [1.0, 2.0, 3.0], "magic"), InvalidInputError, "unknown method"),
        (lambda: ad.jacobian(f3, [1.0, math.nan, 3.0], check_finite=True), NonFiniteError, "1"),
        (
            lambda: ad.jacobian(lambda v: [admath.sqrt(v[0])], [0.0], check_finite=True),
            NonFiniteError,
            "non-finite",
        ),
        (lambda: ad.grad(f3, [1.0, 2.0, 3.0]), ShapeError, "scalar-valued"),
        (lambda: ad.jvp(f3, [1.0, 2.0, 3.0], [1.0]), ShapeError, "shape"),
        (lambda: ad.vjp(f3, [1.0, 2.0, 3.0], [1.0]), ShapeError, "outputs"),
        (lambda: ad.hessian(f3, [1.0, 2.0, 3.0]), ShapeError, "scalar-valued"),
        (lambda: ad.jacobian(lambda v: ["x"], [1.0]), ShapeError, "non-number"),
    ],
)
def test_bad_input_is_a_clear_error(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


def test_pure_python_modes_pause_the_collector_only_while_they_run() -> None:
    import gc

    seen = []

    def f(v):
        seen.append(gc.isenabled())
        return [v[0] * v[1]]

    assert gc.isenabled()
    for method in ("forward", "forward-multi", "reverse"):
        ad.jacobian(f, [1.0, 2.0], method)
    ad.hessian(lambda v: v[0] * v[1], [1.0, 2.0])
    assert seen and not any(seen) and gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        ad.jacobian(lambda v: [1.0 / (v[0] - v[0])], [1.0], "reverse")
    assert gc.isenabled()  # resumed after an error too
    gc.disable()
    try:
        ad.jacobian(f, [1.0, 2.0], "reverse")
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
