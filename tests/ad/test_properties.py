"""Property tests: random expression trees, every method against every other, and
against independent AD systems (autograd from the test extra; PyTorch and JAX when
installed)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ferrox.ad as ad
from ferrox.ad import math as admath

# (name, ferrox function, arity); domains are kept safe by construction below
UNARY = ["sin", "cos", "tanh", "exp_small", "log_pos", "sqrt_pos", "atan", "square", "erf"]
BINARY = ["add", "sub", "mul", "div_safe", "hypot", "atan2"]


def build(tree, x, lib):
    """Evaluate a tree with the functions of ``lib`` (ferrox, autograd, torch, jax)."""
    kind = tree[0]
    if kind == "x":
        return x[tree[1]]
    if kind == "c":
        return tree[1]
    a = build(tree[2], x, lib)
    if kind == "u":
        name = tree[1]
        if name == "exp_small":
            return lib.exp(lib.tanh(a))
        if name == "log_pos":
            return lib.log(1.5 + lib.sin(a))
        if name == "sqrt_pos":
            return lib.sqrt(2.0 + lib.cos(a))
        if name == "square":
            return a * a
        return getattr(lib, name)(a)
    b = build(tree[3], x, lib)
    name = tree[1]
    if name == "add":
        return a + b
    if name == "sub":
        return a - b
    if name == "mul":
        return a * b
    if name == "div_safe":
        return a / (1.25 + lib.sin(b))
    if name == "hypot":
        return lib.sqrt(a * a + b * b + 0.5)
    return lib.atan2(a, 2.0 + lib.cos(b))


def trees(n: int) -> st.SearchStrategy:
    leaves = st.one_of(
        st.tuples(st.just("x"), st.integers(0, n - 1)),
        st.tuples(st.just("c"), st.floats(-2, 2, allow_nan=False)),
    )

    def extend(children):
        return st.one_of(
            st.tuples(st.just("u"), st.sampled_from(UNARY), children),
            st.tuples(st.just("b"), st.sampled_from(BINARY), children, children),
        )

    return st.recursive(leaves, extend, max_leaves=12)


class FerroxLib:
    sin, cos, tanh, exp, log, sqrt = (
        admath.sin,
        admath.cos,
        admath.tanh,
        admath.exp,
        admath.log,
        admath.sqrt,
    )
    atan, erf, atan2 = admath.atan, admath.erf, admath.atan2


N = 3
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(
    st.lists(trees(N), min_size=1, max_size=3),
    st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=N, max_size=N),
)
def test_all_methods_agree_on_random_expressions(forest, point) -> None:
    check_methods_agree(forest, point)


def check_methods_agree(forest, point) -> None:
    def f(x):
        return [build(t, x, FerroxLib) for t in forest]

    ref_y, ref = ad.jacobian(f, point, "reverse")
    for method in ("forward", "forward-multi", "compiled"):
        y, jac = ad.jacobian(f, point, method)
        np.testing.assert_allclose(y, ref_y, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(jac, ref, rtol=1e-9, atol=1e-9)
    _, fd = ad.jacobian(f, point, "finite-difference")
    np.testing.assert_allclose(fd, ref, rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore:Output seems independent of input")  # constant trees
@SETTINGS
@given(trees(N), st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=N, max_size=N))
def test_against_autograd_first_and_second_order(tree, point) -> None:
    import autograd
    import autograd.numpy as anp

    class AutogradLib:
        sin, cos, tanh, exp, log, sqrt, atan = (
            anp.sin,
            anp.cos,
            anp.tanh,
            anp.exp,
            anp.log,
            anp.sqrt,
            anp.arctan,
        )
        atan2 = anp.arctan2

        @staticmethod
        def erf(v):
            from autograd.scipy.special import erf

            return erf(v)

    def g(x):
        return build(tree, x, AutogradLib) + 0.0 * x[0]

    def f(x):
        return build(tree, x, FerroxLib)

    p = np.array(point)
    _, grad = ad.grad(f, p)
    np.testing.assert_allclose(grad, autograd.grad(g)(p), rtol=1e-9, atol=1e-9)
    _, _, hess = ad.hessian(f, p)
    np.testing.assert_allclose(hess, autograd.hessian(g)(p), rtol=1e-7, atol=1e-7)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch not installed")
@SETTINGS
@given(
    st.lists(trees(N), min_size=1, max_size=3),
    st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=N, max_size=N),
)
def test_against_torch(forest, point) -> None:
    import torch

    torch.set_default_dtype(torch.float64)

    def lift(fn):
        return staticmethod(lambda *a: fn(*(torch.as_tensor(v) for v in a)))

    class TorchLib:
        sin, cos, tanh, exp, log, sqrt = map(
            lift, (torch.sin, torch.cos, torch.tanh, torch.exp, torch.log, torch.sqrt)
        )
        atan, erf, atan2 = map(lift, (torch.atan, torch.erf, torch.atan2))

    def g(x):
        return torch.stack([build(t, x, TorchLib) + 0.0 * x[0] for t in forest])

    expected = torch.autograd.functional.jacobian(g, torch.tensor(point)).numpy()
    _, jac = ad.jacobian(lambda x: [build(t, x, FerroxLib) for t in forest], point, "compiled")
    np.testing.assert_allclose(jac, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.slow
@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(trees(N), min_size=1, max_size=4),
    st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=N, max_size=N),
)
def test_all_methods_agree_on_many_random_expressions(forest, point) -> None:
    check_methods_agree(forest, point)
