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


def python_with_cache(code: str, cache: object) -> str:
    """Run ``code`` in a fresh interpreter with FERROX_CACHE_DIR set; its stdout."""
    env = dict(os.environ, FERROX_CACHE_DIR=str(cache))
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout


def test_kernel_is_cached_on_disk_for_the_next_process(tmp_path) -> None:
    code = (
        "import ferrox.ad as ad\n"
        "from ferrox.ad.api import compiled\n"
        "f = lambda x: [x[0] * x[1]]\n"
        "ad.jacobian(f, [1.0, 2.0], 'compiled')\n"
        "stats = compiled(f, 2).programs[0].kernel.run.stats\n"
        "print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))\n"
    )

    def run() -> tuple[int, int]:
        hits, misses = python_with_cache(code, tmp_path).split()
        return int(hits), int(misses)

    assert run() == (0, 1)  # compiled, then saved
    files = list((tmp_path / "kernels").iterdir())
    assert any(p.suffix == ".py" for p in files)
    assert run() == (1, 0)  # the next process loads machine code from disk


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


def test_unwritable_cache_falls_back_with_a_warning(tmp_path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    code = (
        "import warnings, ferrox.ad as ad\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    print(ad.jacobian(lambda x: [x[0] ** 3], [2.0], 'compiled')[1][0, 0])\n"
        "print(any('AD kernel cache' in str(w.message) for w in caught))\n"
    )
    assert python_with_cache(code, blocked).split() == ["12.0", "True"]


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
