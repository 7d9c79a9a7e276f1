"""/telemetry and /metrics reports (:mod:`ferrox.server.telemetry`)."""

from __future__ import annotations

import pytest


def test_reports_leave_out_a_collection_deleted_since_the_listing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ferrox.vectordb as vdb
    from ferrox.server.telemetry import RequestStats, prometheus, telemetry

    with vdb.open() as db:
        db.create_collection("here", size=2)
        monkeypatch.setattr(db, "list_collections", lambda: ["here", "gone"])
        report = telemetry(db, RequestStats(), 10, False)
        assert [c["id"] for c in report["collections"]["collections"]] == ["here"]
        assert 'collection_points{id="here"} 0' in prometheus(db, RequestStats(), False)
        assert 'id="gone"' not in prometheus(db, RequestStats(), False)
