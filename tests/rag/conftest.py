"""Fixtures for ferrox.rag: the real MiniLM embedder (ONNX int8, exported once per
session) and a small corpus in every supported format."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rag.corpus import write_corpus


@pytest.fixture(scope="session")
def minilm():
    from ferrox.infer import OnnxEmbedder

    return OnnxEmbedder(quantize=True)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def kb(tmp_path: Path, minilm):
    from ferrox.rag import KnowledgeBase

    with KnowledgeBase(tmp_path / "data" / "kb" / "default", embedder=minilm) as base:
        yield base
