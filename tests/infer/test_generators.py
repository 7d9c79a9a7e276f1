"""Generators: the OpenAI-compatible client against servers that are down or
misbehave, and (slow) the real llama.cpp stack with a tiny GGUF model written here."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from ferrox.errors import GenerationError, InvalidInputError, LLMUnavailableError
from ferrox.infer import OpenAIGenerator, load_generator

MESSAGES = [{"role": "user", "content": "hello"}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Script(http.server.BaseHTTPRequestHandler):
    """Answers each request with the next scripted (status, content type, body)."""

    script: ClassVar[list[tuple[int, str, bytes]]] = []
    hits = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).hits += 1
        status, ctype, body = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[tuple[str, type[_Script]]]:
    handler = type("Handler", (_Script,), {"script": [], "hits": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()


def _sse(*pieces: str) -> bytes:
    events = [{"choices": [{"delta": {"content": p}}]} for p in pieces]
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + (
        b"data: [DONE]\n\n"
    )


def test_streams_pieces_and_retries_server_errors(scripted) -> None:
    url, handler = scripted
    handler.script = [(503, "text/plain", b"busy"), (200, "text/event-stream", _sse("Hel", "lo"))]
    gen = OpenAIGenerator(url, "m", backoff=0.01)
    assert list(gen.stream(MESSAGES)) == ["Hel", "lo"]
    assert handler.hits == 2


def test_plain_json_answer_is_accepted(scripted) -> None:
    url, handler = scripted
    body = {"choices": [{"message": {"role": "assistant", "content": "whole"}}]}
    handler.script = [(200, "application/json", json.dumps(body).encode())]
    assert OpenAIGenerator(url, "m").generate(MESSAGES) == "whole"


@pytest.mark.parametrize(
    ("status", "ctype", "body", "error", "match"),
    [
        (200, "text/event-stream", b"data: {not json\n\n", GenerationError, "unreadable event"),
        (
            200,
            "text/event-stream",
            b'data: {"error": "model exploded"}\n\n',
            GenerationError,
            "model exploded",
        ),
        (200, "text/html", b"<html>proxy login</html>", GenerationError, "neither"),
        (400, "application/json", b'{"error": "bad request"}', GenerationError, "HTTP 400"),
        (500, "text/plain", b"boom", LLMUnavailableError, "HTTP 500"),
    ],
)
def test_garbage_and_errors_are_named(scripted, status, ctype, body, error, match) -> None:
    url, handler = scripted
    handler.script = [(status, ctype, body)]
    with pytest.raises(error, match=match):
        OpenAIGenerator(url, "m", retries=1, backoff=0.01).generate(MESSAGES)


def test_server_down_is_unavailable_after_retries() -> None:
    gen = OpenAIGenerator(f"http://127.0.0.1:{_free_port()}", "m", retries=2, backoff=0.01)
    start = time.perf_counter()
    with pytest.raises(LLMUnavailableError, match="unreachable"):
        gen.generate(MESSAGES)
    assert time.perf_counter() - start < 5


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInputError, match="http"):
        OpenAIGenerator("localhost:8000")
    with pytest.raises(InvalidInputError, match="role"):
        OpenAIGenerator("http://127.0.0.1:1", "m").generate([{"role": "robot", "content": "x"}])
    with pytest.raises(InvalidInputError, match="unknown generator"):
        load_generator("gpt-5")
    assert load_generator("none") is None
    with pytest.raises(LLMUnavailableError, match="no GGUF"):
        load_generator("/nonexistent/model.gguf")


def test_environment_selects_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_generator() is None
    monkeypatch.setenv("FERROX_LLM_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("FERROX_LLM_MODEL", "qwen")
    gen = load_generator()
    assert isinstance(gen, OpenAIGenerator)
    assert (gen.base_url, gen.model) == ("http://127.0.0.1:9/v1", "qwen")


# -- the real llama.cpp stack (llama-cpp-python builds from source: the llama extra) ----


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("gguf")
    pytest.importorskip("llama_cpp", reason="the llama extra (llama-cpp-python) is not installed")
    from tests.infer.tiny_gguf import write_tiny_llama

    return write_tiny_llama(tmp_path_factory.mktemp("gguf") / "tiny-llama.gguf")


@pytest.mark.slow
def test_llama_cpp_in_process(tiny_gguf: Path) -> None:
    from ferrox.infer import LlamaCppGenerator

    gen = LlamaCppGenerator(tiny_gguf, n_ctx=512)
    pieces = list(gen.stream(MESSAGES, max_tokens=12))
    assert len(pieces) >= 2 and all(isinstance(p, str) for p in pieces)
    assert gen.generate(MESSAGES, max_tokens=12, temperature=0.0) == gen.generate(
        MESSAGES, max_tokens=12, temperature=0.0
    )


@pytest.fixture(scope="module")
def llama_server(tiny_gguf: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(tiny_gguf),
            "--port",
            str(port),
            "--n_ctx",
            "512",
            "--model_alias",
            "tiny",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if OpenAIGenerator(url, retries=0).models():
                break
        except LLMUnavailableError:
            time.sleep(0.3)
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {proc.stderr.read()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.mark.slow
def test_llama_cpp_server_through_the_openai_client(llama_server: str) -> None:
    gen = OpenAIGenerator(llama_server)
    assert gen.models() == ["tiny"]
    pieces = list(gen.stream(MESSAGES, max_tokens=16))
    assert len(pieces) >= 2
    assert isinstance(gen.generate(MESSAGES, max_tokens=8), str)


@pytest.mark.slow
def test_ferrox_ask_streams_from_the_llm(llama_server: str, tmp_path: Path) -> None:
    from tests.rag.corpus import write_corpus

    env = {**os.environ, "FERROX_DATA_DIR": str(tmp_path / "data"), "FERROX_LLM_URL": llama_server}
    corpus = write_corpus(tmp_path / "corpus")
    ferrox = [sys.executable, "-m", "ferrox.cli.main"]
    subprocess.run([*ferrox, "kb", "ingest", str(corpus)], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*ferrox, "ask", "--json", "Who is the Rust mascot?"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["method"] == "llm" and result["generator"].startswith("openai:tiny")
    assert result["sources"][0]["path"].endswith("ferris.html")
