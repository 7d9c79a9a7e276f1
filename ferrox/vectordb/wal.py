"""The write-ahead log: every acknowledged write, checksummed and fsynced.

A record is ``MAGIC | length (u32) | crc32 (u32) | body``; the body is a JSON header
(sequence number, operation, arguments) followed by the raw float32 vectors it carries.
Replay stops at the first record whose length or checksum does not hold: that is a torn
write from a crash, and it is cut off (with a warning) so later appends stay readable.
"""

from __future__ import annotations

import json
import os
import struct
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["WalRecord", "WriteAheadLog"]

_MAGIC = b"FXW1"
_HEAD = struct.Struct("<4sII")
_JSON_LEN = struct.Struct("<I")
MAX_RECORD = 1 << 31


class WalRecord:
    """One logged operation: ``seq``, ``op`` name, JSON ``args`` and optional vectors."""

    __slots__ = ("args", "op", "seq", "vectors")

    def __init__(self, seq: int, op: str, args: dict[str, Any], vectors: np.ndarray | None) -> None:
        self.seq = seq
        self.op = op
        self.args = args
        self.vectors = vectors

    def encode(self) -> bytes:
        """The record's body bytes."""
        header: dict[str, Any] = {"seq": self.seq, "op": self.op, "args": self.args}
        if self.vectors is not None:
            header["shape"] = list(self.vectors.shape)
        head = json.dumps(header, separators=(",", ":")).encode()
        vec = b"" if self.vectors is None else np.ascontiguousarray(self.vectors, "<f4").tobytes()
        return _JSON_LEN.pack(len(head)) + head + vec

    @classmethod
    def decode(cls, body: bytes) -> WalRecord:
        """Inverse of :meth:`encode`."""
        (n,) = _JSON_LEN.unpack_from(body)
        header = json.loads(body[4 : 4 + n])
        vectors = None
        if "shape" in header:
            vectors = np.frombuffer(body[4 + n :], dtype="<f4").reshape(header["shape"]).copy()
        return cls(header["seq"], header["op"], header["args"], vectors)


class WriteAheadLog:
    """An append-only file of :class:`WalRecord` with fsync on every append."""

    def __init__(self, path: Path, *, sync: bool = True) -> None:
        self.path = Path(path)
        self.sync = sync
        self._file = open(self.path, "ab")  # noqa: SIM115 - held open for the log's life
        self.size = self._file.tell()

    def append(self, record: WalRecord) -> None:
        """Write the record and make it durable before returning."""
        body = record.encode()
        if len(body) >= MAX_RECORD:
            raise ValueError("a single write is too large for the log (2 GiB)")
        self._file.write(_HEAD.pack(_MAGIC, len(body), zlib.crc32(body)) + body)
        self._file.flush()
        if self.sync:
            os.fsync(self._file.fileno())
        self.size = self._file.tell()

    def replay(self) -> Iterator[WalRecord]:
        """Every intact record in order; a damaged tail is truncated with a warning."""
        good = 0
        with open(self.path, "rb") as f:
            data = f.read()
        pos = 0
        while pos < len(data):
            if len(data) - pos < _HEAD.size:
                break
            magic, length, crc = _HEAD.unpack_from(data, pos)
            end = pos + _HEAD.size + length
            if magic != _MAGIC or end > len(data):
                break
            body = data[pos + _HEAD.size : end]
            if zlib.crc32(body) != crc:
                break
            try:
                record = WalRecord.decode(body)
            except (ValueError, KeyError, json.JSONDecodeError):
                break
            yield record
            pos = good = end
        if good < len(data):
            warnings.warn(
                f"{self.path}: cut off a damaged log tail of {len(data) - good} bytes "
                "(an unacknowledged write interrupted by a crash)",
                RuntimeWarning,
                stacklevel=2,
            )
            self._file.close()
            with open(self.path, "r+b") as f:
                f.truncate(good)
                f.flush()
                os.fsync(f.fileno())
            self._file = open(self.path, "ab")  # noqa: SIM115
            self.size = good

    def reset(self) -> None:
        """Empty the log (after a checkpoint made its records redundant)."""
        self._file.close()
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        fsync_dir(self.path.parent)
        self._file = open(self.path, "ab")  # noqa: SIM115
        self.size = 0

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def fsync_dir(path: Path) -> None:
    """Make a rename or file creation in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
