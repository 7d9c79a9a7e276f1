"""A database: a directory of collections, locked against other processes."""

from __future__ import annotations

import json
import os
import re
import shutil
import tarfile
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from ferrox.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StorageError,
    ValidationError,
)
from ferrox.vectordb.collection import Collection
from ferrox.vectordb.locks import DirectoryLock
from ferrox.vectordb.models import CollectionConfig
from ferrox.vectordb.snapshot import (
    partial_manifest,
    restore_snapshot,
    write_partial_snapshot,
    write_snapshot,
)

__all__ = ["Database", "open_database"]

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}$")


def check_name(name: Any) -> str:
    """A collection name: 1-255 of letters, digits, ``_``, ``-``, ``.``, not starting with a dot."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError(
            f"Validation error in path parameters: [name: invalid collection name {name!r}:"
            " use 1-255 letters, digits, '_', '-' or '.']"
        )
    return name


class Database:
    """Collections under one data directory (or a private temporary one: ``path=None``).

    ``sync=False`` skips the fsync of each write (faster bulk loads; a crash may lose
    the last writes, never corrupt the rest).
    """

    def __init__(self, path: str | Path | None = None, *, sync: bool = True) -> None:
        self._temporary = path is None
        self.path = Path(tempfile.mkdtemp(prefix="ferrox-db-")) if path is None else Path(path)
        self.sync = sync and not self._temporary
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "collections").mkdir(exist_ok=True)
        self._lock = DirectoryLock(self.path)
        self._lock.acquire()
        self._collections: dict[str, Collection] = {}
        self._closed = False
        # opening, creating and deleting collections are serialised: two deletes of one
        # collection must not remove its files while the first is still closing it
        self._catalog = threading.RLock()
        for stale in (self.path / "collections").glob(".*"):
            shutil.rmtree(stale, ignore_errors=True)  # interrupted create or delete

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Checkpoint every open collection and release the directory."""
        if self._closed:
            return
        for col in self._collections.values():
            col.close()
        self._collections.clear()
        self._lock.release()
        self._closed = True
        if self._temporary:
            shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({str(self.path)!r}, collections={self.list_collections()})"

    def _dir(self, name: str) -> Path:
        return self.path / "collections" / name

    def _check_open(self) -> None:
        if self._closed:
            raise ConflictError("the database is closed")

    # ------------------------------------------------------------------ collections
    def list_collections(self) -> list[str]:
        """Names of every collection, sorted."""
        self._check_open()
        return sorted(
            p.name
            for p in (self.path / "collections").iterdir()
            if p.is_dir() and not p.name.startswith(".")
        )

    def has_collection(self, name: str) -> bool:
        """Whether a collection of this name exists."""
        self._check_open()
        return isinstance(name, str) and bool(_NAME.match(name)) and self._dir(name).is_dir()

    def create_collection(
        self, name: str, size: int, distance: str = "Cosine", **options: Any
    ) -> Collection:
        """A new, empty collection; options are :class:`CollectionConfig` fields."""
        self._check_open()
        check_name(name)
        config = CollectionConfig(size=size, distance=distance, **options)
        with self._catalog:
            if self._dir(name).exists():
                raise ConflictError(f"collection {name!r} already exists")
            tmp = self.path / "collections" / f".new-{name}-{time.time_ns()}"
            col = Collection.create(tmp, name, config, sync=self.sync)
            col.close()
            tmp.rename(self._dir(name))
            return self.collection(name)

    def collection(self, name: str) -> Collection:
        """The open collection ``name`` (opened on first use)."""
        self._check_open()
        check_name(name)
        col = self._collections.get(name)
        if col is not None:
            return col
        with self._catalog:
            col = self._collections.get(name)
            if col is None:
                if not self._dir(name).is_dir():
                    raise NotFoundError(f"Collection `{name}` doesn't exist!")
                col = Collection(self._dir(name), name, sync=self.sync)
                self._collections[name] = col
            return col

    get_collection = collection

    def aliases(self) -> dict[str, str]:
        """Alias name -> collection name."""
        path = self.path / "aliases.json"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StorageError(f"{path}: unreadable aliases ({exc})") from exc
        return {str(k): str(v) for k, v in data.items()}

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        """Apply Qdrant's alias actions (create_alias, delete_alias, rename_alias) all
        together or not at all."""
        self._check_open()
        aliases = self.aliases()
        for i, action in enumerate(actions):
            if not isinstance(action, dict) or len(action) != 1:
                raise InvalidInputError(f"actions[{i}] must hold exactly one action")
            kind, arg = next(iter(action.items()))
            if not isinstance(arg, dict):
                raise InvalidInputError(f"actions[{i}].{kind} must be an object")
            if kind == "create_alias":
                target, alias = arg.get("collection_name"), arg.get("alias_name")
                if not isinstance(alias, str) or not isinstance(target, str):
                    raise InvalidInputError("create_alias needs collection_name and alias_name")
                if not self.has_collection(target):
                    raise NotFoundError(f"Collection `{target}` doesn't exist!")
                if self.has_collection(alias):
                    raise ConflictError(
                        f"Wrong input: Collection `{alias}` already exists! (an alias cannot"
                        " take a collection's name)"
                    )
                aliases[alias] = target
            elif kind == "delete_alias":
                alias = arg.get("alias_name")
                if alias not in aliases:
                    raise NotFoundError(f"Alias {alias} does not exists!")
                del aliases[alias]
            elif kind == "rename_alias":
                old, new = arg.get("old_alias_name"), arg.get("new_alias_name")
                if old not in aliases:
                    raise NotFoundError(f"Alias {old} does not exists!")
                aliases[str(new)] = aliases.pop(old)
            else:
                raise InvalidInputError(f"actions[{i}]: unknown alias action {kind!r}")
        self._write_aliases(aliases)

    def _write_aliases(self, aliases: dict[str, str]) -> None:
        path = self.path / "aliases.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(aliases, sort_keys=True))
        os.replace(tmp, path)

    def delete_collection(self, name: str) -> bool:
        """Delete a collection and its files (and its aliases); False if there was none."""
        self._check_open()
        check_name(name)
        with self._catalog:
            return self._delete_collection(name)

    def _delete_collection(self, name: str) -> bool:
        aliases = self.aliases()
        if name in aliases.values():
            self._write_aliases({a: c for a, c in aliases.items() if c != name})
        col = self._collections.pop(name, None)
        if col is not None:
            col.close()
        d = self._dir(name)
        if not d.is_dir():
            return False
        trash = self.path / "collections" / f".del-{name}-{time.time_ns()}"
        d.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)
        return True

    # ------------------------------------------------------------------ snapshots and checks
    def snapshot(self, name: str, dest: str | Path | None = None) -> Path:
        """Write collection ``name`` to one snapshot file; returns its path."""
        col = self.collection(name)
        out_dir = Path(dest) if dest is not None else self.path / "snapshots" / name
        return write_snapshot(col, out_dir)

    def partial_manifest(self, name: str) -> dict[str, Any]:
        """Collection ``name``'s snapshot manifest (see :mod:`ferrox.vectordb.snapshot`)."""
        return partial_manifest(self.collection(name))

    def partial_snapshot(self, name: str, dest: str | Path, manifest: Any) -> Path | None:
        """A partial snapshot of collection ``name``: the files newer than in a peer's
        ``manifest``, written under ``dest``; None when there is nothing newer."""
        return write_partial_snapshot(self.collection(name), Path(dest), manifest)

    def full_snapshot(self, dest: str | Path) -> Path:
        """All collections (and the aliases) in one tar of their snapshots."""
        directory = Path(dest)
        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(tz=UTC).strftime("%Y-%m-%d-%H-%M-%S-%f")
        out = directory / f"full-snapshot-{stamp}.snapshot"
        with tempfile.TemporaryDirectory(dir=directory) as tmp:
            parts = []
            for name in self.list_collections():
                try:
                    parts.append(self.snapshot(name, Path(tmp)))
                except NotFoundError:
                    continue  # deleted since it was listed: not part of the snapshot
            aliases = Path(tmp) / "aliases.json"
            aliases.write_text(json.dumps(self.aliases()))
            partial = out.with_suffix(".part")
            with tarfile.open(partial, "w") as tar:
                for p in [*parts, aliases]:
                    tar.add(p, arcname=p.name)
            os.replace(partial, out)
        return out

    def restore(
        self,
        snapshot: str | Path,
        name: str | None = None,
        *,
        overwrite: bool = False,
        partial: bool = False,
    ) -> Collection:
        """Make a collection from a snapshot file (under its own or a new name).
        ``partial``: a partial snapshot of collection ``name``, whose omitted files are
        taken from the existing collection."""
        self._check_open()
        local = None
        if partial:
            if name is None:
                raise InvalidInputError("a partial snapshot is recovered into a named collection")
            local = self.collection(name)
        tmp = self.path / "collections" / f".restore-{time.time_ns()}"
        try:
            original = restore_snapshot(Path(snapshot), tmp, partial=partial, local=local)
            target = check_name(name or original)
            if self._dir(target).exists():
                if not overwrite:
                    raise ConflictError(f"collection {target!r} already exists")
                self.delete_collection(target)
            tmp.rename(self._dir(target))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return self.collection(target)

    def check(self) -> dict[str, list[str]]:
        """Problems per collection; all lists empty means the database is healthy."""
        return {name: self.collection(name).check() for name in self.list_collections()}


def open_database(path: str | Path | None = None, *, sync: bool = True) -> Database:
    """Open (creating if needed) the database at ``path``; None gives a temporary one."""
    return Database(path, sync=sync)
