"""Every primitive's rules, checked forward, reverse and compiled against finite
differences, and to second order (autograd-style check_grads)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ferrox.ad import math as admath
from ferrox.ad.checks import check_grads
from ferrox.ad.core import GENERIC
from ferrox.ad.primitives import COMPARISONS, PRIMITIVES

# A point inside each primitive's domain, away from kinks and jumps: (x,) or (x, y).
POINTS: dict[str, tuple[float, ...]] = {
    "add": (0.3, -1.2),
    "sub": (0.3, -1.2),
    "mul": (0.7, -1.3),
    "div": (0.7, -1.3),
    "pow": (1.7, 0.6),
    "neg": (0.4,),
    "square": (-0.6,),
    "abs": (-0.8,),
    "sign": (0.5,),
    "fmod": (5.3, 1.7),
    "copysign": (0.9, -2.0),
    "fmax": (0.3, 0.9),
    "fmin": (0.3, 0.9),
    "floor": (1.4,),
    "ceil": (1.4,),
    "trunc": (-1.4,),
    "round": (2.3,),
    "sin": (0.7,),
    "cos": (0.7,),
    "tan": (0.4,),
    "asin": (0.3,),
    "acos": (-0.4,),
    "atan": (1.3,),
    "atan2": (0.8, -0.6),
    "hypot": (0.8, -0.6),
    "degrees": (0.5,),
    "radians": (40.0,),
    "sinh": (0.6,),
    "cosh": (-0.6,),
    "tanh": (0.5,),
    "asinh": (1.5,),
    "acosh": (1.7,),
    "atanh": (0.3,),
    "exp": (0.9,),
    "expm1": (-0.3,),
    "exp2": (1.3,),
    "log": (1.8,),
    "log1p": (0.4,),
    "log2": (2.5,),
    "log10": (3.5,),
    "sqrt": (2.2,),
    "cbrt": (-3.1,),
    "erf": (0.6,),
    "erfc": (-0.2,),
}
DIFFERENTIABLE = [name for name, p in PRIMITIVES.items() if p not in COMPARISONS]


def test_every_primitive_has_a_test_point() -> None:
    assert set(DIFFERENTIABLE) <= set(POINTS), set(DIFFERENTIABLE) - set(POINTS)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_rule_matches_finite_differences_to_second_order(name: str) -> None:
    fn = GENERIC[name]
    point = POINTS[name]
    # compose with a smooth inner map so second derivatives exercise the chain rule
    if len(point) == 1:
        check_grads(lambda v: [fn(v[0] * 1.0)], list(point))
        check_grads(lambda v: [fn(v[0]) * v[0]], list(point))
    else:
        check_grads(lambda v: [fn(v[0], v[1])], list(point))
        check_grads(lambda v: [fn(v[0] * v[1], v[1]) + fn(v[0], v[0] + v[1])], list(point))


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_float_path_is_the_standard_function(name: str) -> None:
    fn = GENERIC[name]
    point = POINTS[name]
    ref = PRIMITIVES[name].value(*point)
    assert fn(*point) == ref
    stdlib = getattr(math, name, None)
    if stdlib is not None and name not in ("floor", "ceil", "trunc"):
        assert fn(*point) == stdlib(*point)


@pytest.mark.parametrize(
    ("fn", "arg", "error"),
    [
        (admath.log, -1.0, ValueError),
        (admath.sqrt, -1.0, ValueError),
        (admath.asin, 2.0, ValueError),
        (admath.acosh, 0.5, ValueError),
        (admath.exp, 1000.0, OverflowError),
    ],
)
def test_domain_errors_match_math_in_every_mode(fn, arg, error) -> None:
    import ferrox.ad as ad

    with pytest.raises(error) as expected:
        getattr(math, fn.__name__)(arg)
    for method in ad.METHODS:
        if method == "finite-difference":
            continue
        with pytest.raises(error, match=str(expected.value).split(" (")[0]):
            ad.jacobian(lambda v, fn=fn: [fn(v[0])], [arg], method)


def test_nonsmooth_points_follow_the_documented_convention() -> None:
    import ferrox.ad as ad

    # abs and sign at 0: derivative 0 (subgradient); sqrt at 0: +inf
    for method in ("forward", "reverse", "compiled"):
        assert ad.jacobian(lambda v: [abs(v[0])], [0.0], method)[1][0, 0] == 0.0
        assert ad.jacobian(lambda v: [admath.sqrt(v[0])], [0.0], method)[1][0, 0] == math.inf


def test_nan_and_inf_propagate() -> None:
    import ferrox.ad as ad

    for method in ("forward-multi", "reverse", "compiled"):
        y, jac = ad.jacobian(lambda v: [v[0] * 2.0, admath.sin(v[1])], [math.inf, math.nan], method)
        assert y[0] == math.inf and math.isnan(y[1])
        assert jac[0, 0] == 2.0 and math.isnan(jac[1, 1])


def test_check_grads_catches_a_wrong_rule() -> None:
    from ferrox.ad.extend import defprim
    from ferrox.errors import DifferentiationError

    wrong = defprim("wrong_sin_for_test", math.sin, "sin(x)", kernel="sin(x)")
    with pytest.raises(DifferentiationError):
        check_grads(lambda v: [wrong(v[0])], [0.3], modes=("forward",), order=1)
    with pytest.raises(DifferentiationError):
        check_grads(lambda v: [wrong(v[0])], [0.3], modes=("compiled",), order=1)


def test_user_primitive_through_extend_works_in_every_mode() -> None:
    from ferrox.ad.extend import defprim

    sigmoid = defprim(
        "sigmoid_for_test",
        lambda x: 1.0 / (1.0 + math.exp(-x)),
        "out * (1.0 - out)",
        kernel="1.0 / (1.0 + exp(-x))",
    )
    check_grads(lambda v: [sigmoid(v[0] * v[1])], [0.4, -1.1])
    assert np.isclose(sigmoid(0.0), 0.5)


@pytest.mark.parametrize(
    ("fn", "good", "bad", "error"),
    [
        (admath.log, 1.0, -1.0, ValueError),
        (admath.exp, 1.0, 1000.0, OverflowError),
        (admath.sqrt, 4.0, -4.0, ValueError),
    ],
)
def test_compiled_raises_like_math_after_tracing_at_a_good_point(fn, good, bad, error) -> None:
    from ferrox.ad import compile_function

    cf = compile_function(lambda v, fn=fn: [fn(v[0]) + v[0]], [good])
    cf.jacobian([good])
    with pytest.raises(error):
        cf.jacobian([bad])
    with pytest.raises(error):
        cf.jacobian_batch(np.array([[good], [bad]]))
