"""Locks: a readers-writer lock for threads, and an exclusive lock on a data directory
so that a second process gets a clear error instead of corrupting it."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path

from ferrox.errors import LockedError

__all__ = ["DirectoryLock", "RWLock"]


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


class DirectoryLock:
    """An advisory ``flock`` on ``<dir>/.lock`` held while a database is open."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / ".lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`LockedError` naming the holder."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise LockedError(
                f"{self.path.parent} is locked: the database is open in process {holder}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
