"""Search over HTTP on loopback: QPS and p50/p99 at 8, 32 and 128 concurrent clients,
against the same searches on the embedded API in one process (the HTTP overhead).

    python bench/server/run.py [--points 20000] [--dim 64] [--requests 3000]

A real ``ferrox serve`` process is started on a free loopback port. The load comes from
wrk (Debian's ``wrk``, a C client: keep-alive connections, random query vectors made in
its Lua script) when it is installed, else from asyncio tasks over one httpx pool (whose
own Python overhead then shares the 2 cores with the server). Non-2xx answers and socket
errors are counted, not hidden. The filtered case adds a payload filter (``group`` = one
of 10 values) to every query.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from ferrox.vectordb import Database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ferrox.cli.main",
            "serve",
            "--no-ingest",
            "--port",
            str(port),
            "--data-dir",
            str(data),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("ferrox serve did not start")


def load(url: str, vectors: np.ndarray, groups: np.ndarray) -> None:
    httpx.put(
        f"{url}/collections/bench",
        json={"vectors": {"size": vectors.shape[1], "distance": "Cosine"}},
        timeout=60,
    ).raise_for_status()
    for i in range(0, len(vectors), 1000):
        pts = [
            {"id": int(k), "vector": vectors[k].tolist(), "payload": {"group": int(groups[k])}}
            for k in range(i, min(i + 1000, len(vectors)))
        ]
        httpx.put(
            f"{url}/collections/bench/points?wait=true", json={"points": pts}, timeout=120
        ).raise_for_status()
    httpx.put(
        f"{url}/collections/bench/index?wait=true",
        json={"field_name": "group", "field_schema": "integer"},
        timeout=120,
    )


async def http_run(
    url: str, queries: np.ndarray, concurrency: int, limit: int, filtered: bool
) -> dict:
    lat: list[float] = []
    errors = 0
    it = iter(range(len(queries)))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal errors
            for k in it:
                body = {"query": queries[k].tolist(), "limit": limit}
                if filtered:
                    body["filter"] = {"must": [{"key": "group", "match": {"value": k % 10}}]}
                t0 = time.perf_counter()
                try:
                    r = await client.post("/collections/bench/points/query", json=body)
                    ok = r.status_code == 200 and len(r.json()["result"]["points"]) == limit
                except httpx.HTTPError:
                    ok = False
                lat.append(time.perf_counter() - t0)
                errors += not ok

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return summary(lat, wall, errors)


WRK_SCRIPT = """
math.randomseed(7)
local dim, limit, filtered = %d, %d, %s
request = function()
  local v = {}
  for i = 1, dim do v[i] = string.format("%%.4f", math.random() * 2 - 1) end
  local body = '{"query": [' .. table.concat(v, ",") .. '], "limit": ' .. limit
  if filtered then
    body = body .. ', "filter": {"must": [{"key": "group", "match": {"value": ' .. math.random(0, 9) .. '}}]}'
  end
  return wrk.format("POST", "/collections/bench/points/query", {["Content-Type"] = "application/json"}, body .. "}")
end
"""


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk_run(url: str, dim: int, concurrency: int, limit: int, filtered: bool, seconds: int) -> dict:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_SCRIPT % (dim, limit, "true" if filtered else "false"))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{concurrency}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    if "50" not in pct or "99" not in pct:
        raise RuntimeError(f"could not read wrk output:\n{out}")
    errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    return {
        "qps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(pct["50"]),
        "p99": _ms(pct["99"]),
        "errors": errors,
    }


def embedded_run(col, queries: np.ndarray, concurrency: int, limit: int, filtered: bool) -> dict:
    def one(k: int) -> float:
        flt = {"must": [{"key": "group", "match": {"value": k % 10}}]} if filtered else None
        t0 = time.perf_counter()
        hits = col.search(queries[k], limit, filter=flt)
        assert len(hits) == limit
        return time.perf_counter() - t0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        lat = list(pool.map(one, range(len(queries))))
    return summary(lat, time.perf_counter() - t0, 0)


def summary(lat: list[float], wall: float, errors: int) -> dict:
    lat_ms = sorted(x * 1000 for x in lat)
    return {
        "qps": len(lat) / wall,
        "p50": statistics.median(lat_ms),
        "p99": lat_ms[min(len(lat_ms) - 1, int(0.99 * len(lat_ms)))],
        "errors": errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=20000)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--seconds", type=int, default=10, help="wrk: seconds per cell")
    ap.add_argument("--client", choices=["auto", "wrk", "httpx"], default="auto")
    args = ap.parse_args()
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((args.points, args.dim)).astype(np.float32)
    groups = rng.integers(0, 10, args.points)
    queries = rng.standard_normal((args.requests, args.dim)).astype(np.float32)
    work = Path(tempfile.mkdtemp(prefix="ferrox-bench-server-"))
    proc, url = start_server(work / "served")
    try:
        t0 = time.perf_counter()
        load(url, vectors, groups)
        print(
            f"loaded {args.points} x {args.dim} points over HTTP in {time.perf_counter() - t0:.1f} s"
        )
        db = Database(work / "embedded")
        col = db.create_collection("bench", size=args.dim, distance="Cosine")
        col.upsert(list(range(args.points)), vectors, [{"group": int(g)} for g in groups])
        col.create_payload_index("group", "integer")
        client = (
            f"wrk, {args.seconds} s per cell"
            if use_wrk
            else f"httpx asyncio, {args.requests} queries per cell"
        )
        print(f"machine: {os.cpu_count()} CPUs; load from {client}; limit {args.limit}\n")
        print(
            "| case | clients | HTTP QPS | HTTP p50 ms | HTTP p99 ms | errors | embedded QPS | embedded p50 ms | HTTP / embedded QPS |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for filtered in (False, True):
            for c in (8, 32, 128):
                if use_wrk:
                    wrk_run(url, args.dim, c, args.limit, filtered, 2)  # warm-up
                    h = wrk_run(url, args.dim, c, args.limit, filtered, args.seconds)
                else:
                    asyncio.run(http_run(url, queries[:200], c, args.limit, filtered))  # warm-up
                    h = asyncio.run(http_run(url, queries, c, args.limit, filtered))
                e = embedded_run(col, queries, c, args.limit, filtered)
                case = "filtered" if filtered else "plain"
                print(
                    f"| {case} | {c} | {h['qps']:.0f} | {h['p50']:.2f} | {h['p99']:.2f} | {h['errors']} | "
                    f"{e['qps']:.0f} | {e['p50']:.3f} | {h['qps'] / e['qps']:.2f} |"
                )
        db.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
