"""The workbench's own ``/api`` routes: differentiate (``/api/ad``), translate C
(``/api/c2rust``, off unless enabled) and knowledge-base ingests with progress
(``/api/kb``)."""

from __future__ import annotations

import base64
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from ferrox.errors import (
    ConflictError,
    ExpressionError,
    FerroxError,
    InvalidInputError,
    NotFoundError,
)

__all__ = ["IngestService", "build_workbench_router"]

MAX_EXPRESSION = 2000
MAX_C_BYTES = 256 * 1024
MAX_C_FILES = 50
TRANSLATE_TIMEOUT_S = 300.0


class PlotSpec(BaseModel):
    """A range over one variable, the others held at the point."""

    variable: str | None = None
    start: float = -5.0
    stop: float = 5.0
    points: int = Field(121, ge=2, le=1001)


class AdBody(BaseModel):
    """``POST /api/ad``."""

    expression: str = Field(max_length=MAX_EXPRESSION)
    at: dict[str, float]
    method: str = "reverse"
    hessian: bool = False
    plot: PlotSpec | None = None


class Vector(BaseModel):
    """One differential-test vector."""

    args: list[str] = Field(default_factory=list, max_length=64)
    stdin: str = Field("", max_length=64 * 1024)
    stdout: str | None = None
    exit_code: int | None = None


class C2RustBody(BaseModel):
    """``POST /api/c2rust``: one pasted file (``source``), a small project (``files``:
    relative path -> text) or a zip of one (``zip_base64``)."""

    source: str | None = None
    filename: str = "main.c"
    files: dict[str, str] | None = None
    zip_base64: str | None = Field(None, max_length=2 * 1024 * 1024)
    tests: list[Vector] | None = Field(None, max_length=50)


class IngestBody(BaseModel):
    """``POST /api/kb/ingest``."""

    kb: str = "default"
    rust_docs: bool = True
    quick: bool = True
    dense: bool = True
    paths: list[str] = Field(default_factory=list, max_length=1000)
    """Files or folders on the server's machine (absolute paths; loopback clients only:
    this is how ``ferrox kb ingest PATH`` runs beside a server)."""
    workers: int = Field(1, ge=1, le=64)


class IngestService:
    """One background ingest at a time, with its progress for the Status page.

    ``open_kb(name, dense)`` gives the knowledge base to ingest into (the server passes
    :meth:`RagService.open_for_ingest`: the vector database its requests already hold);
    without it each ingest opens the knowledge base on its own."""

    def __init__(
        self,
        data_dir: Path,
        on_ready: Callable[[str], None] | None = None,
        open_kb: Callable[..., Any] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.on_ready = on_ready
        self.open_kb = open_kb
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.state: dict[str, Any] = {"running": False, "stage": "idle", "done": 0, "total": 0}

    def start(self, body: IngestBody) -> dict[str, Any]:
        """Starts an ingest in a thread; a second one while one runs is a conflict."""
        with self._lock:
            if self.state["running"]:
                raise ConflictError("an ingest is already running")
            self.state = {
                "running": True,
                "kb": body.kb,
                "stage": "starting",
                "done": 0,
                "total": 0,
                "started": time.time(),
                "finished": None,
                "error": None,
                "bm25_ready": False,
                "report": None,
            }
            self._thread = threading.Thread(target=self._run, args=(body,), daemon=True)
            self._thread.start()
            return dict(self.state)

    def _progress(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            if self.state["stage"] != stage and self.state["stage"] == "parse" and self.on_ready:
                self.state["bm25_ready"] = True
                self.on_ready(self.state["kb"])
            self.state.update(stage=stage, done=done, total=total)

    def _run(self, body: IngestBody) -> None:
        from ferrox.rag import KnowledgeBase

        try:
            opened = (
                KnowledgeBase.open(self.data_dir, body.kb, create=True)
                if self.open_kb is None
                else self.open_kb(body.kb, dense=body.dense)
            )
            with opened as kb:
                report = kb.ingest(
                    body.paths,
                    rust_docs=body.rust_docs,
                    quick=body.quick and body.rust_docs,
                    dense=body.dense,
                    workers=body.workers,
                    progress=self._progress,
                )
            with self._lock:
                self.state["report"] = (
                    report.as_dict() if hasattr(report, "as_dict") else str(report)
                )
        except Exception as exc:  # reported on the Status page, never raised into the server
            with self._lock:
                self.state["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            with self._lock:
                self.state.update(running=False, finished=time.time(), stage="done")
                if not self.state["error"]:
                    self.state["bm25_ready"] = True
            if self.on_ready:
                self.on_ready(body.kb)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self.state)

    def wait(self, timeout: float | None = None) -> None:
        """Blocks until the running ingest ends (tests and shutdown)."""
        t = self._thread
        if t is not None:
            t.join(timeout)


def _loopback(host: str) -> bool:
    """Whether a client address is this machine (TestClient's ``testclient`` too)."""
    import ipaddress

    if host == "testclient":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def _plot(
    expression: str, at: dict[str, float], spec: PlotSpec, variables: list[str]
) -> dict[str, Any]:
    from ferrox.ad.service import differentiate

    var = spec.variable or (variables[0] if variables else None)
    if var is None or var not in at:
        raise ExpressionError(f"plot variable {var!r} is not one of the expression's variables")
    if not (math.isfinite(spec.start) and math.isfinite(spec.stop)) or spec.start >= spec.stop:
        raise InvalidInputError("plot range needs finite start < stop")
    xs, fs, dfs = [], [], []
    step = (spec.stop - spec.start) / (spec.points - 1)
    for k in range(spec.points):
        x = spec.start + k * step
        point = dict(at, **{var: x})
        try:
            r = differentiate(expression, point)
            f, df = r["value"], r["gradient"][var]
            ok = math.isfinite(f) and math.isfinite(df)
        except FerroxError:
            ok = False
        xs.append(x)
        fs.append(f if ok else None)
        dfs.append(df if ok else None)
    return {"variable": var, "x": xs, "f": fs, "df": dfs}


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return (
        name.endswith((".c", ".h"))
        and "\\" not in name
        and all(
            p and not p.startswith(".") and p.replace("-", "_").replace(".", "_").isidentifier()
            for p in parts
        )
    )


def _unzip(data_b64: str) -> dict[str, str]:
    import base64
    import binascii
    import io
    import zipfile

    try:
        raw = base64.b64decode(data_b64, validate=True)
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (binascii.Error, zipfile.BadZipFile, ValueError) as exc:
        raise InvalidInputError(f"zip_base64 is not a base64-encoded zip file: {exc}") from exc
    files: dict[str, str] = {}
    total = 0
    for info in archive.infolist():
        if info.is_dir() or not info.filename.endswith((".c", ".h")):
            continue
        total += info.file_size  # declared sizes, checked before anything is inflated
        if total > MAX_C_BYTES or len(files) >= MAX_C_FILES:
            raise InvalidInputError(
                f"the zip holds more than {MAX_C_BYTES} bytes or {MAX_C_FILES} C files"
            )
        files[info.filename] = archive.read(info)[: MAX_C_BYTES + 1].decode("utf-8", "replace")
    return files


def _project_files(body: C2RustBody) -> dict[str, str]:
    files = dict(body.files or {})
    if body.zip_base64 is not None:
        files.update(_unzip(body.zip_base64))
    if body.source is not None:
        files[body.filename] = body.source
    if not files:
        raise InvalidInputError(
            "give 'source' (one C file), 'files' (path -> text) or 'zip_base64'"
        )
    if len(files) > MAX_C_FILES:
        raise InvalidInputError(f"at most {MAX_C_FILES} files")
    total = 0
    for name, text in files.items():
        if not _safe_name(name):
            raise InvalidInputError(
                f"bad file name {name!r}: a relative path of plain names ending in .c or .h"
            )
        total += len(text.encode())
    if total > MAX_C_BYTES:
        raise InvalidInputError(f"the C sources are {total} bytes; the limit is {MAX_C_BYTES}")
    return files


def build_workbench_router(
    data_dir: Callable[[], Path], ingest: Callable[[], IngestService], translate_enabled: bool
) -> APIRouter:
    """``/api/ad``, ``/api/c2rust`` and ``/api/kb`` (list, ingest, progress events)."""
    router = APIRouter(prefix="/api", tags=["workbench"])
    translate_lock = threading.Lock()

    @router.post("/ad")
    def ad(body: AdBody) -> dict[str, Any]:
        """Value, gradient (or Jacobian) and optionally Hessian of a typed-in expression at
        a point; with ``plot``, f and its derivative sampled over a range of one variable."""
        from ferrox.ad.service import differentiate

        result = differentiate(body.expression, body.at, method=body.method, hessian=body.hessian)
        if body.plot is not None:
            if "gradient" not in result:
                raise ExpressionError("plots need a scalar expression")
            result["plot"] = _plot(body.expression, body.at, body.plot, result["variables"])
        return result

    def _relative(value: Any, out_dir: Path) -> Any:
        """Paths in compiler messages relative to the project, not the server's scratch."""
        if isinstance(value, str):
            return value.replace(str(out_dir) + "/", "").replace(str(out_dir), ".")
        if isinstance(value, list):
            return [_relative(v, out_dir) for v in value]
        return value

    def _zip_project(out_dir: Path) -> str:
        """The whole Cargo project (runtime, tests, reports; no build output), base64 zip."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(out_dir.rglob("*")):
                rel = path.relative_to(out_dir)
                if path.is_file() and rel.parts[0] != "target":
                    zf.write(path, Path("translated") / rel)
        return base64.b64encode(buf.getvalue()).decode()

    @router.post("/c2rust", response_model=None)
    def c2rust(body: C2RustBody) -> dict[str, Any] | JSONResponse:
        """Translate pasted C (or a small project) to Rust; returns the Rust files, each
        function's tier and the build and test results. Off unless the server was started
        with ``--enable-translate``."""
        if not translate_enabled:
            return JSONResponse(
                {
                    "status": {
                        "error": "translation is off: start the server with --enable-translate"
                    }
                },
                status_code=403,
            )
        files = _project_files(body)
        if not any(text.strip() for text in files.values()):
            raise InvalidInputError("the C source is empty: paste a program with a main()")
        if not translate_lock.acquire(blocking=False):
            return JSONResponse(
                {"status": {"error": "a translation is running; retry later"}}, status_code=429
            )
        work = Path(tempfile.mkdtemp(prefix="c2rust-", dir=_scratch(data_dir())))
        try:
            src = work / "src"
            src.mkdir()
            for name, text in files.items():
                (src / name).parent.mkdir(parents=True, exist_ok=True)
                (src / name).write_text(text)
            if body.tests:
                (work / "vectors.json").write_text(
                    json.dumps([v.model_dump(exclude_none=True) for v in body.tests])
                )
            doc = _translate_in_child(work, TRANSLATE_TIMEOUT_S)
            if doc is None:
                return JSONResponse(
                    {"status": {"error": f"translation took over {TRANSLATE_TIMEOUT_S:g} s"}},
                    status_code=504,
                )
            if "error" in doc:
                raise _ChildError(doc["error"])
            report = doc["report"]
            rust = {
                p.name: p.read_text()
                for p in sorted((work / "out" / "src").glob("*.rs"))
                if p.name != "rt.rs"
            }
            keep = (
                "functions",
                "counts",
                "build_ok",
                "build_log",
                "tests",
                "safe_rate",
                "safety",
                "seconds",
                "repair_log",
                "skipped_items",
            )
            from ferrox.c2rust.project import headline

            out_dir = work / "out"
            kept = {k: report[k] for k in keep}
            for key in ("build_log", "repair_log"):
                kept[key] = _relative(kept[key], out_dir)
            return {
                "report": kept,
                "headline": headline(report),
                "rust": rust,
                "project_zip": _zip_project(out_dir),
            }
        finally:
            # _translate_in_child returns only once every process of the job has stopped
            shutil.rmtree(work, ignore_errors=True)
            translate_lock.release()

    @router.get("/kb")
    def kb_list() -> dict[str, Any]:
        """Knowledge bases on disk and the current (or last) ingest's progress."""
        root = data_dir() / "kb"
        names = (
            sorted(p.name for p in root.iterdir() if (p / "catalog.sqlite").exists())
            if root.exists()
            else []
        )
        return {"kbs": names, "ingest": ingest().snapshot()}

    @router.post("/kb/ingest", status_code=202, response_model=None)
    def kb_ingest(body: IngestBody, request: Request) -> dict[str, Any] | JSONResponse:
        """Start an ingest in the background (the quick Rust-docs subset by default;
        ``paths``: files or folders on this machine, for loopback clients only)."""
        if not body.rust_docs and not body.paths:
            raise InvalidInputError(
                "nothing to ingest: rust_docs: true (the local Rust docs) or paths"
            )
        if body.paths:
            client = request.client.host if request.client else ""
            if not _loopback(client):
                return JSONResponse(
                    {"status": {"error": "paths can only be ingested from this machine"}},
                    status_code=403,
                )
            for p in body.paths:
                path = Path(p)
                if not path.is_absolute():
                    raise InvalidInputError(f"paths must be absolute: {p!r}")
                if not path.exists():
                    raise NotFoundError(f"no such file or folder: {path}")
        return ingest().start(body)

    @router.get("/kb/ingest/events")
    def kb_ingest_events() -> StreamingResponse:
        """Server-sent ``progress`` events until the ingest ends, then ``done``."""

        def events() -> Iterator[str]:
            last = None
            while True:
                snap = ingest().snapshot()
                view = {
                    k: snap.get(k)
                    for k in ("stage", "done", "total", "running", "bm25_ready", "error")
                }
                if view != last:
                    yield f"event: progress\ndata: {json.dumps(view)}\n\n"
                    last = view
                if not snap.get("running"):
                    yield f"event: done\ndata: {json.dumps(view)}\n\n"
                    return
                time.sleep(0.5)

        return StreamingResponse(events(), media_type="text/event-stream")

    return router


class _ChildError(FerroxError):
    """A FerroxError raised in the translation's child process, re-raised here."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", "translation failed"))
        self.status_code = int(error.get("status_code", 500))
        self._name = str(error.get("name", "FerroxError"))

    @property
    def name(self) -> str:
        """The original error's class name (the HTTP error body shows it)."""
        return self._name


def _worker_command(work: Path) -> list[str]:
    return [sys.executable, "-m", "ferrox.server.translate_worker", str(work), str(os.getpid())]


def _translate_in_child(work: Path, timeout: float) -> dict[str, Any] | None:
    """Runs the translation of ``work`` in a child process (its own session); returns its
    result document, or None after a timeout. Either way every process of the job (the
    worker, cargo, gcc, sandboxes) has stopped when this returns."""
    from ferrox.c2rust.sandbox import kill_tree

    with open(work / "worker.log", "wb") as log:
        proc = subprocess.Popen(
            _worker_command(work),
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    finally:
        kill_tree(proc.pid, wait=10.0)
        proc.wait()
    result = work / "result.json"
    if result.exists():
        return json.loads(result.read_text())
    tail = (work / "worker.log").read_text(errors="replace").strip().splitlines()[-3:]
    return {
        "error": {
            "name": "FerroxError",
            "message": f"the translation process ended with code {proc.returncode}: "
            + " | ".join(tail)[:500],
            "status_code": 500,
        }
    }


def _scratch(data_dir: Path) -> Path:
    path = data_dir / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path
