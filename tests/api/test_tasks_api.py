"""A task through the API: plan, announce, draw (sealed), read the outcome (audited),
disclose; the public /log/ routes then verify with the same code as `lottery verify`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.core.audit import audit_export, checkpoint_origin
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.models import AuditEvent
from tests.api.conftest import (
    OFFLINE_RELAY,
    PASSWORD,
    SIGNATURE,
    T_DRAW,
    Clock,
    task_definition,
    token,
)

T_DISCLOSE = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


def _log_getter(client: TestClient):  # type: ignore[no-untyped-def]
    def get(path: str) -> bytes:
        response = client.get(f"/log/{path}")
        if response.status_code == 404:
            raise KeyError(path)
        assert response.status_code == 200, (path, response.text)
        return response.content

    return get


def _audit(client: TestClient, service: Lifecycle) -> None:
    get = _log_getter(client)
    origin = checkpoint_origin(get("checkpoint"))
    report = audit_export(get, [service.log.verifier], origin=origin)
    assert report.ok, report.failures


def test_task_lifecycle_through_the_api(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    planner = token(app_client, "planner")
    inspector = token(app_client, "inspector")
    definition = task_definition()
    created = app_client.post("/api/tasks", json=definition, headers=planner)
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "draft"
    assert app_client.post("/api/tasks", json=definition, headers=planner).status_code == 201

    ann = app_client.post("/api/tasks/T2026-101/announce", headers=planner)
    assert ann.status_code == 200, ann.text
    assert ann.json()["type"] == "task-announcement"
    # The outcome does not exist before the draw: a clear 409, not a 500.
    early = app_client.get("/api/tasks/T2026-101/outcome", headers=inspector)
    assert early.status_code == 409 and "no outcome" in early.json()["detail"]

    clock.now = T_DRAW
    bad = app_client.post(
        "/api/tasks/T2026-101/draw", json={"drand_signature": "ab" * 48}, headers=planner
    )
    assert bad.status_code == 422 and "beacon" in bad.json()["detail"]
    assert app_client.get("/api/tasks/T2026-101", headers=planner).json()["state"] == "announced"
    draw = app_client.post(
        "/api/tasks/T2026-101/draw", json={"drand_signature": SIGNATURE}, headers=planner
    )
    assert draw.status_code == 200, draw.text
    sealed_sha = draw.json()["body"]["outcome"]
    assert app_client.get(f"/log/blobs/{sealed_sha}").status_code == 404  # sealed
    _audit(app_client, service)

    outcome = app_client.get("/api/tasks/T2026-101/outcome", headers=inspector)
    assert outcome.status_code == 200
    assert outcome.json()["task"] == "T2026-101"
    with service.session() as s:
        reads = list(s.exec(select(AuditEvent).where(AuditEvent.action == "outcome.read")))
    assert [(e.actor, e.object) for e in reads] == [("inspector", "T2026-101")]

    too_early = app_client.post("/api/tasks/T2026-101/disclose", headers=planner)
    assert too_early.status_code == 422 and "不能提前公开" in too_early.json()["detail"]
    clock.now = T_DISCLOSE
    planner = token(app_client, "planner")  # the 2023 session has long expired
    reveal = app_client.post("/api/tasks/T2026-101/disclose", headers=planner)
    assert reveal.status_code == 200, reveal.text
    assert app_client.get(f"/log/blobs/{sealed_sha}").status_code == 200  # revealed
    record = app_client.get(f"/log/records/{reveal.json()['id']}")
    assert record.status_code == 200 and b"task-reveal" in record.content
    _audit(app_client, service)


def test_task_errors_are_clear_4xx(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    missing = app_client.post("/api/tasks/NOPE/announce", headers=planner)
    assert missing.status_code == 404 and "NOPE" in missing.json()["detail"]
    bad = task_definition("T-bad")
    bad["ratios"] = {"A": 0}
    r = app_client.post("/api/tasks", json=bad, headers=planner)
    assert r.status_code == 422 and "ratio" in r.text
    bad = task_definition("T-bad")
    bad["beacon"] = {"primary": {"kind": "moon"}}
    r = app_client.post("/api/tasks", json=bad, headers=planner)
    assert r.status_code == 422 and "beacon" in r.json()["detail"]
    bad = task_definition("T-bad")
    bad["team_size"] = 1
    assert app_client.post("/api/tasks", json=bad, headers=planner).status_code == 422
    assert app_client.get("/api/tasks", headers=planner).json() == []
    ok = app_client.post("/api/tasks", json=task_definition("T-1"), headers=planner)
    assert ok.status_code == 201
    changed = task_definition("T-1")
    changed["title"] = "另一个标题"
    conflict = app_client.post("/api/tasks", json=changed, headers=planner)
    assert conflict.status_code == 409 and "other parameters" in conflict.json()["detail"]
    cancel = app_client.post("/api/tasks/T-1/cancel", json={"reason": "x"}, headers=planner)
    assert cancel.status_code == 409 and "草稿" in cancel.json()["detail"]


def test_public_log_paths(app_client: TestClient) -> None:
    # The fixture's item list is the only record: a checkpoint of size 1.
    assert app_client.get("/log/checkpoint").text.split("\n")[1] == "1"
    assert app_client.get("/log/keys/office.vkey").text.startswith("test.example/lottery+")
    for path in ("../etc/passwd", "tile/0/999", "tile/9/x", "blobs/zz", "records/1"):
        assert app_client.get(f"/log/{path}").status_code == 404, path


def test_draw_without_signature_fetches_from_the_relays(
    app_client: TestClient, clock: Clock
) -> None:
    planner = token(app_client, "planner")
    assert app_client.post("/api/tasks", json=task_definition(), headers=planner).status_code == 201
    # A draft is refused before anything is fetched.
    draft = app_client.post("/api/tasks/T2026-101/draw", json={}, headers=planner)
    assert draft.status_code == 409 and "draft" in draft.json()["detail"]
    assert app_client.post("/api/tasks/T2026-101/announce", headers=planner).status_code == 200
    clock.now = T_DRAW
    # The configured relay (a closed local port) is down: 503, and the task stays announced.
    down = app_client.post("/api/tasks/T2026-101/draw", json={}, headers=planner)
    assert down.status_code == 503, down.text
    assert app_client.get("/api/tasks/T2026-101", headers=planner).json()["state"] == "announced"


def test_a_planned_announcement_is_scheduled_at_once(
    settings: Settings, service: Lifecycle, clock: Clock
) -> None:
    from lottery.api import create_app

    users.create_user(service, "planner", PASSWORD, ["planner"], T_DRAW, actor="test")
    offline = settings.model_copy(update={"drand_relays": [OFFLINE_RELAY]})
    app = create_app(offline, service=service, clock=clock, scheduler=True)
    with TestClient(app) as client:
        headers = token(client, "planner")
        definition = task_definition("T-plan")
        definition["announce_at"] = "2099-01-01T00:00:00Z"  # far ahead: stored, not run
        assert client.post("/api/tasks", json=definition, headers=headers).status_code == 201
        assert app.state.scheduler.aps.get_job("announce:T-plan") is not None
        assert service.get_task("T-plan").params["announce_at"] == "2099-01-01T00:00:00Z"


def test_the_apps_scheduler_runs_on_the_apps_clock(
    settings: Settings, service: Lifecycle, clock: Clock
) -> None:
    """A planned step is timed by the app's clock, as the requests are: an hour before the
    planned announcement on that clock, the job fires in an hour, not in decades."""
    from lottery.api import create_app

    offline = settings.model_copy(update={"drand_relays": [OFFLINE_RELAY]})
    app = create_app(offline, service=service, clock=clock, scheduler=True)
    users.create_user(service, "planner", PASSWORD, ["planner"], T_DRAW, actor="test")
    with TestClient(app) as client:
        assert app.state.scheduler.clock is clock
        clock.now = datetime(2098, 12, 31, 23, 0, tzinfo=UTC)
        headers = token(client, "planner")
        definition = task_definition("T-clock")
        definition["announce_at"] = "2099-01-01T00:00:00Z"
        assert client.post("/api/tasks", json=definition, headers=headers).status_code == 201
        when = app.state.scheduler.aps.get_job("announce:T-clock").next_run_time
        hour = datetime.now(UTC) + timedelta(hours=1)
        assert hour - timedelta(minutes=1) <= when <= hour + timedelta(minutes=1)
