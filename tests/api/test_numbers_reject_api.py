"""Voiding a pending public-numbers entry through the API (``POST .../numbers/reject``)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import col, select

from lottery.service.lifecycle import Lifecycle
from lottery.service.roles import ROLE_PERMISSIONS, Perm
from lottery.storage.models import AuditEvent, BeaconEntry
from tests import lifecycle as lc
from tests.api.conftest import Clock, token

NUMBERS = {"values": [list(v) for v in lc.beacon()[1].values]}


def _numbers_task(service: Lifecycle, clock: Clock, task: str = "T-rej") -> str:
    service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="p")
    service.announce(task, lc.T_ANNOUNCE)
    clock.now = lc.T_DRAW  # the public numbers' draw date: they may be entered
    return task


def _entries(service: Lifecycle, task: str) -> list[tuple[str, str, str | None]]:
    with service.session() as s:
        rows = s.exec(select(BeaconEntry).where(BeaconEntry.task == task).order_by(BeaconEntry.id))
        return [(e.status, e.entered_by, e.decided_by) for e in rows]


def test_another_person_voids_the_entry_and_the_numbers_are_entered_again(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    task = _numbers_task(service, clock)
    planner = token(app_client, "planner")
    reviewer = token(app_client, "reviewer")
    wrong = {"values": [[409], NUMBERS["values"][1]]}
    assert app_client.post(f"/api/tasks/{task}/numbers", json=wrong, headers=planner).is_success
    url = f"/api/tasks/{task}/numbers/reject"
    voided = app_client.post(url, json={"reason": "第一组号码录错"}, headers=reviewer)
    assert voided.status_code == 200, voided.text
    body = voided.json()
    assert (body["status"], body["entered_by"], body["numbers"]) == (
        "rejected",
        "planner",
        wrong["values"],
    )
    with service.session() as s:
        event = s.exec(
            select(AuditEvent)
            .where(AuditEvent.object == task, AuditEvent.action == "beacon.numbers.reject")
            .order_by(col(AuditEvent.id).desc())
        ).first()
    assert event is not None
    assert (event.actor, event.detail["reason"], event.remote_addr) == (
        "reviewer",
        "第一组号码录错",
        "testclient",
    )
    # Nothing was drawn; nothing is pending: the right numbers can be entered and confirmed.
    assert service.get_task(task).state == "announced"
    nothing = app_client.post(url, json={"reason": "再次作废"}, headers=reviewer)
    assert nothing.status_code == 422 and "没有待确认" in nothing.json()["detail"]
    assert app_client.post(f"/api/tasks/{task}/numbers", json=NUMBERS, headers=planner).is_success
    done = app_client.post(f"/api/tasks/{task}/numbers/confirm", json=NUMBERS, headers=reviewer)
    assert done.status_code == 200 and done.json()["type"] == "task-draw"
    assert _entries(service, task) == [
        ("rejected", "planner", "reviewer"),
        ("confirmed", "planner", "reviewer"),
    ]


def test_the_author_voids_their_own_entry(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    task = _numbers_task(service, clock)
    planner = token(app_client, "planner")
    assert app_client.post(f"/api/tasks/{task}/numbers", json=NUMBERS, headers=planner).is_success
    r = app_client.post(
        f"/api/tasks/{task}/numbers/reject", json={"reason": "手误"}, headers=planner
    )
    assert r.status_code == 200, r.text
    assert _entries(service, task) == [("rejected", "planner", "planner")]


def test_bad_requests_are_clear_4xx_and_void_nothing(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    task = _numbers_task(service, clock)
    planner = token(app_client, "planner")
    assert app_client.post(f"/api/tasks/{task}/numbers", json=NUMBERS, headers=planner).is_success
    url = f"/api/tasks/{task}/numbers/reject"
    for body, words in [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "原因"),
        ({"reason": "x" * 2001}, "reason"),
        ({"reason": "录错\u202e了"}, "U+202E"),
        ({"reason": "录错", "entry": 1}, "entry"),
    ]:
        r = app_client.post(url, json=body, headers=planner)
        assert r.status_code == 422 and words in r.text, (body, r.text)
    missing = app_client.post(
        "/api/tasks/NOPE/numbers/reject", json={"reason": "x"}, headers=planner
    )
    assert missing.status_code == 404 and "NOPE" in missing.json()["detail"]
    assert _entries(service, task) == [("pending", "planner", None)]


def test_whoever_may_enter_numbers_may_void_them() -> None:
    # The route needs beacon.confirm: that admits an entry's author only while every role
    # that may enter numbers may also confirm them.
    for role, perms in ROLE_PERMISSIONS.items():
        if Perm.BEACON_ENTER in perms:
            assert Perm.BEACON_CONFIRM in perms, role
