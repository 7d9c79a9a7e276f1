"""Race ferrox.ad against its Python peers on ad-trait's benchmark family.

f: R^n -> R^m, each output a chain of o steps t = sin(cos(t) + x[r]) or
t = cos(sin(t) + x[r]) (r and the choice drawn from a fixed seed). For every size, the
time per full Jacobian (median of repeated batches after warm-up) for each ferrox
method and each installed peer, all in this one run (each measurement in its own process,
bounded in time); setup (a fresh process's import, compile or cache load, and first
call) is reported separately. Peers: JAX jit(jacfwd)/jit(jacrev) on the same scalar
code, JAX on an expert vectorised rewrite (lax.scan over steps), CasADi SX, torch.func
jacrev/jacfwd, HIPS autograd. Missing peers are skipped and named.

    python bench/ad/run.py [--sizes 1,10,50,100] [--steps 100] [--grad-sizes 10,100,1000]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import ferrox.ad as ad
from ferrox.ad.benchmark import ChainSpec, chain_function, time_call

SLOW_CALL = 2.0  # seconds: above this one call, a method is timed once, not in batches


def timed(make: Callable[[], Callable[[], Any]]) -> tuple[float, float]:
    """(setup seconds incl. first call, seconds per call) for a peer."""
    start = time.perf_counter()
    call = make()
    call()
    setup = time.perf_counter() - start
    start = time.perf_counter()
    call()
    once = time.perf_counter() - start
    if once > SLOW_CALL:
        return setup, once
    return setup, time_call(call, min_time=0.3, repeats=5)


# ----------------------------------------------------------------------------- peers
def ferrox_method(
    method: str, kernel: str = ""
) -> Callable[[ChainSpec, np.ndarray], Callable[[], Any]]:
    def make(spec: ChainSpec, x: np.ndarray) -> Callable[[], Any]:
        if kernel:
            os.environ["FERROX_AD_KERNEL"] = kernel
        f = chain_function(spec)
        return lambda: ad.jacobian(f, x, method)

    return make


def jax_scalar(mode: str) -> Callable[[ChainSpec, np.ndarray], Callable[[], Any]]:
    def make(spec: ChainSpec, x: np.ndarray) -> Callable[[], Any]:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)  # float64, like every other method
        f = chain_function(spec, jnp)
        jac = jax.jit((jax.jacfwd if mode == "fwd" else jax.jacrev)(lambda v: jnp.stack(f(v))))
        xj = jnp.asarray(x)
        return lambda: np.asarray(jac(xj))

    return make


def jax_vectorised(spec: ChainSpec, x: np.ndarray) -> Callable[[], Any]:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    rows = jnp.asarray(np.array(spec.rows).T)  # (o, m)
    kinds = jnp.asarray(np.array(spec.kinds).T.astype(bool))
    start = jnp.asarray(np.arange(spec.m) % spec.n)

    def f(v: Any) -> Any:
        def step(t: Any, rk: Any) -> tuple[Any, None]:
            r, k = rk
            return jnp.where(k, jnp.sin(jnp.cos(t) + v[r]), jnp.cos(jnp.sin(t) + v[r])), None

        t, _ = jax.lax.scan(step, v[start], (rows, kinds))
        return t

    fwd = jax.jit(jax.jacfwd(f))
    rev = jax.jit(jax.jacrev(f))
    xj = jnp.asarray(x)
    fwd(xj).block_until_ready()
    rev(xj).block_until_ready()
    best = min(
        (fwd, rev),
        key=lambda g: time_call(lambda: g(xj).block_until_ready(), min_time=0.05, repeats=3),
    )
    return lambda: np.asarray(best(xj))


def casadi_sx(spec: ChainSpec, x: np.ndarray) -> Callable[[], Any]:
    import casadi

    xs = casadi.SX.sym("x", spec.n)
    outs = chain_function(spec, casadi)([xs[i] for i in range(spec.n)])
    y = casadi.vertcat(*outs)
    fn = casadi.Function("F", [xs], [y, casadi.jacobian(y, xs)])
    return lambda: [np.asarray(v) for v in fn(x)]


def torch_func(mode: str) -> Callable[[ChainSpec, np.ndarray], Callable[[], Any]]:
    def make(spec: ChainSpec, x: np.ndarray) -> Callable[[], Any]:
        import torch

        f = chain_function(spec, torch)
        g = lambda v: torch.stack(f(v))  # noqa: E731
        jac = torch.func.jacfwd(g) if mode == "fwd" else torch.func.jacrev(g)
        xt = torch.tensor(x, dtype=torch.float64)
        return lambda: jac(xt).numpy()

    return make


def autograd_jacobian(spec: ChainSpec, x: np.ndarray) -> Callable[[], Any]:
    import autograd
    import autograd.numpy as anp

    f = chain_function(spec, anp)
    jac = autograd.jacobian(lambda v: anp.array(f(v)))
    return lambda: jac(x)


PEERS: dict[str, tuple[str, Callable[[ChainSpec, np.ndarray], Callable[[], Any]]]] = {
    "ferrox compiled": ("", ferrox_method("compiled", "c")),
    "ferrox compiled (numba kernel)": ("numba", ferrox_method("compiled", "numba")),
    "ferrox forward-multi": ("", ferrox_method("forward-multi")),
    "ferrox reverse": ("", ferrox_method("reverse")),
    "ferrox forward": ("", ferrox_method("forward")),
    "ferrox finite-difference": ("", ferrox_method("finite-difference")),
    "JAX jit(jacfwd) scalar": ("jax", jax_scalar("fwd")),
    "JAX jit(jacrev) scalar": ("jax", jax_scalar("rev")),
    "JAX vectorised (scan)": ("jax", jax_vectorised),
    "CasADi SX": ("casadi", casadi_sx),
    "torch.func jacfwd": ("torch", torch_func("fwd")),
    "torch.func jacrev": ("torch", torch_func("rev")),
    "HIPS autograd": ("autograd", autograd_jacobian),
}


def kernel_setup_times(backend: str) -> dict[str, float]:
    """Cold (build) and warm (disk cache) setup of one kernel, each in a fresh process:
    ``setup`` is the first compiled Jacobian (trace, kernel build or load, cones, call),
    ``total`` adds importing ferrox.ad (and Numba for that kernel)."""
    code = (
        "import time\n"
        "t0 = time.perf_counter()\n"
        "import ferrox.ad as ad\n"
        "t1 = time.perf_counter()\n"
        "ad.jacobian(lambda x: [x[0] * x[1]], [1.0, 2.0], 'compiled')\n"
        "t2 = time.perf_counter()\n"
        "print(t2 - t1, t2 - t0)\n"
    )
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, FERROX_CACHE_DIR=cache, FERROX_AD_KERNEL=backend)
        for label in ("cold", "warm"):
            result = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            )
            setup, total = map(float, result.stdout.split())
            out[f"setup_{label}_s"] = setup
            out[f"total_{label}_s"] = total
    return out


def measure_one(name: str, n: int, m: int, steps: int) -> dict[str, Any]:
    """Time one peer at one size (run in a child process)."""
    spec = ChainSpec.make(n, m, steps)
    x = np.random.default_rng(1).uniform(-1, 1, n)
    reference = ad.jacobian(chain_function(spec), x, "reverse")[1]
    setup, per_call = timed(lambda: PEERS[name][1](spec, x))
    value = PEERS[name][1](spec, x)()
    jac = value[1] if isinstance(value, tuple | list) else value
    err = float(np.max(np.abs(np.asarray(jac).reshape(m, n) - reference)))
    return {"us": per_call * 1e6, "setup_s": setup, "max_abs_err": err}


def run_family(
    sizes: list[tuple[int, int]], steps: int, budget: float, peers: list[str]
) -> list[dict[str, Any]]:
    """Each (peer, size) in its own process, bounded by ``budget`` seconds; a peer that
    ran out of time at one size is not tried at larger ones."""
    rows = []
    over: set[str] = set()
    for n, m in sizes:
        for name in peers:
            row: dict[str, Any] = {"n": n, "m": m, "peer": name}
            rows.append(row)
            if name in over:
                row["skipped"] = f"> {budget:.0f} s at a smaller size"
                continue
            cmd = [
                sys.executable,
                __file__,
                "--one",
                name,
                "--n",
                str(n),
                "--m",
                str(m),
                "--steps",
                str(steps),
            ]
            try:
                result = subprocess.run(cmd, capture_output=True, text=True, timeout=budget)
            except subprocess.TimeoutExpired:
                over.add(name)
                row["skipped"] = f"> {budget:.0f} s"
                print(
                    f"  n={n:<4} m={m:<3} {name:<26} did not finish in {budget:.0f} s", flush=True
                )
                continue
            lines = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
            if result.returncode != 0 or not lines:
                row["error"] = (result.stderr.strip().splitlines() or ["failed"])[-1][:200]
                print(f"  n={n:<4} m={m:<3} {name:<26} error: {row['error']}", flush=True)
                continue
            row.update(json.loads(lines[-1]))
            print(
                f"  n={n:<4} m={m:<3} {name:<26} {row['us']:>12,.1f} us   "
                f"setup {row['setup_s']:7.2f} s   err {row['max_abs_err']:.1e}",
                flush=True,
            )
    return rows


def table(rows: list[dict[str, Any]], title: str) -> str:
    sizes = sorted({(r["n"], r["m"]) for r in rows})
    peers = list(dict.fromkeys(r["peer"] for r in rows))
    cell = {(r["peer"], r["n"], r["m"]): r for r in rows}
    head = "| method | " + " | ".join(f"n={n}, m={m}" for n, m in sizes) + " |"
    lines = [f"**{title}** (µs per Jacobian; setup in s)", "", head, "|---|" + "---:|" * len(sizes)]
    for peer in peers:
        cells = []
        for n, m in sizes:
            r = cell.get((peer, n, m))
            if r is None or "us" not in r:
                cells.append("—" if r is None else r.get("skipped", "error"))
            else:
                cells.append(f"{r['us']:,.1f} ({r['setup_s']:.2f})")
        lines.append(f"| {peer} | " + " | ".join(cells) + " |")
    ours = {(r["n"], r["m"]): r["us"] for r in rows if r["peer"] == "ferrox compiled" and "us" in r}
    best = []
    for n, m in sizes:
        peer_rows = [
            r
            for r in rows
            if (r["n"], r["m"]) == (n, m) and "us" in r and not r["peer"].startswith("ferrox")
        ]
        if peer_rows and (n, m) in ours:
            b = min(peer_rows, key=lambda r: r["us"])
            best.append(f"{b['peer']} / ferrox compiled = {b['us'] / ours[(n, m)]:.1f}x")
        else:
            best.append("—")
    lines.append("| best peer ÷ ferrox compiled | " + " | ".join(best) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50,100")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--grad-sizes", default="10,100,1000")
    parser.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help="seconds allowed per method and size (setup included)",
    )
    parser.add_argument("--peers", help="comma-separated subset of the methods to run")
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--m", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.n, args.m, args.steps)))
        return

    available = {
        name
        for name, (module, _) in PEERS.items()
        if not module or importlib.util.find_spec(module) is not None
    }
    missing = sorted(set(PEERS) - available)
    peers = [p for p in PEERS if p in available]
    if args.peers:
        wanted = [p.strip() for p in args.peers.split(",")]
        unknown = sorted(set(wanted) - set(PEERS))
        if unknown:
            parser.error(f"unknown peer(s): {unknown}; known: {list(PEERS)}")
        peers = [p for p in peers if p in wanted]
    print(f"python {sys.version.split()[0]}; peers missing (not installed): {missing or 'none'}")

    kernel = {}
    for backend in ("c", "numba"):
        if backend == "numba" and importlib.util.find_spec("numba") is None:
            continue
        times = kernel[backend] = kernel_setup_times(backend)
        print(
            f"ferrox compiled, {backend} kernel, fresh process: first Jacobian "
            f"{times['setup_cold_s']:.3f} s cold (kernel built), {times['setup_warm_s']:.3f} s "
            f"from the disk cache; with importing ferrox.ad {times['total_cold_s']:.3f} s / "
            f"{times['total_warm_s']:.3f} s"
        )

    sizes = [(int(s), int(s)) for s in args.sizes.split(",") if s]
    jac_rows = run_family(sizes, args.steps, args.budget, peers)
    grad_sizes = [(int(s), 1) for s in args.grad_sizes.split(",") if s]
    grad_rows = run_family(grad_sizes, args.steps, args.budget, peers)
    for rows, title in ((jac_rows, "Jacobians, n = m"), (grad_rows, "Gradients, m = 1")):
        if rows:
            print()
            print(table(rows, f"{title}, o = {args.steps}"))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {"kernel": kernel, "jacobians": jac_rows, "gradients": grad_rows}, fh, indent=1
            )


if __name__ == "__main__":
    main()
