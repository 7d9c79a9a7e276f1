"""Background threads at a lower OS priority, so that request threads get the cores first."""

from __future__ import annotations

import contextlib
import os
import threading

__all__ = ["BACKGROUND_NICE", "lower_priority"]

BACKGROUND_NICE = 10
"""How much lower (Linux nice, per thread) background and heavy work runs."""


def lower_priority() -> None:
    """Lower the calling thread's OS priority by :data:`BACKGROUND_NICE` where the OS
    allows it (Linux sets nice per thread); elsewhere nothing changes. Irreversible for
    an unprivileged process: call it only in threads that do nothing else."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
