"""Locks: a readers-writer lock for threads, and an exclusive lock on a data directory
so that a second process gets a clear error instead of corrupting it (or, when the
holder is a ``ferrox serve``, the address to send its operations to)."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ferrox.errors import LockedError

__all__ = ["DirectoryLock", "RWLock", "advertise_server", "parse_holder"]


class RWLock:
    """Many readers or one writer; a waiting writer holds back new readers.

    ``with lock.read():`` / ``with lock.write():`` (the guards are reusable objects, so
    taking the lock costs no generator per call).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0
        self._read = _Guard(self._acquire_read, self._release_read)
        self._write = _Guard(self._acquire_write, self._release_write)

    def read(self) -> _Guard:
        """A guard that holds the lock shared."""
        return self._read

    def write(self) -> _Guard:
        """A guard that holds the lock exclusively."""
        return self._write

    def contended(self) -> bool:
        """Whether a reader arriving now would wait: a writer holds the lock or waits
        for it (read without the lock's mutex, so it is a hint, not a promise)."""
        return self._writer or self._waiting_writers > 0

    def _acquire_read(self) -> None:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1

    def _release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def _acquire_write(self) -> None:
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True

    def _release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


class _Guard:
    __slots__ = ("_acquire", "_release")

    def __init__(self, acquire: Callable[[], None], release: Callable[[], None]) -> None:
        self._acquire = acquire
        self._release = release

    def __enter__(self) -> None:
        self._acquire()

    def __exit__(self, *exc: object) -> None:
        self._release()


_SERVER: dict[str, Any] = {}


def advertise_server(address: str, *, api_key_required: bool = False) -> None:
    """Mark this process as a ``ferrox serve`` answering at ``address`` (a base URL):
    every :class:`DirectoryLock` it takes from now on records the address, and whether
    an API key is required (never the key), so that a CLI finding the directory locked
    can send its operation to the server instead."""
    _SERVER.clear()
    _SERVER.update(address=address, api_key_required=api_key_required)


def parse_holder(text: str) -> dict[str, Any]:
    """What a lock file says about its holder: a JSON object (``pid``, and for a
    server ``address`` and ``api_key_required``), or a bare pid from older versions."""
    text = text.strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data
    if isinstance(data, int):
        return {"pid": data}
    return {"pid": text} if text else {}


class DirectoryLock:
    """An advisory ``flock`` on ``<dir>/.lock`` held while a database is open; the file
    holds JSON naming the holder (see :func:`advertise_server`)."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / ".lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`LockedError` naming the holder."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = parse_holder(os.pread(fd, 4096, 0).decode(errors="replace"))
            os.close(fd)
            who = f"process {holder['pid']}" if holder.get("pid") else "another process"
            if holder.get("address"):
                who += f" (ferrox serve at {holder['address']})"
            raise LockedError(
                f"{self.path.parent} is locked: the database is open in {who}", holder=holder
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), **_SERVER}).encode(), 0)
        self._fd = fd

    @staticmethod
    def holder(directory: Path) -> dict[str, Any] | None:
        """Who holds the lock on ``directory`` (see :func:`parse_holder`), or None when
        nobody does (no lock file, or a free one). Probing takes a shared lock for an
        instant; it never changes the file."""
        path = Path(directory) / ".lock"
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return parse_holder(os.pread(fd, 4096, 0).decode(errors="replace"))
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
