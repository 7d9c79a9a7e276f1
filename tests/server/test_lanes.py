"""Which reads leave the event loop (:mod:`ferrox.server.lanes`), and the orjson
responses the large ones are rendered with."""

from __future__ import annotations

import json
import threading
import time

import anyio
import numpy as np
import pytest

from ferrox.server.json_response import FastJSONResponse
from ferrox.server.lanes import Lanes, WorkRules, filter_work, query_work, scroll_work

RULES = WorkRules()
N = 100_000


def heavy(work: float) -> bool:
    return Lanes.create().is_heavy(work)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"query": [0.1, 0.2], "limit": 10}, False),
        ({"query": [0.1, 0.2]}, False),
        ({"query": [0.1, 0.2], "limit": 10_000}, True),
        ({"query": [0.1, 0.2], "limit": 10, "offset": 5_000}, True),
        ({"query": [0.1, 0.2], "limit": 10, "params": {"exact": True}}, True),
        ({"query": {"order_by": "price"}, "limit": 10}, True),
        ({"query": [0.1], "filter": {"must": [{"key": "city", "match": {"value": "x"}}]}}, True),
        ({"query": [0.1], "filter": {"must": [{"key": "tag", "match": {"value": "x"}}]}}, False),
        ({"prefetch": [{"query": [0.1], "limit": 400}] * 3, "query": {"fusion": "rrf"}}, True),
        ({"prefetch": [{"query": [0.1], "limit": 20}] * 3, "query": {"fusion": "rrf"}}, False),
        ("not an object", False),
        ({"query": [0.1], "limit": "ten"}, False),
    ],
)
def test_query_estimates(body: object, expected: bool) -> None:
    assert heavy(query_work(body, N, {"tag"}, RULES)) is expected


def test_a_limit_counts_no_more_points_than_the_collection_holds() -> None:
    assert not heavy(query_work({"query": [0.1], "limit": 10**18}, 100, (), RULES))
    assert not heavy(scroll_work({"limit": 10**18}, 100, (), RULES))
    assert heavy(scroll_work({"limit": 10**18}, N, (), RULES))


def test_nested_and_min_should_conditions_are_found() -> None:
    flt = {
        "should": [{"nested": {"key": "a", "filter": {"must": [{"key": "b", "range": {}}]}}}],
        "min_should": {"conditions": [{"key": "c", "match": {"value": 1}}], "min_count": 1},
    }
    assert filter_work(flt, 1000, {"b"}, RULES) == 2 * 1000 * RULES.filter_weight
    assert filter_work(None, 1000, (), RULES) == 0


def test_small_work_runs_on_the_loop_and_heavy_work_in_a_bounded_pool() -> None:
    lanes = Lanes.create(heavy_workers=1)
    running, peak = [0], [0]
    lock = threading.Lock()

    def job() -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return threading.get_ident()

    async def main() -> tuple[int, int, list[int]]:
        loop_thread = threading.get_ident()
        inline = await lanes.run(1, threading.get_ident)
        results: list[int] = []

        async def one() -> None:
            results.append(await lanes.run(10**6, job))

        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(one)
        return loop_thread, inline, results

    loop_thread, inline, heavy_threads = anyio.run(main)
    assert inline == loop_thread
    assert heavy_threads and loop_thread not in heavy_threads
    assert peak[0] == 1  # heavy reads queue among themselves


def test_a_small_read_of_a_busy_collection_waits_off_the_loop() -> None:
    import ferrox.vectordb as vdb

    lanes = Lanes.create()
    with vdb.open() as db:
        col = db.create_collection("c", size=2)
        col.upsert([1], [[0.1, 0.2]])
        holding, release = threading.Event(), threading.Event()

        def writer() -> None:
            with col._rw.write():  # a write in progress until released
                holding.set()
                release.wait(5)

        async def main() -> tuple[int, int, list[int]]:
            loop_thread = threading.get_ident()
            idle = await lanes.run(1, threading.get_ident, busy=col.busy)
            order: list[int] = []
            w = threading.Thread(target=writer)
            w.start()
            holding.wait(5)
            assert col.busy()

            async def read() -> None:
                order.append(len(await lanes.run(1, col.get, [1], busy=col.busy)))

            async with anyio.create_task_group() as tg:
                tg.start_soon(read)
                await anyio.sleep(0.05)
                order.append(0)  # the loop ran on while the read waited for the lock
                release.set()
            w.join()
            return loop_thread, idle, order

        loop_thread, idle, order = anyio.run(main)
    assert idle == loop_thread
    assert order == [0, 1]


def test_responses_render_float32_ints_beyond_64_bits_and_non_string_keys() -> None:
    body = FastJSONResponse(
        {"score": np.float32(0.1), "big": 2**70, "n": {1: "a"}, "v": np.arange(2)}
    ).body
    assert json.loads(body) == {"score": 0.1, "big": 2**70, "n": {"1": "a"}, "v": [0, 1]}
    assert json.loads(FastJSONResponse({"s": np.float32(1 / 3)}).body) == {"s": 0.33333334}
