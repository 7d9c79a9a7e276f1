"""Which compiled kernel evaluates traced programs, and where kernels are cached.

Two interchangeable kernels implement the same tape interpreter: C, built with the
system compiler and loaded with ctypes (:mod:`ferrox.ad.c_kernel`, the default wherever a
compiler is found), and Numba (:mod:`ferrox.ad.numba_kernel`, the fallback).
``FERROX_AD_KERNEL=c`` or ``=numba`` picks one explicitly.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

from ferrox import native
from ferrox.errors import DependencyError
from ferrox.native import cache_dir

__all__ = [
    "BACKENDS",
    "cache_dir",
    "in_cache",
    "kernel_backend",
    "load_kernel",
    "require_compiler",
]

_T = TypeVar("_T")

BACKENDS = ("c", "numba")
"""The kernel implementations, in order of preference."""


def in_cache(write: Callable[[Path], _T]) -> _T:
    """``write(cache_dir())``, or into a private temp directory (with a warning) where
    the cache is unwritable."""
    return native.in_cache(write, "AD kernel")


def _requested() -> str:
    """The kernel named by ``FERROX_AD_KERNEL`` ('' when unset)."""
    return os.environ.get("FERROX_AD_KERNEL", "").strip().lower()


def kernel_backend() -> str:
    """The kernel this process uses: ``FERROX_AD_KERNEL`` if set, else C when a compiler
    is found, else Numba. Raises :class:`DependencyError` when neither can run."""
    from ferrox.ad.c_kernel import find_compiler
    from ferrox.ad.numba_kernel import require_numba

    choice = _requested()
    if choice and choice not in BACKENDS:
        raise DependencyError(
            f"FERROX_AD_KERNEL must be one of {', '.join(BACKENDS)}, not {choice!r}"
        )
    if choice == "numba":
        require_numba()
        return "numba"
    if choice == "c" or find_compiler() is not None:
        return "c"
    try:
        require_numba()
    except DependencyError:
        raise DependencyError(
            "the compiled AD mode needs a C compiler (cc, gcc or clang; or set CC) or "
            "Numba: pip install 'ferrox[ad]'"
        ) from None
    return "numba"


def require_compiler() -> None:
    """Raise :class:`DependencyError` unless some compiled kernel can run here."""
    kernel_backend()


def load_kernel(used: Collection[int]) -> Any:
    """The kernel for a program using the primitives with op codes ``used``.

    When the C kernel was chosen automatically but cannot be built (a broken compiler
    or toolchain), Numba is used instead if installed, with a warning naming why.
    """
    from ferrox.ad.numba_kernel import kernel_codes, load_numba_kernel, require_numba

    if kernel_backend() == "c":
        from ferrox.ad.c_kernel import load_c_kernel

        try:
            return load_c_kernel()
        except DependencyError as exc:
            if _requested() == "c":
                raise
            try:
                require_numba()
            except DependencyError:
                raise exc from None
            warnings.warn(f"{exc}; using the Numba kernel instead", RuntimeWarning, stacklevel=2)
    return load_numba_kernel(kernel_codes(used))
