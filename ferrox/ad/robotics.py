"""A serial-arm model in plain Python (``ferrox.ad.math``) and Newton inverse kinematics.

The kinematics are ordinary scalar code, so any ferrox derivative method gives the
arm's Jacobian; this is the robotics workload ad-trait was built for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ferrox.ad import math as m
from ferrox.ad.optimize import value_and_jacobian
from ferrox.errors import ShapeError

__all__ = ["IKResult", "SerialArm", "pose_error", "pose_error_map", "solve_ik"]

Matrix = list[list[Any]]


def _matmul(a: Matrix, b: Matrix) -> Matrix:
    return [
        [
            a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j] + a[i][3] * b[3][j]
            for j in range(4)
        ]
        for i in range(4)
    ]


@dataclass(frozen=True)
class SerialArm:
    """A serial arm in modified Denavit-Hartenberg parameters (Craig's convention).

    Joint ``i``: rotate ``alpha[i]`` about x, translate ``a[i]`` along x, rotate the
    joint angle about z, translate ``d[i]`` along z. ``flange`` is the tool offset
    along the last z axis; ``limits`` are (low, high) per joint, in radians.
    """

    a: tuple[float, ...]
    d: tuple[float, ...]
    alpha: tuple[float, ...]
    limits: tuple[tuple[float, float], ...]
    flange: float = 0.0
    name: str = "arm"

    @property
    def dof(self) -> int:
        """Number of joints."""
        return len(self.a)

    @classmethod
    def panda(cls) -> SerialArm:
        """A 7-DOF arm with Franka Emika Panda's published kinematic parameters."""
        half = m.pi / 2
        return cls(
            a=(0.0, 0.0, 0.0, 0.0825, -0.0825, 0.0, 0.088),
            d=(0.333, 0.0, 0.316, 0.0, 0.384, 0.0, 0.0),
            alpha=(0.0, -half, half, half, -half, half, half),
            limits=(
                (-2.8973, 2.8973),
                (-1.7628, 1.7628),
                (-2.8973, 2.8973),
                (-3.0718, -0.0698),
                (-2.8973, 2.8973),
                (-0.0175, 3.7525),
                (-2.8973, 2.8973),
            ),
            flange=0.107,
            name="panda-7dof",
        )

    def forward_kinematics(self, q: Sequence[Any]) -> Matrix:
        """The flange pose as a 4x4 homogeneous transform (nested lists)."""
        if len(q) != self.dof:
            raise ShapeError(f"{self.name} has {self.dof} joints, got {len(q)} angles")
        t: Matrix = [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ]
        for i in range(self.dof):
            ca, sa = np.cos(self.alpha[i]), np.sin(self.alpha[i])
            ct, st = m.cos(q[i]), m.sin(q[i])
            link = [
                [ct, -st, 0.0, self.a[i]],
                [st * ca, ct * ca, -sa, -sa * self.d[i]],
                [st * sa, ct * sa, ca, ca * self.d[i]],
                [0.0, 0.0, 0.0, 1.0],
            ]
            t = _matmul(t, link)
        if self.flange:
            for r in range(3):
                t[r][3] = t[r][3] + t[r][2] * self.flange
        return t

    def flat_pose(self, q: Sequence[Any]) -> list[Any]:
        """The flange pose as 12 numbers: rotation (row-major 3x3), then position."""
        t = self.forward_kinematics(q)
        return [
            t[0][0],
            t[0][1],
            t[0][2],
            t[1][0],
            t[1][1],
            t[1][2],
            t[2][0],
            t[2][1],
            t[2][2],
            t[0][3],
            t[1][3],
            t[2][3],
        ]

    @cached_property
    def pose_function(self) -> Callable[[Sequence[Any]], list[Any]]:
        """:meth:`flat_pose` as one stable function object, so compiled mode caches it."""
        return lambda q: self.flat_pose(q)

    def random_configuration(self, rng: np.random.Generator) -> np.ndarray:
        """A joint vector drawn uniformly within the limits."""
        low = np.array([lo for lo, _ in self.limits])
        high = np.array([hi for _, hi in self.limits])
        return rng.uniform(low, high)

    def pose(self, q: Sequence[float]) -> np.ndarray:
        """The flange pose at float joint angles, as a NumPy 4x4 array."""
        return np.array(self.forward_kinematics(list(map(float, q))), dtype=float)


@dataclass
class IKResult:
    """Outcome of one inverse-kinematics solve."""

    q: np.ndarray
    success: bool
    iterations: int
    position_error: float
    orientation_error: float
    seconds: float


def pose_error_map(target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The affine map (6x12 matrix, offset) from a flat pose to the pose error.

    Position error, then the orientation error 0.5 * sum_k c_k x g_k over the current
    (c) and goal (g) frame axes, which vanishes when the frames agree. It is linear in
    the pose entries, so its Jacobian is this matrix times the pose Jacobian.
    """
    goal = np.asarray(target, dtype=float)
    lin = np.zeros((6, 12))
    lin[0:3, 9:12] = np.eye(3)
    for k in range(3):
        g = goal[:3, k]
        skew = np.array([[0.0, -g[2], g[1]], [g[2], 0.0, -g[0]], [-g[1], g[0], 0.0]])
        lin[3:6, [k, 3 + k, 6 + k]] += -0.5 * skew
    offset = np.zeros(6)
    offset[:3] = -goal[:3, 3]
    return lin, offset


def pose_error(
    pose: np.ndarray, pose_jac: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Residual (6,) and its Jacobian from a flat pose (12,) and the pose Jacobian."""
    lin, offset = pose_error_map(target)
    return lin @ pose + offset, lin @ pose_jac


def solve_ik(
    arm: SerialArm,
    target: np.ndarray,
    q0: Sequence[float],
    *,
    method: str = "compiled",
    position_tol: float = 1e-5,
    orientation_tol: float = 1e-4,
    max_iter: int = 100,
    damping: float = 1e-4,
) -> IKResult:
    """Newton inverse kinematics with the Jacobian pseudo-inverse (damped least squares).

    Each step solves ``J dq = -r`` in the least-squares sense with a small damping that
    keeps steps bounded near singular configurations. The forward kinematics are
    differentiated by ``method``.
    """
    start = time.perf_counter()
    vj = value_and_jacobian(arm.pose_function, arm.dof, method)
    lin, offset = pose_error_map(target)
    q = np.array(q0, dtype=float)
    eye = np.eye(6)
    pos_err = rot_err = float("inf")
    for it in range(max_iter + 1):
        pose, pose_jac = vj(q)
        r, jac = lin @ pose + offset, lin @ pose_jac
        pos_err = float(np.linalg.norm(r[:3]))
        rot_err = float(np.linalg.norm(r[3:]))
        if pos_err < position_tol and rot_err < orientation_tol:
            return IKResult(q, True, it, pos_err, rot_err, time.perf_counter() - start)
        if it == max_iter:
            break
        q = q - jac.T @ np.linalg.solve(jac @ jac.T + damping * eye, r)
    return IKResult(q, False, max_iter, pos_err, rot_err, time.perf_counter() - start)
