"""The FastAPI application: routes, the error mapping (in one place), the optional API
key and the request-size limit."""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import ferrox
from ferrox.errors import FerroxError, RateLimitedError
from ferrox.server.qdrant_api import build_router, qdrant_message
from ferrox.server.rag_api import RagService, build_rag_router
from ferrox.server.telemetry import RequestStats
from ferrox.server.workbench_api import IngestBody, IngestService, build_workbench_router
from ferrox.vectordb import Database

__all__ = ["ServerConfig", "create_app", "error_response"]

_OPEN_PATHS = frozenset({"/healthz", "/livez", "/readyz"})  # probes need no key, as in Qdrant
STATIC = Path(__file__).with_name("static")
log = logging.getLogger("ferrox.server")


@dataclass
class ServerConfig:
    """What one server instance needs: where the data lives, and who may call it."""

    data_dir: Path
    api_key: str | None = None
    max_request_bytes: int = 32 * 1024 * 1024
    max_query_limit: int | None = None
    """The largest ``limit`` or ``offset`` a read may ask for (400 beyond it); None, the
    default, admits any (Qdrant accepts u64::MAX): results are bounded by the
    collection's size in any case."""
    enable_translate: bool = False
    auto_ingest: bool = False

    @property
    def db_dir(self) -> Path:
        """The vector database's directory inside the data dir."""
        return self.data_dir / "vectordb"


def error_response(status: int, message: str, started: float | None = None) -> JSONResponse:
    """Qdrant's error envelope: ``{"status": {"error": ...}, "time": ...}``."""
    elapsed = 0.0 if started is None else time.perf_counter() - started
    return JSONResponse({"status": {"error": message}, "time": elapsed}, status_code=status)


def web_page() -> str:
    """The web app's HTML with ``style.css`` and ``app.js`` inlined."""
    html = (STATIC / "index.html").read_text()
    html = html.replace("/*STYLE*/", (STATIC / "style.css").read_text())
    return html.replace("/*SCRIPT*/", (STATIC / "app.js").read_text())


def create_app(config: ServerConfig) -> FastAPI:
    """A ready-to-serve app; the database opens at startup and closes at shutdown."""
    state: dict[str, Database] = {}
    rag = RagService(config.data_dir)
    ingest = IngestService(config.data_dir, on_ready=rag.invalidate, open_kb=rag.open_for_ingest)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["db"] = Database(config.db_dir)
        if config.auto_ingest:
            # incremental: a first start ingests the quick Rust docs; later starts skip
            # unchanged files and finish any embedding an earlier run left pending
            log.info(json.dumps({"event": "ingest", "what": "quick Rust-docs subset"}))
            ingest.start(IngestBody())
        try:
            yield
        finally:
            state.pop("db").close()
            rag.close()

    def get_db() -> Database:
        return state["db"]

    app = FastAPI(
        title="ferrox",
        version=ferrox.__version__,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.config = config
    app.state.get_db = get_db

    @app.exception_handler(FerroxError)
    async def ferrox_error(request: Request, exc: FerroxError) -> JSONResponse:
        if request.url.path.startswith("/api"):
            return error_response(exc.status_code, f"{exc.name}: {exc}")
        response = error_response(exc.status_code, qdrant_message(exc))
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error_response(
                404, f"NotFoundError: no route {request.method} {request.url.path}"
            )
        if exc.status_code == 405:
            return error_response(405, f"method {request.method} not allowed on {request.url.path}")
        return error_response(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(
            400, f"InvalidInputError: bad request body at {where}: {first.get('msg', exc)}"
        )

    stats = RequestStats()
    app.include_router(
        build_router(get_db, lambda: config.data_dir / "snapshots", stats, config.max_query_limit)
    )
    app.include_router(build_rag_router(lambda: rag))
    app.include_router(
        build_workbench_router(lambda: config.data_dir, lambda: ingest, config.enable_translate)
    )
    app.state.ingest = ingest

    page = web_page()

    @app.get("/app", include_in_schema=False)
    def web_app() -> HTMLResponse:
        """The workbench web app: one HTML document with its script and style inlined."""
        return HTMLResponse(page)

    @app.get("/", include_in_schema=False, response_model=None)
    def root(request: Request) -> HTMLResponse | dict[str, str]:
        """Browsers get the web app; API clients Qdrant's version document."""
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(page)
        from ferrox.server.qdrant_api import QDRANT_API_VERSION

        return {
            "title": f"ferrox {ferrox.__version__} (Qdrant-compatible REST API)",
            "version": QDRANT_API_VERSION,
            "commit": None,
        }

    app.add_middleware(GuardMiddleware, config=config)
    app.add_middleware(AccessLogMiddleware, stats=stats)
    return app


class AccessLogMiddleware:
    """One JSON line per request on the ``ferrox.server`` logger: method, path, status, ms."""

    def __init__(self, app: ASGIApp, stats: RequestStats) -> None:
        self.app = app
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None)
            if template is not None and not template.startswith(("/api", "/app")):
                params = scope.get("path_params") or {}
                self.stats.record(
                    f"{scope['method']} {template.replace('{name}', '{collection_name}')}",
                    status["code"],
                    time.perf_counter() - started,
                    params.get("name"),
                )
            if log.isEnabledFor(logging.INFO):
                log.info(
                    json.dumps(
                        {
                            "method": scope["method"],
                            "path": scope["path"],
                            "status": status["code"],
                            "ms": round((time.perf_counter() - started) * 1000, 2),
                        }
                    )
                )


class GuardMiddleware:
    """The API key and the request-size limit, checked before any route runs (a plain
    ASGI middleware: no per-request task or stream wrapping)."""

    def __init__(self, app: ASGIApp, config: ServerConfig) -> None:
        self.app = app
        self.config = config
        self.key = None if config.api_key is None else config.api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if self.key is not None and scope["path"] not in _OPEN_PATHS:
            given = headers.get(b"api-key")
            if given is None and scope["path"] in ("/", "/app"):
                # a browser opening the page cannot send headers: ?api_key=... instead
                for part in scope.get("query_string", b"").split(b"&"):
                    if part.startswith(b"api_key="):
                        given = part[len(b"api_key=") :]
            auth = headers.get(b"authorization", b"")
            if given is None and auth.lower().startswith(b"bearer "):
                given = auth[7:]
            if given is None or not hmac.compare_digest(given, self.key):
                response = error_response(401, "Unauthorized: missing or wrong api-key header")
                await response(scope, receive, send)
                return
        length = headers.get(b"content-length", b"")
        limit = self.config.max_request_bytes
        if length.isdigit() and int(length) > limit:
            response = error_response(
                413,
                f"PayloadTooLargeError: request body of {int(length)} bytes is over the "
                f"limit of {limit}",
            )
            await response(scope, receive, send)
            return
        if length.isdigit():
            await self.app(scope, receive, send)
            return
        # a body without Content-Length (chunked) is read here, counted, and replayed
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > limit:
                response = error_response(
                    413,
                    "PayloadTooLargeError: chunked request body is over the limit of "
                    f"{limit} bytes",
                )
                await response(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
