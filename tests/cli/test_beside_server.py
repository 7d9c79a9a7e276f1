"""CLI commands on a data dir that a running ``ferrox serve`` holds: they go through
the server's HTTP API (as Docker's CLI talks to its daemon) and answer what the
server answers; a directory another CLI process holds stays a clear locked error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ferrox.vectordb.locks import DirectoryLock, parse_holder
from tests.rag.corpus import write_corpus
from tests.server.test_qdrant_api import Server

KEY = "beside-s3cret"
HEADERS = {"api-key": KEY}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("beside"), "--api-key", KEY)
    yield srv
    srv.stop()


def ferrox(server: Server, *args: str, key: str | None = KEY) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FERROX_API_KEY"}
    if key is not None:
        env["FERROX_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "ferrox.cli.main", "--data-dir", str(server.data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def call(server: Server, method: str, path: str, body: object = None) -> object:
    r = httpx.request(method, server.url + path, json=body, headers=HEADERS, timeout=120)
    assert r.status_code < 300, r.text
    return r.json()


def test_the_lock_names_the_server(server: Server) -> None:
    holder = DirectoryLock.holder(server.data_dir / "vectordb")
    assert holder == {
        "pid": server.proc.pid,
        "address": server.url,
        "api_key_required": True,
    }
    assert parse_holder("1234") == {"pid": 1234}  # lock files of older versions
    assert DirectoryLock.holder(server.data_dir / "nowhere") is None


def test_db_list_info_search_go_through_the_server(server: Server) -> None:
    call(server, "PUT", "/collections/beside", {"vectors": {"size": 3, "distance": "Dot"}})
    points = [{"id": i, "vector": [1.0, float(i), 0.5], "payload": {"i": i}} for i in range(1, 6)]
    call(server, "PUT", "/collections/beside/points?wait=true", {"points": points})

    r = ferrox(server, "db", "list")
    assert r.returncode == 0, r.stderr
    assert "through ferrox serve at " + server.url in r.stderr
    row = next(line for line in r.stdout.splitlines() if "beside" in line)
    assert row.split("│")[1:5] == [" beside     ", " 5      ", " 3    ", " Dot      "]

    r = ferrox(server, "db", "info", "beside")
    assert r.returncode == 0, r.stderr
    info = call(server, "GET", "/collections/beside")["result"]  # type: ignore[index]
    assert json.loads(r.stdout) == info

    body = {"vector": [0.0, 1.0, 0.0], "limit": 3, "with_payload": True}
    hits = call(server, "POST", "/collections/beside/points/search", body)["result"]  # type: ignore[index]
    r = ferrox(server, "db", "search", "beside", "--vector", "[0, 1, 0]", "--limit", "3")
    assert r.returncode == 0, r.stderr
    rows = [line.split("│")[1:3] for line in r.stdout.splitlines() if line.startswith("│")]
    assert [(int(i), float(s)) for i, s in rows] == [(h["id"], round(h["score"], 4)) for h in hits]
    assert [h["id"] for h in hits] == [5, 4, 3]

    r = ferrox(server, "db", "search", "nope", "--vector", "[0, 1, 0]")
    assert r.returncode == 2 and "doesn't exist" in r.stderr and "Traceback" not in r.stderr


def test_kb_ingest_and_ask_go_through_the_server(server: Server, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    r = ferrox(server, "kb", "ingest", str(corpus), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["added"] == 6 and len(report["skipped"]) == 2
    assert report["embedded"] > 0 and report["dense_note"] == ""
    status = call(server, "GET", "/api/kb/default")
    assert report["kb"]["files"] == status["files"] == 6  # type: ignore[index]

    question = "Who is the mascot of the Rust community?"
    r = ferrox(server, "ask", "--json", "--top-k", "2", question)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    body = {"question": question, "top_k": 2}
    assert out == call(server, "POST", "/api/ask", body)
    assert out["method"] == "extractive" and out["sources"][0]["path"].endswith("ferris.html")
    assert out["sources"][0]["dense"] is not None  # dense retrieval took part
    assert not any("busy" in note for note in out["notes"])

    r = ferrox(server, "ask", "How do I spawn a thread?")
    assert r.returncode == 0 and "Sources" in r.stdout and "fn.spawn.html" in r.stdout

    # a second ingest while the server's requests hold the knowledge base open: it
    # embeds into the server's own index instead of finding it busy
    (corpus / "notes.md").write_text("# Borrow checker notes\n\nLifetimes name regions.\n")
    r = ferrox(server, "kb", "ingest", str(corpus), "--json")
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    assert again["updated"] == 1 and again["embedded"] > 0 and again["dense_note"] == ""
    found = call(server, "POST", "/api/search", {"query": "lifetimes regions", "mode": "dense"})
    assert found["sources"][0]["path"].endswith("notes.md")  # type: ignore[index]

    r = ferrox(server, "kb", "ingest", "/no/such/folder")
    assert r.returncode == 2 and "no such file or folder" in r.stderr


def test_a_missing_api_key_is_a_clear_error(server: Server) -> None:
    r = ferrox(server, "db", "list", key=None)
    assert r.returncode == 2 and "requires an API key" in r.stderr and "FERROX_API_KEY" in r.stderr
    r = ferrox(server, "ask", "anything", key="wrong")
    assert r.returncode == 2 and "refused the API key" in r.stderr


def test_a_directory_another_cli_holds_stays_locked(tmp_path: Path) -> None:
    db = tmp_path / "vdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, ferrox.vectordb as v; d = v.Database(sys.argv[1]);"
            " d.create_collection('c', 2); print('ready', flush=True); sys.stdin.read()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        r = subprocess.run(
            [sys.executable, "-m", "ferrox.cli.main", "db", "list", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 2
        assert f"is locked: the database is open in process {holder.pid}" in r.stderr
        assert "ferrox serve" not in r.stderr and "Traceback" not in r.stderr
    finally:
        holder.communicate("", timeout=30)
