"""``ferrox serve``'s /api routes over a real knowledge base, through HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.rag.corpus import write_corpus
from tests.server.test_qdrant_api import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("serve-rag")
    corpus = write_corpus(data / "corpus")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ferrox.cli.main",
            "--data-dir",
            str(data),
            "kb",
            "ingest",
            str(corpus),
        ],
        check=True,
        capture_output=True,
    )
    srv = Server(data)
    yield srv
    srv.stop()


def test_status_search_and_ask(server: Server) -> None:
    status = httpx.get(f"{server.url}/api/kb/default", timeout=60).json()
    assert status["files"] == 6 and status["embedded"] == status["chunks"] + status["leads"]
    r = httpx.post(
        f"{server.url}/api/search", json={"query": "Rust mascot crab", "top_k": 2}, timeout=60
    )
    assert r.status_code == 200 and r.json()["sources"][0]["path"].endswith("ferris.html")
    r = httpx.post(f"{server.url}/api/ask", json={"question": "What is Tokio?"}, timeout=60)
    answer = r.json()
    assert r.status_code == 200 and answer["method"] == "extractive"
    assert "[1]" in answer["answer"] and answer["sources"][0]["path"].endswith("tokio.txt")


def test_ask_streams_server_sent_events(server: Server) -> None:
    events = []
    body = {"question": "Who is the mascot of the Rust community?", "stream": True}
    with httpx.stream("POST", f"{server.url}/api/ask", json=body, timeout=60) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert events[0]["type"] == "sources" and events[-1]["type"] == "done"
    assert any(e["type"] == "token" for e in events)
    assert events[-1]["answer"]["sources"][0]["path"].endswith("ferris.html")


def test_analyze(server: Server) -> None:
    r = httpx.post(
        f"{server.url}/api/analyze",
        json={
            "text": "Ferris the orange crab is the mascot. Rustaceans love Ferris a lot.",
            "compare": "The Rust mascot is a crab named Ferris.",
        },
        timeout=60,
    )
    out = r.json()
    assert r.status_code == 200, out
    assert out["language"] == "en" and len(out["embedding"]) == 384
    assert out["nearest"][0]["path"].endswith("ferris.html") and out["similarity"] > 0.5


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/ask", {"question": "  "}, 400, "question is empty"),
        ("/api/search", {"query": "x", "mode": "psychic"}, 400, "unknown retrieval mode"),
        ("/api/search", {"query": "x", "top_k": 0}, 400, "top_k"),
        ("/api/search", {"query": "x", "filters": {"colour": "red"}}, 400, "unknown filter"),
        ("/api/analyze", {"text": ""}, 400, "empty"),
        ("/api/ask", {"nope": 1}, 400, "question"),
        ("/api/search", {"query": "x", "kb": "../etc"}, 400, "bad knowledge base name"),
    ],
)
def test_bad_requests_are_4xx_json(
    server: Server, path: str, body: dict, status: int, message: str
) -> None:
    r = httpx.post(server.url + path, json=body, timeout=60)
    assert r.status_code == status, r.text
    assert message in r.json()["status"]["error"]


def test_unknown_kb_is_a_clear_404(server: Server, tmp_path: Path) -> None:
    r = httpx.post(f"{server.url}/api/search", json={"query": "x", "kb": "other"}, timeout=60)
    assert r.status_code == 404 and "no knowledge base" in r.json()["status"]["error"]
