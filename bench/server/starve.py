"""Does one slow request starve the fast ones? Fast top-10 queries from a few clients,
first alone, then beside clients that keep sending slow requests (an exact search that
returns every point with its payload, a scroll of everything, a facet over every point,
an upsert of 1,000 points);
prints the fast queries' p50/p99 in both phases and the slow requests' latencies.

    python bench/server/starve.py [--points 50000] [--dim 64] [--seconds 15]

A real ``ferrox serve`` is started on a free loopback port; the fast clients are threads
of this process, each with its own keep-alive httpx connection (the same client cost in
both phases); each slow client is a process of its own, so that reading its large
responses does not hold the fast clients' GIL. All share this machine's cores with the
server.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from run import load, start_server


def pct(lat: list[float], p: float) -> float:
    lat = sorted(lat)
    return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")


def fast_client(url: str, dim: int, stop: threading.Event, seed: int, out: list[float]) -> None:
    rng = np.random.default_rng(seed)
    with httpx.Client(base_url=url, timeout=120) as c:
        while not stop.is_set():
            body = {"query": rng.standard_normal(dim).tolist(), "limit": 10}
            t0 = time.perf_counter()
            r = c.post("/collections/bench/points/query", json=body)
            r.raise_for_status()
            out.append(time.perf_counter() - t0)


SLOW_KINDS = ("exact", "scroll", "facet", "upsert")


def slow_requests(
    n: int, dim: int, kinds: tuple[str, ...] = SLOW_KINDS
) -> list[tuple[str, str, str, dict]]:
    rng = np.random.default_rng(9)
    vec = rng.standard_normal(dim).tolist()
    batch = [
        {"id": i, "vector": rng.standard_normal(dim).tolist(), "payload": {"group": i % 10}}
        for i in range(1000)
    ]
    every = [
        (
            "exact search returning every point",
            "POST",
            "/collections/bench/points/query",
            {"query": vec, "limit": n, "params": {"exact": True}, "with_payload": True},
        ),
        ("scroll of every point", "POST", "/collections/bench/points/scroll", {"limit": n}),
        (
            "facet over every point",
            "POST",
            "/collections/bench/facet",
            {"key": "group", "limit": 10},
        ),
        ("upsert of 1,000 points", "PUT", "/collections/bench/points?wait=true", {"points": batch}),
    ]
    return [req for kind, req in zip(SLOW_KINDS, every, strict=True) if kind in kinds]


def slow_client(url: str, n: int, dim: int, kinds: tuple[str, ...], stop: Any, out: Any) -> None:
    """Runs in a process of its own: reading its large responses here would hold this
    process's GIL and delay the fast clients' threads, which is not the server's doing."""
    times: dict[str, list[tuple[float, int]]] = {}
    with httpx.Client(base_url=url, timeout=300) as c:
        while not stop.is_set():
            for name, method, path, body in slow_requests(n, dim, kinds):
                t0 = time.perf_counter()
                r = c.request(method, path, json=body)
                times.setdefault(name, []).append((time.perf_counter() - t0, r.status_code))
    out.put(times)


def wait_for_index(url: str, n: int, timeout: float = 600) -> None:
    """Until the background graph build is done: it takes both cores while it runs."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = httpx.get(f"{url}/collections/bench", timeout=60).json()["result"]
        if info["indexed_vectors_count"] >= n:
            return
        time.sleep(1)
    raise SystemExit(f"the graph over {n} points was not built within {timeout:.0f} s")


def phase(
    url: str, dim: int, n: int, seconds: float, clients: int, slow: int, kinds: tuple[str, ...]
) -> dict:
    ctx = multiprocessing.get_context("spawn")
    stop, slow_stop, queue = threading.Event(), ctx.Event(), ctx.Queue()
    lat: list[list[float]] = [[] for _ in range(clients)]
    procs = [
        ctx.Process(target=slow_client, args=(url, n, dim, kinds, slow_stop, queue))
        for _ in range(slow)
    ]
    for p in procs:
        p.start()
    threads = [
        threading.Thread(target=fast_client, args=(url, dim, stop, i, lat[i]))
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    slow_stop.set()
    for t in threads:
        t.join()
    slow_out: dict[str, list[tuple[float, int]]] = {}
    for _ in procs:
        for name, runs in queue.get(timeout=600).items():
            slow_out.setdefault(name, []).extend(runs)
    for p in procs:
        p.join()
    fast = [x for part in lat for x in part]
    return {
        "fast": len(fast),
        "qps": len(fast) / seconds,
        "p50": pct(fast, 0.5),
        "p99": pct(fast, 0.99),
        "slow": slow_out,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=50_000)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--slow-clients", type=int, default=1)
    ap.add_argument(
        "--slow", default=",".join(SLOW_KINDS), help=f"slow requests to send, of {SLOW_KINDS}"
    )
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((args.points, args.dim)).astype(np.float32)
    groups = rng.integers(0, 10, args.points)
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp))
        try:
            load(url, vectors, groups)
            wait_for_index(url, args.points)
            httpx.post(
                f"{url}/collections/bench/points/query", json={"query": vectors[0].tolist()}
            ).raise_for_status()
            kinds = tuple(k for k in args.slow.split(",") if k)
            alone = phase(url, args.dim, args.points, args.seconds, args.clients, 0, kinds)
            beside = phase(
                url, args.dim, args.points, args.seconds, args.clients, args.slow_clients, kinds
            )
        finally:
            proc.terminate()
            proc.wait(30)
    print(
        f"\n{args.points:,} points x {args.dim}, {args.clients} fast clients (top-10 queries), "
        f"{args.slow_clients} slow client(s), {args.seconds:.0f} s per phase\n"
    )
    print("| phase | fast queries | QPS | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for name, r in (("fast alone", alone), ("beside slow requests", beside)):
        print(f"| {name} | {r['fast']:,} | {r['qps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} |")
    print(f"\nfast p99 beside the slow requests / alone: {beside['p99'] / alone['p99']:.2f}x")
    print("\n| slow request | count | median s | status codes |")
    print("|---|---:|---:|---|")
    for name, runs in beside["slow"].items():
        codes = sorted({code for _, code in runs})
        med = statistics.median(t for t, _ in runs)
        print(f"| {name} | {len(runs)} | {med:.2f} | {codes} |")


if __name__ == "__main__":
    main()
