"""Kill the writing process with SIGKILL at random points; every acknowledged write must
survive, intact, and the database must pass its check."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import ferrox.vectordb as vdb

DIM = 16
WRITER = r"""
import sys
import numpy as np
import ferrox.vectordb as vdb

path, start = sys.argv[1], int(sys.argv[2])
db = vdb.open(path)
if not db.has_collection("c"):
    db.create_collection("c", size=16, wal_checkpoint_bytes=48_000, full_scan_threshold=200)
col = db.collection("c")
print("ready", flush=True)
i = start
while True:
    ids = list(range(i, i + 25))
    vecs = np.array([np.random.default_rng(k).standard_normal(16) for k in ids], dtype=np.float32)
    col.upsert(ids, vecs, [{"id": k, "tag": "t" + str(k % 7)} for k in ids])
    if i % 100 == 0:
        col.set_payload({"seen": True}, [i])
    if i % 200 == 0 and i >= 200:
        col.search(vecs[0], limit=3)  # builds and persists the graph index sometimes
    print(i + 24, flush=True)  # acknowledged: every id up to here is durable
    i += 25
"""


def expected_vector(k: int) -> np.ndarray:
    v = np.random.default_rng(k).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def run_kills(tmp_path: Path, kills: int, seed: int) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    db_path = tmp_path / "db"
    rnd = random.Random(seed)
    acked = -1
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for _ in range(kills):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(db_path), str(acked + 1)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(rnd.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        lines = [ln for ln in out.split() if ln.isdigit()]
        if lines:
            acked = int(lines[-1])
        assert "Traceback" not in err, err
        with vdb.open(db_path) as db:
            col = db.collection("c")
            assert col.check() == []
            n = len(col)
            assert n >= acked + 1, f"lost acknowledged points: have {n}, acknowledged {acked + 1}"
            sample = (
                sorted({0, acked, *(rnd.randrange(acked + 1) for _ in range(20))})
                if acked >= 0
                else []
            )
            for rec in col.get(sample, with_vectors=True):
                np.testing.assert_allclose(
                    rec.vector, expected_vector(rec.id), rtol=1e-5, atol=1e-6
                )
                assert rec.payload["id"] == rec.id and rec.payload["tag"] == f"t{rec.id % 7}"
            assert len(col.get(sample)) == len(sample)
            if acked >= 0:
                assert col.search(expected_vector(acked), limit=1)[0].id == acked
            acked = max(acked, n - 1)  # an unacknowledged but durable batch is kept too
    assert acked > 0


def test_sigkill_during_writes_loses_no_acknowledged_point(tmp_path: Path) -> None:
    run_kills(tmp_path, kills=10, seed=1)


@pytest.mark.slow
def test_fifty_sigkills(tmp_path: Path) -> None:
    run_kills(tmp_path, kills=50, seed=2)
