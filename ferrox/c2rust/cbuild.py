"""Which C files make the program and with which flags, for the front end and for gcc.

``compile_commands.json`` decides the whole build when the project has one: only the
files it lists are compiled (a test driver that ``#include``\\ s a library ``.c`` file is
one unit), each with its own ``-I``/``-D``/``-U``/``-include``/``-std`` flags. Without
one, every ``.c`` file is a unit except those another ``.c`` file includes.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from ferrox.c2rust.sandbox import run_tool
from ferrox.errors import DependencyError, InvalidInputError

__all__ = ["SANITIZE", "Unit", "build_reference", "included_c_files", "project_units"]

# Signed overflow, shifts into the sign bit and misaligned accesses are undefined in ISO C
# but wrap / just work with gcc -O0 on x86-64, and the translation does the same; vectors
# that hit them are compared, not discarded. A null pointer with a length of zero passed to
# memcpy and the like is defined since C2y (N3322) and the runtime accepts it, so UBSan's
# nonnull-attribute check is off too: a null pointer actually dereferenced still faults
# under AddressSanitizer. Memory errors and the rest of UBSan discard.
SANITIZE = (
    "-fsanitize=address,undefined",
    "-fno-sanitize=shift-base,alignment,signed-integer-overflow,nonnull-attribute",
    "-fno-sanitize-recover=undefined",
)
_WITH_VALUE = {"-I", "-D", "-U", "-include", "-isystem", "-iquote", "-imacros"}
_PATH_VALUE = {"-I", "-include", "-isystem", "-iquote", "-imacros"}


@dataclass(frozen=True)
class Unit:
    """One translation unit: the file and the preprocessor/language flags it is built with."""

    path: Path
    flags: tuple[str, ...]
    directory: Path | None = None
    spelled: str | None = None

    @property
    def name_as_built(self) -> str:
        """The file as the compile command names it (what ``__FILE__`` expands to)."""
        return self.spelled or str(self.path)


# flags that change what the C means (gcc 12 defaults to -fno-common: old code that
# defines a global in a header needs -fcommon to link)
_SEMANTIC_FLAGS = frozenset(
    {"-funsigned-char", "-fsigned-char", "-fcommon", "-fno-common", "-ansi", "-fgnu89-inline"}
)


def _keep_flags(args: list[str], directory: Path) -> list[str]:
    keep: list[str] = []
    it = iter(args)
    for arg in it:
        if arg in _WITH_VALUE:
            value = next(it, "")
            keep += [arg, str((directory / value).resolve()) if arg in _PATH_VALUE else value]
            continue
        for prefix in ("-I", "-isystem", "-iquote"):
            if arg.startswith(prefix) and len(arg) > len(prefix):
                keep.append(prefix + str((directory / arg[len(prefix) :]).resolve()))
                break
        else:
            if arg.startswith(("-D", "-U", "-std=")) or arg in _SEMANTIC_FLAGS:
                keep.append(arg)
    return keep


def _from_compile_commands(db: Path, cflags: list[str]) -> list[Unit]:
    try:
        entries = json.loads(db.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{db}: not a valid compile_commands.json: {exc}") from exc
    if not isinstance(entries, list):
        raise InvalidInputError(f"{db}: not a list of compile commands")
    units = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "file" not in entry:
            raise InvalidInputError(f"{db}: entry {i} has no 'file'")
        args = entry.get("arguments")
        if args is None:
            args = shlex.split(entry.get("command", ""))
        directory = Path(entry.get("directory") or db.parent)
        if not directory.is_absolute():
            directory = (db.parent / directory).resolve()
        if not directory.exists():
            directory = db.parent
        path = (directory / entry["file"]).resolve()
        if not path.exists():
            # a database moved with its project: resolve against the database's folder
            path = (db.parent / entry["file"]).resolve()
            directory = db.parent
        if not path.exists():
            raise InvalidInputError(f"{db}: entry {i}: {entry['file']} does not exist")
        if path.suffix != ".c":
            continue
        spelled = entry["file"] if (directory / entry["file"]).resolve() == path else str(path)
        units.append(
            Unit(path, (*_keep_flags(list(args[1:]), directory), *cflags), directory, spelled)
        )
    if not units:
        raise InvalidInputError(f"{db}: lists no .c file")
    return units


_INCLUDE_C = re.compile(r'^\s*#\s*include\s*"([^"]+\.c)"', re.M)


def included_c_files(units: list[Path]) -> set[Path]:
    """The ``.c`` files that the given files ``#include`` (transitively)."""
    seen: set[Path] = set()
    work = list(units)
    while work:
        p = work.pop()
        try:
            text = p.read_text(errors="replace")
        except OSError:
            continue
        for name in _INCLUDE_C.findall(text):
            q = (p.parent / name).resolve()
            if q.exists() and q not in seen:
                seen.add(q)
                work.append(q)
    return seen


def project_units(src: Path, cflags: list[str]) -> tuple[Path, list[Unit], list[Path]]:
    """The project root, its translation units and its headers."""
    if not src.exists():
        raise InvalidInputError(f"{src}: no such file or directory")
    if src.is_file():
        if src.suffix != ".c":
            raise InvalidInputError(f"{src}: not a .c file")
        return src.parent, [Unit(src.resolve(), (f"-I{src.parent}", *cflags))], []
    root = src.resolve()
    headers = sorted(p for p in root.rglob("*.h") if "target" not in p.relative_to(root).parts)
    db = root / "compile_commands.json"
    if db.exists():
        return root, _from_compile_commands(db, cflags), headers
    c_files = sorted(p for p in root.rglob("*.c") if "target" not in p.relative_to(root).parts)
    if not c_files:
        raise InvalidInputError(f"{src}: no .c files in this directory")
    included: set[str] = set()
    for p in c_files:
        for name in _INCLUDE_C.findall(p.read_text(errors="replace")):
            included.add((p.parent / name).resolve().as_posix())
    include_dirs = sorted({str(root), *(str(h.parent) for h in headers)})
    flags = (*(f"-I{d}" for d in include_dirs), *cflags)
    chosen = [p for p in c_files if p.resolve().as_posix() not in included] or c_files
    units = [Unit(p.resolve(), flags, root, str(p.resolve().relative_to(root))) for p in chosen]
    return root, units, headers


def build_reference(
    units: list[Unit], out: Path, *, sanitize: bool = True, epoch: int | None = None
) -> Path:
    """Builds the C program as its compile commands say (with sanitizers); the executable.
    ``epoch`` (SOURCE_DATE_EPOCH) fixes ``__DATE__`` and ``__TIME__``, as the translation's."""
    env = {"SOURCE_DATE_EPOCH": str(epoch)} if epoch is not None else None
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        raise DependencyError("differential tests need gcc on PATH")
    out.parent.mkdir(parents=True, exist_ok=True)
    objects = []
    extra = list(SANITIZE) if sanitize else []
    for i, unit in enumerate(units):
        obj = out.parent / f"{out.name}.{i}.o"
        std = [] if any(f.startswith("-std=") for f in unit.flags) else ["-std=gnu11"]
        cmd = [
            gcc,
            *std,
            "-O0",
            "-g",
            "-w",
            *extra,
            *unit.flags,
            "-c",
            unit.name_as_built,
            "-o",
            str(obj),
        ]
        code, _, err = run_tool(cmd, timeout=300, address_space=None, cwd=unit.directory, env=env)
        if code != 0:
            why = err.decode(errors="replace").strip()[:800] or "timed out"
            raise InvalidInputError(f"gcc could not build {unit.path.name}: {why}")
        objects.append(str(obj))
    code, _, err = run_tool(
        [gcc, *extra, *objects, "-o", str(out), "-lm"], timeout=300, address_space=None
    )
    if code != 0:
        why = err.decode(errors="replace").strip()[:800] or "timed out"
        raise InvalidInputError(f"gcc could not link the C program: {why}")
    return out
