"""The knowledge base's catalogue (SQLite): files, their chunks, skipped files and
settings. A file's chunks become visible only when the file is committed as ready,
so a crash mid-ingest never exposes half a file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Catalog", "ChunkRow"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    root TEXT PRIMARY KEY, label TEXT NOT NULL, subset TEXT NOT NULL, added_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    key TEXT PRIMARY KEY, root TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL, kind TEXT NOT NULL, crate TEXT NOT NULL, version TEXT NOT NULL,
    title TEXT NOT NULL, n_chunks INTEGER NOT NULL, ingested_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS files_root ON files(root);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL, ordinal INTEGER NOT NULL, title TEXT NOT NULL,
    heading TEXT NOT NULL, anchor TEXT NOT NULL, text TEXT NOT NULL,
    embedded INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS chunks_key ON chunks(key);
CREATE INDEX IF NOT EXISTS chunks_pending ON chunks(embedded) WHERE embedded = 0;
CREATE TABLE IF NOT EXISTS stale (id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS skipped (key TEXT PRIMARY KEY, root TEXT NOT NULL, reason TEXT NOT NULL);
"""


@dataclass(frozen=True)
class ChunkRow:
    """A stored passage with the metadata of its file."""

    id: int
    key: str
    title: str
    heading: str
    anchor: str
    text: str
    kind: str
    crate: str
    version: str
    ordinal: int = 0
    """The passage's place in its file (``LEAD_ORDINAL`` for a page's lead)."""


class Catalog:
    """Thin typed access to ``catalog.sqlite``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self.db.commit()

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    # -- settings ---------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A stored setting."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting (committed)."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def reserve_ids(self, n: int) -> int:
        """First of ``n`` chunk ids that will never be handed out again (committed
        before they are used anywhere, so a crash cannot recycle them)."""
        with self.db:
            start = int(self.get_meta("next_chunk_id", "1") or 1)
            self.db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('next_chunk_id', ?)", (str(start + n),)
            )
        return start

    # -- sources and files --------------------------------------------------------------
    def add_source(self, root: str, label: str, subset: str) -> None:
        """Record an ingested source root."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)",
                (root, label, subset, time.time()),
            )

    def sources(self) -> list[dict]:
        """Source roots with their file and chunk counts."""
        rows = self.db.execute(
            "SELECT s.root, s.label, s.subset, s.added_at, COUNT(f.key),"
            " COALESCE(SUM(f.n_chunks), 0) FROM sources s LEFT JOIN files f ON f.root = s.root"
            " GROUP BY s.root ORDER BY s.added_at"
        ).fetchall()
        return [
            {
                "root": r[0],
                "label": r[1],
                "subset": r[2],
                "added_at": r[3],
                "files": r[4],
                "chunks": r[5],
            }
            for r in rows
        ]

    def file_states(self, root: str) -> dict[str, tuple[int, int, str]]:
        """``key -> (size, mtime_ns, sha256)`` of the ready files under ``root``."""
        rows = self.db.execute(
            "SELECT key, size, mtime_ns, sha256 FROM files WHERE root = ?", (root,)
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def touch(self, key: str, size: int, mtime_ns: int) -> None:
        """Note a new size/mtime for a file whose content did not change."""
        with self.db:
            self.db.execute(
                "UPDATE files SET size = ?, mtime_ns = ? WHERE key = ?", (size, mtime_ns, key)
            )

    def commit_files(self, files: Sequence[dict], chunks: Sequence[tuple]) -> None:
        """Replace these files and their chunks in one transaction. ``files`` are
        rows of the files table as dicts; ``chunks`` are (id, key, ordinal, title,
        heading, anchor, text)."""
        with self.db:
            for f in files:
                self._retire(f["key"])
                self.db.execute("DELETE FROM skipped WHERE key = ?", (f["key"],))
                self.db.execute(
                    "INSERT OR REPLACE INTO files VALUES "
                    "(:key, :root, :size, :mtime_ns, :sha256, :kind, :crate, :version, :title,"
                    " :n_chunks, :ingested_at)",
                    f,
                )
            self.db.executemany(
                "INSERT INTO chunks (id, key, ordinal, title, heading, anchor, text)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                chunks,
            )

    def remove_files(self, keys: Sequence[str]) -> None:
        """Forget files (and their chunks)."""
        with self.db:
            for key in keys:
                self._retire(key)
                self.db.execute("DELETE FROM files WHERE key = ?", (key,))

    def _retire(self, key: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO stale SELECT id FROM chunks WHERE key = ? AND embedded = 1",
            (key,),
        )
        self.db.execute("DELETE FROM chunks WHERE key = ?", (key,))

    def stale_ids(self) -> list[int]:
        """Chunk ids whose vectors must leave the vector index."""
        return [r[0] for r in self.db.execute("SELECT id FROM stale")]

    def clear_stale(self, ids: Sequence[int]) -> None:
        """Forget stale ids once their vectors are gone."""
        with self.db:
            self.db.executemany("DELETE FROM stale WHERE id = ?", [(i,) for i in ids])

    def skip(self, key: str, root: str, reason: str) -> None:
        """Record why a file was not ingested."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO skipped VALUES (?, ?, ?)", (key, root, reason))

    def skipped(self, limit: int = 100) -> list[tuple[str, str]]:
        """``(key, reason)`` of skipped files."""
        return self.db.execute("SELECT key, reason FROM skipped LIMIT ?", (limit,)).fetchall()

    def drop_source(self, root: str) -> list[str]:
        """Forget a source root and its files; returns the removed file keys."""
        keys = [r[0] for r in self.db.execute("SELECT key FROM files WHERE root = ?", (root,))]
        self.remove_files(keys)
        with self.db:
            self.db.execute("DELETE FROM sources WHERE root = ?", (root,))
            self.db.execute("DELETE FROM skipped WHERE root = ?", (root,))
        return keys

    # -- chunks ---------------------------------------------------------------------------
    def pending(self, limit: int) -> list[tuple[int, str, dict[str, str], bool]]:
        """Up to ``limit`` chunks still to embed: ``(id, text to embed, payload,
        is_lead)``; passages are embedded with their heading path, leads as they are."""
        rows = self.db.execute(
            "SELECT c.id, c.heading, c.text, c.key, f.kind, f.crate, f.version, c.ordinal"
            " FROM chunks c JOIN files f ON f.key = c.key WHERE c.embedded = 0"
            " ORDER BY c.id LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            (
                r[0],
                f"{r[1]}\n{r[2]}" if r[1] and r[7] >= 0 else r[2],
                {"key": r[3], "kind": r[4], "crate": r[5], "version": r[6]},
                r[7] < 0,
            )
            for r in rows
        ]

    def n_pending(self) -> int:
        """Chunks not yet in the vector index."""
        return self.db.execute("SELECT COUNT(*) FROM chunks WHERE embedded = 0").fetchone()[0]

    def mark_embedded(self, ids: Sequence[int]) -> None:
        """Flag chunks as present in the vector index."""
        with self.db:
            self.db.executemany("UPDATE chunks SET embedded = 1 WHERE id = ?", [(i,) for i in ids])

    def chunks(self, ids: Sequence[int]) -> dict[int, ChunkRow]:
        """Visible chunks by id (ids not in the catalogue are left out)."""
        out: dict[int, ChunkRow] = {}
        ids = list(ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                "SELECT c.id, c.key, c.title, c.heading, c.anchor, c.text, f.kind, f.crate,"
                " f.version, c.ordinal FROM chunks c JOIN files f ON f.key = c.key"
                f" WHERE c.id IN ({marks})",
                part,
            )
            for r in rows:
                out[r[0]] = ChunkRow(*r)
        return out

    def passage_at(self, key: str, ordinal: int = 0) -> ChunkRow | None:
        """Passage ``ordinal`` of file ``key`` (0: the page's opening), or None."""
        r = self.db.execute(
            "SELECT c.id, c.key, c.title, c.heading, c.anchor, c.text, f.kind, f.crate,"
            " f.version, c.ordinal FROM chunks c JOIN files f ON f.key = c.key"
            " WHERE c.key = ? AND c.ordinal = ?",
            (key, ordinal),
        ).fetchone()
        return ChunkRow(*r) if r else None

    def counts(self) -> dict[str, int]:
        """Files, passages (``chunks``), page leads, embedded vectors (passages and
        leads) and skipped files."""
        q = self.db.execute
        return {
            "files": q("SELECT COUNT(*) FROM files").fetchone()[0],
            "chunks": q("SELECT COUNT(*) FROM chunks WHERE ordinal >= 0").fetchone()[0],
            "leads": q("SELECT COUNT(*) FROM chunks WHERE ordinal < 0").fetchone()[0],
            "embedded": q("SELECT COUNT(*) FROM chunks WHERE embedded = 1").fetchone()[0],
            "skipped": q("SELECT COUNT(*) FROM skipped").fetchone()[0],
        }

    def is_empty(self) -> bool:
        """Whether no passage is stored."""
        return self.db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is None

    def kinds(self) -> dict[str, int]:
        """Files per doc kind."""
        return dict(self.db.execute("SELECT kind, COUNT(*) FROM files GROUP BY kind").fetchall())
