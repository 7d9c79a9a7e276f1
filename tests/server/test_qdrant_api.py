"""``ferrox serve`` driven by the official qdrant-client (REST mode), raw responses
checked against qdrant-client's own pydantic models."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from qdrant_client import QdrantClient
from qdrant_client.http import models as m
from qdrant_client.http.exceptions import UnexpectedResponse


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real ``ferrox serve`` process on a free port."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "ferrox.cli.main", "serve", "--port", str(self.port)]
        if "--ingest" not in extra:
            cmd.append("--no-ingest")
        cmd += ["--data-dir", str(data_dir), *extra]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=os.environ.copy()
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stdout.read().decode() if self.proc.stdout else "died")
        raise RuntimeError("ferrox serve did not come up")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("serve"))
    yield srv
    srv.stop()


@pytest.fixture
def client(server: Server) -> QdrantClient:
    return QdrantClient(url=server.url, prefer_grpc=False, timeout=60)


def result(response: httpx.Response) -> object:
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and isinstance(body["time"], float)
    return body["result"]


def test_qdrant_client_end_to_end(client: QdrantClient, server: Server) -> None:
    name = "e2e"
    client.create_collection(
        name, vectors_config=m.VectorParams(size=4, distance=m.Distance.COSINE)
    )
    assert client.collection_exists(name)
    assert name in [c.name for c in client.get_collections().collections]
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((60, 4))
    u = str(uuid.uuid4())
    points = [
        m.PointStruct(
            id=i, vector=vecs[i].tolist(), payload={"city": ["Berlin", "London"][i % 2], "n": i}
        )
        for i in range(59)
    ]
    points.append(m.PointStruct(id=u, vector=vecs[59].tolist(), payload={"city": "Paris", "n": 59}))
    assert client.upsert(name, points=points, wait=True).status == m.UpdateStatus.COMPLETED
    info = client.get_collection(name)
    assert info.points_count == 60 and info.config.params.vectors.size == 4

    london = m.Filter(must=[m.FieldCondition(key="city", match=m.MatchValue(value="London"))])
    hits = client.query_points(
        name, query=vecs[3].tolist(), limit=5, query_filter=london, with_payload=True
    ).points
    assert hits[0].id == 3 and all(h.payload["city"] == "London" for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    by_id = client.query_points(name, query=3, limit=1).points
    assert by_id[0].id != 3  # query by id excludes the point itself
    assert client.query_points(name, query=vecs[59].tolist(), limit=1).points[0].id == u

    assert (
        client.count(
            name,
            count_filter=m.Filter(must=[m.FieldCondition(key="n", range=m.Range(gte=10, lt=20))]),
        ).count
        == 10
    )
    page, nxt = client.scroll(name, limit=10, offset=5)
    assert [p.id for p in page] == list(range(5, 15)) and nxt == 15
    got = client.retrieve(name, ids=[1, u], with_vectors=True)
    assert [g.id for g in got] == [1, u]
    assert np.allclose(got[0].vector, vecs[1] / np.linalg.norm(vecs[1]), atol=1e-6)

    client.set_payload(name, payload={"x": 1}, points=[1])
    client.delete_payload(name, keys=["n"], points=[1])
    assert client.retrieve(name, ids=[1])[0].payload == {"city": "London", "x": 1}
    client.overwrite_payload(name, payload={"y": 2}, points=[2])
    client.clear_payload(name, points_selector=m.PointIdsList(points=[4]))
    assert client.retrieve(name, ids=[2, 4])[0].payload == {"y": 2}
    client.update_vectors(name, points=[m.PointVectors(id=5, vector=vecs[6].tolist())])
    assert {h.id for h in client.query_points(name, query=vecs[6].tolist(), limit=2).points} == {
        5,
        6,
    }

    client.create_payload_index(name, field_name="n", field_schema=m.PayloadSchemaType.INTEGER)
    assert client.get_collection(name).payload_schema["n"].data_type == m.PayloadSchemaType.INTEGER
    client.delete(
        name,
        points_selector=m.FilterSelector(
            filter=m.Filter(must=[m.FieldCondition(key="n", range=m.Range(gte=50))])
        ),
    )
    assert client.count(name).count == 50
    batch = client.query_batch_points(
        name,
        requests=[
            m.QueryRequest(query=vecs[7].tolist(), limit=2),
            m.QueryRequest(query=8, limit=3, with_payload=True),
        ],
    )
    assert batch[0].points[0].id == 7 and len(batch[1].points) == 3

    snap = client.create_snapshot(name)
    assert snap is not None and snap.name in [s.name for s in client.list_snapshots(name)]
    client.delete(name, points_selector=m.PointIdsList(points=list(range(50))))
    assert client.count(name).count == 0
    location = (server.data_dir / "snapshots" / name / snap.name).as_uri()
    assert client.recover_snapshot(name, location=location)
    assert client.count(name).count == 50
    assert client.delete_collection(name) and not client.collection_exists(name)


def test_raw_responses_match_qdrant_models(server: Server) -> None:
    url = server.url
    with httpx.Client(base_url=url, timeout=60) as h:
        assert (
            result(
                h.put(
                    "/collections/raw",
                    json={"vectors": {"size": 3, "distance": "Dot"}, "hnsw_config": {"m": 8}},
                )
            )
            is True
        )
        upd = result(
            h.put(
                "/collections/raw/points?wait=true",
                json={
                    "points": [
                        {"id": 1, "vector": [1, 0, 0], "payload": {"a": "x"}},
                        {"id": 2, "vector": [0, 1, 0]},
                    ]
                },
            )
        )
        m.UpdateResult.model_validate(upd)
        h.put(
            "/collections/raw/points",
            json={"batch": {"ids": [3], "vectors": [[0, 0, 1]], "payloads": [{"a": "y"}]}},
        )
        info = m.CollectionInfo.model_validate(result(h.get("/collections/raw")))
        assert info.points_count == 3 and info.config.hnsw_config.m == 8
        m.CollectionsResponse.model_validate(result(h.get("/collections")))
        m.CollectionExistence.model_validate(result(h.get("/collections/raw/exists")))
        qr = m.QueryResponse.model_validate(
            result(
                h.post(
                    "/collections/raw/points/query",
                    json={"query": [1, 0, 0], "limit": 2, "with_payload": True},
                )
            )
        )
        assert qr.points[0].id == 1 and qr.points[0].payload == {"a": "x"}
        m.ScrollResult.model_validate(
            result(h.post("/collections/raw/points/scroll", json={"limit": 2}))
        )
        m.CountResult.model_validate(
            result(h.post("/collections/raw/points/count", json={"exact": True}))
        )
        for rec in result(h.post("/collections/raw/points", json={"ids": [1, 2]})):
            m.Record.model_validate(rec)
        m.Record.model_validate(result(h.get("/collections/raw/points/1")))
        m.SnapshotDescription.model_validate(result(h.post("/collections/raw/snapshots")))
        assert result(h.delete("/collections/raw")) is True


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "text"),
    [
        ("GET", "/collections/nope", None, 404, "Not found: Collection `nope` doesn't exist!"),
        ("GET", "/no-such-route", None, 404, "no route"),
        (
            "PUT",
            "/collections/bad",
            {"vectors": {"size": 3, "distance": "Hamming"}},
            400,
            "unknown distance",
        ),
        (
            "PUT",
            "/collections/dup",
            {"vectors": {"size": 3, "distance": "Dot"}},
            400,
            "Wrong input: Collection `dup` already exists!",
        ),
        (
            "PUT",
            "/collections/dup/points",
            {"points": [{"id": 1, "vector": [1, 2]}]},
            400,
            "expected dim: 3, got 2",
        ),
        (
            "PUT",
            "/collections/dup/points",
            {"points": [{"id": -5, "vector": [1, 2, 3]}]},
            400,
            "unsigned",
        ),
        (
            "PUT",
            "/collections/dup/points",
            {"points": [{"id": 9, "vector": [1, 2, 3], "payload": [1]}]},
            400,
            "JSON object",
        ),
        (
            "POST",
            "/collections/dup/points/scroll",
            {"filter": {"must": [{"key": "a", "match": {}}]}},
            400,
            "match needs",
        ),
        (
            "POST",
            "/collections/dup/points/query",
            {"query": [1, 2, 3], "prefetch": [{"query": [1, 2]}]},
            400,
            "expected dim: 3, got 2",
        ),
        (
            "POST",
            "/collections/dup/points/query",
            {"query": {"fusion": "rrf"}},
            400,
            "Fusion queries require prefetches",
        ),
        ("POST", "/collections/dup/facet", {"key": "a"}, 400, "Index required"),
        (
            "POST",
            "/collections/dup/points/query",
            {"query": {"formula": {}}},
            400,
            "formula expression",
        ),
        ("PUT", "/collections/dup/points", "not json", 400, "bad request body"),
        ("PUT", "/collections/dup/points", '{"points": [' + "1," * 200_000, 400, "bad request"),
    ],
)
def test_errors_are_qdrant_shaped(
    server: Server, method: str, path: str, body: object, status: int, text: str
) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as h:
        h.put("/collections/dup", json={"vectors": {"size": 3, "distance": "Dot"}})
        h.put("/collections/dup/points", json={"points": [{"id": 1, "vector": [1, 0, 0]}]})
        if isinstance(body, str):
            r = h.request(method, path, content=body, headers={"content-type": "application/json"})
        else:
            r = h.request(method, path, json=body)
        assert r.status_code == status, r.text
        assert text in r.json()["status"]["error"]
        assert h.post("/collections/dup/points/count", json={}).json()["result"]["count"] == 1


def test_a_large_body_is_parsed_and_stored_whole(server: Server) -> None:
    from ferrox.server.request_body import OFF_LOOP_BYTES

    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((2_000, 64)).astype(np.float32)
    points = [{"id": i, "vector": v.tolist(), "payload": {"i": i}} for i, v in enumerate(vectors)]
    with httpx.Client(base_url=server.url, timeout=60) as h:
        h.put("/collections/big", json={"vectors": {"size": 64, "distance": "Dot"}})
        r = h.put("/collections/big/points?wait=true", json={"points": points})
        assert len(r.request.content) > OFF_LOOP_BYTES  # parsed in a worker thread
        assert r.status_code == 200, r.text
        got = h.post("/collections/big/points", json={"ids": [1_999], "with_vector": True})
        point = got.json()["result"][0]
        assert point["payload"] == {"i": 1_999}
        assert np.allclose(point["vector"], vectors[1_999])


def test_client_sees_errors_as_unexpected_response(client: QdrantClient) -> None:
    with pytest.raises(UnexpectedResponse) as err:
        client.get_collection("missing-collection")
    assert err.value.status_code == 404


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
def test_api_key_and_size_limit(tmp_path: Path) -> None:
    srv = Server(tmp_path / "keyed", "--api-key", "s3cret")
    try:
        r = httpx.put(srv.url + "/collections/k", json={"vectors": {"size": 2, "distance": "Dot"}})
        assert r.status_code == 401 and "api-key" in r.json()["status"]["error"]
        keyed = QdrantClient(url=srv.url, api_key="s3cret", https=False, prefer_grpc=False)
        keyed.create_collection("k", vectors_config=m.VectorParams(size=2, distance=m.Distance.DOT))
        assert [c.name for c in keyed.get_collections().collections] == ["k"]
        big = {
            "points": [{"id": i, "vector": [0.5, 0.5]} for i in range(10)],
            "pad": "x" * (33 * 1024 * 1024),
        }
        r = httpx.put(
            srv.url + "/collections/k/points", json=big, headers={"api-key": "s3cret"}, timeout=60
        )
        assert r.status_code == 413
        chunks = (b"x" * (1024 * 1024) for _ in range(40))  # no Content-Length: chunked
        r = httpx.put(
            srv.url + "/collections/k/points",
            content=chunks,
            headers={"api-key": "s3cret", "content-type": "application/json"},
            timeout=60,
        )
        assert r.status_code == 413 and "chunked" in r.json()["status"]["error"]
        assert keyed.count("k").count == 0
    finally:
        srv.stop()
    check = subprocess.run(
        [sys.executable, "-m", "ferrox.cli.main", "db", "check", str(tmp_path / "keyed")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "healthy" in check.stdout


def test_optimizations_report_the_collection_as_one_segment(
    client: QdrantClient, server: Server
) -> None:
    client.create_collection("opt", vectors_config=m.VectorParams(size=2, distance=m.Distance.DOT))
    client.upsert("opt", points=[m.PointStruct(id=i, vector=[i, 1.0]) for i in range(3)], wait=True)
    got = result(httpx.get(f"{server.url}/collections/opt/optimizations"))
    assert got["running"] == [] and got["summary"]["idle_segments"] == 1
    assert "idle_segments" not in got
    full = result(
        httpx.get(
            f"{server.url}/collections/opt/optimizations", params={"with": "queued, idle_segments"}
        )
    )
    assert full["queued"] == [] and "completed" not in full
    assert [s["points_count"] for s in full["idle_segments"]] == [3]
