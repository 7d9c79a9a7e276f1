"""``ferrox serve``: the workbench — web app, Qdrant-compatible REST API, /api routes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ferrox.cli.context import console
from ferrox.errors import DependencyError

__all__ = ["SWITCH_MS", "serve"]

SWITCH_MS = 0.5
"""The server's GIL switch interval: with heavy reads in worker threads, a small query's
p99 beside them was 56-71 ms at Python's 5 ms and 30-33 ms at 0.5 ms
(bench/server/starve.py, docs/benchmarks.md)."""


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 6333, like Qdrant).")] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data directory (overrides the global one).")
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(help="Require this key in the api-key header (env FERROX_API_KEY)."),
    ] = None,
    enable_translate: Annotated[
        bool,
        typer.Option(
            "--enable-translate", help="Allow /api/c2rust (runs compilers on user input)."
        ),
    ] = False,
    ingest: Annotated[
        bool,
        typer.Option(
            "--ingest/--no-ingest",
            help="On first start, ingest the quick Rust-docs subset in the background.",
        ),
    ] = True,
    log_requests: Annotated[
        bool, typer.Option("--log-requests", help="One JSON line per request on stderr.")
    ] = False,
    max_query_limit: Annotated[
        int | None,
        typer.Option(
            "--max-query-limit",
            min=1,
            help="Largest limit/offset a read may ask for (400 beyond; default: any).",
        ),
    ] = None,
    switch_ms: Annotated[
        float,
        typer.Option(
            "--switch-ms",
            min=0.05,
            help="How often (ms) a running thread hands the GIL to a waiting one: shorter"
            " lets small requests through beside heavy ones (Python's default is 5).",
        ),
    ] = SWITCH_MS,
) -> None:
    """The ferrox workbench: web app at /app, Qdrant-compatible REST API, /api routes."""
    try:
        import uvicorn

        from ferrox.server import ServerConfig, create_app
    except ImportError as exc:
        raise DependencyError(
            f"ferrox serve needs the server extra: pip install 'ferrox[server]' ({exc})"
        ) from exc
    state = ctx.obj
    if data_dir is not None:
        state.data_dir = data_dir
    settings = state.settings()
    config = ServerConfig(
        data_dir=settings.data_dir,
        api_key=api_key or settings.api_key,
        enable_translate=enable_translate,
        auto_ingest=ingest,
        max_query_limit=max_query_limit,
    )
    if log_requests:
        import logging

        logging.basicConfig(level=logging.INFO, format="%(message)s")
    config.data_dir.mkdir(parents=True, exist_ok=True)
    host = host or settings.host
    port = port or settings.port
    from ferrox.cli.remote import connect_url
    from ferrox.vectordb.locks import advertise_server

    # every directory this process locks names the server, so CLI commands on the same
    # data dir send their operations here instead of failing on the lock
    advertise_server(connect_url(host, port), api_key_required=config.api_key is not None)
    console.print(
        f"ferrox workbench on http://{host}:{port}/app  (data {config.data_dir}; Qdrant REST API"
        f" at /collections, API docs at /docs; translate {'on' if enable_translate else 'off'})"
    )
    sys.setswitchinterval(switch_ms / 1000)
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")
