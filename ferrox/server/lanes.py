"""Where a read's work runs. A small read runs inline on the event loop: a hop to a
thread and back costs more than it does. A read that returns or scans many points runs
in one of a few heavy workers, so it neither holds the event loop while the small
requests wait nor takes every thread of the pool; heavy reads queue among themselves.

The work of a request is estimated from its body before it runs, in points: the points
it returns (limit and offset, or every requested id), the points an exact scan or an
unindexed filter reads, summed over prefetches and batches. Anything above
:attr:`WorkRules.inline_points` is heavy. A large read builds its result in slices,
letting writes in between (``Collection._in_slices``); a small read that would wait for
a write leaves the event loop to wait in a thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread

from ferrox.gc_pause import gc_paused
from ferrox.thread_priority import lower_priority

__all__ = ["Lanes", "WorkRules", "query_work", "scroll_work"]

T = TypeVar("T")

_DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class WorkRules:
    """Thresholds of the estimate, in points."""

    inline_points: int = 512
    """The most points a read may return or scan on the event loop."""
    scan_weight: float = 0.05
    """What scanning one point costs beside returning one: an exact scan of 10,000
    vectors (numpy) weighs as much as returning 500 points (Python objects and JSON)."""
    filter_weight: float = 0.2
    """What testing one payload against an unindexed condition costs (Python) beside
    returning one point."""


@dataclass(frozen=True)
class Lanes:
    """The inline lane and the bounded heavy lane."""

    heavy: ThreadPoolExecutor
    rules: WorkRules = WorkRules()

    @classmethod
    def create(cls, heavy_workers: int = 2, rules: WorkRules | None = None) -> Lanes:
        """Lanes with ``heavy_workers`` threads, at a lower OS priority, for heavy reads."""
        pool = ThreadPoolExecutor(
            max(1, heavy_workers), thread_name_prefix="ferrox-heavy", initializer=lower_priority
        )
        return cls(pool, rules or WorkRules())

    def is_heavy(self, work: float) -> bool:
        """Whether work of this estimate leaves the event loop."""
        return work > self.rules.inline_points

    async def run(
        self,
        work: float,
        fn: Callable[..., T],
        *args: Any,
        busy: Callable[[], bool] | None = None,
    ) -> T:
        """``fn(*args)`` inline when ``work`` is small, else in a heavy worker. A small
        read whose collection is ``busy()`` (it would wait for a lock) waits in a
        thread of the default pool instead, so that the event loop never waits."""
        if not self.is_heavy(work):
            if busy is None or not busy():
                return fn(*args)
            return await anyio.to_thread.run_sync(fn, *args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.heavy, partial(_bulk, fn, *args))


def _bulk(fn: Callable[..., T], *args: Any) -> T:
    with gc_paused():
        return fn(*args)


def _count(value: Any, default: int) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else (default)
    )


def _filter_keys(flt: Any) -> Iterator[str]:
    """The payload keys a raw (JSON) filter's conditions read, nested ones included."""
    if isinstance(flt, Mapping):
        key = flt.get("key")
        if isinstance(key, str):
            yield key
        for part in ("must", "should", "must_not", "filter"):
            yield from _filter_keys(flt.get(part))
        nested = flt.get("nested")
        if isinstance(nested, Mapping):
            outer = nested.get("key")
            for inner in _filter_keys(nested.get("filter")):
                yield f"{outer}[].{inner}"
        min_should = flt.get("min_should")
        if isinstance(min_should, Mapping):
            yield from _filter_keys(min_should.get("conditions"))
    elif isinstance(flt, list):
        for item in flt:
            yield from _filter_keys(item)


def filter_work(flt: Any, n_points: int, indexed: Any, rules: WorkRules) -> float:
    """A filter's scan estimate: every point is tested once per unindexed condition."""
    if flt is None:
        return 0.0
    unindexed = sum(1 for key in _filter_keys(flt) if key not in indexed)
    return unindexed * n_points * rules.filter_weight


def query_work(body: Any, n_points: int, indexed: Any, rules: WorkRules) -> float:
    """The estimated work of one universal query request (prefetches included)."""
    if not isinstance(body, Mapping):
        return 0.0
    out = min(n_points, _count(body.get("limit"), _DEFAULT_LIMIT) + _count(body.get("offset"), 0))
    work = float(out)
    params = body.get("params")
    query = body.get("query")
    scans = isinstance(params, Mapping) and params.get("exact") is True
    if isinstance(query, Mapping) and any(k in query for k in ("order_by", "formula", "sample")):
        scans = True
    if scans:
        work += n_points * rules.scan_weight
    work += filter_work(body.get("filter"), n_points, indexed, rules)
    prefetch = body.get("prefetch")
    for sub in prefetch if isinstance(prefetch, list) else [prefetch]:
        work += query_work(sub, n_points, indexed, rules)
    return work


def scroll_work(body: Any, n_points: int, indexed: Any, rules: WorkRules) -> float:
    """The estimated work of a scroll: the page it returns and its filter's scan."""
    if not isinstance(body, Mapping):
        return 0.0
    page = min(n_points, _count(body.get("limit"), _DEFAULT_LIMIT))
    return page + filter_work(body.get("filter"), n_points, indexed, rules)
