"""Inverse kinematics of a 7-DOF arm from many random starts, per derivative method.

The arm's forward kinematics are plain Python over ``ferrox.ad.math``; every ferrox
derivative method differentiates the same code. Reports success rate and time per
solve, as ad-trait's robotics evaluation does.

    python examples/ik.py [--problems 100] [--methods compiled,reverse,...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ferrox.ad import METHODS
from ferrox.ad.robotics import SerialArm, solve_ik


def main() -> None:
    """Run the evaluation and print one line per method."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=100)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    arm = SerialArm.panda()
    rng = np.random.default_rng(args.seed)
    problems = [
        (arm.pose(arm.random_configuration(rng)), arm.random_configuration(rng))
        for _ in range(args.problems)
    ]
    print(f"{arm.name}: {args.problems} random targets, each from a random start")
    print(f"{'method':<18} {'success':>8} {'ms/solve':>10} {'iters':>7}  setup")
    for method in args.methods.split(","):
        start = time.perf_counter()
        # warm-up: the compiled method traces the kinematics on its first call
        solve_ik(arm, problems[0][0], problems[0][1], method=method)
        setup = time.perf_counter() - start
        results = [solve_ik(arm, target, q0, method=method) for target, q0 in problems]
        ok = sum(r.success for r in results)
        ms = 1e3 * np.mean([r.seconds for r in results])
        iters = np.mean([r.iterations for r in results])
        print(f"{method:<18} {ok / len(results):>8.0%} {ms:>10.2f} {iters:>7.1f}  {setup:.2f}s")


if __name__ == "__main__":
    main()
