"""Per-block checksums of the vector file: a flipped bit is found by ``check()``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import ferrox.vectordb as vdb
from ferrox.vectordb.checksums import BLOCK_ROWS, BlockChecksums


def vectors(n: int, d: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)


def test_a_flipped_bit_is_found_in_its_block(tmp_path: Path) -> None:
    db = vdb.open(tmp_path)
    col = db.create_collection("c", 8, "Dot")
    col.upsert(list(range(2500)), vectors(2500, 8))
    col.checkpoint()
    assert col.check() == []
    db.close()
    path = tmp_path / "collections" / "c" / "vectors-0.f32"
    if not path.exists():  # the data dir layout names the collection directory
        path = next(tmp_path.rglob("vectors-*.f32"))
    data = bytearray(path.read_bytes())
    data[1500 * 8 * 4 + 5] ^= 0x10  # one bit of row 1500
    path.write_bytes(bytes(data))
    db = vdb.open(tmp_path)
    problems = db.collection("c").check()
    assert len(problems) == 1
    assert f"rows {BLOCK_ROWS}-{2 * BLOCK_ROWS - 1}: checksum mismatch" in problems[0]
    db.close()


def test_sums_follow_appends_checkpoints_reopens_and_vacuum(tmp_path: Path) -> None:
    db = vdb.open(tmp_path)
    col = db.create_collection("c", 4, "Euclid")
    for start in range(0, 3000, 700):  # partial blocks summed again as they fill
        col.upsert(list(range(start, start + 700)), vectors(700, 4, start))
        col.checkpoint()
        assert col.check() == []
    col.delete(list(range(0, 3000, 2)))
    col.vacuum()
    col = db.collection("c")
    assert col.check() == [] and col.store.sums.rows == 2000
    db.close()
    col = vdb.open(tmp_path).collection("c")
    assert col.check() == [] and col.store.sums.rows == 2000
    assert len(list(col.dir.glob("vectors-*.crc"))) == 1


def test_the_file_round_trips_and_rejects_a_foreign_or_torn_file(tmp_path: Path) -> None:
    x = vectors(BLOCK_ROWS + 10, 3)
    sums = BlockChecksums.empty(12).extended(x, x.shape[0])
    assert len(sums.crcs) == 2
    sums.write(tmp_path / "v.crc")
    assert BlockChecksums.read(tmp_path / "v.crc", 12) == sums
    assert BlockChecksums.read(tmp_path / "v.crc", 16) is None  # another row size
    (tmp_path / "t.crc").write_bytes((tmp_path / "v.crc").read_bytes()[:-2])
    assert BlockChecksums.read(tmp_path / "t.crc", 12) is None
    assert BlockChecksums.read(tmp_path / "missing.crc", 12) is None
    assert sums.damaged(x) == []
    x[3, 1] += 1.0
    assert sums.damaged(x) == [(0, BLOCK_ROWS)]
