"""Every corpus project translates with no LLM, builds, and passes its test vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ferrox.c2rust import translate

PROJECTS = Path(__file__).parent / "projects"
NAMES = sorted(p.name for p in PROJECTS.iterdir() if p.is_dir())


def test_corpus_is_large_enough() -> None:
    lines = sum(len(f.read_text().splitlines()) for f in PROJECTS.rglob("*.[ch]"))
    assert len(NAMES) >= 15
    assert lines >= 3000, lines


@pytest.mark.parametrize("name", NAMES)
def test_project_translates_builds_and_passes(name: str, tmp_path: Path) -> None:
    src = PROJECTS / name
    out = tmp_path / "out"
    result = translate(src, out, tests=src / "vectors.json", clippy=False)
    report = json.loads((out / "report.json").read_text())
    assert report["build_ok"], report["repair_log"]
    assert {"functions", "build_ok", "tests", "safe_rate", "seconds"} <= set(report)
    for f in report["functions"]:
        assert f["tier"] in ("safe", "unsafe", "stub") and f["name"]
    stubs = [(f["name"], f["reason"]) for f in report["functions"] if f["tier"] == "stub"]
    assert not stubs
    tests = report["tests"]
    assert tests["total"] >= 3
    assert tests["passed"] == tests["total"], tests["failures"]
    assert (out / "report.md").read_text().startswith("# ferrox c2rust report")
    assert result.build_ok
    # every unsafe byte sits in a function the report calls unsafe
    if report["counts"]["unsafe"] == 0:
        assert report["safe_rate"] == 1.0


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_skeleton_of_every_project_checks_clean(name: str, tmp_path: Path) -> None:
    result = translate(PROJECTS / name, tmp_path / "out", skeleton_only=True, clippy=False)
    report = result.report
    assert report["build_ok"] and report["repair_rounds"] == 0, report["repair_log"]
    assert all(f["tier"] == "stub" for f in report["functions"])
    text = "".join(p.read_text() for p in (tmp_path / "out" / "src").glob("*.rs"))
    assert "not translated: skeleton only (stage 1)" in text
