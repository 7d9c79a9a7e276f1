"""BM25 inference (ferrox.vectordb.bm25): the hash, the term weights, and documents
embedded server-side by ``ferrox serve`` through qdrant-client's ``Document``."""

from __future__ import annotations

import pytest

from ferrox.errors import InvalidInputError
from ferrox.vectordb.bm25 import Bm25, murmur3_32, token_id


def test_murmur3_matches_the_reference_values() -> None:
    # MurmurHash3_x86_32 test vectors (seed 0 unless given)
    assert murmur3_32(b"") == 0
    assert murmur3_32(b"", seed=1) == 0x514E28B7
    assert murmur3_32(b"hello") == 0x248BFA47
    assert murmur3_32(b"The quick brown fox jumps over the lazy dog") == 0x2E4FF723
    assert token_id("foo") == 156908512  # |mmh3.hash("foo")|, as fastembed computes it


def test_document_weights_follow_bm25_and_queries_weigh_tokens_once() -> None:
    bm = Bm25()
    doc = bm.document("Animals, animals! The equal animals.")
    # stopword "the" dropped, "animals" stemmed to one token: tf 3 of 4 tokens
    norm = 1.2 * (1 - 0.75 + 0.75 * 4 / 256)
    weights = dict(zip(doc.indices.tolist(), doc.values.tolist(), strict=True))
    assert weights[token_id("anim")] == pytest.approx(3 * 2.2 / (3 + norm), rel=1e-6)
    assert weights[token_id("equal")] == pytest.approx(1 * 2.2 / (1 + norm), rel=1e-6)
    q = bm.query("equal animal equality")
    assert q.values.tolist() == [1.0, 1.0]
    assert bm.document("the a an").indices.size == 0
    with pytest.raises(InvalidInputError, match="b in"):
        Bm25.from_options({"b": 2})


def test_server_embeds_documents_with_bm25(tmp_path) -> None:
    from qdrant_client import QdrantClient
    from qdrant_client.http import models as m

    from tests.server.test_qdrant_api import Server

    srv = Server(tmp_path / "serve")
    try:
        client = QdrantClient(url=srv.url, prefer_grpc=False, timeout=60)
        client.create_collection(
            "docs",
            vectors_config={},
            sparse_vectors_config={"text": m.SparseVectorParams(modifier=m.Modifier.IDF)},
        )
        texts = ["I must not fear. Fear is the mind-killer.", "It was a pleasure to burn."]
        client.upsert(
            "docs",
            points=[
                m.PointStruct(id=i, vector={"text": m.Document(text=t, model="qdrant/bm25")})
                for i, t in enumerate(texts)
            ],
            wait=True,
        )
        hits = client.query_points(
            "docs", query=m.Document(text="fearing", model="qdrant/bm25"), using="text"
        ).points
        assert [h.id for h in hits] == [0]
        import httpx

        r = httpx.post(
            f"{srv.url}/collections/docs/points/query",
            json={"query": {"text": "x", "model": "acme/unknown"}, "using": "text"},
        )
        assert r.status_code == 501 and "no server-side inference" in r.json()["status"]["error"]
    finally:
        srv.stop()
