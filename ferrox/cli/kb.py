"""``ferrox kb``, ``ferrox ask`` and ``ferrox analyze``: knowledge bases over documents
(the local Rust docs above all), questions answered with citations, text analysis."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from ferrox.cli.context import console, err_console
from ferrox.errors import InvalidInputError

__all__ = ["analyze", "app", "ask"]

app = typer.Typer(help="Knowledge bases: ingest documents, inspect, drop.", no_args_is_help=True)

KbOption = Annotated[str, typer.Option("--kb", help="Knowledge base name.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _server(ctx: typer.Context, name: str) -> Any:
    """A client of the ``ferrox serve`` that holds this data dir (its vector database, or
    this knowledge base's), or None: then the command runs here."""
    from ferrox.cli.remote import ServerClient, find_server

    if not name or not name.replace("-", "").replace("_", "").isalnum():
        return None  # KnowledgeBase.open words the error
    settings = ctx.obj.settings()
    server = find_server(
        settings.data_dir / "vectordb", settings.data_dir / "kb" / name / "vectors"
    )
    if server is None:
        return None
    err_console.print(f"[dim]through {server.describe()}[/dim]")
    return ServerClient(server, settings.api_key)


def _open(ctx: typer.Context, name: str, embedder: Any = None, *, create: bool = False):
    """The knowledge base ``name``; only ingest may create it."""
    from ferrox.rag import KnowledgeBase

    settings = ctx.obj.settings()
    return KnowledgeBase.open(
        settings.data_dir, name, create=create, embedder=embedder or settings.embed_model
    )


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (HTML, Markdown, text, PDF).")
    ] = None,
    rust_docs: Annotated[
        bool, typer.Option("--rust-docs", help="Ingest the local Rust documentation.")
    ] = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="With --rust-docs: Book, Reference, errors, releases.")
    ] = False,
    dense: Annotated[
        bool, typer.Option("--dense/--no-dense", help="Embed passages for dense retrieval.")
    ] = True,
    embedder: Annotated[
        str | None,
        typer.Option(help="Embedder: auto, onnx-int8, onnx, sentence-transformers, hashing."),
    ] = None,
    workers: Annotated[int, typer.Option(help="Parser processes (1 = in this process).")] = 1,
    kb: KbOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Add or refresh documents; unchanged files are skipped, changed ones replaced."""
    if quick and not rust_docs:
        raise InvalidInputError("--quick only applies with --rust-docs")
    start = time.perf_counter()
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console if as_json else console,
    )
    tasks: dict[str, Any] = {}

    def on_progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            if stage == "embed":
                t = time.perf_counter() - start
                (err_console if as_json else console).print(
                    f"BM25 ready after {t:.1f} s; embedding {total} passages"
                )
            label = {"parse": "parse + BM25", "embed": "embed"}.get(stage, stage)
            tasks[stage] = progress.add_task(label, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    client = _server(ctx, kb)
    if client is not None:
        if embedder is not None:
            client.close()
            raise InvalidInputError(
                f"--embedder does not apply while {client.server.describe()} holds the data"
                " dir: the server embeds with its own model"
            )
        body = {
            "kb": kb,
            "paths": [str(p.expanduser().resolve()) for p in paths or []],
            "rust_docs": rust_docs,
            "quick": quick,
            "dense": dense,
            "workers": max(1, workers),
        }
        with client, progress:
            report, counts = _ingest_via_server(client, body, on_progress)
    else:
        with _open(ctx, kb, embedder, create=True) as base, progress:
            report = base.ingest(
                paths or [],
                rust_docs=rust_docs,
                quick=quick,
                dense=dense,
                workers=workers,
                progress=on_progress,
            )
            counts = base.catalog.counts()
    if as_json:
        console.print_json(json.dumps(report.as_dict() | {"kb": counts}))
        return
    table = Table(title=f"ingest into '{kb}'", show_header=False)
    for key in (
        "files_seen",
        "added",
        "updated",
        "unchanged",
        "removed",
        "empty",
        "chunks",
        "embedded",
    ):
        table.add_row(key.replace("_", " "), str(getattr(report, key)))
    table.add_row("skipped", str(len(report.skipped)))
    table.add_row("BM25 ready", f"{report.bm25_ready_s:.1f} s")
    if report.dense_ready_s is not None:
        table.add_row("dense ready", f"{report.dense_ready_s:.1f} s")
    table.add_row("knowledge base", f"{counts['files']} files, {counts['chunks']} passages")
    console.print(table)
    if report.dense_note:
        console.print(f"[yellow]{escape(report.dense_note)}[/yellow]")
    for key, reason in report.skipped[:10]:
        console.print(f"skipped {escape(key)}: {escape(reason)}")
    if len(report.skipped) > 10:
        console.print(f"... and {len(report.skipped) - 10} more ('ferrox kb status --json')")


def _ingest_via_server(client: Any, body: dict[str, Any], on_progress: Any) -> tuple[Any, dict]:
    """Run an ingest in the server (``POST /api/kb/ingest``), follow its progress
    events, and return its report and the knowledge base's counts."""
    from ferrox.cli.remote import error_from_text
    from ferrox.rag.kb import IngestReport

    client.request("POST", "/api/kb/ingest", body)
    for _event, data in client.events("GET", "/api/kb/ingest/events"):
        if data.get("stage") in ("parse", "embed") and data.get("total") is not None:
            on_progress(data["stage"], data.get("done") or 0, data["total"])
    state = client.request("GET", "/api/kb")["ingest"]
    if state.get("error"):
        raise error_from_text(state["error"])
    raw = dict(state.get("report") or {})
    raw["skipped"] = [(s["path"], s["reason"]) for s in raw.get("skipped", [])]
    known = IngestReport.__dataclass_fields__
    report = IngestReport(**{k: v for k, v in raw.items() if k in known})
    info = client.request("GET", f"/api/kb/{body['kb']}")
    counts = {k: info[k] for k in ("files", "chunks", "leads", "embedded", "skipped") if k in info}
    return report, counts


@app.command()
def status(ctx: typer.Context, kb: KbOption = "default", as_json: JsonOption = False) -> None:
    """Files, passages, embedded passages and sources of a knowledge base."""
    with _open(ctx, kb) as base:
        info = base.status()
        info["skipped_files"] = [{"path": k, "reason": r} for k, r in base.catalog.skipped(50)]
    if as_json:
        console.print_json(json.dumps(info))
        return
    table = Table(title=f"knowledge base '{kb}'", show_header=False)
    for key in (
        "path",
        "files",
        "chunks",
        "embedded",
        "dense_pending",
        "bm25_docs",
        "skipped",
        "embed_model",
    ):
        table.add_row(key.replace("_", " "), str(info[key]))
    table.add_row("kinds", ", ".join(f"{k}: {v}" for k, v in sorted(info["kinds"].items())))
    console.print(table)


@app.command()
def sources(ctx: typer.Context, kb: KbOption = "default", as_json: JsonOption = False) -> None:
    """The source roots ingested into a knowledge base."""
    with _open(ctx, kb) as base:
        rows = base.catalog.sources()
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("label", "subset", "files", "passages", "root")
    for r in rows:
        table.add_row(r["label"], r["subset"], str(r["files"]), str(r["chunks"]), r["root"])
    console.print(table)


@app.command()
def drop(
    ctx: typer.Context,
    source: Annotated[
        str | None, typer.Argument(help="A source label or root; omit with --all.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Delete the whole knowledge base.")] = False,
    kb: KbOption = "default",
) -> None:
    """Remove one source (its files and passages), or the whole knowledge base."""
    if (source is None) == (not all_):
        raise InvalidInputError("give a source to drop, or --all (not both)")
    with _open(ctx, kb) as base:
        n = base.drop(None if all_ else source)
    console.print(f"dropped {n} files" + (f" of {source}" if source else f" and '{kb}'"))


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question.")],
    top_k: Annotated[int, typer.Option("--top-k", help="How many sources.")] = 5,
    no_llm: Annotated[
        bool, typer.Option("--no-llm", help="Extractive answer even if an LLM is set.")
    ] = False,
    llm: Annotated[
        str | None,
        typer.Option(help="LLM: an OpenAI-compatible URL or a .gguf path (default: settings)."),
    ] = None,
    mode: Annotated[str, typer.Option(help="hybrid, bm25 or dense.")] = "hybrid",
    kind: Annotated[
        list[str] | None, typer.Option(help="Only these doc kinds (api, book, ...).")
    ] = None,
    crate: Annotated[list[str] | None, typer.Option(help="Only these crates / books.")] = None,
    kb: KbOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Answer a question from a knowledge base, with numbered sources."""
    from ferrox.infer import load_generator
    from ferrox.rag.answer import stream_answer
    from ferrox.rag.kb import check_query

    check_query(question, top_k, mode)
    settings = ctx.obj.settings()
    filters = {k: v for k, v in (("kind", kind), ("crate", crate)) if v}

    def show(text: str) -> None:
        if not as_json:
            sys.stdout.write(text)
            sys.stdout.flush()

    client = _server(ctx, kb)
    if client is not None:
        with client:
            if llm is not None:
                raise InvalidInputError(
                    f"--llm does not apply while {client.server.describe()} holds the data"
                    " dir: the server answers with its own LLM (or --no-llm)"
                )
            final = _ask_via_server(
                client,
                {
                    "question": question,
                    "top_k": top_k,
                    "mode": mode,
                    "filters": filters or None,
                    "kb": kb,
                    "llm": not no_llm,
                    "stream": True,
                },
                show,
            )
    else:
        generator = None
        if not no_llm:
            spec = llm or settings.llm_url
            generator = load_generator(spec, model=settings.llm_model, api_key=settings.llm_api_key)
        with _open(ctx, kb) as base:
            answer = None
            for event in stream_answer(
                base,
                question,
                top_k=top_k,
                generator=generator,
                filters=filters or None,
                mode=mode,
            ):
                if event["type"] == "token":
                    show(event["text"])
                elif event["type"] == "done":
                    answer = event["answer"]
        assert answer is not None
        final = answer.as_dict()
    if as_json:
        sys.stdout.write(json.dumps(final, ensure_ascii=False) + "\n")
        return
    sys.stdout.write("\n\n")
    for note in final["notes"]:
        err_console.print(f"[yellow]note:[/yellow] {escape(note)}")
    if final["citations"]:
        console.print("[bold]Citations[/bold]")
        for c in final["citations"]:
            where = f"{c['path']}#{c['anchor']}" if c["anchor"] else c["path"]
            console.print(
                f"  [{c['n']}] {escape(c['heading'])} — {escape(where)}"
                f"  [dim](source {c['source']})[/dim]",
                soft_wrap=True,
            )
    console.print(f"[bold]Sources[/bold] ({final['method']}, evidence {final['evidence']:.2f})")
    for s in final["sources"]:
        where = f"{s['path']}#{s['anchor']}" if s["anchor"] else s["path"]
        console.print(
            f"  [{s['rank']}] {escape(s['title'])} — {escape(where)}  [dim]{s['score']:.3f}[/dim]",
            soft_wrap=True,
        )


def _ask_via_server(client: Any, body: dict[str, Any], show: Any) -> dict[str, Any]:
    """The answer of ``POST /api/ask`` (streamed: tokens go to ``show`` as they come)."""
    from ferrox.cli.remote import error_from_text
    from ferrox.errors import FerroxError

    for event, data in client.events("POST", "/api/ask", body):
        if event == "token":
            show(data["text"])
        elif event == "done":
            return data["answer"]
        elif event == "error":
            raise error_from_text(str(data.get("error", "the server's answer failed")))
    raise FerroxError(f"{client.server.describe()} ended the answer without a result")


def analyze(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="A text file, or - for standard input.")],
    compare: Annotated[
        str | None, typer.Option(help="A second file: print the similarity of the two.")
    ] = None,
    use_kb: Annotated[
        bool, typer.Option("--kb/--no-kb", help="List the nearest documents of the KB.")
    ] = True,
    kb: Annotated[str, typer.Option("--kb-name", help="Knowledge base name.")] = "default",
    as_json: JsonOption = False,
) -> None:
    """Language, keywords, summary, embedding and nearest KB documents of a text."""
    from ferrox.infer import load_embedder
    from ferrox.rag.analyze import analyze as run_analysis
    from ferrox.rag.analyze import similarity

    text = _read_text(file)
    settings = ctx.obj.settings()
    embedder = load_embedder(settings.embed_model, cache_dir=settings.data_dir / "models")
    base = None
    kb_dir = settings.data_dir / "kb" / kb
    if use_kb and (kb_dir / "catalog.sqlite").exists():
        base = _open(ctx, kb, embedder)  # one model for the text and the KB's queries
    try:
        if base is not None and base.catalog.is_empty():
            base.close()
            base = None
        result = run_analysis(text, embedder=embedder, kb=base)
    finally:
        if base is not None:
            base.close()
    out = result.as_dict()
    if compare is not None:
        out["similarity"] = round(similarity(text, _read_text(compare), embedder), 6)
    if as_json:
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return
    console.print(
        f"[bold]language[/bold] {result.language} ({result.language_confidence:.2f})"
        f"   [bold]words[/bold] {result.words}   [bold]sentences[/bold] "
        f"{result.sentences}"
    )
    console.print("[bold]keywords[/bold] " + ", ".join(escape(k) for k, _ in result.keywords))
    console.print("[bold]summary[/bold]")
    for s in result.summary:
        console.print(f"  - {escape(s)}")
    if result.embedding is not None:
        head = ", ".join(f"{x:.3f}" for x in result.embedding[:6])
        console.print(
            f"[bold]embedding[/bold] {result.embedder} dim {len(result.embedding)}: [{head}, ...]"
        )
    if result.nearest:
        console.print("[bold]nearest in the knowledge base[/bold]")
        for s in result.nearest:
            console.print(
                f"  [{s['rank']}] {escape(s['title'])} — {escape(s['path'])}", soft_wrap=True
            )
    elif use_kb and base is None:
        console.print("[dim]no knowledge base to compare with ('ferrox kb ingest ...')[/dim]")
    if compare is not None:
        console.print(f"[bold]similarity[/bold] to {escape(compare)}: {out['similarity']:.4f}")


def _read_text(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    path = Path(file)
    if not path.is_file():
        raise InvalidInputError(f"no such file: {file}")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise InvalidInputError(f"{file} is a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{file} is not UTF-8 text ({exc.reason})") from exc
