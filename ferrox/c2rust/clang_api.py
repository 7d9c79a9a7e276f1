"""libclang access: the bindings, builtin headers, operator kinds, constant folding."""

from __future__ import annotations

import ctypes
import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ferrox.errors import DependencyError, InvalidInputError

__all__ = [
    "CParseError",
    "binary_op",
    "builtin_include_dir",
    "evaluate",
    "unary_op",
]


class CParseError(InvalidInputError):
    """A C file that clang cannot parse; the message carries clang's diagnostics."""


def _cindex() -> Any:
    try:
        import clang.cindex as ci
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DependencyError("ferrox c2rust needs libclang: pip install 'ferrox[c2rust]'") from exc
    return ci


@functools.cache
def _lib() -> Any:
    ci = _cindex()
    lib = ci.conf.lib
    lib.clang_getCursorBinaryOperatorKind.argtypes = [ci.Cursor]
    lib.clang_getCursorBinaryOperatorKind.restype = ctypes.c_int
    lib.clang_getCursorUnaryOperatorKind.argtypes = [ci.Cursor]
    lib.clang_getCursorUnaryOperatorKind.restype = ctypes.c_int
    lib.clang_Cursor_Evaluate.argtypes = [ci.Cursor]
    lib.clang_Cursor_Evaluate.restype = ctypes.c_void_p
    lib.clang_EvalResult_getKind.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getKind.restype = ctypes.c_int
    lib.clang_EvalResult_isUnsignedInt.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_isUnsignedInt.restype = ctypes.c_uint
    lib.clang_EvalResult_getAsUnsigned.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getAsUnsigned.restype = ctypes.c_ulonglong
    lib.clang_EvalResult_getAsLongLong.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getAsLongLong.restype = ctypes.c_longlong
    lib.clang_EvalResult_getAsDouble.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getAsDouble.restype = ctypes.c_double
    lib.clang_EvalResult_dispose.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_dispose.restype = None
    return lib


_BINARY = {
    3: "*",
    4: "/",
    5: "%",
    6: "+",
    7: "-",
    8: "<<",
    9: ">>",
    11: "<",
    12: ">",
    13: "<=",
    14: ">=",
    15: "==",
    16: "!=",
    17: "&",
    18: "^",
    19: "|",
    20: "&&",
    21: "||",
    22: "=",
    23: "*=",
    24: "/=",
    25: "%=",
    26: "+=",
    27: "-=",
    28: "<<=",
    29: ">>=",
    30: "&=",
    31: "^=",
    32: "|=",
    33: ",",
}
_UNARY = {
    1: "post++",
    2: "post--",
    3: "++",
    4: "--",
    5: "&",
    6: "*",
    7: "+",
    8: "-",
    9: "~",
    10: "!",
    13: "__extension__",
}


def binary_op(cursor: Any) -> str:
    """The operator of a binary or compound-assignment expression (``"+"``, ``"+="``)."""
    kind = _lib().clang_getCursorBinaryOperatorKind(cursor)
    return _BINARY.get(kind, f"?{kind}")


def unary_op(cursor: Any) -> str:
    """The operator of a unary expression; postfix forms are ``"post++"``/``"post--"``."""
    kind = _lib().clang_getCursorUnaryOperatorKind(cursor)
    return _UNARY.get(kind, f"?{kind}")


def evaluate(cursor: Any) -> int | float | None:
    """The value of a constant expression, or None when clang cannot fold it."""
    lib = _lib()
    res = lib.clang_Cursor_Evaluate(cursor)
    if not res:
        return None
    try:
        kind = lib.clang_EvalResult_getKind(res)
        if kind == 1:  # CXEval_Int
            if lib.clang_EvalResult_isUnsignedInt(res):
                return int(lib.clang_EvalResult_getAsUnsigned(res))
            return int(lib.clang_EvalResult_getAsLongLong(res))
        if kind == 2:  # CXEval_Float
            return float(lib.clang_EvalResult_getAsDouble(res))
        return None
    finally:
        lib.clang_EvalResult_dispose(res)


@functools.cache
def builtin_include_dir() -> str | None:
    """Clang's builtin headers (stddef.h, stdarg.h …), from clang or else from gcc.

    PyPI's libclang ships without them; parsing without them silently turns ``size_t``
    into ``int``.
    """
    for tool, args in (("clang", ["-print-resource-dir"]), ("gcc", ["-print-file-name=include"])):
        exe = shutil.which(tool)
        if not exe:
            continue
        try:
            out = subprocess.run(
                [exe, *args], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        path = Path(out) / "include" if tool == "clang" else Path(out)
        if (path / "stddef.h").exists():
            return str(path)
    return None
