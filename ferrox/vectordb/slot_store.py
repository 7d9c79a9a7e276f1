"""A collection's points in one generation of files: the slot store.

A slot is one row of the vector file; a point lives in one slot, and a write that
replaces it takes a new one (a slot is never rewritten). The store holds

    vectors-<g>.f32      float32 rows, one per slot (memory-mapped, append-only)
    vectors-<g>.crc      CRC32 per block of 1,024 rows, as of the last flush
    points-<g>.sqlite    id -> slot, payload; id -> the point's other vectors

and the maps over them in memory: the id and payload of each slot, the live slots, the
slot of each id, squared norms, the other vector spaces' stores and the payload indexes.
It knows nothing of the WAL, the graph index or locking: the collection above it logs
each write (:mod:`ferrox.vectordb.operations`) and applies it here under its locks.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ferrox.errors import StorageError
from ferrox.vectordb.checksums import BlockChecksums
from ferrox.vectordb.models import CollectionConfig, PointId, json_text
from ferrox.vectordb.payload_index import PayloadIndex, make_index
from ferrox.vectordb.payload_store import DiskPayloads
from ferrox.vectordb.spaces import DenseSpace, SpaceStore, SparseVector, parse_spaces
from ferrox.vectordb.wal import fsync_dir

__all__ = ["SlotStore", "atomic_json", "id_from_text", "id_text"]

_SCHEMA = "CREATE TABLE points (id TEXT PRIMARY KEY, slot INTEGER NOT NULL, payload TEXT NOT NULL)"
_SIDE_SCHEMA = "CREATE TABLE IF NOT EXISTS side (id TEXT PRIMARY KEY, data TEXT NOT NULL)"
_FILE_KINDS = ("vectors", "points", "hnsw")


def id_text(pid: PointId) -> str:
    """A point id as stored (the points table's key, the WAL's arguments)."""
    return str(pid)


def id_from_text(text: str) -> PointId:
    """Inverse of :func:`id_text`: a uuid stays text, a number becomes an int."""
    return text if "-" in text else int(text)


def atomic_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` all or nothing (temporary file, fsync, rename)."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


class SlotStore:
    """The points of generation ``generation`` in ``directory`` (see the module text)."""

    def __init__(
        self,
        directory: Path,
        config: CollectionConfig,
        generation: int,
        n_slots: int,
        index_specs: dict[str, Any],
        *,
        drop_others: bool = True,
    ) -> None:
        """Open ``generation``'s files; ``drop_others`` removes other generations' files
        (left by a crash around a vacuum), which a vacuum opening its new generation
        beside the current one must not do."""
        self.dir = directory
        self.config = config
        self.generation = generation
        self.dim = config.size
        self.spaces = parse_spaces(config.vectors, config.sparse_vectors)
        self.stores = {name: SpaceStore(space) for name, space in self.spaces.items()}
        self.side: dict[int, dict[str, Any]] = {}  # slot -> its other vectors as stored JSON
        self.absent: set[int] = set()  # slots whose point has no primary vector
        self.n_slots = 0
        if drop_others:
            self._drop_other_generations()
        self._open_vectors(n_slots)
        self.ids: list[PointId | None] = [None] * n_slots
        self.payloads: list[dict[str, Any] | None] | DiskPayloads = [None] * n_slots
        self.live = np.zeros(max(n_slots, 1024), dtype=bool)
        self.slot_of: dict[PointId, int] = {}
        self.sqnorms = np.zeros(self._capacity, dtype=np.float32)
        self.payload_indexes: dict[str, PayloadIndex] = {}
        # the payload store may be ahead of meta.json (a crash inside a checkpoint,
        # after its commit): its slots were flushed first, and the WAL replay above us
        # re-applies those operations idempotently
        n_slots = self._load_points(n_slots)
        self.n_slots = n_slots
        sums = BlockChecksums.read(self.sums_path(), self.dim * 4)
        self.sums = sums if sums and sums.rows <= n_slots else BlockChecksums.empty(self.dim * 4)
        if n_slots:
            self.sqnorms[:n_slots] = np.einsum(
                "ij,ij->i", self.vectors[:n_slots], self.vectors[:n_slots]
            )
        for key, spec in index_specs.items():
            if isinstance(spec, str):
                self.build_payload_index(key, spec)
            else:
                self.build_payload_index(key, spec["kind"], spec.get("params"))

    @staticmethod
    def create(directory: Path, config: CollectionConfig) -> None:
        """Make generation 0's empty files."""
        (directory / "vectors-0.f32").touch()
        BlockChecksums.empty(config.size * 4).write(directory / "vectors-0.crc")
        con = sqlite3.connect(directory / "points-0.sqlite")
        con.execute(_SCHEMA)
        con.commit()
        con.close()

    # ------------------------------------------------------------------ files
    def vectors_path(self, generation: int | None = None) -> Path:
        """The vector file of ``generation`` (the current one by default)."""
        return self.dir / f"vectors-{self.generation if generation is None else generation}.f32"

    def sums_path(self, generation: int | None = None) -> Path:
        """The block-checksum file of ``generation``."""
        return self.dir / f"vectors-{self.generation if generation is None else generation}.crc"

    def points_path(self, generation: int | None = None) -> Path:
        """The payload store of ``generation``."""
        gen = self.generation if generation is None else generation
        return self.dir / f"points-{gen}.sqlite"

    def graph_path(self, generation: int | None = None) -> Path:
        """Where the graph index of ``generation`` is saved."""
        return self.dir / f"hnsw-{self.generation if generation is None else generation}.faiss"

    def _drop_other_generations(self) -> None:
        """Remove files of generations other than the current one (left by a crash
        during or just after a vacuum)."""
        keep = str(self.generation)
        for path in self.dir.iterdir():
            stem, dash, rest = path.name.partition("-")
            if stem in _FILE_KINDS and dash:
                gen = rest.split(".", 1)[0]
                if gen.isdigit() and gen != keep:
                    path.unlink(missing_ok=True)

    def _open_vectors(self, n_slots: int) -> None:
        path = self.vectors_path()
        row = self.dim * 4
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise StorageError(f"{path}: missing vector file ({exc})") from exc
        if size < n_slots * row:
            raise StorageError(
                f"{path}: vector file holds {size // row} rows but the checkpoint says {n_slots}"
            )
        self._capacity = max(size // row, 1024)
        self._vfile = open(path, "r+b")  # noqa: SIM115 - held open for the mapping
        if size < self._capacity * row:
            self._vfile.truncate(self._capacity * row)
        self.vectors = np.memmap(
            self._vfile, dtype=np.float32, mode="r+", shape=(self._capacity, self.dim)
        )

    def grow(self, needed: int) -> None:
        """Room for ``needed`` slots (the file and the per-slot arrays double)."""
        if needed <= self._capacity:
            return
        cap = self._capacity
        while cap < needed:
            cap *= 2
        self.vectors.flush()
        self._vfile.truncate(cap * self.dim * 4)
        self.vectors = np.memmap(self._vfile, dtype=np.float32, mode="r+", shape=(cap, self.dim))
        self.sqnorms = np.concatenate([self.sqnorms, np.zeros(cap - self._capacity, np.float32)])
        self.live = np.concatenate([self.live, np.zeros(cap - self.live.shape[0], bool)])
        self._capacity = cap

    def _load_points(self, n_slots: int) -> int:
        path = self.points_path()
        if not path.exists():
            raise StorageError(f"{path}: missing payload store")
        self.db = sqlite3.connect(path, check_same_thread=False)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            on_disk = self.config.on_disk_payload
            columns = "id, slot, NULL" if on_disk else "id, slot, payload"
            rows = self.db.execute(f"SELECT {columns} FROM points").fetchall()
            if on_disk:
                self.payloads = DiskPayloads(self.db, n_slots)
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{path}: damaged payload store ({exc})") from exc
        if self.live.shape[0] < self._capacity:
            self.live = np.zeros(self._capacity, dtype=bool)
        top = max((slot for _, slot, _ in rows), default=-1) + 1
        if top > n_slots:
            if top > self._capacity:
                raise StorageError(f"{path}: a point refers to slot {top - 1} beyond the data")
            self.ids.extend([None] * (top - n_slots))
            self.payloads.extend([None] * (top - n_slots))
            n_slots = top
        for text, slot, payload in rows:
            if not 0 <= slot < n_slots:
                raise StorageError(f"{path}: point {text} refers to slot {slot} beyond the data")
            pid = id_from_text(text)
            self.ids[slot] = pid
            if not on_disk:
                self.payloads[slot] = json.loads(payload)
            self.slot_of[pid] = slot
            self.live[slot] = True
        try:
            self.db.execute(_SIDE_SCHEMA)
            side = self.db.execute("SELECT id, data FROM side").fetchall()
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{path}: damaged vector store ({exc})") from exc
        for text, data in side:
            slot = self.slot_of.get(id_from_text(text))
            if slot is not None:
                self.put_side(slot, json.loads(data))
        return n_slots

    def place_payloads(self) -> None:
        """Payloads in memory or left on disk, as ``on_disk_payload`` now says."""
        n = len(self.payloads)
        if self.config.on_disk_payload and not isinstance(self.payloads, DiskPayloads):
            self.payloads = DiskPayloads(self.db, n)
        elif not self.config.on_disk_payload and isinstance(self.payloads, DiskPayloads):
            loaded: list[dict[str, Any] | None] = [None] * n
            for slot, payload in self.db.execute("SELECT slot, payload FROM points"):
                loaded[slot] = json.loads(payload)
            self.payloads = loaded

    def flush(self) -> None:
        """Make the vectors, their checksums and the payload store durable."""
        self.vectors.flush()
        if self.sums.rows < self.n_slots:
            self.sums = self.sums.extended(self.vectors, self.n_slots)
            self.sums.write(self.sums_path())
        self.db.commit()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file

    def index_specs(self) -> dict[str, Any]:
        """The payload indexes as meta.json records them."""
        return {
            k: {"kind": v.kind, "params": v.params} if v.params else v.kind
            for k, v in self.payload_indexes.items()
        }

    def close(self) -> None:
        """Release the files (after :meth:`flush`)."""
        self.db.close()
        self.vectors.flush()
        self._vfile.close()

    def write_generation(self, generation: int) -> int:
        """Write the live slots, compacted, as the files of ``generation``; returns how
        many slots the new generation holds."""
        slots = np.flatnonzero(self.live[: self.n_slots])
        vpath = self.vectors_path(generation)
        with open(vpath, "wb") as f:
            for start in range(0, slots.shape[0], 65536):
                f.write(np.ascontiguousarray(self.vectors[slots[start : start + 65536]]).tobytes())
            f.flush()
            os.fsync(f.fileno())
        sums = BlockChecksums.empty(self.dim * 4)
        if slots.shape[0]:
            rows = np.memmap(vpath, np.float32, "r", shape=(slots.shape[0], self.dim))
            sums = sums.extended(rows, slots.shape[0])
            del rows
        sums.write(self.sums_path(generation))
        ppath = self.points_path(generation)
        ppath.unlink(missing_ok=True)
        con = sqlite3.connect(ppath)
        con.execute(_SCHEMA)
        con.executemany(
            "INSERT INTO points VALUES (?, ?, ?)",
            (
                (id_text(self.ids[s]), new, json_text(self.payloads[s]))  # type: ignore[arg-type]
                for new, s in enumerate(slots.tolist())
            ),
        )
        con.execute(_SIDE_SCHEMA)
        con.executemany(
            "INSERT INTO side VALUES (?, ?)",
            (
                (id_text(self.ids[s]), json.dumps(self.side[s]))  # type: ignore[arg-type]
                for s in slots.tolist()
                if s in self.side
            ),
        )
        con.commit()
        con.close()
        return int(slots.shape[0])

    def remove_generation(self, generation: int) -> None:
        """Delete the files of ``generation`` (closed: an older one after a vacuum)."""
        for p in (
            self.vectors_path(generation),
            self.sums_path(generation),
            self.points_path(generation),
            self.graph_path(generation),
        ):
            p.unlink(missing_ok=True)
        for p in self.dir.glob(f"points-{generation}.sqlite-*"):
            p.unlink(missing_ok=True)

    def problems(self) -> list[str]:
        """Consistency problems of the stored points (empty when healthy)."""
        problems = []
        if len(self.slot_of) != int(self.live[: self.n_slots].sum()):
            problems.append("live-slot count differs from the id map")
        for pid, slot in self.slot_of.items():
            if self.ids[slot] != pid:
                problems.append(f"point {pid!r}: slot {slot} belongs to {self.ids[slot]!r}")
                break
        for first, end in self.sums.damaged(self.vectors):
            problems.append(
                f"{self.vectors_path().name} rows {first}-{end - 1}: checksum mismatch"
                " (the file was changed or damaged on disk)"
            )
        vecs = self.vectors[: self.n_slots]
        if self.n_slots and not np.isfinite(vecs[self.live[: self.n_slots]]).all():
            problems.append("non-finite values in stored vectors")
        rows = self.db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
        if rows != len(self.slot_of):
            problems.append(f"payload store has {rows} rows for {len(self.slot_of)} points")
        ok = self.db.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            problems.append(f"payload store: {ok}")
        return problems

    # ------------------------------------------------------------------ points
    def put_side(self, slot: int, entry: dict[str, Any] | None) -> None:
        """Record a slot's other vectors (``{"vectors": {name: json}, "no_primary": bool}``)."""
        for store in self.stores.values():
            store.drop(slot)
        self.side.pop(slot, None)
        self.absent.discard(slot)
        if not entry:
            return
        self.side[slot] = entry
        if entry.get("no_primary"):
            self.absent.add(slot)
        for name, value in (entry.get("vectors") or {}).items():
            store = self.stores.get(name)
            if store is None:
                continue  # a space dropped from the config since
            if isinstance(store.space, DenseSpace):
                store.put(slot, np.asarray(value, dtype=np.float32))
            else:
                store.put(
                    slot,
                    SparseVector(
                        np.asarray(value["indices"], dtype=np.int64),
                        np.asarray(value["values"], dtype=np.float32),
                    ),
                )

    def save_side(self, slots: Iterable[int]) -> None:
        """Store the side entries of these slots as they are now."""
        rows = [
            (id_text(self.ids[slot]), json.dumps(self.side.get(slot) or {}))  # type: ignore[arg-type]
            for slot in slots
        ]
        self.db.executemany("INSERT OR REPLACE INTO side(id, data) VALUES (?, ?)", rows)

    def put(
        self,
        ids: list[PointId],
        first: int,
        vectors: np.ndarray,
        payloads: list[Any],
        side: list[Any] | None = None,
    ) -> None:
        """Place the points in slots ``first``... (replacing the slots they had)."""
        n = len(ids)
        end = first + n
        self.grow(end)
        self.vectors[first:end] = vectors
        self.sqnorms[first:end] = np.einsum("ij,ij->i", vectors, vectors)
        had_side = self.delete([i for i in ids if i in self.slot_of], keep_rows=True)
        if len(self.ids) < end:
            extra = end - len(self.ids)
            self.ids.extend([None] * extra)
            self.payloads.extend([None] * extra)
        rows: list[tuple[str, int, str]] = []
        side_rows: list[tuple[str, str]] = []
        side_gone: list[tuple[str]] = []
        for k, (pid, payload) in enumerate(zip(ids, payloads, strict=True)):
            slot = first + k
            payload = payload or {}
            self.ids[slot] = pid
            self.payloads[slot] = payload
            self.slot_of[pid] = slot
            self.live[slot] = True
            for index in self.payload_indexes.values():
                index.add(slot, payload)
            rows.append((id_text(pid), slot, json_text(payload)))
            entry = side[k] if side is not None else None
            self.put_side(slot, entry)
            if entry:
                side_rows.append((id_text(pid), json.dumps(entry)))
            else:
                side_gone.append((id_text(pid),))
        self.n_slots = max(self.n_slots, end)
        self.db.executemany(
            "INSERT INTO points(id, slot, payload) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET slot=excluded.slot, payload=excluded.payload",
            rows,
        )
        if side_rows:
            self.db.executemany("INSERT OR REPLACE INTO side(id, data) VALUES (?, ?)", side_rows)
        if side_gone and (had_side or self.side or self.stores):
            self.db.executemany("DELETE FROM side WHERE id = ?", side_gone)

    def delete(self, ids: Iterable[PointId], *, keep_rows: bool = False) -> bool:
        """Forget the points; True when one of them had side data (other vectors or an
        absent-primary marker) whose stored row must go too."""
        gone = []
        had_side = False
        for pid in ids:
            slot = self.slot_of.pop(pid, None)
            if slot is None:
                continue
            self.live[slot] = False
            self.ids[slot] = None
            self.payloads[slot] = None
            for index in self.payload_indexes.values():
                index.remove(slot)
            if slot in self.side or slot in self.absent:
                self.put_side(slot, None)
                had_side = True
            gone.append((id_text(pid),))
        if gone and not keep_rows:
            self.db.executemany("DELETE FROM points WHERE id = ?", gone)
            if had_side or self.stores or self.config.primary != "":
                self.db.executemany("DELETE FROM side WHERE id = ?", gone)
        return had_side

    def set_payload(self, pid: PointId, slot: int, payload: dict[str, Any]) -> None:
        """Replace one point's payload."""
        self.payloads[slot] = payload
        for index in self.payload_indexes.values():
            index.add(slot, payload)
        self.db.execute(
            "UPDATE points SET payload = ? WHERE id = ?", (json_text(payload), id_text(pid))
        )

    def build_payload_index(
        self, key: str, kind: str, params: dict[str, Any] | None = None
    ) -> None:
        """Index payload field ``key`` over every live slot."""
        index = make_index(key, kind, params)
        for slot in range(self.n_slots):
            if self.live[slot]:
                index.add(slot, self.payloads[slot])
        self.payload_indexes[key] = index

    def drop_payload_index(self, key: str) -> None:
        """Forget the index on ``key`` (if any)."""
        self.payload_indexes.pop(key, None)
