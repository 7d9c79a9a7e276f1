"""``ferrox db``: create, inspect, load, search, snapshot and check vector databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from ferrox.cli.context import console, err_console
from ferrox.errors import DependencyError, InvalidInputError, StorageError

__all__ = ["app"]

app = typer.Typer(help="Embedded vector database (Qdrant-compatible).", no_args_is_help=True)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Database directory (default: <data dir>/vectordb).", show_default=False
    ),
]


def _db_path(ctx: typer.Context, db: Path | None) -> Path:
    return db if db is not None else ctx.obj.settings().data_dir / "vectordb"


def _open(ctx: typer.Context, db: Path | None, *, must_exist: bool = True):
    from ferrox.vectordb import Database

    path = _db_path(ctx, db)
    if must_exist and not (path / "collections").is_dir():
        raise InvalidInputError(f"no ferrox database at {path} (create a collection first)")
    return Database(path)


def _open_or_server(ctx: typer.Context, db: Path | None) -> Any:
    """The database, or a client of the ``ferrox serve`` that holds it (see
    :mod:`ferrox.cli.remote`): either is a context manager."""
    from ferrox.cli.remote import ServerClient, local_or_server

    target = local_or_server(lambda: _open(ctx, db), ctx.obj.settings().api_key)
    if isinstance(target, ServerClient):
        err_console.print(f"[dim]through {target.server.describe()}[/dim]")
    return target


def _vector_params(info: dict[str, Any]) -> tuple[str, str]:
    """Size and distance from a Qdrant ``CollectionInfo`` (named vectors joined)."""
    vectors = info["config"]["params"].get("vectors") or {}
    if "size" in vectors:
        return str(vectors["size"]), str(vectors["distance"])
    return (
        ",".join(f"{n}:{v['size']}" for n, v in vectors.items()) or "-",
        ",".join(sorted({str(v["distance"]) for v in vectors.values()})) or "-",
    )


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Collection name.")],
    size: Annotated[int, typer.Option(help="Vector dimension.")],
    distance: Annotated[str, typer.Option(help="Cosine, Dot, Euclid or Manhattan.")] = "Cosine",
    index: Annotated[str, typer.Option(help="hnsw, exact or lsh.")] = "hnsw",
    m: Annotated[int, typer.Option(help="HNSW links per node.")] = 16,
    ef_construct: Annotated[int, typer.Option(help="HNSW build beam width.")] = 100,
    quantization: Annotated[
        str | None, typer.Option(help="int8 to keep an 8-bit graph copy.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a collection."""
    with _open(ctx, db, must_exist=False) as database:
        col = database.create_collection(
            name,
            size,
            distance,
            index=index,
            m=m,
            ef_construct=ef_construct,
            quantization=quantization,
        )
        console.print(f"created {col!r} in {database.path}")


@app.command("list")
def list_(ctx: typer.Context, db: DbOption = None) -> None:
    """List collections with their sizes (through ``ferrox serve`` when it holds the
    database; the index kind is then not known: ``-``)."""
    from ferrox.cli.remote import ServerClient

    table = Table("collection", "points", "size", "distance", "index")
    with _open_or_server(ctx, db) as target:
        if isinstance(target, ServerClient):
            for entry in target.qdrant("GET", "/collections")["collections"]:
                info = target.qdrant("GET", f"/collections/{entry['name']}")
                size, distance = _vector_params(info)
                table.add_row(entry["name"], str(info["points_count"]), size, distance, "-")
        else:
            for name in target.list_collections():
                col = target.collection(name)
                c = col.config
                table.add_row(name, str(len(col)), str(c.size), c.distance.value, c.index)
    console.print(table)


@app.command()
def info(ctx: typer.Context, name: str, db: DbOption = None) -> None:
    """Show a collection's configuration, counts and payload indexes (JSON; Qdrant's
    ``CollectionInfo`` when it comes through ``ferrox serve``)."""
    from ferrox.cli.remote import ServerClient

    with _open_or_server(ctx, db) as target:
        if isinstance(target, ServerClient):
            info = target.qdrant("GET", f"/collections/{name}")
        else:
            info = target.collection(name).info()
    console.print_json(json.dumps(info))


@app.command()
def delete(ctx: typer.Context, name: str, db: DbOption = None) -> None:
    """Delete a collection and its files."""
    with _open(ctx, db) as database:
        if not database.delete_collection(name):
            raise InvalidInputError(f"collection {name!r} does not exist")
        console.print(f"deleted {name}")


def _jsonl(path: Path) -> Iterator[tuple[Any, Any, Any]]:
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInputError(f"{path}:{n}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict) or "id" not in row or "vector" not in row:
                raise InvalidInputError(f"{path}:{n}: each line needs 'id' and 'vector'")
            yield row["id"], row["vector"], row.get("payload")


def _rows(path: Path, start_id: int) -> tuple[int, Iterator[tuple[Any, Any, Any]]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        with open(path) as f:
            total = sum(1 for line in f if line.strip())
        return total, _jsonl(path)
    if suffix == ".npy":
        arr = np.load(path, mmap_mode="r")
        if arr.ndim != 2:
            raise InvalidInputError(f"{path}: expected a 2-D array of vectors, got {arr.ndim}-D")
        return arr.shape[0], ((start_id + i, arr[i], None) for i in range(arr.shape[0]))
    if suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise DependencyError("importing parquet needs pyarrow: pip install pyarrow") from exc
        table = pq.read_table(path)
        cols = table.column_names
        if "vector" not in cols:
            raise InvalidInputError(f"{path}: needs a 'vector' column")
        data = table.to_pylist()
        others = [c for c in cols if c not in ("id", "vector", "payload")]

        def gen() -> Iterator[tuple[Any, Any, Any]]:
            for i, row in enumerate(data):
                payload = row.get("payload") or {k: row[k] for k in others}
                if isinstance(payload, str):
                    payload = json.loads(payload)
                yield row.get("id", start_id + i), row["vector"], payload

        return len(data), gen()
    raise InvalidInputError(f"{path}: unknown format {suffix!r}; use .jsonl, .npy or .parquet")


@app.command("import")
def import_(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Collection (created if --size is given).")],
    path: Annotated[Path, typer.Argument(help=".jsonl (id, vector, payload), .npy or .parquet.")],
    batch: Annotated[int, typer.Option(help="Points per write.")] = 1000,
    start_id: Annotated[int, typer.Option(help="First id for .npy rows.")] = 0,
    size: Annotated[
        int | None, typer.Option(help="Create the collection with this dimension.")
    ] = None,
    distance: Annotated[str, typer.Option(help="Distance when creating.")] = "Cosine",
    db: DbOption = None,
) -> None:
    """Load points from a file, with a progress bar; each batch is all-or-nothing."""
    if not path.is_file():
        raise InvalidInputError(f"no file at {path}")
    total, rows = _rows(path, start_id)
    with _open(ctx, db, must_exist=size is None) as database:
        if size is not None and not database.has_collection(name):
            database.create_collection(name, size, distance)
        col = database.collection(name)
        done = 0
        with _progress() as progress:
            task = progress.add_task(f"importing into {name}", total=total)
            ids: list[Any] = []
            vecs: list[Any] = []
            pays: list[Any] = []
            for pid, vec, payload in rows:
                ids.append(pid)
                vecs.append(vec)
                pays.append(payload)
                if len(ids) >= batch:
                    col.upsert(ids, np.asarray(vecs, dtype=np.float32), pays)
                    done += len(ids)
                    progress.advance(task, len(ids))
                    ids, vecs, pays = [], [], []
            if ids:
                col.upsert(ids, np.asarray(vecs, dtype=np.float32), pays)
                done += len(ids)
                progress.advance(task, len(ids))
        console.print(f"imported {done} points; {name} now holds {len(col)}")


@app.command()
def search(
    ctx: typer.Context,
    name: str,
    vector: Annotated[str, typer.Option(help="Query vector as JSON, e.g. '[0.1, 0.2]'.")],
    limit: Annotated[int, typer.Option(help="How many hits.")] = 10,
    filter: Annotated[str | None, typer.Option("--filter", help="Qdrant filter as JSON.")] = None,
    exact: Annotated[bool, typer.Option(help="Brute force instead of the index.")] = False,
    db: DbOption = None,
) -> None:
    """Nearest points to a vector, optionally filtered."""
    try:
        q = json.loads(vector)
        flt = json.loads(filter) if filter else None
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"--vector/--filter must be JSON: {exc.msg}") from exc
    from ferrox.cli.remote import ServerClient

    with _open_or_server(ctx, db) as target:
        if isinstance(target, ServerClient):
            body: dict[str, Any] = {"vector": q, "limit": limit, "with_payload": True}
            if flt is not None:
                body["filter"] = flt
            if exact:
                body["params"] = {"exact": True}
            found = target.qdrant("POST", f"/collections/{name}/points/search", body)
            hits = [(h["id"], h["score"], h.get("payload")) for h in found]
        else:
            found = target.collection(name).search(q, limit, filter=flt, exact=exact)
            hits = [(h.id, h.score, h.payload) for h in found]
    table = Table("id", "score", "payload")
    for pid, score, payload in hits:
        table.add_row(str(pid), f"{score:.4f}", json.dumps(payload)[:80])
    console.print(table)


@app.command()
def snapshot(
    ctx: typer.Context,
    name: str,
    out: Annotated[Path | None, typer.Option(help="Directory for the snapshot file.")] = None,
    db: DbOption = None,
) -> None:
    """Write a collection to one snapshot file."""
    with _open(ctx, db) as database:
        console.print(str(database.snapshot(name, out)))


@app.command()
def restore(
    ctx: typer.Context,
    snapshot_file: Annotated[Path, typer.Argument(help="A .snapshot file.")],
    name: Annotated[str | None, typer.Option(help="Restore under this name.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing collection.")] = False,
    db: DbOption = None,
) -> None:
    """Make a collection from a snapshot file (verified by checksum first)."""
    with _open(ctx, db, must_exist=False) as database:
        col = database.restore(snapshot_file, name, overwrite=overwrite)
        console.print(f"restored {col!r}")


@app.command()
def check(
    ctx: typer.Context,
    directory: Annotated[
        Path | None, typer.Argument(help="Data dir or database dir (default: the data dir's).")
    ] = None,
) -> None:
    """Verify every collection; exit 0 when healthy, 1 when problems are found."""
    from ferrox.vectordb import Database

    path = _db_path(ctx, None) if directory is None else directory
    if (path / "vectordb" / "collections").is_dir():
        path = path / "vectordb"
    if not (path / "collections").is_dir():
        raise InvalidInputError(f"no ferrox database at {path}")
    with Database(path) as database:
        try:
            report = database.check()
        except StorageError as exc:
            console.print(f"[red]damaged:[/red] {exc}")
            raise typer.Exit(1) from exc
    bad = {k: v for k, v in report.items() if v}
    for name, problems in report.items():
        console.print(f"{name}: " + ("ok" if not problems else "; ".join(problems)))
    if bad:
        raise typer.Exit(1)
    console.print(f"{len(report)} collection(s) healthy")
