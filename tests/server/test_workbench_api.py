"""The workbench's /api routes, the web page and the API key, over HTTP on a real server."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.test_qdrant_api import Server

C_SOURCE = """#include <stdio.h>
int sq(int x) { return x * x; }
int main(void) { printf("%d\\n", sq(7)); return 0; }
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("workbench"), "--enable-translate", "--log-requests")
    yield srv
    srv.stop()


def test_ad_contract(server: Server) -> None:
    r = httpx.post(f"{server.url}/api/ad", json={"expression": "x**2 + 3*x", "at": {"x": 2}})
    assert r.status_code == 200
    body = r.json()
    assert body["value"] == 10.0 and body["gradient"] == {"x": 7.0}


def test_ad_hessian_and_plot(server: Server) -> None:
    body = {
        "expression": "x*x*y",
        "at": {"x": 1, "y": 3},
        "hessian": True,
        "plot": {"variable": "x", "start": -1, "stop": 1, "points": 5},
    }
    r = httpx.post(f"{server.url}/api/ad", json=body).json()
    assert r["hessian"] == [[6.0, 2.0], [2.0, 0.0]]
    assert r["plot"]["x"] == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert r["plot"]["f"] == [3.0, 0.75, 0.0, 0.75, 3.0] and r["plot"]["df"][0] == -6.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"expression": "__import__('os')", "at": {"x": 1}}, "unknown function"),
        ({"expression": "x +", "at": {"x": 1}}, "invalid syntax"),
        ({"expression": "x" * 3000, "at": {"x": 1}}, "expression"),
        ({"expression": "log(x)", "at": {"x": 1}, "plot": {"start": 2, "stop": 1}}, "start < stop"),
    ],
)
def test_ad_bad_input_is_4xx_json(server: Server, body: dict, message: str) -> None:
    r = httpx.post(f"{server.url}/api/ad", json=body)
    assert 400 <= r.status_code < 500
    assert message in r.json()["status"]["error"]


def test_translate_returns_rust_tiers_and_test_results(server: Server) -> None:
    r = httpx.post(
        f"{server.url}/api/c2rust", json={"source": C_SOURCE, "tests": [{"args": []}]}, timeout=300
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["report"]["build_ok"] and out["report"]["tests"]["passed"] == 1
    assert {f["name"]: f["tier"] for f in out["report"]["functions"]} == {
        "sq": "safe",
        "main": "safe",
    }
    assert "pub fn sq(" in out["rust"]["main_c.rs"]
    assert out["headline"].startswith("build ok · tests 1/1") and "stubs 0/2" in out["headline"]
    names = zipfile.ZipFile(io.BytesIO(base64.b64decode(out["project_zip"]))).namelist()
    assert {"translated/Cargo.toml", "translated/rt/src/lib.rs", "translated/report.md"} <= set(
        names
    )
    assert not any(n.startswith("translated/target/") for n in names)
    assert not any((server.data_dir / "tmp").iterdir())  # the scratch dir is cleaned up


def test_translate_empty_source_is_a_clear_400(server: Server) -> None:
    r = httpx.post(f"{server.url}/api/c2rust", json={"source": "  \n"})
    assert r.status_code == 400 and "empty" in r.json()["status"]["error"]


def test_translate_rejects_paths_and_oversize_input(server: Server) -> None:
    r = httpx.post(f"{server.url}/api/c2rust", json={"files": {"../evil.c": "int x;"}})
    assert r.status_code == 400 and "bad file name" in r.json()["status"]["error"]
    r = httpx.post(f"{server.url}/api/c2rust", json={"source": "x" * (300 * 1024)})
    assert r.status_code == 400 and "limit" in r.json()["status"]["error"]


def test_translate_is_off_by_default(tmp_path: Path) -> None:
    srv = Server(tmp_path)
    try:
        r = httpx.post(f"{srv.url}/api/c2rust", json={"source": C_SOURCE})
        assert r.status_code == 403 and "--enable-translate" in r.json()["status"]["error"]
    finally:
        srv.stop()


def test_web_page_and_root(server: Server) -> None:
    page = httpx.get(f"{server.url}/app")
    assert page.status_code == 200 and "ferrox" in page.text and "readEvents" in page.text
    assert "/*SCRIPT*/" not in page.text and "/*STYLE*/" not in page.text
    assert "<!doctype html>" in httpx.get(server.url + "/", headers={"accept": "text/html"}).text
    assert httpx.get(server.url + "/").json()["version"]
    assert httpx.get(server.url + "/docs").status_code == 200


def test_ingest_progress_events_then_ask(server: Server) -> None:
    r = httpx.post(f"{server.url}/api/kb/ingest", json={"dense": False})
    assert r.status_code == 202 and r.json()["running"]
    again = httpx.post(f"{server.url}/api/kb/ingest", json={"dense": False})
    assert (
        again.status_code == 409
        or not httpx.get(f"{server.url}/api/kb").json()["ingest"]["running"]
    )
    events = []
    with httpx.stream("GET", f"{server.url}/api/kb/ingest/events", timeout=600) as s:
        for line in s.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert events[-1]["running"] is False and events[-1]["error"] is None
    assert events[-1]["bm25_ready"] is True and events[-1]["total"] > 100
    kb = httpx.get(f"{server.url}/api/kb").json()
    assert kb["kbs"] == ["default"] and kb["ingest"]["report"]["chunks"] > 1000
    ans = httpx.post(
        f"{server.url}/api/ask",
        json={"question": "How do I read a file?", "llm": False},
        timeout=120,
    ).json()
    assert ans["sources"] and "[1]" in ans["answer"]


def test_requests_are_logged_as_json_lines(server: Server) -> None:
    httpx.get(f"{server.url}/healthz")
    server.proc.terminate()
    out = server.proc.stdout.read().decode()
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    assert any(x.get("path") == "/api/ad" and x["status"] == 200 and "ms" in x for x in lines)


def test_api_key_guards_everything_but_healthz(tmp_path: Path) -> None:
    srv = Server(tmp_path, "--api-key", "s3cret")
    try:
        assert httpx.get(f"{srv.url}/healthz").status_code == 200
        body = {"expression": "x", "at": {"x": 1}}
        assert httpx.post(f"{srv.url}/api/ad", json=body).status_code == 401
        assert (
            httpx.post(f"{srv.url}/api/ad", json=body, headers={"api-key": "s3cret"}).status_code
            == 200
        )
        assert httpx.get(f"{srv.url}/app").status_code == 401
        assert httpx.get(f"{srv.url}/app?api_key=s3cret").status_code == 200
        assert httpx.get(f"{srv.url}/api/kb").status_code == 401
        assert httpx.get(f"{srv.url}/collections").status_code == 401
    finally:
        srv.stop()


def _wait_bm25(srv: Server, seconds: float = 180) -> dict:
    import time

    deadline = time.time() + seconds
    state = httpx.get(f"{srv.url}/api/kb").json()["ingest"]
    while not state.get("bm25_ready") and time.time() < deadline:
        time.sleep(0.5)
        state = httpx.get(f"{srv.url}/api/kb").json()["ingest"]
    return state


def test_first_start_ingests_the_quick_rust_docs_in_the_background(tmp_path: Path) -> None:
    srv = Server(tmp_path, "--ingest")
    try:
        first = httpx.get(f"{srv.url}/api/kb").json()["ingest"]
        assert first["kb"] == "default" and first["stage"] != "idle"
        state = _wait_bm25(srv)
        assert state["bm25_ready"] and state["error"] is None
        # usable while the dense stage still runs: BM25 answers at once
        found = httpx.post(
            f"{srv.url}/api/search", json={"query": "ownership borrowing", "top_k": 3}, timeout=120
        ).json()
        assert len(found["sources"]) == 3
        files = httpx.get(f"{srv.url}/api/kb/default", timeout=60).json()["files"]
        assert files > 1000
    finally:
        srv.stop()
    again = Server(tmp_path, "--ingest")  # later starts are incremental: nothing re-parsed
    try:
        state = _wait_bm25(again)
        assert state["bm25_ready"] and state["error"] is None
        assert httpx.get(f"{again.url}/api/kb/default", timeout=60).json()["files"] == files
    finally:
        again.stop()


def test_translate_a_zipped_multi_file_project(server_tr: Server) -> None:
    import base64
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("proj/include/add.h", "int add(int a, int b);\n")
        z.writestr(
            "proj/add.c", '#include "include/add.h"\nint add(int a, int b) { return a + b; }\n'
        )
        z.writestr(
            "proj/main.c",
            '#include <stdio.h>\n#include "include/add.h"\n'
            'int main(void) { printf("%d\\n", add(2, 3)); return 0; }\n',
        )
        z.writestr("proj/README", "ignored")
    body = {"zip_base64": base64.b64encode(buf.getvalue()).decode(), "tests": [{"args": []}]}
    r = httpx.post(f"{server_tr.url}/api/c2rust", json=body, timeout=300)
    assert r.status_code == 200, r.text
    rep = r.json()["report"]
    assert rep["build_ok"] and rep["tests"]["passed"] == 1
    assert {f["name"] for f in rep["functions"]} == {"add", "main"}
    bad = httpx.post(f"{server_tr.url}/api/c2rust", json={"zip_base64": "bm90IGEgemlw"})
    assert bad.status_code == 400 and "not a base64-encoded zip" in bad.json()["status"]["error"]


@pytest.fixture(scope="module")
def server_tr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("workbench-tr"), "--enable-translate")
    yield srv
    srv.stop()


HANGING_WORKER = """
import os, subprocess, sys, time
from pathlib import Path
work, pids = Path(sys.argv[1]), Path(sys.argv[2])
writer = subprocess.Popen([sys.executable, "-c", '''
import os, sys, time
from pathlib import Path
out = Path(sys.argv[1]) / "out"
while True:
    out.mkdir(parents=True, exist_ok=True)
    (out / "still-writing").write_text(str(time.time()))
    time.sleep(0.01)
''', str(work)], start_new_session=True)
pids.write_text(f"{os.getpid()} {writer.pid}")
time.sleep(3600)
"""


def test_a_timed_out_translation_is_killed_before_its_directory_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import time

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from ferrox.server import workbench_api

    pids = tmp_path / "pids"
    monkeypatch.setattr(workbench_api, "TRANSLATE_TIMEOUT_S", 2.0)
    monkeypatch.setattr(
        workbench_api,
        "_worker_command",
        lambda work: [sys.executable, "-c", HANGING_WORKER, str(work), str(pids)],
    )
    data = tmp_path / "data"
    app = FastAPI()
    app.include_router(workbench_api.build_workbench_router(lambda: data, lambda: None, True))
    with TestClient(app) as client:
        r = client.post("/api/c2rust", json={"source": C_SOURCE})
    assert r.status_code == 504 and "took over 2 s" in r.json()["status"]["error"]
    worker, writer = map(int, pids.read_text().split())

    def alive(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
        except OSError:
            return False

    # the worker and the grandchild it spawned in a session of its own are both gone ...
    assert not alive(worker) and not alive(writer)
    # ... and nothing writes into the removed work directory any more
    time.sleep(0.3)
    assert list((data / "tmp").iterdir()) == []
    # the lock was released: the next translation runs (its worker just exits, so a 500)
    monkeypatch.setattr(workbench_api, "_worker_command", lambda work: [sys.executable, "-c", ""])
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/api/c2rust", json={"source": C_SOURCE}).status_code == 500
    assert list((data / "tmp").iterdir()) == []
