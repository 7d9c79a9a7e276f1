"""``ferrox db``: the commands a user types, run as subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np


def db(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ferrox.cli.main", "db", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_create_import_search_snapshot_restore_check(tmp_path: Path) -> None:
    where = ["--db", str(tmp_path / "vdb")]
    assert db("create", "docs", "--size", "4", "--distance", "Dot", *where).returncode == 0
    rows = tmp_path / "points.jsonl"
    rows.write_text(
        "\n".join(
            json.dumps({"id": i, "vector": [float(i == j) for j in range(4)], "payload": {"i": i}})
            for i in range(4)
        )
    )
    r = db("import", "docs", str(rows), *where)
    assert r.returncode == 0, r.stderr
    assert "imported 4 points" in r.stdout
    np.save(tmp_path / "more.npy", np.eye(4, dtype=np.float32) * 2)
    r = db("import", "docs", str(tmp_path / "more.npy"), "--start-id", "100", *where)
    assert r.returncode == 0 and "now holds 8" in r.stdout, r.stdout + r.stderr
    r = db("search", "docs", "--vector", "[0, 0, 1, 0]", "--limit", "2", *where)
    assert r.returncode == 0 and "102" in r.stdout and " 2 " in r.stdout, r.stdout
    r = db(
        "search",
        "docs",
        "--vector",
        "[0, 0, 1, 0]",
        "--filter",
        '{"must": [{"key": "i", "match": {"value": 1}}]}',
        *where,
    )
    assert r.returncode == 0 and '{"i": 1}' in r.stdout and '{"i": 2}' not in r.stdout
    r = db("list", *where)
    assert "docs" in r.stdout and "8" in r.stdout
    info = db("info", "docs", *where)
    assert json.loads(info.stdout)["points_count"] == 8
    snap = db("snapshot", "docs", "--out", str(tmp_path / "snaps"), *where)
    assert snap.returncode == 0
    path = snap.stdout.strip().replace("\n", "")
    r = db("restore", path, "--name", "copy", *where)
    assert r.returncode == 0 and "copy" in r.stdout, r.stderr
    assert db("check", str(tmp_path / "vdb")).returncode == 0


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    where = ["--db", str(tmp_path / "vdb")]
    db("create", "docs", "--size", "3", *where)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "vector": [1, 2]}\n')
    cases = [
        (["import", "docs", str(bad), *where], "expected dim: 3, got 2"),
        (["create", "docs", "--size", "3", *where], "already exists"),
        (["search", "docs", "--vector", "[1,", *where], "must be JSON"),
        (["search", "nope", "--vector", "[1, 2, 3]", *where], "doesn't exist"),
        (["import", "docs", str(tmp_path / "missing.csv"), *where], "no file"),
    ]
    for args, text in cases:
        r = db(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and text in lines[0], (args, r.stderr)
    assert json.loads(db("info", "docs", *where).stdout)["points_count"] == 0


def test_check_reports_damage(tmp_path: Path) -> None:
    where = ["--db", str(tmp_path / "vdb")]
    db("create", "docs", "--size", "2", *where)
    meta = tmp_path / "vdb" / "collections" / "docs" / "meta.json"
    meta.write_text("garbage")
    r = db("check", str(tmp_path / "vdb"))
    assert r.returncode == 1 and "damaged" in r.stdout


def test_import_parquet(tmp_path: Path) -> None:
    pa = __import__("pytest").importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "id": [1, 2, 3],
            "vector": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
            "lang": ["rust", "c", "rust"],
        }
    )
    pq.write_table(table, tmp_path / "points.parquet")
    where = ["--db", str(tmp_path / "vdb")]
    r = db("import", "p", str(tmp_path / "points.parquet"), "--size", "2", *where)
    assert r.returncode == 0 and "now holds 3" in r.stdout, r.stdout + r.stderr
    r = db(
        "search",
        "p",
        "--vector",
        "[1, 0]",
        "--filter",
        '{"must": [{"key": "lang", "match": {"value": "rust"}}]}',
        *where,
    )
    assert r.returncode == 0 and '{"lang": "rust"}' in r.stdout and '"c"' not in r.stdout
