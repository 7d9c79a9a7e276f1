"""Small C libraries built with the system compiler at first use and cached on disk.

The AD tape interpreter (:mod:`ferrox.ad.c_kernel`) and the vector DB's graph search
(:mod:`ferrox.vectordb.graph_kernel`) are C sources shipped with the package. Each is
compiled once per (source, compiler, flags, CPU) into the kernel cache and loaded with
ctypes; callers fall back to a pure-Python or library path where no compiler is found.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import platformdirs

from ferrox.errors import DependencyError

__all__ = ["build_library", "cache_dir", "cpu_signature", "find_compiler", "in_cache"]

_T = TypeVar("_T")
_lock = threading.Lock()


def cache_dir() -> Path:
    """Where built kernels are cached (``FERROX_CACHE_DIR``, else the user cache dir)."""
    override = os.environ.get("FERROX_CACHE_DIR")
    base = Path(override) if override else Path(platformdirs.user_cache_dir("ferrox"))
    return base / "kernels"


def in_cache(write: Callable[[Path], _T], what: str = "kernel") -> _T:
    """``write(cache_dir())``; where the cache is unwritable, warn and write to a
    private temp directory instead."""
    try:
        return write(cache_dir())
    except OSError as exc:
        fallback = Path(tempfile.gettempdir()) / f"ferrox-kernels-{os.getuid()}"
        warnings.warn(
            f"cannot write the {what} cache ({exc}); using {fallback}",
            RuntimeWarning,
            stacklevel=3,
        )
        return write(fallback)


def find_compiler() -> str | None:
    """The C compiler to build kernels with: ``$CC``, else cc, gcc or clang on PATH."""
    override = os.environ.get("CC")
    if override:
        return shutil.which(override.split()[0])
    for name in ("cc", "gcc", "clang"):
        path = shutil.which(name)
        if path:
            return path
    return None


def cpu_signature() -> str:
    """The CPU's feature flags (for kernels built with ``-march=native``: a cache shared
    by different machines must not hand one machine's build to another)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return os.uname().machine


def _compile(compiler: str, source: str, flags: Sequence[str], target: Path, what: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        c_file = Path(tmp) / "kernel.c"
        c_file.write_text(source, encoding="utf-8")
        out = Path(tmp) / target.name
        result = subprocess.run(
            [compiler, *flags, "-o", str(out), str(c_file), "-lm"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise DependencyError(
                f"building the {what} with {compiler} failed: {result.stderr.strip()[:2000]}"
            )
        target.with_suffix(".c").write_text(source, encoding="utf-8")
        os.replace(out, target)


def build_library(
    name: str, source: str, flags: Sequence[str], *, what: str, native: bool = False
) -> tuple[Path, bool]:
    """The shared library built from ``source``: its path in the cache (named by a digest
    of source, compiler, flags and, for ``native`` builds, the CPU) and whether this call
    built it. ``what`` names it in messages ("AD kernel"). Raises
    :class:`DependencyError` without a compiler or when the build fails."""
    compiler = find_compiler()
    if compiler is None:
        raise DependencyError(
            f"the {what} needs a C compiler (set CC, or install cc, gcc or clang)"
        )
    parts = [source, compiler, *flags]
    if native:
        parts.append(cpu_signature())
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    file_name = f"{name}_{digest}.so"

    def built(directory: Path) -> tuple[Path, bool]:
        target = directory / file_name
        if target.is_file():
            return target, False
        _compile(compiler, source, flags, target, what)
        return target, True

    with _lock:
        return in_cache(built, what)
