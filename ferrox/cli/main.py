"""The ``ferrox`` command: one sub-command group per part.

Any :class:`~ferrox.errors.FerroxError` becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

import ferrox
from ferrox.cli import ad as ad_cli
from ferrox.cli import c2rust as c2rust_cli
from ferrox.cli import db as db_cli
from ferrox.cli import kb as kb_cli
from ferrox.cli import serve as serve_cli
from ferrox.cli.context import State, console
from ferrox.errors import FerroxError

__all__ = ["app", "run"]

app = typer.Typer(
    name="ferrox",
    help=(
        "ferrox: the 2025 AI x Rust landscape made real, fast and usable from Python.\n\n"
        "Start with 'ferrox doctor' (what this machine has) and 'ferrox demo' (each part "
        "working on real input)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        console.print(f"ferrox {ferrox.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Data directory (default: platform user data dir; env FERROX_DATA_DIR).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Global options shared by every sub-command."""
    ctx.obj = State(data_dir=data_dir)


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Check what this machine has for each ferrox part, with a fix for each gap."""
    from ferrox.cli.doctor import print_report

    print_report(ctx.obj.settings())


@app.command()
def demo(ctx: typer.Context) -> None:
    """Show each part that exists working on real input, and where to go next."""
    from ferrox.cli.demo import run_demo

    run_demo(ctx.obj.settings())


app.add_typer(ad_cli.app, name="ad")


def _planned(name: str, what: str, issue: int) -> None:
    """Register a part that is not in this version: it says so, with exit code 2."""

    def unavailable(ctx: typer.Context) -> None:
        raise FerroxError(
            f"'ferrox {name}' ({what}) is not in ferrox {ferrox.__version__} "
            f"yet (tracked as issue {issue}); see 'ferrox doctor'"
        )

    unavailable.__doc__ = f"{what} [dim](not in this version yet)[/dim]"
    app.command(name, context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        unavailable
    )


app.add_typer(kb_cli.app, name="kb")
app.command("ask")(kb_cli.ask)
app.command("analyze")(kb_cli.analyze)
app.add_typer(c2rust_cli.app, name="c2rust")
app.add_typer(db_cli.app, name="db")
app.command("serve")(serve_cli.serve)


def run(argv: list[str] | None = None) -> None:
    """Entry point of the console script: maps errors to one line and exit code 2.

    Typer handles usage errors itself (exit code 2); anything ferrox raises on purpose
    is a :class:`FerroxError` and is printed without a traceback.
    """
    try:
        app(args=argv, prog_name="ferrox")
    except FerroxError as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        sys.stderr.write(f"ferrox: error: {message}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)


if __name__ == "__main__":
    run()
