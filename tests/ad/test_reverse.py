"""Reverse mode: the tape, gradients, vector adjoints."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ferrox.ad import Tape, Var
from ferrox.ad import math as admath


def test_gradient_by_one_backward_sweep() -> None:
    tape = Tape()
    x, y = tape.inputs([2.0, 3.0])
    z = x * y + admath.sin(x) - y / x
    assert isinstance(z, Var)
    assert z.value == pytest.approx(6 + math.sin(2) - 1.5)
    gx, gy = tape.gradient(z)
    assert gx == pytest.approx(3 + math.cos(2) + 3 / 4)
    assert gy == pytest.approx(2 - 0.5)


def test_reused_values_accumulate_adjoints() -> None:
    tape = Tape()
    (x,) = tape.inputs([1.5])
    y = x
    for _ in range(10):
        y = y * x
    assert tape.gradient(y)[0] == pytest.approx(11 * 1.5**10)


def test_jacobian_of_several_outputs_in_one_sweep() -> None:
    tape = Tape()
    x = tape.inputs([1.0, 2.0, 3.0])
    outs = [x[0] * x[1], x[1] + x[2], 5.0, x[2]]
    jac = tape.jacobian(outs)
    np.testing.assert_allclose(jac, [[2, 1, 0], [0, 1, 1], [0, 0, 0], [0, 0, 1]])


def test_comparisons_and_branching_work_at_the_taped_point() -> None:
    tape = Tape()
    (x,) = tape.inputs([-2.0])
    y = x * x if x > 0 else -x
    assert tape.gradient(y) == [-1.0]


def test_inputs_must_come_first() -> None:
    tape = Tape()
    (x,) = tape.inputs([1.0])
    _ = x + 1
    with pytest.raises(ValueError):
        tape.inputs([2.0])


def test_jacobian_when_outputs_are_inputs() -> None:
    tape = Tape()
    x = tape.inputs([1.0, 2.0, 3.0])
    np.testing.assert_allclose(tape.jacobian([x[0], x[0]]), [[1, 0, 0], [1, 0, 0]])
