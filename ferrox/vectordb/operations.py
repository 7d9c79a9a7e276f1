"""A collection's write operations: one frozen dataclass per kind of WAL record, with its
arguments as the WAL stores them (JSON plus raw vectors) and its effect on the slot
store, ``apply``. A write is built as one of these, logged, then applied; replay decodes
each record into one and applies it the same way. Nothing else changes the points.

Each operation names the slots it fills, so applying it twice leaves what applying it
once did: replay after a crash inside a checkpoint is safe."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

import numpy as np

from ferrox.errors import StorageError
from ferrox.vectordb.models import PointId
from ferrox.vectordb.slot_store import SlotStore, id_from_text, id_text
from ferrox.vectordb.wal import WalRecord

__all__ = [
    "OPERATIONS",
    "CreateIndex",
    "Delete",
    "DeleteIndex",
    "EditPayload",
    "Operation",
    "PayloadMode",
    "UpdateVectors",
    "Upsert",
    "decode",
]


def _ids(texts: list[str]) -> tuple[PointId, ...]:
    return tuple(id_from_text(t) for t in texts)


def _texts(ids: tuple[PointId, ...]) -> list[str]:
    return [id_text(p) for p in ids]


@dataclass(frozen=True)
class Upsert:
    """Points placed in the slots from ``first_slot`` on, replacing any they had."""

    name: ClassVar[str] = "upsert"
    ids: tuple[PointId, ...]
    first_slot: int
    vectors: np.ndarray
    payloads: tuple[dict[str, Any], ...]
    side: tuple[dict[str, Any] | None, ...] | None = None
    """Each point's other vectors (``{"vectors": {...}, "no_primary": bool}``)."""

    def args(self) -> dict[str, Any]:
        """The JSON arguments the WAL records."""
        out: dict[str, Any] = {
            "ids": _texts(self.ids),
            "slot": self.first_slot,
            "payloads": list(self.payloads),
        }
        if self.side is not None:
            out["side"] = list(self.side)
        return out

    @classmethod
    def from_args(cls, args: dict[str, Any], vectors: np.ndarray | None) -> Upsert:
        """Inverse of :meth:`args`."""
        side = args.get("side")
        return cls(
            _ids(args["ids"]),
            int(args["slot"]),
            _vectors(vectors, cls.name),
            tuple(args["payloads"]),
            None if side is None else tuple(side),
        )

    def apply(self, store: SlotStore) -> None:
        """Place the points."""
        side = None if self.side is None else list(self.side)
        store.put(list(self.ids), self.first_slot, self.vectors, list(self.payloads), side)


@dataclass(frozen=True)
class UpdateVectors:
    """New primary vectors for existing points, keeping their payloads (written by
    earlier versions; upserts carry vector updates now)."""

    name: ClassVar[str] = "update_vectors"
    ids: tuple[PointId, ...]
    first_slot: int
    vectors: np.ndarray

    def args(self) -> dict[str, Any]:
        """The JSON arguments the WAL records."""
        return {"ids": _texts(self.ids), "slot": self.first_slot}

    @classmethod
    def from_args(cls, args: dict[str, Any], vectors: np.ndarray | None) -> UpdateVectors:
        """Inverse of :meth:`args`."""
        return cls(_ids(args["ids"]), int(args["slot"]), _vectors(vectors, cls.name))

    def apply(self, store: SlotStore) -> None:
        """Place the new vectors with the points' current payloads."""
        payloads = [
            store.payloads[store.slot_of[i]] if i in store.slot_of else None for i in self.ids
        ]
        store.put(list(self.ids), self.first_slot, self.vectors, payloads)


@dataclass(frozen=True)
class Delete:
    """Points removed (ids that do not exist are ignored)."""

    name: ClassVar[str] = "delete"
    ids: tuple[PointId, ...]

    def args(self) -> dict[str, Any]:
        """The JSON arguments the WAL records."""
        return {"ids": _texts(self.ids)}

    @classmethod
    def from_args(cls, args: dict[str, Any], vectors: np.ndarray | None) -> Delete:
        """Inverse of :meth:`args`."""
        return cls(_ids(args["ids"]))

    def apply(self, store: SlotStore) -> None:
        """Forget the points."""
        store.delete(self.ids)


class PayloadMode(StrEnum):
    """How an :class:`EditPayload` changes each payload."""

    SET = "set"
    """Merge the given keys in."""
    SET_AT = "set_at"
    """Merge the given keys into the object at a dotted path (created where missing)."""
    OVERWRITE = "overwrite"
    """Replace the payload."""
    CLEAR = "clear"
    """Empty the payload."""
    DELETE = "delete"
    """Remove the given keys (dotted paths)."""


@dataclass(frozen=True)
class EditPayload:
    """The payloads of existing points changed as ``mode`` says."""

    name: ClassVar[str] = "payload"
    ids: tuple[PointId, ...]
    mode: PayloadMode
    payload: dict[str, Any] | None = None
    keys: tuple[str, ...] | None = None

    def args(self) -> dict[str, Any]:
        """The JSON arguments the WAL records."""
        return {
            "ids": _texts(self.ids),
            "mode": self.mode.value,
            "payload": self.payload,
            "keys": None if self.keys is None else list(self.keys),
        }

    @classmethod
    def from_args(cls, args: dict[str, Any], vectors: np.ndarray | None) -> EditPayload:
        """Inverse of :meth:`args`."""
        try:
            mode = PayloadMode(args["mode"])
        except ValueError as exc:
            raise StorageError(f"unknown payload operation {args['mode']!r} in the WAL") from exc
        keys = args.get("keys")
        return cls(
            _ids(args["ids"]), mode, args.get("payload"), None if keys is None else tuple(keys)
        )

    def apply(self, store: SlotStore) -> None:
        """Change each existing point's payload."""
        for pid in self.ids:
            slot = store.slot_of.get(pid)
            if slot is not None:
                store.set_payload(pid, slot, self.edited(store.payloads[slot] or {}))

    def edited(self, old: dict[str, Any]) -> dict[str, Any]:
        """``old`` as this operation leaves it (``old`` itself is not changed)."""
        payload, keys = self.payload or {}, list(self.keys or [])
        match self.mode:
            case PayloadMode.SET:
                return {**old, **payload}
            case PayloadMode.SET_AT:
                new = json.loads(json.dumps(old))
                _set_at(new, (keys or [""])[0].split("."), payload)
                return new
            case PayloadMode.OVERWRITE:
                return dict(payload)
            case PayloadMode.CLEAR:
                return {}
            case PayloadMode.DELETE:
                new = json.loads(json.dumps(old))
                for key in keys:
                    drop_path(new, key.split("."))
                return new


@dataclass(frozen=True)
class CreateIndex:
    """A payload index on ``key`` of ``kind`` (built over every live point)."""

    name: ClassVar[str] = "create_index"
    key: str
    kind: str
    params: dict[str, Any] | None = None

    def args(self) -> dict[str, Any]:
        """The JSON arguments the WAL records."""
        out: dict[str, Any] = {"key": self.key, "kind": self.kind}
        if self.params:
            out["params"] = dict(self.params)
        return out

    @classmethod
    def from_args(cls, args: dict[str, Any], vectors: np.ndarray | None) -> CreateIndex:
        """Inverse of :meth:`args`."""
        return cls(args["key"], args["kind"], args.get("params"))

    def apply(self, store: SlotStore) -> None:
        """Build the index."""
        store.build_payload_index(self.key, self.kind, self.params)


@dataclass(frozen=True)
class DeleteIndex:
    """The payload index on ``key`` dropped."""

    name: ClassVar[str] = "delete_index"
    key: str

    def args(self) -> dict[str, Any]:
        """The JSON arguments the WAL records."""
        return {"key": self.key}

    @classmethod
    def from_args(cls, args: dict[str, Any], vectors: np.ndarray | None) -> DeleteIndex:
        """Inverse of :meth:`args`."""
        return cls(args["key"])

    def apply(self, store: SlotStore) -> None:
        """Drop the index."""
        store.drop_payload_index(self.key)


Operation = Upsert | UpdateVectors | Delete | EditPayload | CreateIndex | DeleteIndex

OPERATIONS: dict[str, type[Operation]] = {
    op.name: op for op in (Upsert, UpdateVectors, Delete, EditPayload, CreateIndex, DeleteIndex)
}
"""Each operation by the name its WAL records carry."""


def decode(record: WalRecord) -> Operation:
    """The operation a WAL record holds."""
    kind = OPERATIONS.get(record.op)
    if kind is None:
        raise StorageError(f"unknown operation {record.op!r} in the WAL")
    try:
        return kind.from_args(record.args, record.vectors)
    except (KeyError, TypeError, ValueError) as exc:
        raise StorageError(f"WAL record {record.seq} ({record.op}): bad arguments ({exc})") from exc


def record(seq: int, op: Operation) -> WalRecord:
    """The WAL record of ``op`` as operation number ``seq``."""
    vectors = op.vectors if isinstance(op, Upsert | UpdateVectors) else None
    return WalRecord(seq, op.name, op.args(), vectors)


def _vectors(vectors: np.ndarray | None, name: str) -> np.ndarray:
    if vectors is None:
        raise StorageError(f"a WAL {name} record without its vectors")
    return vectors


def drop_path(obj: Any, parts: list[str]) -> None:
    """Remove the value at dotted path ``parts`` from ``obj`` (``a[]`` walks arrays)."""
    if isinstance(obj, list):
        for el in obj:
            drop_path(el, parts)
        return
    if not isinstance(obj, dict):
        return
    head = parts[0][:-2] if parts[0].endswith("[]") else parts[0]
    if len(parts) == 1:
        obj.pop(head, None)
    elif head in obj:
        drop_path(obj[head], parts[1:])


def _set_at(obj: dict[str, Any], parts: list[str], payload: dict[str, Any]) -> None:
    """Merge ``payload`` into the object at ``parts`` of ``obj`` (``a[]`` walks arrays)."""
    head, rest = parts[0], parts[1:]
    m = re.fullmatch(r"(.+)\[(\d+)\]", head)
    if m:  # a[3]: one element of an array
        items = obj.get(m.group(1))
        k = int(m.group(2))
        if isinstance(items, list) and k < len(items) and isinstance(items[k], dict):
            if rest:
                _set_at(items[k], rest, payload)
            else:
                items[k].update(payload)
        return
    if head.endswith("[]"):
        items = obj.get(head[:-2])
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                if rest:
                    _set_at(item, rest, payload)
                else:
                    item.update(payload)
        return
    child = obj.get(head)
    if not isinstance(child, dict):
        child = obj[head] = {}
    if rest:
        _set_at(child, rest, payload)
    else:
        child.update(payload)
