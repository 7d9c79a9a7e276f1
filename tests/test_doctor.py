from __future__ import annotations

import shutil

from ferrox.config import load_settings
from ferrox.doctor import run_checks


def test_checks_are_true_to_the_machine() -> None:
    checks = {c.name: c for c in run_checks(load_settings())}
    assert checks["python"].ok
    assert checks["rustc"].ok == (shutil.which("rustc") is not None)
    assert checks["gcc"].ok == (shutil.which("gcc") is not None)
    assert checks["extra [ad]"].ok  # the test extras include it
    assert checks["LLM endpoint"].ok and "not configured" in checks["LLM endpoint"].detail
    for check in checks.values():
        assert check.ok or check.hint, f"{check.name} is missing but says nothing to fix it"


def test_unreachable_llm_is_reported(monkeypatch) -> None:
    monkeypatch.setenv("FERROX_LLM_URL", "http://127.0.0.1:9/v1")
    checks = {c.name: c for c in run_checks(load_settings())}
    assert not checks["LLM endpoint"].ok
    assert "unreachable" in checks["LLM endpoint"].detail
