"""What to ingest: files under user folders, and the Rust documentation that rustup
installs, with the default and ``--quick`` subsets and per-page metadata."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ferrox.errors import DependencyError, InvalidInputError, NotFoundError
from ferrox.rag.documents import SUFFIXES

__all__ = [
    "RUST_DOCS",
    "SourceFile",
    "find_files",
    "rust_docs_files",
    "rust_docs_root",
    "rust_docs_version",
    "rust_page_meta",
]

RUST_DOCS = "rust-docs"
_API_CRATES = {"std", "core", "alloc", "proc_macro", "test", "std_detect"}
_QUICK = ("book/", "reference/", "error_codes/", "releases.html")
_SKIP_DIRS = (
    "src/",
    "core/arch/",
    "std/arch/",
    "static.files/",
    "trait.impl/",
    "type.impl/",
    "search.index/",
    "src-files",
    "implementors/",
)
_TRANSLATION = re.compile(r"^[^/]+/(ja|es|zh|ko|fr|de|ru|pt-BR|zh-CN|zh-TW)/")
_SKIP_NAMES = {
    "print.html",
    "404.html",
    "toc.html",
    "help.html",
    "settings.html",
    "not_found.html",
    "all.html",
    "sitemap.txt",
    "robots.txt",
    "version_info.html",
}


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest: ``key`` is its path in the knowledge base (for the Rust docs,
    relative to the html root), ``path`` where it is on disk."""

    key: str
    path: Path
    kind: str
    crate: str = ""
    version: str = ""


def rust_docs_root() -> Path:
    """The html root of the local Rust docs (``$FERROX_RUST_DOCS`` or rustup's)."""
    env = os.environ.get("FERROX_RUST_DOCS")
    if env:
        root = Path(env)
    else:
        rustc = shutil.which("rustc")
        if rustc is None:
            raise DependencyError(
                "no rustc on PATH, so no local Rust docs: install Rust with rustup "
                "(the docs come with the rust-docs component) or set FERROX_RUST_DOCS"
            )
        sysroot = subprocess.run([rustc, "--print", "sysroot"], capture_output=True, text=True)
        root = Path(sysroot.stdout.strip()) / "share" / "doc" / "rust" / "html"
    if not (root / "std").is_dir():
        raise NotFoundError(
            f"no Rust documentation at {root}: run 'rustup component add rust-docs' "
            "or set FERROX_RUST_DOCS to an html root"
        )
    return root


def rust_docs_version(root: Path) -> str:
    """The toolchain version the docs belong to (e.g. ``1.95.0``), or empty."""
    for js in root.glob("crates*.js"):
        stem = js.stem[len("crates") :]
        if stem and stem[0].isdigit():
            return stem
    return ""


def rust_page_meta(key: str) -> tuple[str, str]:
    """``(doc kind, crate or book)`` of a page of the Rust docs."""
    top = key.split("/", 1)[0]
    if top in _API_CRATES:
        return "api", top
    if top == "book":
        return "book", "book"
    if top == "reference":
        return "reference", "reference"
    if top == "error_codes":
        return "error-code", "error_codes"
    if top.startswith("releases"):
        return "release-notes", "releases"
    if "/" not in key:
        return "guide", "rust"
    return "guide", top


def _duplicate_of_std(root: Path, key: str) -> bool:
    top, _, rest = key.partition("/")
    return top in ("core", "alloc") and (root / "std" / rest).exists()


def rust_docs_files(root: Path, *, quick: bool = False) -> Iterator[SourceFile]:
    """The pages of a subset, in a stable order. Default: everything but source
    listings, ``core::arch`` intrinsics, print-all pages, translations of the books
    and core/alloc pages that std re-exports (std's copy is kept); ``quick``: the
    Book, the Reference, the error index and the release notes."""
    version = rust_docs_version(root)
    for path in sorted(root.rglob("*.html")):
        key = path.relative_to(root).as_posix()
        if quick and not key.startswith(_QUICK):
            continue
        if key.startswith(_SKIP_DIRS) or path.name in _SKIP_NAMES or _TRANSLATION.match(key):
            continue
        if _duplicate_of_std(root, key):
            continue
        kind, crate = rust_page_meta(key)
        yield SourceFile(key, path, kind, crate, version)


def find_files(target: Path) -> Iterator[SourceFile]:
    """Supported files at ``target`` (a file, or a folder searched recursively;
    hidden folders skipped). Keys are absolute paths."""
    if not target.exists():
        raise NotFoundError(f"no such file or folder: {target}")
    if target.is_file():
        if target.suffix.lower() not in SUFFIXES:
            raise InvalidInputError(
                f"{target}: unsupported file type (supported: {', '.join(sorted(SUFFIXES))})"
            )
        yield SourceFile(str(target.resolve()), target, SUFFIXES[target.suffix.lower()])
        return
    for path in sorted(target.rglob("*")):
        rel = path.relative_to(target)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        kind = SUFFIXES.get(path.suffix.lower())
        if kind:
            yield SourceFile(str(path.resolve()), path, kind)
