"""The child process of ``/api/c2rust``: one translation, killable as a whole.

``python -m ferrox.server.translate_worker WORK PARENT_PID`` translates ``WORK/src`` into
``WORK/out`` (with ``WORK/vectors.json`` as test vectors when present) and writes
``WORK/result.json``: ``{"report": ...}`` or ``{"error": {"name", "message",
"status_code"}}``. The server runs it in its own session, kills the whole process group
on timeout and removes ``WORK`` only after every process of it has stopped. It dies with
the server (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

__all__ = ["main", "run_job"]

PR_SET_PDEATHSIG = 1


def run_job(work: Path) -> dict[str, Any]:
    """Translates ``work/src`` to ``work/out``; the result document (never raises)."""
    from ferrox.errors import FerroxError

    tests = work / "vectors.json"
    try:
        from ferrox.c2rust import translate

        result = translate(
            work / "src", work / "out", tests=tests if tests.exists() else None, clippy=False
        )
        return {"report": result.report}
    except FerroxError as exc:
        return {"error": {"name": exc.name, "message": str(exc), "status_code": exc.status_code}}
    except Exception as exc:  # a bug in the translator: a 500 with its name, not a crash
        return {"error": {"name": type(exc).__name__, "message": str(exc), "status_code": 500}}


def main(argv: list[str]) -> int:
    """Entry point: ``WORK PARENT_PID``; exit code 0 once ``result.json`` is written."""
    work, parent = Path(argv[1]), int(argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the server died before the line above
        return 1
    doc = run_job(work)
    tmp = work / "result.json.tmp"
    tmp.write_text(json.dumps(doc, default=str))
    tmp.replace(work / "result.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
