"""Snapshots: one tar file per collection, with a manifest of SHA-256 checksums that a
restore verifies before anything is made visible.

A collection is one shard (0) holding one segment, which Qdrant's partial snapshots
describe by a *segment manifest*: ``{segment_id: {segment_id, segment_version,
file_versions: {path: version}}}``. The segment version is the collection's last applied
operation and every file is stamped with it (ferrox does not track which operation last
touched each file, so a file is never reported older than it is: a peer compares its
manifest with ours and gets every file that may differ). A partial snapshot is a
snapshot of the files newer than a peer's manifest, plus our manifest; recovering it
takes the omitted files from the local collection."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ferrox.errors import InvalidInputError, StorageError

if TYPE_CHECKING:
    from ferrox.vectordb.collection import Collection

__all__ = [
    "partial_manifest",
    "restore_snapshot",
    "segment_id",
    "write_partial_snapshot",
    "write_snapshot",
]

MANIFEST = "ferrox-snapshot.json"
# the Qdrant segment folder each ferrox file stands for in a segment manifest
_COMPONENTS = {"vectors": "vector_storage", "points": "payload_storage", "hnsw": "vector_index"}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _data_files(col: Collection) -> list[Path]:
    """The collection's files a snapshot holds (not the WAL, temporaries, SQLite sides)."""
    files = [p for p in sorted(col.dir.iterdir()) if p.is_file() and p.name != "wal.log"]
    return [p for p in files if not p.name.endswith((".tmp", "-wal", "-shm"))]


def _snapshot_target(col: Collection, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    return (
        out_dir
        / f"{col.name}-{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**6:06d}.snapshot"
    )


def _write_tar(target: Path, manifest: dict[str, Any], files: list[Path]) -> None:
    manifest["files"] = {p.name: {"sha256": _sha256(p), "bytes": p.stat().st_size} for p in files}
    tmp = target.with_suffix(".partial")
    with tarfile.open(tmp, "w") as tar:
        data = json.dumps(manifest, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for p in files:
            tar.add(p, arcname=p.name)
    tmp.replace(target)


def write_snapshot(col: Collection, out_dir: Path) -> Path:
    """Checkpoint ``col`` and write it to ``out_dir/<name>-<time>.snapshot``."""
    target = _snapshot_target(col, out_dir)
    with col._writer, col._rw.write():
        col._checkpoint()
        _write_tar(target, {"format": 1, "collection": col.name}, _data_files(col))
    return target


def segment_id(name: str) -> str:
    """The id of a collection's one segment: derived from its name, so that replicas of
    one collection on two servers name the same segment."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ferrox:segment:{name}"))


def _manifest_path(file_name: str) -> str:
    stem, dash, _ = file_name.partition("-")
    component = _COMPONENTS.get(stem) if dash else None
    return f"{component}/{file_name}" if component else file_name


def _segment_manifest(col: Collection) -> dict[str, Any]:
    version = col.seq
    return {
        "segment_id": segment_id(col.name),
        "segment_version": version,
        "file_versions": {_manifest_path(p.name): version for p in _data_files(col)},
    }


def partial_manifest(col: Collection) -> dict[str, Any]:
    """The shard's snapshot manifest, Qdrant's ``{segment_id: SegmentManifest}``."""
    with col._writer:
        manifest = _segment_manifest(col)
    return {manifest["segment_id"]: manifest}


def _parse_manifest(manifest: Any) -> dict[str, dict[str, Any]]:
    """A peer's snapshot manifest, checked: ``{segment_id: {segment_version,
    file_versions}}``."""
    if not isinstance(manifest, dict):
        raise InvalidInputError("snapshot manifest must be a JSON object of segments")
    out: dict[str, dict[str, Any]] = {}
    for sid, seg in manifest.items():
        if not isinstance(seg, dict):
            raise InvalidInputError(f"snapshot manifest: segment {sid} must be an object")
        version = seg.get("segment_version")
        files = seg.get("file_versions", {})
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise InvalidInputError(
                f"snapshot manifest: segment {sid} needs a non-negative 'segment_version'"
            )
        if not isinstance(files, dict) or not all(
            v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in files.values()
        ):
            raise InvalidInputError(
                f"snapshot manifest: segment {sid} 'file_versions' must map paths to"
                " versions or null"
            )
        out[str(sid)] = {"segment_version": version, "file_versions": files}
    return out


def write_partial_snapshot(col: Collection, out_dir: Path, peer: Any) -> Path | None:
    """Checkpoint ``col`` and write the files newer than in the peer's manifest ``peer``
    as a partial snapshot; None when the peer has everything (nothing to send)."""
    theirs = _parse_manifest(peer)
    target = _snapshot_target(col, out_dir)
    with col._writer, col._rw.write():
        col._checkpoint()
        ours = _segment_manifest(col)
        seg = theirs.get(ours["segment_id"])
        files = []
        for p in _data_files(col):
            version = ours["file_versions"][_manifest_path(p.name)]
            if seg is not None:
                known = seg["file_versions"].get(_manifest_path(p.name), -1)
                if (seg["segment_version"] if known is None else known) >= version:
                    continue
            files.append(p)
        if not files:
            return None
        _write_tar(target, {"format": 1, "collection": col.name, "partial": ours}, files)
    return target


def _take_local(col: Collection, names: list[str], into: Path, sid: str) -> None:
    """Copy the files a partial snapshot left out from the local collection ``col``."""
    with col._writer, col._rw.write():
        if segment_id(col.name) != sid:
            raise InvalidInputError(
                f"invalid partial snapshot: it omits {', '.join(names)} but"
                f" is of segment {sid}, not of the local shard; recover a full snapshot"
            )
        col._checkpoint()
        for name in names:
            source = col.dir / name
            if not source.is_file():
                raise InvalidInputError(
                    f"invalid partial snapshot: it omits {name}, which the"
                    " local shard does not have; recover a full snapshot"
                )
            shutil.copy2(source, into / name)


def restore_snapshot(
    snapshot: Path, into: Path, *, partial: bool = False, local: Collection | None = None
) -> str:
    """Unpack and verify a snapshot into the new directory ``into``; returns the
    collection's original name. Damaged or foreign files raise before anything is kept.
    ``partial``: the snapshot must be a partial one, completed from ``local``."""
    if not snapshot.is_file():
        raise InvalidInputError(f"no snapshot file at {snapshot}")
    try:
        with tarfile.open(snapshot, "r") as tar:
            try:
                member = tar.extractfile(MANIFEST)
            except KeyError:
                member = None
            if member is None:
                raise InvalidInputError(f"{snapshot.name} is not a ferrox snapshot (no manifest)")
            manifest = json.loads(member.read())
            if partial and not isinstance(manifest.get("partial"), dict):
                raise InvalidInputError(
                    "invalid partial snapshot: it has no segment manifest;"
                    " ensure you are not recovering shard snapshot on partial snapshot endpoint"
                )
            if not partial and "partial" in manifest:
                raise InvalidInputError(
                    "invalid shard snapshot: it is a partial snapshot; ensure"
                    " you are not recovering partial snapshot on shard snapshot endpoint"
                )
            names = set(manifest["files"])
            for m in tar.getmembers():
                if m.name != MANIFEST and (m.name not in names or not m.isfile()):
                    raise StorageError(f"{snapshot}: unexpected member {m.name!r}")
            into.mkdir(parents=True)
            tar.extractall(
                into, members=[m for m in tar.getmembers() if m.name in names], filter="data"
            )
    except InvalidInputError:
        raise
    except tarfile.ReadError as exc:
        raise InvalidInputError(f"{snapshot.name} is not a snapshot archive ({exc})") from exc
    except (tarfile.TarError, KeyError, ValueError, TypeError, AttributeError, OSError) as exc:
        raise StorageError(f"{snapshot}: unreadable snapshot ({exc})") from exc
    for name, entry in manifest["files"].items():
        path = into / name
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            raise StorageError(f"{snapshot}: {name} fails its checksum")
    if partial:
        seg = manifest["partial"]
        listed = {Path(f).name for f in seg.get("file_versions", {})}
        missing = sorted(listed - set(manifest["files"]))
        if missing:
            if local is None:
                raise InvalidInputError(
                    f"invalid partial snapshot: it omits {', '.join(missing)}"
                    " and there is no local shard to take them from"
                )
            _take_local(local, missing, into, str(seg.get("segment_id")))
    (into / "wal.log").touch()
    return str(manifest["collection"])
