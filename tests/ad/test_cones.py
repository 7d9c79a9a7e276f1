"""Dependency cones: the Python walk (small programs) and SciPy's BFS (large) agree."""

import numpy as np
import pytest

import ferrox.ad.cones as cones
from ferrox.ad.api import compiled
from ferrox.ad.benchmark import ChainSpec, chain_function
from ferrox.ad.compiled import _GUARD_CODES


@pytest.mark.parametrize(("n", "m"), [(1, 1), (3, 2), (12, 7), (40, 1)])
def test_python_walk_matches_scipy(n: int, m: int, monkeypatch: pytest.MonkeyPatch) -> None:
    f = chain_function(ChainSpec.make(n, m, 30, seed=n + m))
    cf = compiled(f, n)
    cf.jacobian(np.linspace(-1.0, 1.0, n))
    program = cf.programs[0]
    skip = np.isin(program.code[0], _GUARD_CODES)

    def both() -> list[np.ndarray]:
        return [
            *cones.reverse_cones(program.code, program.outs),
            *cones.forward_cones(program.code, n, skip),
        ]

    monkeypatch.setattr(cones, "_PYTHON_WALK_MAX", 10**12)
    walked = both()
    monkeypatch.setattr(cones, "_PYTHON_WALK_MAX", 0)
    searched = both()
    for a, b in zip(walked, searched, strict=True):
        np.testing.assert_array_equal(a, b)
