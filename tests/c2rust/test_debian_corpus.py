"""Four small real C programs from Debian packages translate, build and pass every vector.

The programs come from the shared development corpus (``../shared/c2rust-corpus`` next to
the repository, fetched with ``apt-get source`` by its ``get_corpus.py`` into
``~/.cache/ferrox/c2rust-corpus``); their code is never part of this repository. The tests
skip, saying why, where that folder is absent or apt cannot fetch the sources.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ferrox.c2rust import translate

ROOT = Path(__file__).resolve().parents[2]
SLICE = ["jsmn-simple", "libcsv-csvtest", "genht-doc_example", "uthash-tests_test92"]

pytestmark = pytest.mark.slow


def _bench() -> ModuleType:
    """``bench/c2rust/corpus.py``, whose fetching and expected.json check the tests share."""
    path = ROOT / "bench" / "c2rust" / "corpus.py"
    spec = importlib.util.spec_from_file_location("ferrox_bench_c2rust_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cache_dir(tmp_path_factory: pytest.TempPathFactory, bench: ModuleType) -> Path:
    """The user's cache (kept between runs) when writable, else a session temporary folder."""
    cache = Path(bench.CACHE) / "dev-core"
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return tmp_path_factory.mktemp("c2rust-corpus")
    return cache if os.access(cache, os.W_OK) else tmp_path_factory.mktemp("c2rust-corpus")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The slice laid out (fetched when missing): folder name to program folder."""
    bench = _bench()
    corpus_json = Path(bench.DEFAULT_CORPUS)
    if not corpus_json.is_file():
        pytest.skip(f"no Debian C corpus at {corpus_json} (the shared folder is not in a clone)")
    entries = {bench.program_name(e): e for e in bench.load_corpus(corpus_json)}
    assert set(SLICE) <= set(entries), f"not in {corpus_json.name}: {set(SLICE) - set(entries)}"
    dest = _cache_dir(tmp_path_factory, bench)
    missing = [entries[n] for n in SLICE if not bench.is_laid_out(entries[n], dest / n)]
    if missing:
        err = bench.fetch_programs(corpus_json, missing, dest, timeout=1800)
        if err:
            pytest.skip(f"could not fetch the Debian corpus slice into {dest}: {err}")
    return {n: dest / n for n in SLICE}


@pytest.mark.parametrize("name", SLICE)
def test_debian_program_builds_and_passes(
    name: str, corpus: dict[str, Path], tmp_path: Path
) -> None:
    src = corpus[name]
    out = tmp_path / "out"
    report: dict[str, Any] = translate(
        src, out, tests=src / "vectors.json", force=True, clippy=False
    ).report
    assert report["build_ok"], report.get("build_log") or report["repair_log"]
    stubs = [(f["name"], f["reason"]) for f in report["functions"] if f["tier"] == "stub"]
    assert not stubs
    tests = report["tests"]
    assert tests["total"] > 0, tests["discarded"]
    assert tests["passed"] == tests["total"], tests["failures"]
    # the second check: the Rust build reproduces what the corpus recorded from plain gcc
    check = _bench().check_expected(src, out, json.loads((src / "vectors.json").read_text()))
    assert check is not None, f"{src}: no expected.json"
    assert check["passed"] == check["total"] > 0, check["failures"]
