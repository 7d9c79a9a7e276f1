"""Rendering of ``ferrox doctor``'s report."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from ferrox.cli.context import console
from ferrox.config import Settings
from ferrox.doctor import run_checks

__all__ = ["print_report"]


def print_report(settings: Settings) -> None:
    """Print one line per check: status, what was found, and how to fix a gap."""
    table = Table(title="ferrox doctor", show_lines=False)
    table.add_column("", width=2)
    table.add_column("check")
    table.add_column("found")
    table.add_column("to fix")
    checks = run_checks(settings)
    for check in checks:
        mark = "[green]ok[/green]" if check.ok else "[red]--[/red]"
        table.add_row(mark, escape(check.name), escape(check.detail), escape(check.hint))
    console.print(table)
    missing = [c.name for c in checks if not c.ok]
    if missing:
        console.print(
            escape(f"missing: {', '.join(missing)} (the rest of ferrox works without them)")
        )
    else:
        console.print("everything ferrox can use was found")
