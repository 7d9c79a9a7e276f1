"""The server-wide cap on a read's ``limit`` and ``offset`` (``--max-query-limit``)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server.test_qdrant_api import Server, result


@pytest.fixture(scope="module")
def h(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    srv = Server(tmp_path_factory.mktemp("serve-limits"), "--max-query-limit", "100")
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as client:
            assert result(
                client.put("/collections/c", json={"vectors": {"size": 2, "distance": "Dot"}})
            )
            points = [{"id": i, "vector": [1.0, float(i)]} for i in range(5)]
            client.put("/collections/c/points", params={"wait": "true"}, json={"points": points})
            yield client
    finally:
        srv.stop()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/collections/c/points/query", {"query": [1.0, 0.0], "limit": 101}),
        ("/collections/c/points/query", {"query": [1.0, 0.0], "offset": 500}),
        ("/collections/c/points/search", {"vector": [1.0, 0.0], "limit": 10**8}),
        ("/collections/c/points/scroll", {"limit": 1000}),
        ("/collections/c/points/recommend", {"positive": [1], "limit": 101}),
    ],
)
def test_over_the_cap_is_a_400_naming_the_limit(h: httpx.Client, path: str, body: dict) -> None:
    r = h.post(path, json=body)
    assert r.status_code == 400, r.text
    assert "> 100 for" in r.json()["status"]["error"]


def test_at_the_cap_answers_bounded_by_the_collection(h: httpx.Client) -> None:
    r = h.post("/collections/c/points/query", json={"query": [1.0, 0.0], "limit": 100})
    assert r.status_code == 200 and len(result(r)["points"]) == 5
    assert h.get("/healthz").status_code == 200
