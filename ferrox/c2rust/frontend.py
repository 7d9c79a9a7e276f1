"""Parsing C with libclang: builtin headers, compile flags, operator kinds, constants."""

from __future__ import annotations

import ctypes
import functools
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ferrox.errors import DependencyError, InvalidInputError

__all__ = [
    "CParseError",
    "ParsedFile",
    "binary_op",
    "builtin_include_dir",
    "evaluate",
    "parse_file",
    "project_flags",
    "unary_op",
]


class CParseError(InvalidInputError):
    """A C file that clang cannot parse; the message carries clang's diagnostics."""


@dataclass
class ParsedFile:
    """One translation unit: its path, its clang TU and the flags it was parsed with."""

    path: Path
    tu: Any
    flags: list[str] = field(default_factory=list)


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


def project_flags(root: Path, cflags: list[str]) -> dict[Path, list[str]]:
    """Per-file flags from ``compile_commands.json`` when ``root`` has one, else ``{}``."""
    db = root / "compile_commands.json"
    if not db.exists():
        return {}
    try:
        entries = json.loads(db.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{db}: not a valid compile_commands.json: {exc}") from exc
    flags: dict[Path, list[str]] = {}
    for entry in entries:
        args = entry.get("arguments") or entry.get("command", "").split()
        directory = Path(entry.get("directory", root))
        keep: list[str] = []
        it = iter(args[1:])
        for arg in it:
            if arg in ("-I", "-D", "-U", "-include", "-isystem"):
                value = next(it, "")
                keep += [arg, str(directory / value) if arg in ("-I", "-isystem") else value]
            elif arg.startswith(("-I", "-isystem")):
                prefix = "-I" if arg.startswith("-I") else "-isystem"
                keep.append(prefix + str(directory / arg[len(prefix) :]))
            elif arg.startswith(("-D", "-U", "-std=")):
                keep.append(arg)
        source = (directory / entry["file"]).resolve()
        flags[source] = keep + cflags
    return flags


def parse_file(path: Path, flags: list[str]) -> ParsedFile:
    """Parses one C file; raises :class:`CParseError` with clang's errors if it has any."""
    ci = _cindex()
    # __NO_CTYPE: glibc's ctype.h then declares isalpha() & co. as functions, not as
    # macros over its private locale tables
    args = ["-x", "c", "-std=gnu11", "-D__NO_CTYPE", *flags]
    inc = builtin_include_dir()
    if inc:
        args += ["-isystem", inc]
    index = ci.Index.create()
    try:
        tu = index.parse(
            str(path),
            args=args,
            options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD,
        )
    except ci.TranslationUnitLoadError as exc:
        raise CParseError(f"{path}: clang could not read the file ({exc})") from exc
    errors = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
    if errors:
        lines = [
            f"{d.location.file}:{d.location.line}:{d.location.column}: {d.spelling}"
            for d in errors[:10]
        ]
        more = f" (+{len(errors) - 10} more)" if len(errors) > 10 else ""
        raise CParseError(f"{path}: clang found {len(errors)} error(s){more}: " + "; ".join(lines))
    return ParsedFile(path=path, tu=tu, flags=args)
