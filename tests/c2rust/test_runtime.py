"""The memory runtime's own Rust unit tests (``#[cfg(test)]`` in runtime/rt.rs), built
with ``rustc --test`` and run: libc semantics (streams, descriptors, stat, strtod, printf,
directories, clocks, wide ctype) checked where they are written."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ferrox.c2rust.crate import RUNTIME

RUSTC = shutil.which("rustc") or str(Path.home() / ".cargo" / "bin" / "rustc")
pytestmark = pytest.mark.skipif(not Path(RUSTC).exists(), reason="no rustc on PATH")


def test_runtime_unit_tests_pass(tmp_path: Path) -> None:
    exe = tmp_path / "rt_tests"
    build = subprocess.run(
        [RUSTC, "--edition", "2021", "--test", "-O", str(RUNTIME), "-o", str(exe)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    assert "warning" not in build.stderr, build.stderr[-3000:]
    run = subprocess.run(
        [str(exe), "--test-threads", "1"], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert " 0 failed" in run.stdout
