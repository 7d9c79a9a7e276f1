"""Which files an ingest sees: the Rust-docs subsets and user folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrox.errors import InvalidInputError, NotFoundError
from ferrox.rag.sources import find_files, rust_docs_files, rust_docs_root, rust_page_meta


@pytest.fixture(scope="module")
def docs_root() -> Path:
    try:
        return rust_docs_root()
    except Exception as exc:
        pytest.skip(str(exc))


def test_default_subset_skips_sources_intrinsics_and_reexports(docs_root: Path) -> None:
    keys = {f.key for f in rust_docs_files(docs_root)}
    assert "std/fs/fn.read_to_string.html" in keys
    assert "error_codes/E0382.html" in keys and "releases.html" in keys
    assert "book/ch16-03-shared-state.html" in keys
    assert not any(k.startswith(("src/", "core/arch/", "std/arch/")) for k in keys)
    assert not any(k.endswith("/print.html") for k in keys)
    # core/alloc pages that std re-exports are read once, from std
    assert "core/option/enum.Option.html" not in keys and "std/option/enum.Option.html" in keys
    assert any(k.startswith("core/") for k in keys)  # core-only items stay


def test_quick_subset(docs_root: Path) -> None:
    files = list(rust_docs_files(docs_root, quick=True))
    tops = {f.key.split("/", 1)[0] for f in files}
    assert tops == {"book", "reference", "error_codes", "releases.html"}
    assert all(f.version for f in files)


@pytest.mark.parametrize(
    ("key", "meta"),
    [
        ("std/fs/fn.read.html", ("api", "std")),
        ("core/ptr/fn.null.html", ("api", "core")),
        ("book/ch01-00-getting-started.html", ("book", "book")),
        ("reference/macros.html", ("reference", "reference")),
        ("error_codes/E0499.html", ("error-code", "error_codes")),
        ("releases.html", ("release-notes", "releases")),
        ("cargo/index.html", ("guide", "cargo")),
        ("nomicon/ffi.html", ("guide", "nomicon")),
    ],
)
def test_page_meta(key: str, meta: tuple[str, str]) -> None:
    assert rust_page_meta(key) == meta


def test_user_folders(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.HTML").write_text("<p>b</p>")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "c.md").write_text("# c")
    (tmp_path / "d.bin").write_bytes(b"\0")
    found = {Path(f.key).name: f.kind for f in find_files(tmp_path)}
    assert found == {"a.md": "markdown", "b.HTML": "html"}
    with pytest.raises(InvalidInputError, match="unsupported file type"):
        list(find_files(tmp_path / "d.bin"))
    with pytest.raises(NotFoundError):
        list(find_files(tmp_path / "missing"))


def test_rust_docs_root_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FERROX_RUST_DOCS", str(tmp_path))
    with pytest.raises(NotFoundError, match="no Rust documentation"):
        rust_docs_root()
    (tmp_path / "std").mkdir()
    assert rust_docs_root() == tmp_path
