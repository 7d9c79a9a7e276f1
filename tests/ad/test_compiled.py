"""The compiled fast path: tracing, guards, batches, threads, the disk cache."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import ferrox.ad as ad
from ferrox.ad import Dual, compile_function
from ferrox.ad import math as admath
from ferrox.ad.benchmark import ChainSpec, chain_function
from ferrox.errors import DifferentiationError, ShapeError, TraceError


def piecewise(x):
    if x[0] > x[1]:
        return [x[0] ** 2 * x[1]]
    return [admath.sin(x[1]) - x[0]]


def test_branches_are_guarded_and_retraced_never_wrong() -> None:
    cf = compile_function(piecewise, [2.0, 1.0])
    for point in ([2.0, 1.0], [0.0, 1.0], [3.0, -1.0], [-1.0, 0.5]):
        _, jac = cf.jacobian(point)
        _, ref = ad.jacobian(piecewise, point, "reverse")
        np.testing.assert_allclose(jac, ref)
    assert cf.stats()["programs"] == 2 and cf.stats()["guards"] == 1


def test_builtin_max_min_and_abs_are_safe() -> None:
    f = lambda x: [max(x[0], x[1]) * abs(x[0]) + min(x[0], 0.5)]  # noqa: E731
    cf = compile_function(f, [1.0, 2.0])
    for point in ([1.0, 2.0], [3.0, 2.0], [-1.0, -2.0], [0.2, 0.1]):
        np.testing.assert_allclose(cf.jacobian(point)[1], ad.jacobian(f, point, "reverse")[1])


def test_values_escaping_the_trace_are_refused() -> None:
    import math

    with pytest.raises(DifferentiationError, match=r"ferrox\.ad\.math"):
        compile_function(lambda x: [math.sin(x[0])], [1.0])
    with pytest.raises(DifferentiationError):
        compile_function(lambda x: [[1.0, 2.0][int(x[0])]], [1.0])
    outer = Dual(1.0, 1.0)
    with pytest.raises(TraceError, match="outside the trace"):
        compile_function(lambda x: [x[0] * outer], [1.0])


def test_forward_and_reverse_sweeps_agree_and_auto_picks_the_cheaper() -> None:
    wide = chain_function(ChainSpec.make(12, 3, 20, seed=3))  # n > m: reverse is cheaper
    shared = chain_function(ChainSpec.make(3, 1, 40, seed=4))

    def tall(x):  # many outputs over one shared computation: forward is cheaper
        s = shared(x)[0]
        return [s * (j + 1.0) + x[j % 3] for j in range(12)]

    for f, n, expected in ((wide, 12, "reverse"), (tall, 3, "forward")):
        x = np.linspace(-0.5, 0.7, n)
        results = {}
        for mode in ("auto", "forward", "reverse"):
            cf = ad.CompiledFunction(f, n, mode=mode)
            results[mode] = cf.jacobian(x)[1]
            if mode == "auto":
                assert cf.stats()["sweep"] == expected
        ref = ad.jacobian(f, x, "reverse")[1]
        for jac in results.values():
            np.testing.assert_allclose(jac, ref, rtol=1e-12, atol=1e-14)


def test_batch_matches_single_points_including_retraced_rows() -> None:
    cf = compile_function(piecewise, [2.0, 1.0])
    xs = np.random.default_rng(0).uniform(-2, 2, size=(50, 2))
    ys, jacs = cf.jacobian_batch(xs, workers=2)
    assert ys.shape == (50, 1) and jacs.shape == (50, 1, 2)
    for p in range(50):
        y, jac = ad.jacobian(piecewise, xs[p], "reverse")
        np.testing.assert_allclose(ys[p], y)
        np.testing.assert_allclose(jacs[p], jac)
    with pytest.raises(ShapeError):
        cf.jacobian_batch(np.zeros((3, 5)))
    with pytest.raises(ShapeError):
        cf.jacobian([1.0, 2.0, 3.0])


def test_concurrent_calls_from_threads() -> None:
    f = chain_function(ChainSpec.make(6, 6, 30, seed=5))
    cf = compile_function(f, np.zeros(6))
    points = np.random.default_rng(1).uniform(-1, 1, size=(40, 6))
    expected = [ad.jacobian(f, p, "reverse")[1] for p in points]
    errors: list[str] = []

    def worker(offset: int) -> None:
        for k in range(offset, 40, 4):
            if not np.allclose(cf.jacobian(points[k])[1], expected[k]):
                errors.append(f"point {k}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_numpy_style_functions_trace() -> None:
    a = np.array([[1.0, 2.0], [0.5, -1.0]])

    def f(x):
        return np.tanh(a @ x) + np.exp(x) * x.sum()

    x = np.array([0.3, -0.2])
    np.testing.assert_allclose(ad.jacobian(f, x, "compiled")[1], ad.jacobian(f, x, "reverse")[1])


def python_with_cache(code: str, cache: object, backend: str = "") -> str:
    """Run ``code`` in a fresh interpreter with FERROX_CACHE_DIR (and FERROX_AD_KERNEL
    when ``backend`` is given) set; its stdout."""
    env = dict(os.environ, FERROX_CACHE_DIR=str(cache), FERROX_AD_KERNEL=backend)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize("backend", ["c", "numba"])
def test_kernel_is_cached_on_disk_for_the_next_process(tmp_path, backend) -> None:
    code = (
        "import ferrox.ad as ad\n"
        "from ferrox.ad.api import compiled\n"
        "f = lambda x: [x[0] * x[1]]\n"
        "ad.jacobian(f, [1.0, 2.0], 'compiled')\n"
        "print(compiled(f, 2).programs[0].kernel.fresh)\n"
    )
    assert python_with_cache(code, tmp_path, backend).split() == ["True"]  # built, saved
    files = list((tmp_path / "kernels").iterdir())
    assert any(p.suffix == {"c": ".so", "numba": ".py"}[backend] for p in files)
    # the next process loads machine code from disk
    assert python_with_cache(code, tmp_path, backend).split() == ["False"]


def test_nan_and_inf_tests_are_guarded() -> None:
    def f(x):
        big = x[0] * 1e308  # overflows to inf once x[0] > ~1.8
        if admath.isinf(big):
            return [x[1] * 2.0]
        if admath.isnan(big - big) or not admath.isfinite(big):
            return [x[1] * 3.0]
        return [x[0] * x[1]]

    cf = compile_function(f, [1.0, 3.0])
    for point in ([1.0, 3.0], [5.0, 3.0], [0.5, -1.0], [9.0, 2.0]):
        np.testing.assert_allclose(cf.jacobian(point)[1], ad.jacobian(f, point, "reverse")[1])
    assert cf.stats()["programs"] == 2


@pytest.mark.parametrize("backend", ["c", "numba"])
def test_unwritable_cache_falls_back_with_a_warning(tmp_path, backend) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    code = (
        "import warnings, ferrox.ad as ad\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    print(ad.jacobian(lambda x: [x[0] ** 3], [2.0], 'compiled')[1][0, 0])\n"
        "print(any('AD kernel cache' in str(w.message) for w in caught))\n"
    )
    assert python_with_cache(code, blocked, backend).split() == ["12.0", "True"]


def test_kernel_loading_leaves_numba_blas_as_it_was() -> None:
    """The warm-start shortcut masks SciPy during Numba's registry load; afterwards
    np.dot in other Numba code must still use BLAS as it would have."""
    import subprocess
    import sys

    code = (
        "import numpy as np, numba, ferrox.ad as ad\n"
        "ad.jacobian(lambda x: [x[0] * x[1]], [1.0, 2.0], 'compiled')\n"
        "import sys; assert 'scipy.linalg' not in sys.modules\n"
        "f = numba.njit(lambda a, b: np.dot(a, b))\n"
        "print(f(np.arange(3.0), np.arange(3.0)), numba.np.arraymath._HAVE_BLAS)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["5.0", "True"]


def _every_primitive(x):
    """One expression per primitive (comparisons as guards), domains respected."""
    a, b = x[0], x[1]  # a in (0.2, 0.8), b in (1.2, 1.8)
    m = admath
    unary = [
        -a, a**2, abs(a - 0.5), m.sign(a - 0.5), m.floor(a * 3), m.ceil(a * 3),
        m.trunc(a * 3), round(a * 3), m.sin(a), m.cos(a), m.tan(a), m.asin(a), m.acos(a),
        m.atan(a), m.degrees(a), m.radians(a), m.sinh(a), m.cosh(a), m.tanh(a), m.asinh(a),
        m.acosh(b), m.atanh(a), m.exp(a), m.expm1(a), m.exp2(a), m.log(a), m.log1p(a),
        m.log2(a), m.log10(a), m.sqrt(a), m.cbrt(a), m.erf(a), m.erfc(a),
    ]  # fmt: skip
    binary = [
        a + b, a - b, a * b, a / b, a**b, b**a, m.atan2(a, b), m.hypot(a, b), m.fmod(b, a),
        m.copysign(a, b - 1.5), m.fmax(a, b - 1.0), m.fmin(a, b - 1.0),
    ]  # fmt: skip
    guarded = a * 2.0 if a < b and a <= b and b > a and b >= a and a != b else a * 3.0
    guarded = guarded + (1.0 if a == a else 2.0)
    return [*unary, *binary, guarded]


@pytest.mark.parametrize("backend", ["c", "numba"])
def test_each_kernel_matches_reverse_mode_on_every_primitive(backend, monkeypatch) -> None:
    from ferrox.ad import primitives

    builtin = {p.name for p in vars(primitives).values() if isinstance(p, primitives.Primitive)}
    monkeypatch.setenv("FERROX_AD_KERNEL", backend)
    cf = compile_function(_every_primitive, [0.3, 1.4])
    program = cf.programs[0]
    assert program.kernel.backend == backend
    used = {p.name for p in program.prims if p is not None}
    assert used == builtin  # the test covers the whole table
    rng = np.random.default_rng(3)
    for point in np.column_stack([rng.uniform(0.2, 0.8, 20), rng.uniform(1.2, 1.8, 20)]):
        y, jac = cf.jacobian(point)
        y_ref, jac_ref = ad.jacobian(_every_primitive, point, "reverse")
        np.testing.assert_allclose(y, y_ref, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(jac, jac_ref, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("backend", ["c", "numba"])
def test_each_kernel_gives_the_same_cones(backend, monkeypatch) -> None:
    monkeypatch.setenv("FERROX_AD_KERNEL", backend)
    spec = ChainSpec.make(6, 4, 30)
    cf = compile_function(chain_function(spec), np.linspace(-1, 1, 6), mode="forward")
    forward = cf.programs[0]
    cf_rev = compile_function(chain_function(spec), np.linspace(-1, 1, 6), mode="reverse")
    reverse = cf_rev.programs[0]
    from ferrox.ad.cones import forward_cones, reverse_cones

    skip = np.zeros(forward.n_nodes, dtype=bool)
    for got, want in (
        ((forward.ptr, forward.idx), forward_cones(forward.code, 6, skip)),
        ((reverse.ptr, reverse.idx), reverse_cones(reverse.code, reverse.outs)),
    ):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_kernel_choice_is_explicit_and_errors_name_the_fix(monkeypatch) -> None:
    from ferrox.ad.kernel import kernel_backend
    from ferrox.errors import DependencyError

    monkeypatch.setenv("FERROX_AD_KERNEL", "fortran")
    with pytest.raises(DependencyError, match="FERROX_AD_KERNEL must be one of c, numba"):
        kernel_backend()
    monkeypatch.setenv("FERROX_AD_KERNEL", "")
    monkeypatch.setenv("CC", "no-such-compiler-here")
    monkeypatch.setitem(sys.modules, "numba", None)
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(DependencyError, match="C compiler"):
        kernel_backend()


def test_c_expression_translation() -> None:
    from ferrox.ad.c_kernel import c_expression

    assert c_expression("y * x ** (y - 1.0)") == "(y * pow(x, (y - 1.0)))"
    assert c_expression("1.0 if x >= y else 0.0") == "((x >= y) ? 1.0 : 0.0)"
    assert c_expression("abs(x) + sign(out)") == "(fabs(x) + fx_sign(out))"
    with pytest.raises(TraceError, match="gamma"):
        c_expression("gamma(x)")
    with pytest.raises(TraceError, match="not supported"):
        c_expression("x[0]")


def test_a_broken_c_compiler_falls_back_to_numba_with_a_warning(tmp_path, monkeypatch) -> None:
    broken = tmp_path / "cc"
    broken.write_text("#!/bin/sh\necho 'cc: internal compiler error' >&2\nexit 1\n")
    broken.chmod(0o755)
    code = (
        "import warnings, ferrox.ad as ad\n"
        "from ferrox.ad.api import compiled\n"
        "f = lambda x: [x[0] ** 3]\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    print(ad.jacobian(f, [2.0], 'compiled')[1][0, 0])\n"
        "print(compiled(f, 1).programs[0].kernel.backend)\n"
        "print(any('internal compiler error' in str(w.message) for w in caught))\n"
    )
    monkeypatch.setenv("CC", str(broken))
    assert python_with_cache(code, tmp_path / "cache").split() == ["12.0", "numba", "True"]
    # asked for C explicitly: the build error is raised, naming the compiler's message
    failing = "import ferrox.ad as ad\nad.jacobian(lambda x: [x[0] * 2.0], [1.0], 'compiled')\n"
    env = dict(os.environ, FERROX_CACHE_DIR=str(tmp_path / "c2"), FERROX_AD_KERNEL="c")
    result = subprocess.run(
        [sys.executable, "-c", failing], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "internal compiler error" in result.stderr


def test_a_shared_dual_reads_the_same_tangent_every_time() -> None:
    x = ad.seed_duals([0.3, 0.7])
    y = admath.sin(admath.cos(x[0]))  # pending scale on an array tangent
    first = y.tangent.copy()
    np.testing.assert_array_equal(y.tangent, first)
    np.testing.assert_array_equal(y.derivative, first)
    assert first[0] == pytest.approx(np.cos(np.cos(0.3)) * -np.sin(0.3)) and first[1] == 0.0
