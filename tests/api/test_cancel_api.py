"""Two-person cancellation through the API: ``POST .../cancel`` asks (202, pending, nothing
published), ``.../cancel/confirm`` by a different holder of task.cancel cancels (the one who
asked: 403), ``.../cancel/reject`` withdraws or refuses; a request the task moved past is void
(409)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import col, select

from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent, LogEntry
from tests.api.conftest import SIGNATURE, T_DRAW, Clock, task_definition, token

REASON = "抽查事项调整，本次任务取消"


def _announced(client: TestClient, headers: dict[str, str], task: str = "T2026-101") -> str:
    assert client.post("/api/tasks", json=task_definition(task), headers=headers).is_success
    assert client.post(f"/api/tasks/{task}/announce", headers=headers).is_success
    return task


def _log_steps(service: Lifecycle, task: str) -> list[str | None]:
    with service.session() as s:
        return list(s.exec(select(LogEntry.step).where(LogEntry.task == task)))


def test_a_request_then_a_second_person_cancels(app_client: TestClient, service: Lifecycle) -> None:
    planner, admin = token(app_client, "planner"), token(app_client, "admin")
    task = _announced(app_client, planner)
    asked = app_client.post(f"/api/tasks/{task}/cancel", json={"reason": REASON}, headers=planner)
    assert asked.status_code == 202, asked.text
    body = asked.json()
    assert (body["status"], body["requested_by"], body["reason"], body["task_state"]) == (
        "pending",
        "planner",
        REASON,
        "announced",
    )
    assert app_client.get(f"/api/tasks/{task}", headers=planner).json()["state"] == "announced"
    assert _log_steps(service, task) == ["announce"]
    # One pending request at a time.
    again = app_client.post(f"/api/tasks/{task}/cancel", json={"reason": "x"}, headers=admin)
    assert again.status_code == 409 and "已有 planner" in again.json()["detail"]
    # The person who asked may not confirm.
    own = app_client.post(f"/api/tasks/{task}/cancel/confirm", headers=planner)
    assert own.status_code == 403, own.text
    assert own.json()["error"] == "SamePerson" and "两人" in own.json()["detail"]
    assert app_client.get(f"/api/tasks/{task}", headers=planner).json()["state"] == "announced"
    done = app_client.post(f"/api/tasks/{task}/cancel/confirm", headers=admin)
    assert done.status_code == 200, done.text
    assert done.json()["type"] == "task-cancellation"
    assert done.json()["body"]["reason"] == REASON
    assert app_client.get(f"/api/tasks/{task}", headers=planner).json()["state"] == "cancelled"
    with service.session() as s:
        events = s.exec(
            select(AuditEvent)
            .where(AuditEvent.object == task, col(AuditEvent.action).startswith("task.cancel"))
            .order_by(col(AuditEvent.id))
        ).all()
    assert [(e.action, e.actor) for e in events] == [
        ("task.cancel.request", "planner"),
        ("task.cancel", "admin"),
        ("task.cancel.confirm", "admin"),
    ]
    assert events[1].detail["requested_by"] == "planner"


def test_withdraw_refuse_and_a_request_the_draw_overtook(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    planner, admin = token(app_client, "planner"), token(app_client, "admin")
    task = _announced(app_client, planner)
    url = f"/api/tasks/{task}/cancel"
    assert app_client.post(url, json={"reason": REASON}, headers=planner).status_code == 202
    empty = app_client.post(f"{url}/reject", json={"reason": ""}, headers=planner)
    assert empty.status_code == 422
    withdrawn = app_client.post(f"{url}/reject", json={"reason": "写错了"}, headers=planner)
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["decided_by"]) == ("rejected", "planner")
    assert withdrawn.json()["decision_reason"] == "写错了"
    nothing = app_client.post(f"{url}/confirm", headers=admin)
    assert nothing.status_code == 422 and "没有待确认" in nothing.json()["detail"]
    # Asked again; the task is drawn before anyone confirms: the request is void.
    assert app_client.post(url, json={"reason": REASON}, headers=admin).status_code == 202
    clock.now = T_DRAW
    drawn = app_client.post(
        f"/api/tasks/{task}/draw", json={"drand_signature": SIGNATURE}, headers=planner
    )
    assert drawn.status_code == 200, drawn.text
    late = app_client.post(f"{url}/confirm", headers=planner)
    assert late.status_code == 409 and "已作废" in late.json()["detail"]
    assert app_client.get(f"/api/tasks/{task}", headers=planner).json()["state"] == "drawn"
    # Asked in the new state, refused by another person: the task is drawn still.
    assert app_client.post(url, json={"reason": REASON}, headers=admin).status_code == 202
    refused = app_client.post(f"{url}/reject", json={"reason": "理由不足"}, headers=planner)
    assert refused.status_code == 200 and refused.json()["requested_by"] == "admin"
    assert _log_steps(service, task) == ["announce", "draw"]
    missing = app_client.post("/api/tasks/NOPE/cancel/confirm", headers=admin)
    assert missing.status_code == 404


def test_a_secret_lost_cancellation_through_the_api(
    app_client: TestClient, service: Lifecycle
) -> None:
    """docs/operations.md: ``secret_lost`` is refused (422, Chinese) while the secret opens;
    once the service has lost it, both people say so and nothing is revealed."""
    from lottery.storage.models import TaskSecret

    planner, admin = token(app_client, "planner"), token(app_client, "admin")
    task = _announced(app_client, planner)
    lost = {"reason": REASON, "secret_lost": True}
    refused = app_client.post(f"/api/tasks/{task}/cancel", json=lost, headers=planner)
    assert refused.status_code == 422 and "仍可打开" in refused.json()["detail"], refused.text
    with service.session() as s, s.begin():
        row = s.get(TaskSecret, task)
        assert row is not None
        s.delete(row)
    ordinary = app_client.post(
        f"/api/tasks/{task}/cancel", json={"reason": REASON}, headers=planner
    )
    assert ordinary.status_code == 422 and "秘密值遗失" in ordinary.json()["detail"]
    asked = app_client.post(f"/api/tasks/{task}/cancel", json=lost, headers=planner)
    assert asked.status_code == 202, asked.text
    wrong = app_client.post(f"/api/tasks/{task}/cancel/confirm", headers=admin)
    assert wrong.status_code == 422 and "秘密值遗失" in wrong.json()["detail"]
    assert _log_steps(service, task) == ["announce"]
    done = app_client.post(f"/api/tasks/{task}/cancel/confirm?secret_lost=true", headers=admin)
    assert done.status_code == 200, done.text
    body = done.json()["body"]
    assert body["secret"] is None and body["secret_lost"] is True
