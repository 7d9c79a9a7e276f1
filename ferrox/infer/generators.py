"""Text generators: one interface (``generate`` / ``stream`` over chat messages) for
any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, ...) and for llama.cpp
in process with a local GGUF file."""

from __future__ import annotations

import json
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ferrox.errors import (
    DependencyError,
    GenerationError,
    InvalidInputError,
    LLMUnavailableError,
)

__all__ = ["Generator", "LlamaCppGenerator", "OpenAIGenerator", "load_generator"]

Message = Mapping[str, str]


def check_messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    """Validate chat messages (role system/user/assistant, string content)."""
    if isinstance(messages, (str, bytes)) or not messages:
        raise InvalidInputError("messages must be a non-empty list of {role, content} objects")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, Mapping):
            raise InvalidInputError(f"message {i} is not an object")
        role, content = m.get("role"), m.get("content")
        if role not in ("system", "user", "assistant"):
            raise InvalidInputError(f"message {i}: role must be system, user or assistant")
        if not isinstance(content, str):
            raise InvalidInputError(f"message {i}: content must be a string")
        out.append({"role": role, "content": content})
    return out


class Generator(ABC):
    """Chat-style text generation."""

    name: str

    @abstractmethod
    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2
    ) -> Iterator[str]:
        """The reply, piece by piece as it is produced."""

    def generate(
        self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2
    ) -> str:
        """The whole reply."""
        return "".join(self.stream(messages, max_tokens=max_tokens, temperature=temperature))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class OpenAIGenerator(Generator):
    """A client for an OpenAI-compatible ``/v1/chat/completions`` endpoint.

    Connection failures, timeouts, 429 and 5xx answers are retried with exponential
    backoff (``retries`` times) as long as nothing has been streamed yet.
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.5,
    ) -> None:
        import httpx

        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise InvalidInputError(f"LLM URL must start with http:// or https://: {base_url!r}")
        base = base_url.rstrip("/")
        if not base.endswith("/v1"):
            base += "/v1"
        self.base_url = base
        self.model = model
        self.retries = retries
        self.backoff = backoff
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            headers=headers, timeout=httpx.Timeout(timeout, connect=connect_timeout)
        )
        self._httpx = httpx

    @property
    def name(self) -> str:  # type: ignore[override]
        """``openai:<model>@<base url>`` (the model once known)."""
        return f"openai:{self.model or '?'}@{self.base_url}"

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _with_retries(self, call: Any) -> Any:
        httpx = self._httpx
        for attempt in range(self.retries + 1):
            try:
                response = call()
            except (
                httpx.ConnectError,
                httpx.ConnectTimeout,
                httpx.ReadTimeout,
                httpx.RemoteProtocolError,
                httpx.ReadError,
            ) as exc:
                if attempt == self.retries:
                    raise LLMUnavailableError(
                        f"LLM server at {self.base_url} is unreachable "
                        f"({type(exc).__name__}: {exc or 'no answer'})"
                    ) from exc
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in (429, 500, 502, 503, 504) or attempt == self.retries:
                    body = response.read().decode(errors="replace")[:300]
                    response.close()
                    cls = LLMUnavailableError if response.status_code >= 500 else GenerationError
                    raise cls(f"LLM server answered HTTP {response.status_code}: {body}")
                response.close()
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def models(self) -> list[str]:
        """Model ids the server offers."""
        response = self._with_retries(lambda: self._client.get(f"{self.base_url}/models"))
        try:
            return [m["id"] for m in response.json()["data"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise GenerationError(f"unreadable /models answer from {self.base_url}") from exc

    def _model(self) -> str:
        if self.model is None:
            ids = self.models()
            if not ids:
                raise GenerationError(f"the LLM server at {self.base_url} lists no models")
            self.model = ids[0]
        return self.model

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2
    ) -> Iterator[str]:
        """Stream the reply over server-sent events."""
        body = {
            "model": self._model(),
            "messages": check_messages(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        request = self._client.build_request("POST", f"{self.base_url}/chat/completions", json=body)
        response = self._with_retries(lambda: self._client.send(request, stream=True))
        try:
            yield from self._events(response)
        except self._httpx.HTTPError as exc:
            raise LLMUnavailableError(f"LLM stream from {self.base_url} broke off: {exc}") from exc
        finally:
            response.close()

    def _events(self, response: Any) -> Iterator[str]:
        ctype = response.headers.get("content-type", "")
        if "text/event-stream" not in ctype:  # a server that ignored stream=True
            try:
                data = json.loads(response.read())
                yield data["choices"][0]["message"]["content"] or ""
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise GenerationError(
                    f"LLM server sent neither an event stream nor a chat completion ({ctype})"
                ) from exc
            return
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                return
            try:
                event = json.loads(payload)
            except ValueError as exc:
                raise GenerationError(
                    f"unreadable event from the LLM server: {payload[:80]!r}"
                ) from exc
            if "error" in event:
                raise GenerationError(f"LLM server error: {event['error']}")
            try:
                piece = event["choices"][0].get("delta", {}).get("content")
            except (KeyError, IndexError, TypeError, AttributeError) as exc:
                raise GenerationError(
                    f"unexpected event from the LLM server: {payload[:80]!r}"
                ) from exc
            if piece:
                yield piece


class LlamaCppGenerator(Generator):
    """llama.cpp in this process (llama-cpp-python) with a local GGUF model."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        seed: int = 0,
    ) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise LLMUnavailableError(f"no GGUF model file at {path}")
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise DependencyError(
                "the llama.cpp backend needs llama-cpp-python: pip install 'ferrox[llama]'"
            ) from exc
        try:
            self._llm = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, seed=seed, verbose=False
            )
        except (ValueError, RuntimeError) as exc:
            raise LLMUnavailableError(f"llama.cpp could not load {path}: {exc}") from exc
        self.name = f"llama.cpp:{path.name}"

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.2
    ) -> Iterator[str]:
        """Stream the reply token by token."""
        chunks = self._llm.create_chat_completion(
            messages=check_messages(messages),
            max_tokens=max_tokens,
            temperature=temperature,
            stream=True,
        )
        for chunk in chunks:
            piece = chunk["choices"][0].get("delta", {}).get("content")
            if piece:
                yield piece


def load_generator(
    spec: str | None = None,
    *,
    model: str | None = None,
    api_key: str | None = None,
) -> Generator | None:
    """A generator by spec: ``none`` (None), an ``http(s)://`` URL of an
    OpenAI-compatible server, or a path to a ``.gguf`` file. Without a spec the
    environment decides: ``FERROX_LLM_URL`` (+ ``FERROX_LLM_MODEL``,
    ``FERROX_LLM_API_KEY``), else ``FERROX_LLM_GGUF``, else none."""
    if spec is None:
        spec = os.environ.get("FERROX_LLM_URL") or os.environ.get("FERROX_LLM_GGUF") or "none"
        model = model or os.environ.get("FERROX_LLM_MODEL") or None
        api_key = api_key or os.environ.get("FERROX_LLM_API_KEY") or None
    if spec in ("", "none"):
        return None
    if spec.startswith(("http://", "https://")):
        return OpenAIGenerator(spec, model, api_key=api_key)
    if spec.endswith(".gguf"):
        return LlamaCppGenerator(spec)
    raise InvalidInputError(
        f"unknown generator {spec!r}: use none, an http(s):// URL or a .gguf path"
    )
