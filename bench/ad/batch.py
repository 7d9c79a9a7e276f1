"""Compiled Jacobians over a batch of points: a Python loop vs one kernel call vs threads.

python bench/ad/batch.py [--n 10] [--points 2000]
"""

from __future__ import annotations

import argparse

import numpy as np

import ferrox.ad as ad
from ferrox.ad.benchmark import ChainSpec, chain_function, time_call


def main() -> None:
    """Print µs per point for each way of evaluating the batch."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--points", type=int, default=2000)
    args = parser.parse_args()
    f = chain_function(ChainSpec.make(args.n, args.n, 100))
    xs = np.random.default_rng(1).uniform(-1, 1, (args.points, args.n))
    cf = ad.compile_function(f, xs[0])
    loop = time_call(lambda: [cf.jacobian(x) for x in xs], min_time=1.0, repeats=3)
    one = time_call(lambda: cf.jacobian_batch(xs), min_time=1.0, repeats=3)
    two = time_call(lambda: cf.jacobian_batch(xs, workers=2), min_time=1.0, repeats=3)
    per = 1e6 / args.points
    print(
        f"n=m={args.n}, o=100, {args.points} points, µs per point: loop {loop * per:.1f}, "
        f"jacobian_batch {one * per:.1f}, jacobian_batch(workers=2) {two * per:.1f} "
        f"({loop / two:.2f}x the loop)"
    )


if __name__ == "__main__":
    main()
