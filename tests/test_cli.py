"""The console script, run as a user runs it: a subprocess with real arguments."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ferrox


def ferrox_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ferrox.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_version() -> None:
    result = ferrox_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"ferrox {ferrox.__version__}"


def test_help_lists_every_part() -> None:
    result = ferrox_cli("--help")
    assert result.returncode == 0
    for group in ("doctor", "demo", "ad", "db", "kb", "ask", "c2rust", "serve"):
        assert group in result.stdout


def test_doctor_reports_real_tools() -> None:
    result = ferrox_cli("doctor")
    assert result.returncode == 0
    assert "python" in result.stdout and "rustc" in result.stdout
    assert sys.version.split()[0] in result.stdout


def test_ad_diff_plain_and_json() -> None:
    result = ferrox_cli("ad", "diff", "x**2 + 3*x", "--at", "x=2")
    assert result.returncode == 0, result.stderr
    assert "10.0" in result.stdout and "d/dx: 7" in result.stdout
    result = ferrox_cli("ad", "diff", "x*y + sin(x)", "--at", "x=0,y=3", "--hessian", "--json")
    data = json.loads(result.stdout)
    assert data["value"] == 0.0
    assert data["gradient"] == {"x": 4.0, "y": 0.0}
    assert data["hessian"] == [[0.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ad", "diff", "__import__('os')", "--at", "x=1"], "unknown function"),
        (["ad", "diff", "log(x)", "--at", "x=-1"], "math domain error"),
        (["ad", "diff", "x + y", "--at", "x=1"], "no value given for variable(s): y"),
        (["ad", "diff", "x +", "--at", "x=1"], "invalid syntax"),
        (["ad", "diff", "x", "--at", "x=abc"], "not a number"),
        (["ad", "diff", "x", "--at", "x=1", "--method", "magic"], "unknown method"),
        (["db", "list", "--db", "/nonexistent/ferrox-db"], "no ferrox database"),
        (["kb", "ingest"], "nothing to ingest"),
        (["c2rust", "translate", "/nonexistent/c-src", "/tmp/ferrox-never"], "no such file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = ferrox_cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ferrox: error:") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_usage_error_exits_2() -> None:
    assert ferrox_cli("ad", "diff").returncode == 2


def test_demo_runs_and_says_true_things() -> None:
    result = ferrox_cli("demo")
    assert result.returncode == 0, result.stderr
    assert "y.value = 10.0, y.derivative = 7.0" in result.stdout
    assert "random targets reached" in result.stdout


def test_ad_bench_prints_a_table() -> None:
    result = ferrox_cli(
        "ad", "bench", "--sizes", "1,2", "--steps", "5", "--methods", "compiled,reverse"
    )
    assert result.returncode == 0, result.stderr
    assert "compiled" in result.stdout and "n=m=2" in result.stdout
    bad = ferrox_cli("ad", "bench", "--methods", "magic")
    assert bad.returncode == 2 and "unknown method" in bad.stderr


def test_doctor_shows_install_hints_verbatim() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ferrox.cli.main", "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "COLUMNS": "200"},
    )
    assert "extra [ad]" in result.stdout  # brackets are text, not markup
