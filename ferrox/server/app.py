"""The FastAPI application: routes, the error mapping (in one place), the optional API
key and the request-size limit."""

from __future__ import annotations

import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import ferrox
from ferrox.errors import FerroxError
from ferrox.server.qdrant_api import build_router
from ferrox.server.rag_api import RagService, build_rag_router
from ferrox.vectordb import Database

__all__ = ["ServerConfig", "create_app", "error_response"]

_OPEN_PATHS = frozenset({"/healthz", "/livez", "/readyz"})  # probes need no key, as in Qdrant


@dataclass
class ServerConfig:
    """What one server instance needs: where the data lives, and who may call it."""

    data_dir: Path
    api_key: str | None = None
    max_request_bytes: int = 32 * 1024 * 1024

    @property
    def db_dir(self) -> Path:
        """The vector database's directory inside the data dir."""
        return self.data_dir / "vectordb"


def error_response(status: int, message: str, started: float | None = None) -> JSONResponse:
    """Qdrant's error envelope: ``{"status": {"error": ...}, "time": ...}``."""
    elapsed = 0.0 if started is None else time.perf_counter() - started
    return JSONResponse({"status": {"error": message}, "time": elapsed}, status_code=status)


def create_app(config: ServerConfig) -> FastAPI:
    """A ready-to-serve app; the database opens at startup and closes at shutdown."""
    state: dict[str, Database] = {}
    rag = RagService(config.data_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["db"] = Database(config.db_dir)
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
        return error_response(exc.status_code, f"{exc.name}: {exc}")

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

    app.include_router(build_router(get_db, lambda: config.data_dir / "snapshots"))
    app.include_router(build_rag_router(lambda: rag))
    app.add_middleware(GuardMiddleware, config=config)
    return app


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
