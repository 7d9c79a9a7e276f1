"""``ferrox c2rust``: translate a C project to a Cargo project, and re-check one."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ferrox.cli.context import console

__all__ = ["app"]

app = typer.Typer(
    help="C to Rust: skeleton, rule-based translation, repair, differential tests.",
    no_args_is_help=True,
)


def _summary(report: dict) -> None:
    from ferrox.c2rust.project import headline

    console.print(f"{headline(report)} · {report.get('seconds', '?')} s", markup=False)


@app.command()
def translate(
    src: Annotated[Path, typer.Argument(help="C project directory (or one .c file).")],
    out: Annotated[Path, typer.Argument(help="Output directory for the Cargo project.")],
    tests: Annotated[Path | None, typer.Option("--tests", help="Test vectors (JSON list).")] = None,
    cflags: Annotated[str, typer.Option("--cflags", help="Extra C flags (-I, -D).")] = "",
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm",
            help="Generator for repair: URL of an OpenAI-compatible server, a .gguf path, or none.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a non-empty OUT.")] = False,
    skeleton: Annotated[
        bool, typer.Option("--skeleton", help="Stage 1 only: items and stubbed signatures.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print report.json.")] = False,
) -> None:
    """Translate SRC into a Cargo project at OUT, with report.json and report.md."""
    from ferrox.c2rust import translate as run_translate

    generator = None
    if llm is not None and llm != "none":
        from ferrox.infer import load_generator

        generator = load_generator(llm)
    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = run_translate(
            src,
            out,
            tests=tests,
            cflags=shlex.split(cflags),
            force=force,
            generator=generator,
            progress=progress,
            skeleton_only=skeleton,
        )
    if as_json:
        console.print_json(json.dumps(result.report))
    else:
        _summary(result.report)
        console.print(f"wrote {result.out} (report.md, report.json)")
    if not result.build_ok:
        raise typer.Exit(1)


@app.command()
def check(
    out: Annotated[Path, typer.Argument(help="A directory written by 'ferrox c2rust translate'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print report.json.")] = False,
) -> None:
    """Re-run the build and the test vectors of a translated project."""
    from ferrox.c2rust import check as run_check

    report = run_check(out)
    if as_json:
        console.print_json(json.dumps(report))
    else:
        _summary(report | {"counts": report["counts"], "seconds": report.get("seconds", 0)})
    if not report["build_ok"]:
        raise typer.Exit(1)
