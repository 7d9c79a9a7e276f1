"""``ferrox ad``: differentiate a typed-in expression; benchmark the AD methods."""

from __future__ import annotations

import json
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from ferrox.cli.context import console
from ferrox.errors import ExpressionError, InvalidInputError

__all__ = ["app"]

app = typer.Typer(
    help="Automatic differentiation: forward, reverse, compiled.", no_args_is_help=True
)


def _parse_point(items: list[str]) -> dict[str, float]:
    point: dict[str, float] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition("=")
            if not sep:
                raise ExpressionError(f"--at expects NAME=VALUE, got {part!r}")
            try:
                point[name.strip()] = float(value)
            except ValueError as exc:
                raise ExpressionError(f"--at {name.strip()}: {value!r} is not a number") from exc
    return point


@app.command()
def diff(
    expression: Annotated[str, typer.Argument(help="e.g. 'x**2 + 3*x' or '[x*y, sin(x)]'.")],
    at: Annotated[list[str], typer.Option("--at", help="Point, e.g. x=2 or x=1,y=2.")],
    hessian: Annotated[bool, typer.Option("--hessian", help="Also the Hessian.")] = False,
    method: Annotated[
        str, typer.Option(help="forward, forward-multi, reverse, finite-difference or compiled.")
    ] = "reverse",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Value and gradient (or Jacobian) of an expression at a point."""
    from ferrox.ad.service import differentiate

    result = differentiate(expression, _parse_point(at), method=method, hessian=hessian)
    if as_json:
        typer.echo(json.dumps(result))
        return
    console.print(f"[bold]f[/bold]({', '.join(result['variables'])}) = {expression}")
    console.print(f"value    = {result['value']}")
    if "gradient" in result:
        console.print(
            "gradient = " + ", ".join(f"d/d{k}: {v:.12g}" for k, v in result["gradient"].items())
        )
    else:
        console.print(f"jacobian = {np.array(result['jacobian'])}")
    if "hessian" in result:
        console.print(f"hessian  =\n{np.array(result['hessian'])}")


@app.command()
def bench(
    sizes: Annotated[str, typer.Option(help="Comma-separated n=m sizes.")] = "1,10,50",
    steps: Annotated[int, typer.Option(help="Chain length o.")] = 100,
    methods: Annotated[str, typer.Option(help="Comma-separated methods.")] = (
        "compiled,forward-multi,reverse,forward,finite-difference"
    ),
) -> None:
    """Time ferrox's methods on ad-trait's benchmark family (µs per Jacobian).

    bench/ad/run.py races the same family against JAX, CasADi, PyTorch and autograd.
    """
    from rich.progress import track

    from ferrox.ad import METHODS, jacobian
    from ferrox.ad.benchmark import ChainSpec, chain_function, time_call

    try:
        ns = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError as exc:
        raise InvalidInputError(f"--sizes must be integers: {sizes!r}") from exc
    chosen = [m.strip() for m in methods.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in METHODS]
    if unknown or not ns or steps < 1:
        raise InvalidInputError(
            f"unknown method(s) {unknown}" if unknown else "need at least one size and steps >= 1"
        )
    table = Table(title=f"µs per Jacobian, o = {steps} (median of batches after warm-up)")
    table.add_column("method")
    for n in ns:
        table.add_column(f"n=m={n}", justify="right")
    rows: dict[str, list[str]] = {m: [] for m in chosen}
    for n in track(ns, description="benchmarking"):
        spec = ChainSpec.make(n, n, steps)
        f = chain_function(spec)
        x = np.random.default_rng(1).uniform(-1, 1, n)
        for m in chosen:
            seconds = time_call(lambda f=f, m=m, x=x: jacobian(f, x, m), min_time=0.3, repeats=3)
            rows[m].append(f"{seconds * 1e6:,.1f}")
    for m in chosen:
        table.add_row(m, *rows[m])
    console.print(table)
