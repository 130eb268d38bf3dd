"""``POST /api/tasks/{id}/draw`` translating ``draw_task``'s answers into HTTP statuses.

The app's relay client is replaced by a stub (``app.state.fetch_drand``): no network.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.core.beacon import DrandBeacon, DrandValue
from lottery.service.drand_client import BeaconNotYetAvailable
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent
from tests.api.conftest import ROUND_TIME, T_DRAW, Clock, task_definition, token
from tests.service import drand_tasks as dt

DEADLINE = ROUND_TIME + timedelta(hours=1)  # as task_definition announces it


def _not_out(beacon: DrandBeacon) -> DrandValue:
    raise BeaconNotYetAvailable(f"every relay answered 425 for round {beacon.round}")


def test_a_missing_round_is_409_then_the_fallback_past_the_deadline(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    planner = token(app_client, "planner")
    definition = task_definition()
    definition["beacon"]["fallback"] = dt.fallback_numbers()[0].primary.to_dict()
    assert app_client.post("/api/tasks", json=definition, headers=planner).status_code == 201
    assert app_client.post("/api/tasks/T2026-101/announce", headers=planner).status_code == 200
    app_client.app.state.fetch_drand = _not_out  # type: ignore[attr-defined]
    url = "/api/tasks/T2026-101/draw"

    clock.now = T_DRAW  # before the deadline: the round is just not out yet
    early = app_client.post(url, json={}, headers=planner)
    assert early.status_code == 409 and early.json()["error"] == "BeaconNotYetAvailable"
    fallback = app_client.post(url, json={"fallback": True}, headers=planner)
    assert fallback.status_code == 422 and "公开号码" in fallback.json()["detail"]

    clock.now = DEADLINE
    late = app_client.post(url, json={}, headers=planner)
    assert late.status_code == 409, late.text
    assert late.json()["error"] == "FallbackDeclared" and "备用信标" in late.json()["detail"]
    assert app_client.get("/api/tasks/T2026-101", headers=planner).json()["state"] == "announced"
    with service.session() as s:
        events = list(s.exec(select(AuditEvent).where(AuditEvent.action == "beacon.fallback")))
    assert [(e.actor, e.object) for e in events] == [("planner", "T2026-101")]
