from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ferrox.ad as ad
from ferrox.ad.robotics import SerialArm, pose_error, solve_ik


def test_forward_kinematics_at_zero_is_the_published_panda_pose() -> None:
    pose = SerialArm.panda().pose(np.zeros(7))
    # flange 0.088 m forward and 0.333 + 0.316 + 0.384 - 0.107 m up, pointing down
    np.testing.assert_allclose(pose[:3, 3], [0.088, 0.0, 0.926], atol=1e-12)
    np.testing.assert_allclose(pose[:3, 2], [0.0, 0.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(pose[:3, :3] @ pose[:3, :3].T, np.eye(3), atol=1e-12)


def test_pose_jacobian_is_the_same_by_every_method() -> None:
    arm = SerialArm.panda()
    q = np.random.default_rng(3).uniform(-1, 1, 7)
    ref = ad.jacobian(arm.pose_function, q, "reverse")[1]
    for method in ad.METHODS:
        tol = 1e-6 if method == "finite-difference" else 1e-12
        np.testing.assert_allclose(ad.jacobian(arm.pose_function, q, method)[1], ref, atol=tol)


def test_pose_error_jacobian_matches_finite_differences() -> None:
    arm = SerialArm.panda()
    rng = np.random.default_rng(5)
    target = arm.pose(arm.random_configuration(rng))
    q = arm.random_configuration(rng)

    def r(v):
        return pose_error(np.asarray(arm.flat_pose(list(v))), np.zeros((12, 7)), target)[0]

    _, fd = ad.jacobian(r, q, "finite-difference")
    _, jac = pose_error(*ad.jacobian(arm.pose_function, q, "compiled"), target)
    np.testing.assert_allclose(jac, fd, atol=1e-6)


@pytest.mark.parametrize("method", ["compiled", "reverse"])
def test_ik_reaches_random_targets(method: str) -> None:
    arm = SerialArm.panda()
    rng = np.random.default_rng(11)
    successes = 0
    for _ in range(5):
        target = arm.pose(arm.random_configuration(rng))
        result = solve_ik(arm, target, arm.random_configuration(rng), method=method)
        if result.success:
            successes += 1
            np.testing.assert_allclose(arm.pose(result.q)[:3, 3], target[:3, 3], atol=1e-5)
    assert successes >= 4


@pytest.mark.slow
def test_ik_example_runs_every_method() -> None:
    script = Path(__file__).parents[2] / "examples" / "ik.py"
    result = subprocess.run(
        [sys.executable, str(script), "--problems", "20"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    lines = [ln for ln in result.stdout.splitlines() if ln.split()[0] in ad.METHODS]
    assert len(lines) == len(ad.METHODS)
    for line in lines:
        assert int(line.split()[1].rstrip("%")) >= 80
