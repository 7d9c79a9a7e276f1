"""A collection: points (id, float32 vector, JSON payload) with durable storage, payload
indexes, filters and exact / HNSW / LSH search.

On disk (one directory per collection)::

    meta.json            config, generation, last checkpointed sequence number, slot count
    vectors-<g>.f32      float32 rows, one per slot (memory-mapped, append-only)
    vectors-<g>.crc      CRC32 per block of 1,024 rows, as of the last checkpoint
    points-<g>.sqlite    id -> slot, payload; id -> the point's other vectors (named,
                         multi-vector, sparse: see spaces.py) (committed at checkpoints)
    wal.log              every write since the last checkpoint (fsynced per write)
    hnsw-<g>.faiss       the graph index, possibly behind: caught up from the slots

Every write takes new slots for new vectors (a slot is never rewritten), logs itself to
the WAL and fsyncs before it is applied and acknowledged. Opening replays the WAL from
the last checkpoint; replay is idempotent because each record names the slots it uses.
"""

from __future__ import annotations

import bisect
import json
import math
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ferrox.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ShapeError,
    StorageError,
)
from ferrox.gc_pause import gc_paused
from ferrox.thread_priority import lower_priority
from ferrox.vectordb.exact import exact_search
from ferrox.vectordb.filters import Filter, parse_filter, values_at
from ferrox.vectordb.hnsw import HnswIndex, RenumberedIndex
from ferrox.vectordb.locks import RWLock
from ferrox.vectordb.lsh import LshIndex
from ferrox.vectordb.models import (
    CollectionConfig,
    Distance,
    PointId,
    Record,
    ScoredPoint,
    SearchParams,
    check_payload,
    check_vectors,
    f32_list,
    id_sort_key,
    normalize_id,
)
from ferrox.vectordb.operations import (
    CreateIndex,
    Delete,
    DeleteIndex,
    EditPayload,
    Operation,
    PayloadMode,
    Upsert,
    decode,
    drop_path,
    record,
)
from ferrox.vectordb.payload_index import make_index
from ferrox.vectordb.planner import Route, SearchShape, plan
from ferrox.vectordb.slot_store import SlotStore, atomic_json
from ferrox.vectordb.spaces import SpaceStore, SparseSpace, SparseVector, parse_spaces, ranked
from ferrox.vectordb.wal import WriteAheadLog

__all__ = ["Collection"]

T = TypeVar("T")

FORMAT = 1
_BULK = 1000  # results longer than this are built with the cyclic GC paused
_SLICE = 1024  # points a large read builds per hold of the read lock
_MASKS_KEPT = 16  # filter masks kept between writes
MAX_BATCH = 1_000_000


def _forward(attr: str, doc: str) -> property:
    """A read-only view of the slot store's ``attr`` (read lock held to use it)."""
    return property(lambda self: getattr(self.store, attr), doc=doc)


class Collection:
    """One collection of a :class:`~ferrox.vectordb.Database` (get it from there)."""

    # ------------------------------------------------------------------ lifecycle
    def __init__(self, directory: Path, name: str, *, sync: bool = True) -> None:
        self.dir = Path(directory)
        self.name = name
        self._sync = sync
        self._rw = RWLock()
        # held shared by a large read across its slices, exclusively by what moves slot
        # numbers or closes files (vacuum, close): see _in_slices
        self._pin = RWLock()
        self._writer = threading.RLock()
        self._index_rw = RWLock()
        self._build_lock = threading.Lock()
        self._open()

    def _open(self) -> None:
        """Load the current generation's files and replay the WAL (at open, and after a
        vacuum, which keeps the locks so that waiting callers see the new state)."""
        sync = self._sync
        meta_path = self.dir / "meta.json"
        try:
            meta = json.loads(meta_path.read_text())
            self.config = CollectionConfig.from_dict(meta["config"])
            generation = int(meta["generation"])
            self.seq = int(meta["applied_seq"])
            n_slots = int(meta["n_slots"])
            index_specs: dict[str, Any] = dict(meta.get("payload_indexes", {}))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"{meta_path}: unreadable collection metadata ({exc})") from exc
        if meta.get("format") != FORMAT:
            raise StorageError(f"{meta_path}: unknown storage format {meta.get('format')!r}")
        self.dim = self.config.size
        self._cosine = self.config.distance is Distance.COSINE
        self.store = SlotStore(self.dir, self.config, generation, n_slots, index_specs)
        self.hnsw: HnswIndex | RenumberedIndex | None = None
        self.lsh: LshIndex | None = None
        self._order: tuple[int, np.ndarray, list[PointId]] | None = None
        self._masks: dict[int, tuple[Filter, tuple[int, int], np.ndarray]] = {}
        self._load_hnsw()
        self.wal = WriteAheadLog(self.dir / "wal.log", sync=sync)
        self.replayed = 0
        for rec in self.wal.replay():
            if rec.seq > self.seq:
                decode(rec).apply(self.store)
                self.seq = rec.seq
                self.replayed += 1
        self._closed = False

    @classmethod
    def create(
        cls, directory: Path, name: str, config: CollectionConfig, *, sync: bool = True
    ) -> Collection:
        """Make the on-disk layout for a new collection and open it."""
        directory.mkdir(parents=True)
        SlotStore.create(directory, config)
        meta = {
            "format": FORMAT,
            "name": name,
            "config": config.to_dict(),
            "generation": 0,
            "applied_seq": 0,
            "n_slots": 0,
            "payload_indexes": {},
        }
        atomic_json(directory / "meta.json", meta)
        return cls(directory, name, sync=sync)

    def close(self) -> None:
        """Checkpoint and release files; the collection object is unusable afterwards."""
        if self._closed:
            return
        for worker in (self._builder, self._vacuumer):
            if worker is not None:
                worker.join()
        with self._writer, self._pin.write(), self._rw.write():
            self._checkpoint()
            self.wal.close()
            self.store.close()
            self._closed = True

    def __repr__(self) -> str:
        d = self.config.distance.value
        return f"Collection({self.name!r}, size={self.dim}, distance={d}, points={len(self)})"

    def __len__(self) -> int:
        return len(self.slot_of)

    ids = _forward("ids", "The point id in each slot (None: a free slot).")
    payloads = _forward("payloads", "The payload in each slot (None: a free slot).")
    live = _forward("live", "Which slots hold a point.")
    slot_of = _forward("slot_of", "Each point id's slot.")
    sqnorms = _forward("sqnorms", "Each slot's squared vector norm.")
    side = _forward("side", "Each slot's other vectors, as stored.")
    absent = _forward("absent", "Slots whose point has no primary vector.")
    stores = _forward("stores", "The other vector spaces' stores, by name.")
    spaces = _forward("spaces", "The other vector spaces, by name.")
    n_slots = _forward("n_slots", "Slots used (free ones included).")
    payload_indexes = _forward("payload_indexes", "The payload indexes, by key.")
    generation = _forward("generation", "The file generation (one more per vacuum).")
    _vectors = _forward("vectors", "The vector rows (memory-mapped).")
    _db = _forward("db", "The payload store's connection.")

    # ------------------------------------------------------------------ storage
    def _load_hnsw(self) -> None:
        path = self.store.graph_path()
        if self.config.index == "hnsw" and path.exists():
            c = self.config
            try:
                self.hnsw = HnswIndex.load(
                    path, self.dim, c.distance, c.m, c.ef_construct, c.quantization
                )
            except StorageError:
                self.hnsw = None  # rebuilt from the vectors on the next search
            if self.hnsw is not None and self.hnsw.ntotal > self.n_slots:
                self.hnsw = None  # ahead of the data: cannot be trusted

    def _checkpoint(self) -> None:
        """Make everything durable outside the WAL, then empty it (``_writer`` held:
        nothing changes meanwhile, and readers, which change nothing, go on)."""
        self.store.flush()
        meta = {
            "format": FORMAT,
            "name": self.name,
            "config": self.config.to_dict(),
            "generation": self.generation,
            "applied_seq": self.seq,
            "n_slots": self.n_slots,
            "payload_indexes": self.store.index_specs(),
        }
        atomic_json(self.dir / "meta.json", meta)
        self.wal.reset()
        if self.hnsw is not None and self.hnsw.growable:
            with self._index_rw.read():
                self.hnsw.save(self.store.graph_path())

    def checkpoint(self) -> None:
        """Flush vectors, commit payloads, record the state and empty the WAL."""
        with self._writer:
            self._checkpoint()

    # ------------------------------------------------------------------ writes
    def _write(self, op: Operation) -> int:
        """Log, fsync, apply. Returns the operation's sequence number."""
        with self._writer:
            if self._closed:
                raise ConflictError(f"collection {self.name!r} is closed")
            rec = record(self.seq + 1, op)
            self.wal.append(rec)
            with self._rw.write():
                op.apply(self.store)
                self.seq = rec.seq
            if self.wal.size > self.config.wal_checkpoint_bytes:
                self._checkpoint()
            self._schedule_index()
            self._schedule_vacuum()
            return rec.seq

    # Qdrant's optimizer defaults: vacuum once over 20% of at least 1,000 vectors are dead
    DELETED_THRESHOLD = 0.2
    VACUUM_MIN_VECTORS = 1000

    def _vacuum_due(self) -> bool:
        """Whether dead slots (deleted or replaced points) pass ``optimizers_config``'s
        ``deleted_threshold`` share of at least ``vacuum_min_vector_number`` slots."""
        opt = self.config.extra.get("optimizers_config") or {}
        threshold = opt.get("deleted_threshold")
        minimum = opt.get("vacuum_min_vector_number")
        threshold = self.DELETED_THRESHOLD if threshold is None else float(threshold)
        minimum = self.VACUUM_MIN_VECTORS if minimum is None else int(minimum)
        n = self.n_slots
        return n >= max(minimum, 1) and (n - len(self.slot_of)) / n > threshold

    _vacuumer: threading.Thread | None = None

    def _schedule_vacuum(self) -> None:
        """Vacuum in a background thread once the dead-slot share calls for it."""
        if not self._vacuum_due():
            return
        vacuumer = self._vacuumer
        if vacuumer is not None and vacuumer.is_alive():
            return
        self._vacuumer = threading.Thread(target=self._vacuum_quietly, daemon=True)
        self._vacuumer.start()

    def _vacuum_quietly(self) -> None:
        lower_priority()
        try:
            with self._writer:
                if not self._closed and self._vacuum_due():
                    self.vacuum()
        except (StorageError, OSError, sqlite3.Error):
            pass  # the files stay as they were: vacuum swaps generations atomically

    # the optimizer's default indexing threshold, as in Qdrant: 10,000 KB of vectors
    INDEXING_THRESHOLD_KB = 10_000

    def _indexing_threshold_bytes(self) -> int:
        kb = (self.config.extra.get("optimizers_config") or {}).get("indexing_threshold")
        return (self.INDEXING_THRESHOLD_KB if kb is None else int(kb)) * 1024

    def _schedule_index(self) -> None:
        """Build the graph in a background thread once the primary vectors pass the
        indexing threshold (0 disables indexing); searches use the exact path or the
        previous graph meanwhile."""
        threshold = self._indexing_threshold_bytes()
        if self.config.index != "hnsw" or threshold <= 0:
            return
        if self.hnsw is not None and self.hnsw.growable and self.hnsw.ntotal >= self.n_slots:
            return
        below = (len(self.slot_of) - len(self.absent)) * self.dim * 4 < threshold
        if self.hnsw is None and below:
            return  # a graph once built is caught up whatever the size
        builder = self._builder
        if builder is not None and builder.is_alive():
            return
        self._builder = threading.Thread(target=self._build_quietly, daemon=True)
        self._builder.start()

    _builder: threading.Thread | None = None

    @property
    def indexing(self) -> bool:
        """Whether a background graph build is running."""
        builder = self._builder
        return builder is not None and builder.is_alive()

    def _build_quietly(self) -> None:
        """Build until the graph holds every slot: writes that came while a build ran
        found it running and scheduled nothing, so their slots are caught up here."""
        lower_priority()
        try:
            while not self._closed:
                before = self.hnsw
                self.build_index()
                index = self.hnsw
                if index is None or index is before:
                    return  # no progress (a vacuum swapped the generation meanwhile)
                if index.growable and index.ntotal >= self.n_slots:
                    return
        except (StorageError, ValueError, RuntimeError):
            pass  # the next search builds (and reports) it

    def _prepare_query(self, vector: Any) -> np.ndarray:
        """One query as a (1, dim) float32 row, checked and (for Cosine) normalised; the
        common case skips the general checks, any oddity takes the checked path."""
        try:
            arr = np.asarray(vector, dtype=np.float32)
        except (TypeError, ValueError):
            return self._prepare_vectors(vector)
        if arr.shape != (self.dim,):
            return self._prepare_vectors(vector)
        sq = float(np.dot(arr, arr))
        if not math.isfinite(sq):  # NaN/inf (an error) or float32 overflow (fine)
            return self._prepare_vectors(vector)
        if self._cosine and sq > 0.0 and abs(sq - 1.0) > 1e-6:
            arr = arr * np.float32(1.0 / math.sqrt(sq))
        return arr.reshape(1, self.dim)

    def _prepare_vectors(self, vectors: Any) -> np.ndarray:
        arr = check_vectors(vectors, self.dim)
        if self.config.distance is Distance.COSINE:
            norms = np.linalg.norm(arr, axis=1, keepdims=True)
            arr = np.divide(arr, norms, out=np.zeros_like(arr), where=norms > 0)
        return arr

    def _ids(self, ids: Sequence[Any]) -> list[PointId]:
        if isinstance(ids, (str, int)):
            raise InvalidInputError("ids must be a list of point ids")
        out = [normalize_id(i) for i in ids]
        if len(out) > MAX_BATCH:
            raise InvalidInputError(f"too many points in one request ({len(out)} > {MAX_BATCH})")
        return out

    def _prepare_primary(self, vectors: Any, n: int) -> tuple[np.ndarray, list[bool]]:
        """Primary vectors as (n, dim) rows and which points have none (``vectors`` is
        None, or holds None for those points)."""
        if vectors is None or (
            isinstance(vectors, list) and len(vectors) == n and all(v is None for v in vectors)
        ):  # update/delete_vectors pass [None, ...] for points without one
            return np.zeros((n, self.dim), np.float32), [True] * n
        if self.config.primary is None:
            raise InvalidInputError(
                f"collection {self.name!r} has no unnamed vector; name the vectors"
            )
        if isinstance(vectors, list) and any(v is None for v in vectors):
            if len(vectors) != n:
                raise InvalidInputError(f"{n} ids but {len(vectors)} vectors")
            arr = np.zeros((n, self.dim), np.float32)
            given = [k for k, v in enumerate(vectors) if v is not None]
            if given:
                arr[given] = self._prepare_vectors([vectors[k] for k in given])
            return arr, [v is None for v in vectors]
        arr = self._prepare_vectors(vectors) if n else np.zeros((0, self.dim), np.float32)
        return arr, [False] * arr.shape[0]

    def _prepare_named(self, named: Sequence[Any] | None, n: int) -> list[dict[str, Any]]:
        """Each point's other vectors, checked against their spaces, as stored JSON."""
        if named is None:
            return [{} for _ in range(n)]
        if len(named) != n:
            raise InvalidInputError(f"{n} ids but {len(named)} named vector maps")
        out = []
        for k, entry in enumerate(named):
            prepared: dict[str, Any] = {}
            for name, value in (entry or {}).items():
                space = self.spaces.get(name)
                if space is None:
                    raise InvalidInputError(f"Wrong input: Not existing vector name error: {name}")
                prepared[name] = space.to_json(space.prepare(value, f"points[{k}]"))  # type: ignore[arg-type]
            out.append(prepared)
        return out

    def upsert(
        self,
        ids: Sequence[Any],
        vectors: Any,
        payloads: Sequence[Mapping[str, Any] | None] | None = None,
        *,
        named: Sequence[Mapping[str, Any] | None] | None = None,
    ) -> int:
        """Insert or replace points (all or nothing). Returns the operation id.

        ``vectors`` are the primary vectors (None, or None for one point: it has none);
        ``named`` gives each point's other vectors as ``{space name: value}``."""
        pids = self._ids(ids)
        arr, absent = self._prepare_primary(vectors, len(pids))
        if arr.shape[0] != len(pids):
            raise InvalidInputError(f"{len(pids)} ids but {arr.shape[0]} vectors")
        others = self._prepare_named(named, len(pids))
        if payloads is None:
            payloads = [None] * len(pids)
        if len(payloads) != len(pids):
            raise InvalidInputError(f"{len(pids)} ids but {len(payloads)} payloads")
        checked = [check_payload(p) for p in payloads]
        side: list[dict[str, Any] | None] = [
            ({"vectors": o} if o else {}) | ({"no_primary": True} if a else {}) or None
            for o, a in zip(others, absent, strict=True)
        ]
        if len(set(pids)) != len(pids):  # last one wins, as in Qdrant
            last = {pid: k for k, pid in enumerate(pids)}
            keep = sorted(last.values())
            pids = [pids[k] for k in keep]
            arr = arr[keep]
            checked = [checked[k] for k in keep]
            side = [side[k] for k in keep]
        if not pids:
            return self.seq
        with self._writer:  # the slot numbers must not move between here and the log
            op = Upsert(
                tuple(pids), self.n_slots, arr, tuple(checked), tuple(side) if any(side) else None
            )
            return self._write(op)

    def _current(self, pids: list[PointId]) -> tuple[list[Any], list[dict[str, Any]], list[Any]]:
        """Primary vectors (None where absent), other vectors and payloads of existing
        points (read lock held)."""
        missing = [p for p in pids if p not in self.slot_of]
        if missing:
            raise NotFoundError(f"No point with id {missing[0]} found")
        slot_of, payloads = self.slot_of, self.payloads
        slots = [slot_of[p] for p in pids]
        prim = [None if s in self.absent else self._vectors[s].copy() for s in slots]
        named = [dict((self.side.get(s) or {}).get("vectors") or {}) for s in slots]
        return prim, named, [payloads[s] for s in slots]

    def update_vectors(
        self, ids: Sequence[Any], vectors: Any = None, *, named: Sequence[Any] | None = None
    ) -> int:
        """Replace the given vectors of existing points, keeping their payloads and the
        vectors not given (``vectors``: primary rows, None for "keep"; ``named``: maps)."""
        pids = self._ids(ids)
        if vectors is not None and not isinstance(vectors, list):
            vectors = list(self._prepare_vectors(vectors))
        if vectors is not None and len(vectors) != len(pids):
            raise InvalidInputError(f"{len(pids)} ids but {len(vectors)} vectors")
        with self._writer:
            with self._rw.read():
                prim, others, payloads = self._current(pids)
            first: dict[PointId, int] = {}
            for k, pid in enumerate(pids):  # a point named twice: the updates accumulate
                j = first.setdefault(pid, k)
                if vectors is not None and vectors[k] is not None:
                    prim[j] = vectors[k]
                if named is not None and named[k]:
                    others[j].update(named[k])
            keep = sorted(first.values())
            return self.upsert(
                [pids[k] for k in keep],
                [prim[k] for k in keep],
                [payloads[k] for k in keep],
                named=[others[k] for k in keep],
            )

    def delete_vectors(
        self, names: Sequence[str], ids: Sequence[Any] | None = None, *, filter: Any = None
    ) -> int:
        """Remove the named vectors (the primary one included) from points, keeping them."""
        for name in names:
            if name != self.config.primary and name not in self.spaces:
                raise InvalidInputError(f"Wrong input: Not existing vector name error: {name}")
        with self._writer:
            pids = self._ids(ids) if filter is None else self._match_ids(filter)
            pids = [p for p in pids if p in self.slot_of]
            if not pids:
                return self.seq
            with self._rw.read():
                prim, others, payloads = self._current(pids)
            for k in range(len(pids)):
                if self.config.primary in names:
                    prim[k] = None
                for name in names:
                    others[k].pop(name, None)
            return self.upsert(pids, prim, payloads, named=others)

    def search_space(
        self,
        using: str,
        query: Any,
        limit: int = 10,
        *,
        filter: Any = None,
        score_threshold: float | None = None,
        offset: int = 0,
        with_payload: Any = True,
        with_vectors: Any = False,
        exact: bool = False,
    ) -> list[ScoredPoint]:
        """:meth:`search` in the space named ``using`` (the primary one or any other)."""
        if using == self.config.primary:
            return self.search(
                query,
                limit,
                filter=filter,
                score_threshold=score_threshold,
                offset=offset,
                with_payload=with_payload,
                with_vectors=with_vectors,
                exact=exact,
            )
        space = self.spaces.get(using)
        if space is None:
            raise InvalidInputError(f"Wrong input: Not existing vector name error: {using}")
        SearchParams.of(limit, zero_limit=True)
        q = space.prepare(query, "query")
        flt = parse_filter(filter)
        with self._rw.read():
            allowed = self._mask(flt)
            higher = space.higher_is_better
            if isinstance(space, SparseSpace):
                # postings hold live slots only (deletes drop them): a mask only filters
                slots, scores = self.stores[using].sparse_scores(
                    q, None if flt is None else allowed
                )
                top, top_scores = ranked(slots, scores, offset + limit)
            else:
                by_slot = self.stores[using].scores(q, allowed)
                order = sorted(by_slot.items(), key=lambda kv: (-kv[1] if higher else kv[1], kv[0]))
                top, top_scores = [sl for sl, _ in order], [sc for _, sc in order]
            return self._hits(
                top_scores[offset : offset + limit],
                top[offset : offset + limit],
                score_threshold,
                with_payload,
                with_vectors,
                higher,
            )

    def delete(self, ids: Sequence[Any] | None = None, *, filter: Any = None) -> int:
        """Delete points by ids or by filter (points that do not exist are ignored)."""
        if (ids is None) == (filter is None):
            raise InvalidInputError("give exactly one of ids or filter")
        with self._writer:
            pids = self._ids(ids) if ids is not None else self._match_ids(filter)
            return self._write(Delete(tuple(pids)))

    def _match_ids(self, filter: Any) -> list[PointId]:
        flt = parse_filter(filter)
        with self._rw.read():
            mask = self._mask(flt)
            ids = self.ids
            return [ids[s] for s in np.flatnonzero(mask).tolist()]  # type: ignore[misc]

    def _payload_op(
        self, mode: PayloadMode, ids: Any, filter: Any, payload: Any = None, keys: Any = None
    ) -> int:
        if (ids is None) == (filter is None):
            raise InvalidInputError("give exactly one of points (ids) or filter")
        if payload is not None or mode in (PayloadMode.SET, PayloadMode.OVERWRITE):
            payload = check_payload(payload)
        if keys is not None and not (
            isinstance(keys, list) and all(isinstance(k, str) for k in keys)
        ):
            raise InvalidInputError("keys must be a list of strings")
        with self._writer:
            pids = self._ids(ids) if ids is not None else self._match_ids(filter)
            op = EditPayload(tuple(pids), mode, payload, None if keys is None else tuple(keys))
            return self._write(op)

    def set_payload(
        self,
        payload: Mapping[str, Any],
        ids: Sequence[Any] | None = None,
        *,
        filter: Any = None,
        key: str | None = None,
    ) -> int:
        """Merge ``payload``'s keys into the points' payloads (into the object at dotted
        path ``key`` when given, created where missing)."""
        if key is not None:
            if not isinstance(key, str) or not key:
                raise InvalidInputError("key must be a dotted payload path")
            return self._payload_op(PayloadMode.SET_AT, ids, filter, payload, [key])
        return self._payload_op(PayloadMode.SET, ids, filter, payload)

    def vector_bytes(self) -> int:
        """Bytes the points' vectors take at float32 (primary and other dense spaces)."""
        with self._rw.read():
            total = (len(self.slot_of) - len(self.absent)) * self.dim * 4
            for store in self.stores.values():
                for v in store.values.values():
                    total += (
                        v.values.nbytes + v.indices.nbytes
                        if isinstance(v, SparseVector)
                        else v.nbytes
                    )
            return total

    def payload_bytes(self) -> int:
        """Bytes of the points' payloads as JSON."""
        with self._rw.read():
            payloads = self.payloads
            return sum(len(json.dumps(payloads[s] or {})) for s in self.slot_of.values())

    def payload_of(self, pid: Any) -> dict[str, Any] | None:
        """The stored payload of point ``pid`` (None when it does not exist)."""
        with self._rw.read():
            slot = self.slot_of.get(normalize_id(pid))
            return None if slot is None else self.payloads[slot]

    def filter_ids(self, filter: Any, ids: Sequence[Any]) -> list[PointId]:
        """Those of ``ids`` that exist and match ``filter``."""
        flt = parse_filter(filter)
        pids = self._ids(ids)
        with self._rw.read():
            mask = self._mask(flt)
            slot_of = self.slot_of
            return [p for p in pids if p in slot_of and mask[slot_of[p]]]

    def facet(
        self, key: str, filter: Any = None, limit: int = 10, exact: bool = False
    ) -> list[dict[str, Any]]:
        """Counts of points per value of payload field ``key`` (which needs a keyword,
        integer, uuid or bool index), most common first."""
        index = self.payload_indexes.get(key)
        if index is None or index.kind not in ("keyword", "integer", "uuid", "bool"):
            raise InvalidInputError(
                f'Bad request: Index required but not found for "{key}" of one of the following'
                " types: [keyword, integer, uuid, bool]. Help: Create an index for this key or"
                " use a different filter."
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInputError("limit must be a positive integer")
        flt = parse_filter(filter)
        with self._rw.read():
            mask = self._mask(flt)
            counts = index.counts(mask)
            if counts is not None:
                return _ranked(counts, limit)
            counts = {}
            payloads = self.payloads
            for slot in np.flatnonzero(mask).tolist():
                seen = set()
                for v in values_at(payloads[slot] or {}, key):
                    if (
                        isinstance(v, (str, int))
                        and not isinstance(v, float)
                        and (type(v), v) not in seen
                    ):
                        seen.add((type(v), v))
                        counts[v] = counts.get(v, 0) + 1
        return _ranked(counts, limit)

    def create_space(self, name: str, spec: Mapping[str, Any], *, sparse: bool = False) -> None:
        """Add a vector space (dense ``{size, distance, multivector?, datatype?}`` or sparse
        ``{modifier?}``) to an existing collection; its points start without a vector."""
        with self._writer, self._rw.write():
            c = self.config
            if name == c.primary or name in self.spaces:
                raise ConflictError(f"Wrong input: Vector `{name}` already exists!")
            table = c.sparse_vectors if sparse else c.vectors
            table[name] = dict(spec)
            try:
                self.store.spaces = parse_spaces(c.vectors, c.sparse_vectors)
            except (KeyError, ValueError, TypeError) as exc:
                del table[name]
                raise InvalidInputError(f"invalid params for vector {name!r}: {exc}") from exc
            self.stores[name] = SpaceStore(self.spaces[name])
            self._masks.clear()  # what has_vector conditions see may have changed
            self._checkpoint()

    def delete_space(self, name: str) -> None:
        """Remove a vector space and every point's vector in it (points stay)."""
        with self._writer, self._rw.write():
            c = self.config
            if name == c.primary and name is not None:
                # the primary matrix stays on disk unused: every point loses its vector
                c.primary = None
                changed = [s for s in self.slot_of.values() if s not in self.absent]
                for slot in changed:
                    entry = dict(self.side.get(slot) or {})
                    entry["no_primary"] = True
                    self.store.put_side(slot, entry)
                self.hnsw = None
            elif name in self.spaces:
                c.vectors.pop(name, None)
                c.sparse_vectors.pop(name, None)
                self.spaces.pop(name)
                self.stores.pop(name)
                changed = []
                for slot, entry in list(self.side.items()):
                    vectors = dict(entry.get("vectors") or {})
                    if name in vectors:
                        del vectors[name]
                        self.store.put_side(slot, {**entry, "vectors": vectors})
                        changed.append(slot)
            else:
                raise NotFoundError(f"Wrong input: Not existing vector name error: {name}")
            self.store.save_side(changed)
            self._masks.clear()  # what has_vector conditions see may have changed
            self._checkpoint()

    def update_settings(self, changes: Mapping[str, Any]) -> None:
        """Change settings after creation (Qdrant's collection PATCH): per-space on-disk,
        HNSW and quantization params, sparse modifiers, optimizer and strict-mode config,
        metadata. Recorded in the collection's metadata at once."""
        with self._writer, self._rw.write():
            c = self.config
            extra = json.loads(json.dumps(c.extra))
            params = extra.setdefault("vector_params", {})
            for name, spec in (changes.get("vectors") or {}).items():
                cur = params.setdefault(name, {})
                for k, v in spec.items():
                    if isinstance(v, dict) and isinstance(cur.get(k), dict):
                        cur[k] = {**cur[k], **v}
                    else:
                        cur[k] = v
                if name in c.vectors and spec.get("on_disk") is not None:
                    c.vectors[name]["on_disk"] = bool(spec["on_disk"])
                if name == c.primary and spec.get("on_disk") is not None:
                    extra.setdefault("primary_params", {})["on_disk"] = bool(spec["on_disk"])
                if cur.get("quantization_config") == "Disabled":
                    cur.pop("quantization_config", None)
            for name, spec in (changes.get("sparse_vectors") or {}).items():
                modifier = (spec or {}).get("modifier")
                index = {
                    **(c.sparse_vectors[name].get("index") or {}),
                    **((spec or {}).get("index") or {}),
                }
                if modifier is not None:
                    c.sparse_vectors[name] = {"modifier": "idf"} if modifier == "idf" else {}
                if index:
                    c.sparse_vectors[name]["index"] = index
            for key in ("optimizers_config", "hnsw_config", "strict_mode_config", "metadata"):
                if changes.get(key) is not None:
                    merged = {**(extra.get(key) or {}), **changes[key]}
                    if key == "metadata":
                        merged = {k: v for k, v in merged.items() if v is not None}
                    extra[key] = merged
            if changes.get("quantization_config") is not None:
                quant = changes["quantization_config"]
                extra["quantization_config"] = None if quant == "Disabled" else quant
                if quant == "Disabled" and c.quantization is not None:
                    c.quantization = None
                    self.hnsw = None  # rebuilt without the int8 copy at the next search
            p = changes.get("params") or {}
            for key in ("replication_factor", "write_consistency_factor", "read_fan_out_factor"):
                if p.get(key) is not None:
                    extra[key] = p[key]
            if p.get("on_disk_payload") is not None:
                c.on_disk_payload = bool(p["on_disk_payload"])
                self.store.place_payloads()
            c.extra = extra
            self.store.spaces = parse_spaces(c.vectors, c.sparse_vectors)
            for name, space in self.spaces.items():
                self.stores[name].space = space
            self._masks.clear()  # what has_vector conditions see may have changed
            self._checkpoint()
        if changes.get("optimizers_config") is not None:
            self._schedule_index()  # a lower indexing threshold starts the build now

    def overwrite_payload(
        self, payload: Mapping[str, Any], ids: Sequence[Any] | None = None, *, filter: Any = None
    ) -> int:
        """Replace the points' payloads with ``payload``."""
        return self._payload_op(PayloadMode.OVERWRITE, ids, filter, payload)

    def delete_payload(
        self, keys: Sequence[str], ids: Sequence[Any] | None = None, *, filter: Any = None
    ) -> int:
        """Remove ``keys`` (dotted paths allowed) from the points' payloads."""
        return self._payload_op(PayloadMode.DELETE, ids, filter, keys=list(keys))

    def clear_payload(self, ids: Sequence[Any] | None = None, *, filter: Any = None) -> int:
        """Empty the points' payloads."""
        return self._payload_op(PayloadMode.CLEAR, ids, filter)

    def create_payload_index(
        self, key: str, kind: str, params: Mapping[str, Any] | None = None
    ) -> int:
        """Index payload field ``key`` as ``kind``: keyword, integer, float, bool, datetime,
        text, uuid or geo; ``params`` are the schema's options (Qdrant's
        ``field_schema`` object less its ``type``), kept and reported."""
        make_index(key, kind, dict(params or {}))  # validates before anything is logged
        return self._write(CreateIndex(key, kind, dict(params) if params else None))

    def delete_payload_index(self, key: str) -> int:
        """Drop the index on ``key``."""
        if key not in self.payload_indexes:
            raise NotFoundError(f"no payload index on {key!r} in {self.name!r}")
        return self._write(DeleteIndex(key))

    # ------------------------------------------------------------------ reads
    def vector_mask(self, name: str) -> np.ndarray:
        """Live slots whose point holds a vector named ``name`` (read lock held)."""
        n = self.n_slots
        if name == self.config.primary:
            out = self.live[:n].copy()
            if self.absent:
                out[np.fromiter(self.absent, dtype=np.int64, count=len(self.absent))] = False
            return out
        store = self.stores.get(name)
        if store is None:
            raise InvalidInputError(f"Wrong input: Not existing vector name error: {name}")
        out = np.zeros(n, dtype=bool)
        if store.values:
            out[np.fromiter(store.values, dtype=np.int64, count=len(store.values))] = True
        return out & self.live[:n]

    def _mask(self, flt: Filter | None) -> np.ndarray:
        """The live slots ``flt`` lets through, a fresh array the caller may change
        (read lock held). The masks of the last few filters are kept until the next
        write: parsing gives the same filter text the same Filter object, so a filter
        that queries repeat is evaluated once per write, not once per query."""
        if flt is None:
            return self.live[: self.n_slots].copy()
        key = (self.seq, self.generation)
        cached = self._masks.get(id(flt))
        if cached is not None and cached[0] is flt and cached[1] == key:
            return cached[2].copy()
        mask = flt.mask(self) & self.live[: self.n_slots]
        if len(self._masks) >= _MASKS_KEPT:
            self._masks.pop(next(iter(self._masks)), None)
        self._masks[id(flt)] = (flt, key, mask)
        return mask.copy()

    def _record(self, slot: int, with_payload: Any, with_vectors: bool) -> Record:
        store = self.store
        return Record(
            id=store.ids[slot],  # type: ignore[arg-type]
            payload=_select_payload(store.payloads[slot] or {}, with_payload),
            vector=self._vector_out(slot, with_vectors),
        )

    @property
    def plain(self) -> bool:
        """One unnamed dense vector per point (vectors are lists, not name maps)."""
        return self.config.primary == "" and not self.spaces

    def _vector_out(self, slot: int, with_vectors: Any) -> Any:
        """A slot's vectors for output: a list in a plain collection, else ``{name: value}``
        (a list again when the point holds only the unnamed vector, as Qdrant answers);
        ``with_vectors`` is a bool or a list of names (read lock held)."""
        if with_vectors is False or with_vectors is None:
            return None
        if self.plain:
            return f32_list(self._vectors[slot])
        out: dict[str, Any] = {}
        if self.config.primary is not None and slot not in self.absent:
            out[self.config.primary] = f32_list(self._vectors[slot])
        out.update((self.side.get(slot) or {}).get("vectors") or {})
        if isinstance(with_vectors, list):
            out = {k: v for k, v in out.items() if k in with_vectors}
        if set(out) == {""}:
            return out[""]
        return out

    def get(
        self, ids: Sequence[Any], *, with_payload: Any = True, with_vectors: Any = False
    ) -> list[Record]:
        """The points with these ids that exist, in the order asked."""
        pids = self._ids(ids)

        def build(a: int, b: int) -> list[Record]:
            slot_of = self.slot_of
            return [
                self._record(slot_of[p], with_payload, with_vectors)
                for p in pids[a:b]
                if p in slot_of
            ]

        if len(pids) <= _SLICE:
            with self._rw.read():
                return build(0, len(pids))
        with self._pin.read(), gc_paused(len(pids) > _BULK):
            return self._in_slices(len(pids), build)

    def busy(self) -> bool:
        """Whether a read would wait for the lock now (a writer holds it or waits, or a
        vacuum waits for the large reads to finish): a hint for who runs the read."""
        return self._rw.contended() or self._pin.contended()

    def _in_slices(self, n: int, build: Callable[[int, int], list[T]]) -> list[T]:
        """``build(a, b)`` for consecutive ranges of ``range(n)``, ``_SLICE`` at a time,
        each under its own hold of the read lock: a large read's result is built
        while writes (and the small reads queued behind them) get in between. The
        caller holds ``_pin`` shared, so slot numbers stay put (vacuum and close wait);
        a point deleted meanwhile is left out, as the builders skip dead slots."""
        out: list[T] = []
        for a in range(0, n, _SLICE):
            with self._rw.read():
                out.extend(build(a, min(a + _SLICE, n)))
        return out

    def count(self, filter: Any = None) -> int:
        """How many points match ``filter`` (all points without one)."""
        flt = parse_filter(filter)
        with self._rw.read():
            if flt is None:
                return len(self.slot_of)
            return int(self._mask(flt).sum())

    def _id_order(self) -> tuple[np.ndarray, list[PointId]]:
        """Live slots in scroll order (ids ascending, see :func:`id_sort_key`) and their
        ids, sorted once per write rather than once per page (read lock held)."""
        cached = self._order
        if cached is None or cached[0] != self.seq:
            slot_of = self.slot_of
            ints = sorted(p for p in slot_of if isinstance(p, int))  # no key: 5x faster
            uuids = sorted(p for p in slot_of if not isinstance(p, int))
            pids = ints + uuids
            slots = np.fromiter((slot_of[p] for p in pids), dtype=np.int64, count=len(pids))
            cached = self._order = (self.seq, slots, pids)
        return cached[1], cached[2]

    def scroll(
        self,
        filter: Any = None,
        *,
        limit: int = 10,
        offset: Any = None,
        with_payload: Any = True,
        with_vectors: Any = False,
    ) -> tuple[list[Record], PointId | None]:
        """Points in id order from ``offset`` (an id) on; returns (page, next offset)."""
        if not isinstance(limit, int) or limit < 1:
            raise InvalidInputError("limit must be a positive integer")
        flt = parse_filter(filter)
        start = None if offset is None else id_sort_key(normalize_id(offset))

        def build(a: int, b: int) -> list[Record]:
            ids = self.ids
            return [
                self._record(slot, with_payload, with_vectors)
                for slot in slots[a:b]
                if ids[slot] is not None
            ]

        large = limit > _SLICE
        with self._pin.read() if large else nullcontext():
            with self._rw.read():
                order, pids = self._id_order()
                first = 0 if start is None else bisect.bisect_left(pids, start, key=id_sort_key)
                rest = order[first:]
                if flt is not None:
                    rest = rest[self._mask(flt)[rest]]
                slots = rest[: limit + 1].tolist()
                nxt = self.ids[slots[limit]] if len(slots) > limit else None
                del slots[limit:]
                if not large:
                    return build(0, len(slots)), nxt
            with gc_paused(len(slots) > _BULK):
                return self._in_slices(len(slots), build), nxt

    def search(
        self,
        vector: Any,
        limit: int = 10,
        *,
        filter: Any = None,
        score_threshold: float | None = None,
        offset: int = 0,
        with_payload: Any = True,
        with_vectors: Any = False,
        ef: int | None = None,
        exact: bool = False,
    ) -> list[ScoredPoint]:
        """The ``limit`` nearest points (after skipping ``offset``), best first."""
        query = self._prepare_query(vector)
        if (
            filter is None
            and score_threshold is None
            and offset == 0
            and not exact
            and not with_vectors
            and type(limit) is int
            and limit > 0
            and (ef is None or (type(ef) is int and ef > 0))
        ):
            hits = self._graph_search(query, limit, with_payload, ef or self.config.ef)
            if hits is not None:
                return hits
        return self.search_batch(
            query,
            limit,
            filter=filter,
            score_threshold=score_threshold,
            offset=offset,
            with_payload=with_payload,
            with_vectors=with_vectors,
            ef=ef,
            exact=exact,
        )[0]

    def _graph_search(
        self, query: np.ndarray, limit: int, with_payload: Any, ef: int
    ) -> list[ScoredPoint] | None:
        """The plain query's lean path (unfiltered, graph ready, nothing deleted); None
        sends the caller down the general path."""
        index = self.hnsw
        if index is None:
            return None
        with self._rw.read():
            live = len(self.slot_of)
            if (
                index.ntotal != self.n_slots
                or live != self.n_slots
                or self.absent
                or live <= max(self.config.full_scan_threshold, 4 * limit)
                or self.config.quantization is not None
            ):
                return None
            # no index lock: the graph only changes (catch-up) while it holds fewer slots
            # than the collection, and the collection cannot grow under our read lock
            if not query.flags.c_contiguous:
                query = np.ascontiguousarray(query)
            scores, slots = index.search_one(query, limit, max(ef, limit))
            return self._hits(scores, slots, None, with_payload, False)

    def search_batch(
        self,
        vectors: Any,
        limit: int = 10,
        *,
        filter: Any = None,
        score_threshold: float | None = None,
        offset: int = 0,
        with_payload: Any = True,
        with_vectors: Any = False,
        ef: int | None = None,
        exact: bool = False,
    ) -> list[list[ScoredPoint]]:
        """:meth:`search` for several query vectors with the same options."""
        SearchParams.of(limit, offset, ef, score_threshold)
        is_row = isinstance(vectors, np.ndarray) and vectors.dtype == np.float32
        if is_row and vectors.ndim == 2 and vectors.shape[0] == 1 and vectors.shape[1] == self.dim:
            queries = vectors  # prepared by search()
        else:
            queries = self._prepare_vectors(vectors)
        flt = parse_filter(filter)
        # bounded by the collection: a huge limit costs no more than "all points"
        large = min(limit, len(self)) * len(queries) > _SLICE
        with self._pin.read() if large else nullcontext():
            with self._rw.read():
                k = min(limit + offset, max(len(self.slot_of), 1))
                scores, slots = self._knn(queries, k, flt, ef or self.config.ef, exact)
                if not large:
                    return [
                        self._hits(
                            srow[offset:],
                            irow[offset:],
                            score_threshold,
                            with_payload,
                            with_vectors,
                        )
                        for srow, irow in zip(scores.tolist(), slots.tolist(), strict=True)
                    ]
            with gc_paused(True):
                return [
                    self.hits_in_slices(
                        srow[offset:], irow[offset:], score_threshold, with_payload, with_vectors
                    )
                    for srow, irow in zip(scores.tolist(), slots.tolist(), strict=True)
                ]

    def hits_in_slices(
        self,
        scores: list[float],
        slots: list[int],
        threshold: float | None,
        with_payload: Any,
        with_vectors: Any,
        higher: bool | None = None,
    ) -> list[ScoredPoint]:
        """:meth:`_hits` for a long result, built slice by slice (``_pin`` held shared,
        the read lock not held)."""
        return self._in_slices(
            len(slots),
            lambda a, b: self._hits(
                scores[a:b], slots[a:b], threshold, with_payload, with_vectors, higher
            ),
        )

    def _hits(
        self,
        scores: list[float],
        slots: list[int],
        threshold: float | None,
        with_payload: Any,
        with_vectors: Any,
        higher: bool | None = None,
    ) -> list[ScoredPoint]:
        """Scored points for one query's (score, slot) lists; missing or deleted slots and
        scores beyond ``threshold`` are dropped (read lock held)."""
        higher = self.config.distance.higher_is_better if higher is None else higher
        ids, payloads = self.ids, self.payloads
        hits = []
        for score, slot in zip(scores, slots, strict=True):
            if slot < 0 or ids[slot] is None:
                continue
            if threshold is not None and (score < threshold if higher else score > threshold):
                continue
            payload = None
            if with_payload is not False:
                payload = _select_payload(payloads[slot] or {}, with_payload)
            vec = self._vector_out(slot, with_vectors)
            hits.append(ScoredPoint(ids[slot], score, payload, vec))  # type: ignore[arg-type]
        return hits

    def _knn(
        self, queries: np.ndarray, k: int, flt: Filter | None, ef: int, exact: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        n = self.n_slots
        vectors = self._vectors[:n]
        dead = n - len(self.slot_of)
        allowed = self._mask(flt) if (flt is not None or dead or self.absent) else None
        if allowed is not None and self.absent:
            allowed[np.fromiter(self.absent, dtype=np.int64, count=len(self.absent))] = False
        live = len(self.slot_of)
        index = self.hnsw
        c = self.config
        p = plan(
            SearchShape(
                index=c.index,
                k=k,
                ef=ef,
                live=live,
                allowed=live if allowed is None else int(allowed.sum()),
                masked=allowed is not None,
                n_slots=n,
                graph=None if index is None else index.ntotal,
                graph_growable=index is None or index.growable,
                full_scan_threshold=c.full_scan_threshold,
                quantized=c.quantization is not None,
                exact=exact,
            )
        )
        if p.build:
            self._schedule_index()
        if p.route is Route.EXACT:
            return exact_search(
                vectors, queries, k, c.distance, mask=allowed, sqnorms=self.sqnorms[:n]
            )
        if p.route is Route.LSH:
            return self._lsh_search(queries, k, allowed)
        assert index is not None
        with self._index_rw.read():
            scores, slots = index.search(queries, p.fetch, p.ef, allowed)
        if c.quantization is not None:
            scores, slots = self._exact_among(queries, [row[row >= 0] for row in slots], k)
        if p.tail:
            # the graph is behind (being caught up): the newest slots are searched exactly
            tail = np.arange(index.ntotal, n)
            if allowed is not None:
                tail = tail[allowed[index.ntotal : n]]
            more = exact_search(
                self._vectors, queries, k, c.distance, slots=tail, sqnorms=self.sqnorms
            )
            scores, slots = _merge_best((scores, slots), more, k, c.distance.higher_is_better)
        return scores, slots

    def _exact_among(
        self, queries: np.ndarray, candidates: list[np.ndarray], k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Full-precision top-``k`` of each query among its own candidate slots (int8
        graph candidates, LSH buckets)."""
        out_s, out_i = [], []
        for q, cand in zip(queries, candidates, strict=True):
            s, i = exact_search(
                self._vectors, q[None, :], k, self.config.distance, slots=cand, sqnorms=self.sqnorms
            )
            out_s.append(s[0])
            out_i.append(i[0])
        return np.stack(out_s), np.stack(out_i)

    def _build_detached(self) -> None:
        """Build the graph, or catch it up to every slot, without blocking searches or
        writes: a private copy grows beside the graph that searches use and is swapped
        in when done (searches meanwhile use the previous graph plus an exact scan of
        the slots it lacks). Builds run one at a time."""
        with self._build_lock:
            with self._rw.read():
                n, vectors, base = self.n_slots, self._vectors, self.hnsw
                generation = self.generation
            if base is not None and base.growable and base.ntotal >= n:
                return
            if base is None or not base.growable or n - base.ntotal > base.ntotal:
                # more new points than graph: one fresh build over all of them makes a
                # better graph than many catch-ups (measured: recall at equal ef falls
                # with every incremental phase) and costs at most twice the catch-up
                c = self.config
                grown = HnswIndex(self.dim, c.distance, c.m, c.ef_construct, c.quantization)
            else:
                grown = base.copy()
            # slots below n are never rewritten: reading them unlocked is safe
            grown.add(np.asarray(vectors[grown.ntotal : n]))
            with self._rw.read(), self._index_rw.write():
                if self.hnsw is base and self.generation == generation and not self._closed:
                    self.hnsw = grown

    def _lsh_search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        n = self.n_slots
        with self._index_rw.write():
            if self.lsh is None:
                self.lsh = LshIndex(self.dim, self.config.lsh_tables, self.config.lsh_bits)
            if self.lsh.ntotal < n:
                self.lsh.add(np.asarray(self._vectors[self.lsh.ntotal : n]))
        keep = allowed if allowed is not None else self.live
        with self._index_rw.read():
            buckets = [self.lsh.candidates(q) for q in queries]
        return self._exact_among(queries, [c[keep[c]] for c in buckets], k)

    def build_index(self) -> None:
        """Build (or catch up) the graph index now, in the calling thread, instead of in
        the background; searches and writes go on meanwhile."""
        if self.config.index == "hnsw":
            self._build_detached()

    # ------------------------------------------------------------------ texts
    embedder: Any = None
    """The :class:`ferrox.infer.Embedder` that :meth:`add` and :meth:`query` use."""

    def _text_embedder(self, embedder: Any) -> Any:
        emb = embedder if embedder is not None else self.embedder
        if emb is None:
            raise InvalidInputError(
                "no embedder: pass embedder= (e.g. ferrox.infer.load_embedder()) or set "
                "collection.embedder"
            )
        if emb.dim != self.dim:
            raise ShapeError(
                f"embedder {emb.name!r} gives {emb.dim}-d vectors; {self.name!r} holds {self.dim}-d"
            )
        return emb

    def add(
        self,
        texts: Sequence[str],
        *,
        ids: Sequence[Any] | None = None,
        payloads: Sequence[Mapping[str, Any] | None] | None = None,
        embedder: Any = None,
    ) -> int:
        """Embed ``texts`` and upsert them; each payload gains ``document`` (the text).
        Without ``ids`` each text gets a UUID derived from it, so adding it again
        replaces rather than duplicates."""
        if isinstance(texts, str):
            raise InvalidInputError("add() takes a list of texts")
        texts = list(texts)
        if ids is None:
            ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, "ferrox:" + t)) for t in texts]
        if payloads is None:
            payloads = [None] * len(texts)
        if len(ids) != len(texts) or len(payloads) != len(texts):
            raise InvalidInputError(
                f"{len(texts)} texts but {len(ids)} ids / {len(payloads)} payloads"
            )
        merged = [{**check_payload(p), "document": t} for p, t in zip(payloads, texts, strict=True)]
        vectors = self._text_embedder(embedder).embed(texts)
        return self.upsert(ids, vectors, merged)

    def query(
        self, text: str, limit: int = 10, *, embedder: Any = None, **options: Any
    ) -> list[ScoredPoint]:
        """:meth:`search` with the embedding of ``text`` (options as for search)."""
        if not isinstance(text, str):
            raise InvalidInputError("query() takes one text")
        vector = self._text_embedder(embedder).embed([text])[0]
        return self.search(vector, limit, **options)

    # ------------------------------------------------------------------ info and upkeep
    def info(self) -> dict[str, Any]:
        """Counts, configuration and payload schema."""
        with self._rw.read():
            return {
                "name": self.name,
                "points_count": len(self.slot_of),
                "slots": self.n_slots,
                "indexed_vectors_count": 0
                if self.hnsw is None
                else min(self.hnsw.ntotal, self.n_slots),
                "config": self.config.to_dict(),
                "payload_schema": {k: v.schema() for k, v in self.payload_indexes.items()},
                "wal_bytes": self.wal.size,
                "operation_id": self.seq,
            }

    def vacuum(self) -> None:
        """Rewrite storage without the slots of deleted or replaced points; a new
        generation of files replaces the old one atomically and the graph is rebuilt
        in the background. Writes wait while the files are rewritten, reads do not:
        they are held back only while the new generation is swapped in."""
        with self._writer:
            self._checkpoint()
            old = self.store
            kept = np.flatnonzero(old.live[: old.n_slots])
            gen = old.generation + 1
            # no write can change the store while _writer is held, and reads change
            # nothing, so the live slots are read unlocked beside the readers
            n_slots = old.write_generation(gen)
            fresh = SlotStore(
                self.dir, self.config, gen, n_slots, old.index_specs(), drop_others=False
            )
            with self._pin.write(), self._rw.write():
                meta = json.loads((self.dir / "meta.json").read_text())
                meta.update(generation=gen, n_slots=n_slots)
                atomic_json(self.dir / "meta.json", meta)
                self.store = fresh
                # the old graph serves, renumbered, until the background build of
                # the new generation's graph replaces it
                graph = self.hnsw
                self.hnsw = None if graph is None else RenumberedIndex(graph, kept)
                self.lsh = None
                self._order = None
                old.close()
            fresh.remove_generation(old.generation)
            self._schedule_index()

    def check(self) -> list[str]:
        """Consistency problems found (an empty list means healthy)."""
        with self._rw.read():
            return self.store.problems()


def _ranked(counts: dict[Any, int], limit: int) -> list[dict[str, Any]]:
    """Facet hits: the ``limit`` most common values, ties by value (numbers first)."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], (isinstance(kv[0], str), kv[0])))
    return [{"value": v, "count": n} for v, n in ranked[:limit]]


def _merge_best(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], k: int, higher: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` per row of two (scores, slots) result sets (-1 slots are gaps)."""
    scores = np.concatenate([a[0], b[0]], axis=1)
    slots = np.concatenate([a[1], b[1]], axis=1)
    key = np.where(slots >= 0, -scores if higher else scores, np.inf)
    order = np.argsort(key, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, axis=1), np.take_along_axis(slots, order, axis=1)


def _select_payload(payload: dict[str, Any], selector: Any) -> dict[str, Any] | None:
    """Qdrant's ``with_payload``: true/false, a list of keys, or {include|exclude: [...]};
    keys may be dotted paths into nested objects (``a.b``, ``a[].b`` through arrays)."""
    if selector is True or selector is None:
        return dict(payload)  # a copy: editing a result must not edit the stored point
    if selector is False:
        return None
    if isinstance(selector, list):
        return _include(payload, selector)
    if isinstance(selector, dict):
        if "include" in selector:
            return _include(payload, selector["include"])
        if "exclude" in selector:
            new = json.loads(json.dumps(payload))
            for key in selector["exclude"]:
                drop_path(new, key.split("."))
            return new
    raise InvalidInputError(
        f"with_payload must be a bool, a list of keys or include/exclude, not {selector!r}"
    )


def _include(payload: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        _copy_path(payload, out, [p[:-2] if p.endswith("[]") else p for p in key.split(".")])
    return out


def _copy_path(src: Any, dst: dict[str, Any], parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if not isinstance(src, dict) or head not in src:
        return
    value = src[head]
    if not rest:
        dst[head] = json.loads(json.dumps(value))
        return
    if isinstance(value, list):
        items = dst.setdefault(head, [{} for _ in value])
        for el, target in zip(value, items, strict=False):
            if isinstance(el, dict) and isinstance(target, dict):
                _copy_path(el, target, rest)
        dst[head] = [t for t in items if t]
    elif isinstance(value, dict):
        child = dst.setdefault(head, {})
        _copy_path(value, child, rest)
        if not child:
            del dst[head]
