"""Building a large result without the cyclic garbage collector. A result of 50,000
points is 100,000 new dicts and records; each batch of allocations starts a collection,
and the ones that reach the oldest generation traverse every object the database holds.
On a 50,000-point collection that was 80% of a full scroll's time. The results are
acyclic (dicts, lists and scalars), so nothing is lost by collecting after they are
built rather than during."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_lock = threading.Lock()
_depth = 0
_paused_by_us = False


@contextmanager
def gc_paused(enabled: bool = True) -> Iterator[None]:
    """The cyclic GC stays off inside (in every thread: it is process-wide) and is back
    on when the last concurrent user leaves, unless it was off before the first came
    in. ``enabled=False`` makes it a no-op, for small results."""
    global _depth, _paused_by_us
    if not enabled:
        yield
        return
    with _lock:
        if _depth == 0:
            _paused_by_us = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _paused_by_us:
                gc.enable()
