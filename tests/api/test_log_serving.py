"""The service's /log/ route sends the export's media types and caching, and gzips entry
bundles for clients that accept it (docs/export.md "Serving the export")."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import task_definition, token

TEXT = "text/plain; charset=utf-8"
FOREVER = "public, max-age=31536000, immutable"


def test_the_service_sends_the_rules_and_gzips_entry_bundles(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    assert app_client.post("/api/tasks", json=task_definition(), headers=planner).is_success
    ann = app_client.post("/api/tasks/T2026-101/announce", headers=planner)
    assert ann.status_code == 200, ann.text

    checkpoint = app_client.get("/log/checkpoint")
    assert checkpoint.headers["content-type"] == TEXT
    assert checkpoint.headers["cache-control"] == "no-cache"
    size = int(checkpoint.text.splitlines()[1])
    record = app_client.get(f"/log/records/{ann.json()['id']}")
    assert (record.headers["content-type"], record.headers["cache-control"]) == (TEXT, FOREVER)
    pool = app_client.get(f"/log/blobs/{ann.json()['body']['pool']['sha256']}")
    assert pool.headers["cache-control"] == FOREVER

    bundle_path = f"/log/tile/entries/000.p/{size}"
    plain = app_client.get(bundle_path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    assert plain.headers["cache-control"] == "no-cache"  # a partial bundle grows
    zipped = app_client.get(bundle_path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # the client decoded it to the same bytes
    refused = app_client.get(bundle_path, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused.headers
