"""``on_disk_payload``: payloads read from the payload store on demand, not loaded at open."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import ferrox.vectordb as vdb
from ferrox.vectordb.payload_store import DiskPayloads


def fill(col: vdb.Collection, n: int) -> np.ndarray:
    x = np.random.default_rng(0).standard_normal((n, 4)).astype(np.float32)
    col.upsert(
        list(range(n)), x, [{"i": i, "tag": "even" if i % 2 == 0 else "odd"} for i in range(n)]
    )
    return x


def test_on_disk_payloads_answer_like_memory_and_are_not_loaded_at_open(tmp_path: Path) -> None:
    with vdb.open(tmp_path) as db:
        col = db.create_collection("d", 4, "Euclid", on_disk_payload=True)
        x = fill(col, 6000)
        col.set_payload({"extra": 1}, [5])
        col.upsert([7], x[:1], [{"i": 7, "tag": "moved"}])  # replaced: its old slot is dead
        col.delete([9])
        assert isinstance(col.payloads, DiskPayloads)
    with vdb.open(tmp_path) as db:
        col = db.collection("d")
        assert isinstance(col.payloads, DiskPayloads) and col.payloads.cached == 0
        assert col.payload_of(5) == {"i": 5, "tag": "odd", "extra": 1}
        assert col.payload_of(7) == {"i": 7, "tag": "moved"} and col.payload_of(9) is None
        hits = col.search(
            x[100], limit=3, filter={"must": [{"key": "tag", "match": {"value": "even"}}]}
        )
        assert hits and all(h.payload["tag"] == "even" for h in hits)
        assert col.count({"must": [{"key": "tag", "match": {"value": "odd"}}]}) == 2998
        assert col.payloads.cached <= 4096  # bounded, though the filter read every payload
        assert col.check() == []
        col.vacuum()
        assert col.payload_of(7) == {"i": 7, "tag": "moved"} and len(col) == 5999


def test_switching_on_disk_payload_keeps_every_payload(tmp_path: Path) -> None:
    with vdb.open(tmp_path) as db:
        col = db.create_collection("s", 4, "Dot")
        fill(col, 50)
        col.update_settings({"params": {"on_disk_payload": True}})
        assert isinstance(col.payloads, DiskPayloads) and col.payload_of(3)["i"] == 3
        col.update_settings({"params": {"on_disk_payload": False}})
        assert isinstance(col.payloads, list) and col.payload_of(49) == {"i": 49, "tag": "odd"}
