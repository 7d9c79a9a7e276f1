"""Shard snapshots (upload, stream, partial snapshots and their manifest), snapshot path
checks and the standalone cluster routes of ``ferrox serve``, over raw HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator

import httpx
import pytest

from tests.server.test_qdrant_api import Server, result


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("serve-snapshots"))
    yield srv
    srv.stop()


@pytest.fixture
def h(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def make(h: httpx.Client, name: str, n: int = 10) -> int:
    """A 4-d collection of ``n`` points; returns the last operation id."""
    h.delete(f"/collections/{name}")
    assert result(h.put(f"/collections/{name}", json={"vectors": {"size": 4, "distance": "Dot"}}))
    points = [{"id": i, "vector": [float(i), 1.0, 2.0, 3.0], "payload": {"i": i}} for i in range(n)]
    upd = result(
        h.put(f"/collections/{name}/points", params={"wait": "true"}, json={"points": points})
    )
    return upd["operation_id"]


def count(h: httpx.Client, name: str) -> int:
    return result(h.post(f"/collections/{name}/points/count", json={"exact": True}))["count"]


def upload(h: httpx.Client, url: str, data: bytes, **params: str) -> httpx.Response:
    files = {"snapshot": ("snap.snapshot", data, "application/octet-stream")}
    return h.post(url, params=params, files=files)


def test_cluster_routes_report_standalone(h: httpx.Client) -> None:
    assert result(h.get("/cluster")) == {"status": "disabled"}
    for response in (h.post("/cluster/recover"), h.delete("/cluster/peer/1")):
        assert response.status_code == 405
        assert "standalone mode" in response.json()["status"]["error"]


@pytest.mark.parametrize(
    "route",
    [
        "/collections/snapcheck/snapshots/upload",
        "/collections/snapcheck/shards/0/snapshots/upload",
        "/collections/snapcheck/shards/0/snapshot/partial/recover",
    ],
)
@pytest.mark.parametrize("checksum", ["abc", "z" * 64])
def test_malformed_checksums_are_rejected(h: httpx.Client, route: str, checksum: str) -> None:
    make(h, "snapcheck")
    response = upload(h, route, b"not a snapshot", checksum=checksum)
    assert response.status_code == 422
    assert "invalid_sha256_hash" in response.text
    assert count(h, "snapcheck") == 10  # nothing was recovered


def test_recover_checks_checksum_and_location(h: httpx.Client, server: Server) -> None:
    make(h, "snaploc")
    response = h.put(
        "/collections/snaploc/snapshots/recover",
        json={"location": "file:///etc/passwd", "checksum": "abc"},
    )
    assert response.status_code == 422 and "invalid_sha256_hash" in response.text
    response = h.put(
        "/collections/snaploc/snapshots/recover", json={"location": "file:///etc/passwd"}
    )
    assert response.status_code == 403
    assert response.json()["status"]["error"].startswith(
        "Forbidden: Snapshot file path must be inside the snapshots directory"
    )
    # a link inside the snapshots directory pointing out of it is resolved first
    link = server.data_dir / "snapshots" / "escape.snapshot"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("/etc/passwd")
    response = h.put("/collections/snaploc/snapshots/recover", json={"location": link.as_uri()})
    assert response.status_code == 403
    for prefix in ("/collections/snaploc", "/collections/snaploc/shards/0"):
        for name in ("/etc/passwd", "..%2F..%2Fetc%2Fpasswd"):  # httpx folds a plain ../
            assert h.get(f"{prefix}/snapshots/{name}").status_code == 404


def test_upload_shard_snapshot_recovers(h: httpx.Client) -> None:
    make(h, "snapup")
    snap = result(h.post("/collections/snapup/shards/0/snapshots"))
    data = h.get(f"/collections/snapup/shards/0/snapshots/{snap['name']}").content
    assert hashlib.sha256(data).hexdigest() == snap["checksum"]
    h.post("/collections/snapup/points/delete", params={"wait": "true"}, json={"points": [0, 1, 2]})
    assert count(h, "snapup") == 7

    response = upload(h, "/collections/snapup/shards/0/snapshots/upload", data, checksum="3" * 64)
    assert response.status_code == 400 and "checksum mismatch" in response.text
    assert count(h, "snapup") == 7
    response = upload(h, "/collections/snapup/shards/1/snapshots/upload", data)
    assert response.status_code == 404
    assert upload(h, "/collections/snapup/shards/0/snapshots/upload", b"garbage").status_code == 400

    assert result(
        upload(h, "/collections/snapup/shards/0/snapshots/upload", data, checksum=snap["checksum"])
    )
    assert count(h, "snapup") == 10
    # the collection route makes the collection when it does not exist
    h.delete("/collections/snapup-copy")
    response = upload(h, "/collections/snapup-copy/snapshots/upload", data, wait="false")
    assert response.status_code == 202
    assert count(h, "snapup-copy") == 10
    # a form without the snapshot field, and no form at all
    response = h.post("/collections/snapup/shards/0/snapshots/upload", files={"other": ("x", b"x")})
    assert response.status_code == 400 and "'snapshot'" in response.text
    assert h.post("/collections/snapup/shards/0/snapshots/upload", content=data).status_code == 400


def test_stream_shard_snapshot(h: httpx.Client, server: Server) -> None:
    make(h, "snapstream")
    data = h.get("/collections/snapstream/shards/0/snapshot").content
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert "meta.json" in tar.getnames()
    h.post("/collections/snapstream/points/delete", params={"wait": "true"}, json={"points": [0]})
    assert result(upload(h, "/collections/snapstream/shards/0/snapshots/upload", data))
    assert count(h, "snapstream") == 10
    assert result(h.get("/collections/snapstream/shards/0/snapshots")) == []  # nothing kept
    assert not list((server.data_dir / "snapshots" / ".incoming").iterdir())


def test_partial_snapshot_manifest_tracks_operations(h: httpx.Client) -> None:
    make(h, "snapman")
    response = h.put(
        "/collections/snapman/points/vectors",
        params={"wait": "true"},
        json={"points": [{"id": 1, "vector": [1.0, 2.0, 3.0, 4.0]}]},
    )
    assert response.status_code == 200
    op = result(
        h.post(
            "/collections/snapman/points/vectors/delete",
            params={"wait": "true"},
            json={"points": [1], "vector": [""]},
        )
    )["operation_id"]
    manifest = result(h.get("/collections/snapman/shards/0/snapshot/partial/manifest"))
    assert len(manifest) == 1
    ((sid, segment),) = manifest.items()
    assert segment["segment_id"] == sid and segment["segment_version"] == op
    paths = segment["file_versions"]
    assert any(p.startswith("vector_storage/") for p in paths)
    assert all(version == op for version in paths.values())
    assert h.get("/collections/snapman/shards/3/snapshot/partial/manifest").status_code == 404
    assert h.get("/collections/nosuch/shards/0/snapshot/partial/manifest").status_code == 404


def test_partial_snapshot_round_trip(h: httpx.Client) -> None:
    make(h, "snappart")
    route = "/collections/snappart/shards/0/snapshot/partial"
    manifest = result(h.get(f"{route}/manifest"))
    # a peer holding everything gets nothing
    assert h.post(f"{route}/create", json=manifest).status_code == 304
    # a peer that knows nothing gets every file
    full = h.post(f"{route}/create", json={})
    assert full.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(full.content)) as tar:
        names = tar.getnames()
        meta = json.load(tar.extractfile("ferrox-snapshot.json"))  # type: ignore[arg-type]
    assert "meta.json" in names and meta["partial"] == next(iter(manifest.values()))
    # a peer with one file already current gets the others, and recovery takes that
    # file from the local shard
    ((sid, segment),) = manifest.items()
    points = next(p for p in segment["file_versions"] if p.startswith("payload_storage/"))
    peer = {sid: {**segment, "segment_version": 0, "file_versions": {points: 10**9}}}
    some = h.post(f"{route}/create", json=peer)
    with tarfile.open(fileobj=io.BytesIO(some.content)) as tar:
        assert points.split("/")[1] not in tar.getnames() and "meta.json" in tar.getnames()

    h.post("/collections/snappart/points/delete", params={"wait": "true"}, json={"points": [0, 1]})
    checksum = hashlib.sha256(full.content).hexdigest()
    response = upload(h, f"{route}/recover", full.content, checksum="0" * 64)
    assert response.status_code == 400 and count(h, "snappart") == 8
    assert result(upload(h, f"{route}/recover", full.content, checksum=checksum))
    assert count(h, "snappart") == 10
    assert result(upload(h, f"{route}/recover", some.content))
    assert count(h, "snappart") == 10

    # partial and full snapshots each go to their own endpoint only
    response = upload(h, "/collections/snappart/shards/0/snapshots/upload", full.content)
    assert response.status_code == 400 and "partial snapshot" in response.text
    snap = result(h.post("/collections/snappart/snapshots"))
    data = h.get(f"/collections/snappart/snapshots/{snap['name']}").content
    response = upload(h, f"{route}/recover", data)
    assert response.status_code == 400 and "segment manifest" in response.text
    # a partial snapshot that omits a file cannot make a new collection
    h.delete("/collections/snappart-new")
    assert result(
        h.put("/collections/snappart-new", json={"vectors": {"size": 4, "distance": "Dot"}})
    )
    response = upload(
        h, "/collections/snappart-new/shards/0/snapshot/partial/recover", some.content
    )
    assert response.status_code == 400 and "recover a full snapshot" in response.text
    response = h.post(f"{route}/create", json={sid: {"file_versions": {}}})
    assert response.status_code == 400 and "segment_version" in response.text
