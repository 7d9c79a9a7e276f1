"""Per-block CRC32 checksums of a collection's vector file.

The vector file is append-only (a slot is never rewritten), so a block's checksum, once
its rows are durable, never changes; only the last, partial block is recomputed when
rows are added. The checksums file (``vectors-<g>.crc``) is rewritten atomically at each
checkpoint and covers the rows durable then; rows written since are covered by the WAL,
whose records carry their own checksums.

File layout: ``MAGIC (8 bytes) | rows covered (u64) | bytes per row (u64) | crc32 (u32)
per block of BLOCK_ROWS rows``.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ferrox.vectordb.wal import fsync_dir

__all__ = ["BLOCK_ROWS", "BlockChecksums"]

BLOCK_ROWS = 1024
_MAGIC = b"FXCRC1\0\0"
_HEAD = struct.Struct("<8sQQ")


@dataclass(frozen=True)
class BlockChecksums:
    """The checksums of the first ``rows`` rows, one per block of :data:`BLOCK_ROWS`."""

    rows: int
    row_bytes: int
    crcs: tuple[int, ...]

    @classmethod
    def empty(cls, row_bytes: int) -> BlockChecksums:
        """Checksums of no rows."""
        return cls(0, row_bytes, ())

    @classmethod
    def read(cls, path: Path, row_bytes: int) -> BlockChecksums | None:
        """The checksums stored at ``path``; None when the file is missing, damaged or
        for another row size (the caller then starts afresh)."""
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if len(data) < _HEAD.size:
            return None
        magic, rows, stored_row_bytes = _HEAD.unpack_from(data)
        count = (len(data) - _HEAD.size) // 4
        if magic != _MAGIC or stored_row_bytes != row_bytes or count != -(-rows // BLOCK_ROWS):
            return None
        crcs = struct.unpack_from(f"<{count}I", data, _HEAD.size)
        return cls(rows, row_bytes, tuple(crcs))

    def extended(self, vectors: np.ndarray, rows: int) -> BlockChecksums:
        """The checksums of the first ``rows`` rows of ``vectors``, reusing every
        complete block already summed."""
        if rows < self.rows:
            raise ValueError(f"checksums cover {self.rows} rows; cannot shrink to {rows}")
        keep = self.rows // BLOCK_ROWS
        crcs = list(self.crcs[:keep])
        for start in range(keep * BLOCK_ROWS, rows, BLOCK_ROWS):
            crcs.append(_crc(vectors, start, min(start + BLOCK_ROWS, rows)))
        return BlockChecksums(rows, self.row_bytes, tuple(crcs))

    def write(self, path: Path) -> None:
        """Store atomically (temp file, fsync, rename)."""
        tmp = path.with_suffix(".crc-tmp")
        with open(tmp, "wb") as f:
            f.write(_HEAD.pack(_MAGIC, self.rows, self.row_bytes))
            f.write(struct.pack(f"<{len(self.crcs)}I", *self.crcs))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)

    def damaged(self, vectors: np.ndarray) -> list[tuple[int, int]]:
        """The (first, end) row ranges of the blocks whose bytes no longer match."""
        bad = []
        for i, crc in enumerate(self.crcs):
            start, end = i * BLOCK_ROWS, min((i + 1) * BLOCK_ROWS, self.rows)
            if _crc(vectors, start, end) != crc:
                bad.append((start, end))
        return bad


def _crc(vectors: np.ndarray, start: int, end: int) -> int:
    return zlib.crc32(np.ascontiguousarray(vectors[start:end]).view(np.uint8).data)
