"""Shared fixtures: every test gets its own data and kernel-cache directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The compiled kernel cache is shared by the whole session (compiling it once is the
# point of the cache); data directories are per test.
os.environ.setdefault(
    "FERROX_MODEL_CACHE", str(Path(__file__).parent.parent / ".pytest_cache" / "ferrox-models")
)
os.environ.setdefault(
    "FERROX_CACHE_DIR", str(Path(__file__).parent.parent / ".pytest_cache" / "ferrox-kernels")
)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "ferrox-data"
    monkeypatch.setenv("FERROX_DATA_DIR", str(data))
    for key in (
        "FERROX_LLM_URL",
        "FERROX_LLM_MODEL",
        "FERROX_LLM_API_KEY",
        "FERROX_LLM_GGUF",
        "FERROX_PORT",
    ):
        monkeypatch.delenv(key, raising=False)
    return data
