"""An on-disk embedding cache keyed by model and text hash: re-embedding unchanged
text costs a lookup."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

from ferrox.infer.embedders import Embedder

__all__ = ["CachedEmbedder"]


class CachedEmbedder(Embedder):
    """Wraps an embedder; vectors are stored in SQLite under ``sha1(model, text)``."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.hits = 0
        self.misses = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL)"
        )
        self._db.commit()
        self._lock = threading.Lock()

    def _key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self.name}\x00{self.dim}\x00{text}".encode()).digest()

    def _embed(self, texts: list[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        found: dict[bytes, bytes] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                found.update(
                    self._db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", part)
                )
        missing = [i for i, k in enumerate(keys) if k not in found]
        for i, k in enumerate(keys):
            if k in found:
                out[i] = np.frombuffer(found[k], dtype=np.float32)
        if missing:
            fresh = self.inner.embed([texts[i] for i in missing])
            out[missing] = fresh
            with self._lock, self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    [(keys[i], fresh[j].tobytes()) for j, i in enumerate(missing)],
                )
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return out

    def close(self) -> None:
        """Close the cache file."""
        self._db.close()
