"""Database-wide operations: full snapshots."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

import ferrox.vectordb as vdb


def test_a_full_snapshot_skips_a_collection_deleted_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with vdb.open(tmp_path / "db") as db:
        db.create_collection("kept", size=2).upsert([1], [[1.0, 0.0]])
        listed = db.list_collections()
        db.create_collection("gone", size=2)
        db.delete_collection("gone")  # listed below, deleted before its turn
        monkeypatch.setattr(db, "list_collections", lambda: [*listed, "gone"])
        out = db.full_snapshot(tmp_path / "snaps")
        with tarfile.open(out) as tar:
            names = tar.getnames()
        assert any(n.startswith("kept") for n in names) and "aliases.json" in names
        assert not any(n.startswith("gone") for n in names)
