"""Payloads left on disk (``on_disk_payload``): read from the collection's SQLite payload
store when asked for, with a bounded cache, instead of all held in memory.

The collection writes every payload to SQLite as it applies a write (the same
connection reads it back before the checkpoint commits it), so this store only caches:
setting a slot records the new value (``None`` for a deleted or replaced point) for
reads until it is evicted.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from typing import Any

__all__ = ["DiskPayloads"]

CACHE_ENTRIES = 4096


class DiskPayloads:
    """Slot-indexed payloads (like the in-memory list it replaces) backed by SQLite."""

    def __init__(self, db: sqlite3.Connection, n_slots: int, cache: int = CACHE_ENTRIES):
        db.execute("CREATE INDEX IF NOT EXISTS points_slot ON points(slot)")
        self._db = db
        self._n = n_slots
        self._cache: OrderedDict[int, dict[str, Any] | None] = OrderedDict()
        self._size = cache

    def __len__(self) -> int:
        return self._n

    def extend(self, values: list[Any]) -> None:
        """Make room for ``len(values)`` more slots (their values arrive by assignment)."""
        self._n += len(values)

    def __getitem__(self, slot: int) -> dict[str, Any] | None:
        if not 0 <= slot < self._n:
            raise IndexError(f"slot {slot} out of range")
        if slot in self._cache:
            self._cache.move_to_end(slot)
            return self._cache[slot]
        row = self._db.execute("SELECT payload FROM points WHERE slot = ?", (slot,)).fetchone()
        value = None if row is None else json.loads(row[0])
        self._remember(slot, value)
        return value

    def __setitem__(self, slot: int, value: dict[str, Any] | None) -> None:
        self._remember(slot, value)

    def _remember(self, slot: int, value: dict[str, Any] | None) -> None:
        self._cache[slot] = value
        self._cache.move_to_end(slot)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)

    @property
    def cached(self) -> int:
        """How many payloads are held in memory now."""
        return len(self._cache)
