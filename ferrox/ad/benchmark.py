"""ad-trait's benchmark family and a timer, shared by ``ferrox ad bench`` and bench/ad.

``f: R^n -> R^m`` where output ``j`` is a chain of ``o`` steps, each
``t = sin(cos(t) + x[r])`` or ``t = cos(sin(t) + x[r])`` with ``r`` and the choice
drawn at random from a fixed seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from ferrox.ad import math as admath

__all__ = ["ChainSpec", "chain_function", "time_call"]


@dataclass(frozen=True)
class ChainSpec:
    """The random choices of one benchmark function: input index and step kind."""

    n: int
    m: int
    o: int
    seed: int
    rows: tuple[tuple[int, ...], ...]
    kinds: tuple[tuple[int, ...], ...]

    @classmethod
    def make(cls, n: int, m: int, o: int, seed: int = 0) -> ChainSpec:
        """Draw the chains for ``n`` inputs, ``m`` outputs and ``o`` steps."""
        rng = np.random.default_rng(seed)
        rows = rng.integers(0, n, size=(m, o))
        kinds = rng.integers(0, 2, size=(m, o))
        return cls(
            n, m, o, seed, tuple(map(tuple, rows.tolist())), tuple(map(tuple, kinds.tolist()))
        )


def chain_function(spec: ChainSpec, lib: ModuleType | Any = admath) -> Callable[[Any], list[Any]]:
    """The benchmark function as plain scalar Python over ``lib.sin``/``lib.cos``."""
    sin, cos = lib.sin, lib.cos
    plan = [
        (j % spec.n, list(zip(spec.rows[j], spec.kinds[j], strict=True))) for j in range(spec.m)
    ]

    def f(x: Any) -> list[Any]:
        out = []
        for start, steps in plan:
            t = x[start]
            for r, kind in steps:
                t = sin(cos(t) + x[r]) if kind else cos(sin(t) + x[r])
            out.append(t)
        return out

    return f


def time_call(
    fn: Callable[[], Any], *, min_time: float = 0.2, repeats: int = 5, max_calls: int = 100_000
) -> float:
    """Median seconds per call over ``repeats`` batches, after one warm-up call."""
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    per_batch = int(min(max_calls, max(1, min_time / repeats / once)))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(per_batch):
            fn()
        samples.append((time.perf_counter() - start) / per_batch)
    return float(np.median(samples))
