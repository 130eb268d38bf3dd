"""The service's /log/ route sends the export's media types and caching, and gzips entry
bundles for clients that accept it (docs/export.md "Serving the export")."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import Target
from tests.api.conftest import Clock, task_definition, token

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
    assert pool.headers["cache-control"] == "public, max-age=300"  # blobs may be withdrawn

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


def test_a_withdrawn_sealed_blob_is_gone_with_short_caching(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    """Issue #24: a penalty's sealed content is served from /log/blobs/ until its withdrawal,
    then answered 410 Gone (cached briefly), while its record stays."""
    with service.session() as s:
        target = s.exec(select(Target.uscc).order_by(Target.uscc)).first()
    today = (clock.now + timedelta(hours=8)).date()
    body = {
        "decision": "X人防罚〔2026〕7号",
        "target": target,
        "decided": (today - timedelta(days=1)).isoformat(),
        "facts": "擅自改变人防工程用途（将被撤回）",
        "basis": "《中华人民共和国人民防空法》第四十九条",
        "kind": "罚款",
        "content": "罚款",
        "authority": "市人防办",
        "publish_until": (today + timedelta(days=365)).isoformat(),
        "amounts": [{"kind": "罚款", "fen": 700000}],
    }
    planner = token(app_client, "planner")
    created = app_client.post("/api/penalties", json=body, headers=planner)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    approved = app_client.post(
        f"/api/penalties/{pid}/approve", headers=token(app_client, "reviewer")
    )
    assert approved.status_code == 200, approved.text
    record = approved.json()
    blob = app_client.get(f"/log/blobs/{record['body']['sealed']}")
    assert blob.status_code == 200 and body["facts"].encode() in blob.content
    assert blob.headers["cache-control"] == "public, max-age=300"
    withdrawal = {"reason": "行政复议撤销", "ground": "revoked", "revoked": today.isoformat()}
    done = app_client.post(f"/api/penalties/{pid}/withdraw", json=withdrawal, headers=planner)
    assert done.status_code == 200, done.text
    assert done.json()["body"]["deadline"]["workdays"] == 3
    gone = app_client.get(f"/log/blobs/{record['body']['sealed']}")
    assert gone.status_code == 410 and body["facts"].encode() not in gone.content
    assert gone.headers["cache-control"] == "public, max-age=300"
    assert app_client.get(f"/log/records/{record['id']}").status_code == 200
    assert app_client.get(f"/log/blobs/{'0' * 64}").status_code == 404  # never published
    bad = {"reason": "x", "ground": "revoked"}  # no revocation day: refused, nothing changes
    assert app_client.post(f"/api/penalties/{pid}/withdraw", json=bad, headers=planner).is_error
