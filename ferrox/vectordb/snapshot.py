"""Snapshots: one tar file per collection, with a manifest of SHA-256 checksums that a
restore verifies before anything is made visible."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ferrox.errors import InvalidInputError, StorageError

if TYPE_CHECKING:
    from ferrox.vectordb.collection import Collection

__all__ = ["restore_snapshot", "write_snapshot"]

MANIFEST = "ferrox-snapshot.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_snapshot(col: Collection, out_dir: Path) -> Path:
    """Checkpoint ``col`` and write it to ``out_dir/<name>-<time>.snapshot``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = (
        out_dir
        / f"{col.name}-{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**6:06d}.snapshot"
    )
    with col._writer, col._rw.write():
        col._checkpoint()
        files = [p for p in sorted(col.dir.iterdir()) if p.is_file() and p.name != "wal.log"]
        files = [p for p in files if not p.name.endswith((".tmp", "-wal", "-shm"))]
        manifest = {
            "format": 1,
            "collection": col.name,
            "files": {p.name: {"sha256": _sha256(p), "bytes": p.stat().st_size} for p in files},
        }
        tmp = target.with_suffix(".partial")
        with tarfile.open(tmp, "w") as tar:
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            for p in files:
                tar.add(p, arcname=p.name)
    tmp.replace(target)
    return target


def restore_snapshot(snapshot: Path, into: Path) -> str:
    """Unpack and verify a snapshot into the new directory ``into``; returns the
    collection's original name. Damaged or foreign files raise before anything is kept."""
    if not snapshot.is_file():
        raise InvalidInputError(f"no snapshot file at {snapshot}")
    try:
        with tarfile.open(snapshot, "r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise StorageError(f"{snapshot}: not a ferrox snapshot (no manifest)")
            manifest = json.loads(member.read())
            names = set(manifest["files"])
            for m in tar.getmembers():
                if m.name != MANIFEST and (m.name not in names or not m.isfile()):
                    raise StorageError(f"{snapshot}: unexpected member {m.name!r}")
            into.mkdir(parents=True)
            tar.extractall(
                into, members=[m for m in tar.getmembers() if m.name in names], filter="data"
            )
    except (tarfile.TarError, KeyError, ValueError, OSError) as exc:
        raise StorageError(f"{snapshot}: unreadable snapshot ({exc})") from exc
    for name, entry in manifest["files"].items():
        path = into / name
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            raise StorageError(f"{snapshot}: {name} fails its checksum")
    (into / "wal.log").touch()
    return str(manifest["collection"])
