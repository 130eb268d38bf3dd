"""GET /api/site/status and POST /api/site/publish (docs/site-publishing.md), both databases.

Without ``LOTTERY_SITE_DIR`` nothing is published and "republish now" is refused with a
message; with it, a request builds the real site (here after the response: the app runs no
scheduler) and the status shows the run.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent
from publisher.pages import STATUS
from tests import lifecycle as lc
from tests.api.conftest import token

TASK = "T2026-001"


def _disclosed(service: Lifecycle) -> None:
    service.create_task(lc.params(lc.small_registries(), TASK), lc.T_ANNOUNCE, actor="planner")
    service.announce(TASK, lc.T_ANNOUNCE, actor="planner")
    service.draw(TASK, lc.beacon()[1], lc.T_DRAW)
    service.disclose(TASK, lc.T_REVEAL)


def test_without_a_site_dir_nothing_is_published(app_client: TestClient) -> None:
    status = app_client.get("/api/site/status", headers=token(app_client, "auditor"))
    assert status.status_code == 200
    assert status.json()["configured"] is False
    assert status.json()["last"] is None
    refused = app_client.post("/api/site/publish", headers=token(app_client, "planner"))
    assert refused.status_code == 409
    assert "LOTTERY_SITE_DIR" in refused.json()["detail"]


def test_republish_now_builds_the_site_and_shows_the_run(
    site_client: TestClient, service: Lifecycle, tmp_path: Path
) -> None:
    _disclosed(service)
    before = site_client.get("/api/site/status", headers=token(site_client, "reviewer")).json()
    assert before["configured"] and not before["up_to_date"] and before["last"] is None

    refused = site_client.post("/api/site/publish", headers=token(site_client, "auditor"))
    assert refused.status_code == 403
    queued = site_client.post("/api/site/publish", headers=token(site_client, "planner"))
    assert queued.status_code == 202, queued.text

    after = site_client.get("/api/site/status", headers=token(site_client, "planner")).json()
    assert after["last"]["error"] is None, after["last"]
    assert after["up_to_date"] and after["published_size"] == after["log_size"]
    assert after["last"]["actor"] == "planner" and after["last"]["duration_s"] is not None
    assert not after["requested"] and not after["running"]
    page = tmp_path / "site" / "tasks" / TASK / "index.html"
    assert STATUS["disclosed"] in page.read_text(encoding="utf-8")
    with service.session() as s:
        events = list(s.exec(select(AuditEvent).where(AuditEvent.action == "site.publish")))
    assert [e.actor for e in events] == ["planner"]
