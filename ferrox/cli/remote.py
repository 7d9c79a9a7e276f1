"""CLI commands beside a running ``ferrox serve``, the way Docker's CLI talks to its
daemon: a server records its address in the lock file of every directory it holds
(:func:`ferrox.vectordb.locks.advertise_server`); a command that finds its directory
locked by a server sends the operation to that server's HTTP API instead of failing.
A directory held by anything else (another CLI process) stays a clear
:class:`~ferrox.errors.LockedError`.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

from ferrox.errors import (
    ConfigError,
    ConflictError,
    FerroxError,
    InvalidInputError,
    LockedError,
    NotFoundError,
)
from ferrox.vectordb.locks import DirectoryLock

__all__ = [
    "Server",
    "ServerClient",
    "connect_url",
    "error_from_text",
    "find_server",
    "local_or_server",
]

T = TypeVar("T")
CONNECT_WAIT_S = 10.0
"""How long to retry a server that holds the lock but does not accept connections yet
(it takes its locks during startup, just before it listens)."""


def connect_url(host: str, port: int) -> str:
    """The base URL a client on this machine uses for a server bound to ``host``:
    a wildcard address (``0.0.0.0``, ``::``) becomes the loopback one."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a host name
    return f"http://{host}:{port}"


@dataclass(frozen=True)
class Server:
    """A running ``ferrox serve`` as its lock file describes it."""

    address: str
    pid: int | None = None
    api_key_required: bool = False
    directory: Path | None = None

    @classmethod
    def from_holder(cls, holder: dict[str, Any], directory: Path | None = None) -> Server | None:
        """The server named by a lock holder, or None when the holder is not a server."""
        address = holder.get("address")
        if not isinstance(address, str) or not address.startswith(("http://", "https://")):
            return None
        pid = holder.get("pid")
        return cls(
            address.rstrip("/"),
            pid if isinstance(pid, int) else None,
            bool(holder.get("api_key_required")),
            directory,
        )

    def describe(self) -> str:
        """``ferrox serve at URL (process N)``, for messages."""
        return f"ferrox serve at {self.address}" + (f" (process {self.pid})" if self.pid else "")


def find_server(*directories: Path) -> Server | None:
    """The first running server that holds one of ``directories``, or None."""
    for directory in directories:
        holder = DirectoryLock.holder(directory)
        server = None if holder is None else Server.from_holder(holder, Path(directory))
        if server is not None:
            return server
    return None


def local_or_server(open_local: Callable[[], T], api_key: str | None) -> T | ServerClient:
    """``open_local()`` (a database, say), or a client of the server that holds its
    directory when that raises :class:`LockedError` naming a server; any other holder's
    error is raised unchanged."""
    try:
        return open_local()
    except LockedError as exc:
        server = Server.from_holder(exc.holder)
        if server is None:
            raise
        return ServerClient(server, api_key)


_ERRORS: dict[int, type[FerroxError]] = {
    400: InvalidInputError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidInputError,
}


class ServerClient:
    """HTTP calls to a :class:`Server`, with the API key from the settings
    (``FERROX_API_KEY``); error answers become :class:`~ferrox.errors.FerroxError`\\ s."""

    def __init__(self, server: Server, api_key: str | None, *, timeout: float = 600.0) -> None:
        if server.api_key_required and not api_key:
            raise ConfigError(
                f"{server.describe()} holds this data directory and requires an API key: "
                "set FERROX_API_KEY (or api_key in the settings file)"
            )
        self.server = server
        headers = {"api-key": api_key} if api_key else {}
        self._http = httpx.Client(
            base_url=server.address,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=5.0),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ServerClient:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- plain requests ---------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None) -> Any:
        """The decoded JSON answer of one request; an error status raises."""
        response = self._send(lambda: self._http.request(method, path, json=body))
        self._check(response)
        return response.json()

    def qdrant(self, method: str, path: str, body: Any = None) -> Any:
        """The ``result`` of a Qdrant-API request."""
        return self.request(method, path, body)["result"]

    def events(self, method: str, path: str, body: Any = None) -> Iterator[tuple[str, Any]]:
        """``(event, data)`` pairs of a server-sent event stream."""
        timeout = httpx.Timeout(None, connect=5.0)  # a long stage may be silent for minutes

        def start() -> httpx.Response:
            req = self._http.build_request(method, path, json=body, timeout=timeout)
            return self._http.send(req, stream=True)

        response = self._send(start)
        try:
            if response.status_code >= 400:
                response.read()
                self._check(response)
            event = "message"
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    yield event, json.loads(line[5:].strip())
                    event = "message"
        finally:
            response.close()

    # -- internals --------------------------------------------------------------------
    def _send(self, call: Callable[[], httpx.Response]) -> httpx.Response:
        deadline = time.monotonic() + CONNECT_WAIT_S
        while True:
            try:
                return call()
            except httpx.ConnectError as exc:
                if time.monotonic() >= deadline:
                    raise FerroxError(
                        f"{self.server.describe()} holds this data directory but does not "
                        f"answer: {exc}"
                    ) from exc
                time.sleep(0.2)
            except httpx.HTTPError as exc:
                raise FerroxError(f"{self.server.describe()}: {exc}") from exc

    def _check(self, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        try:
            message = response.json()["status"]["error"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:500] or response.reason_phrase
        if response.status_code == 401:
            raise ConfigError(
                f"{self.server.describe()} refused the API key: set FERROX_API_KEY to its key"
            )
        raise error_from_text(str(message), _ERRORS.get(response.status_code, FerroxError))


def error_from_text(text: str, default: type[FerroxError] = FerroxError) -> FerroxError:
    """The error a server reported as ``"NotFoundError: ..."`` (its /api routes' wording)
    as that ferrox error; other text as ``default``."""
    import ferrox.errors

    name, sep, rest = text.partition(": ")
    cls = getattr(ferrox.errors, name, None) if sep and name.isidentifier() else None
    if isinstance(cls, type) and issubclass(cls, FerroxError):
        try:
            return cls(rest)
        except TypeError:  # an error class with required extra arguments
            return default(rest)
    return default(text)
