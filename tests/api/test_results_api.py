"""Results, task reports, penalties and the calendar through the API: the reviewer must be
someone else, errors are clear 4xx, and what is approved is published."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import PenaltyService
from lottery.storage.models import Target
from tests import lifecycle as lc
from tests.api.conftest import Clock, token
from tests.service.results_builder import disclosed_task
from tests.service.test_penalties import _entry

T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


def _disclosed(service: Lifecycle) -> list[tuple[str, tuple[str, ...]]]:
    return [(t.target, tuple(t.inspectors)) for t in disclosed_task(service, "T-res").teams]


def _link(service: Lifecycle, account: str, inspector: str) -> None:
    users.set_inspector(service, account, inspector, lc.T_ANNOUNCE, actor="test")


def _result(target: str, team: tuple[str, ...], **over: object) -> dict[str, object]:
    body: dict[str, object] = {
        "target": target,
        "dates": ["2026-03-25"],
        "inspectors": [{"inspector": i} for i in team],
        "methods": ["实地检查"],
        "categories": ["发现问题已责令改正"],
        "findings": "人防工程被占用堆放杂物",
        "evidence": [
            {
                "name": "照片.jpg",
                "data_base64": base64.b64encode(b"test").decode(),
                "kind": "照片",
                "source": "现场拍摄",
            }
        ],
    }
    body.update(over)
    return body


def test_results_need_a_second_person_and_are_published(
    app_client: TestClient, service: Lifecycle
) -> None:
    teams = _disclosed(service)
    app_client.app.state.clock = lambda: T_ENTER  # type: ignore[attr-defined]
    inspector = token(app_client, "inspector")
    reviewer = token(app_client, "reviewer")
    admin = token(app_client, "admin")
    target, team = teams[0]
    unlinked = app_client.post(
        "/api/tasks/T-res/results", json=_result(target, team), headers=inspector
    )
    assert unlinked.status_code == 403 and "not linked to an inspector" in unlinked.text
    _link(service, "inspector", team[0])
    _link(service, "admin", team[1])
    other_target, other_team = next((t, m) for t, m in teams if team[0] not in m)
    other = app_client.post(
        "/api/tasks/T-res/results", json=_result(other_target, other_team), headers=inspector
    )
    assert other.status_code == 403 and "was not drawn for" in other.text
    # In Chinese first, naming the field; the service's own words follow in brackets.
    assert other.json()["detail"].startswith("字段「inspectors」：填写的人员不是本检查组的成员")

    unknown = app_client.post(
        "/api/tasks/T-res/results", json=_result("91NOTPICKED000000X", team), headers=inspector
    )
    assert unknown.status_code == 404, unknown.text
    bad = app_client.post(
        "/api/tasks/T-res/results",
        json=_result(target, team, categories=["随便写的结论"]),
        headers=inspector,
    )
    assert bad.status_code == 422 and "随便写的结论" in bad.json()["detail"]

    entered = app_client.post("/api/tasks/T-res/results", json=_result(target, team), headers=admin)
    assert entered.status_code == 201, entered.text
    rid = entered.json()["id"]
    own = app_client.post(f"/api/results/{rid}/approve", headers=admin)
    assert own.status_code == 403, own.text  # the author may not approve
    assert app_client.post(f"/api/results/{rid}/approve", headers=inspector).status_code == 403
    ok = app_client.post(f"/api/results/{rid}/approve", headers=reviewer)
    assert ok.status_code == 200, ok.text
    assert ok.json()["type"] == "inspection-result"
    sealed = app_client.get(f"/log/blobs/{ok.json()['body']['sealed']}")  # the sealed content
    assert "照片.jpg".encode() in sealed.content and b'"sha256":' in sealed.content
    listed = app_client.get("/api/tasks/T-res/results", headers=reviewer).json()
    assert [(r["target"], r["status"]) for r in listed] == [(target, "published")]
    assert app_client.get(f"/log/records/{ok.json()['id']}").status_code == 200


def test_calendar_and_deadlines(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    auditor = token(app_client, "auditor")
    r = app_client.get("/api/workdays/add?date=2025-09-26&n=7", headers=auditor)
    assert r.status_code == 200 and r.json()["date"] == "2025-10-13"  # across 国庆 and 调休
    missing = app_client.get("/api/workdays/add?date=2031-06-01&n=3", headers=auditor)
    assert missing.status_code == 422 and "2031" in missing.json()["detail"]
    body = {"holidays": ["2031-01-01"], "workdays": [], "source": "测试数据（非官方）"}
    assert app_client.put("/api/calendar/2031", json=body, headers=auditor).status_code == 403
    done = app_client.put("/api/calendar/2031", json=body, headers=planner)
    assert done.status_code == 200 and done.json()["type"] == "calendar"
    shown = app_client.get("/api/calendar/2031", headers=auditor).json()
    assert shown["holidays"] == ["2031-01-01"] and shown["record"] == done.json()["id"]
    after = app_client.get("/api/workdays/add?date=2031-06-02&n=3", headers=auditor)
    assert after.json()["date"] == date(2031, 6, 5).isoformat()
    assert app_client.get("/api/deadlines", headers=auditor).json() == []


def test_penalty_entry_errors_are_4xx(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    body = {
        "decision": "X人防罚〔2026〕1号",
        "target": "91NOSUCHTARGET0000",
        "decided": "2026-03-01",
        "facts": "f",
        "basis": "b",
        "kind": "罚款",
        "content": "c",
        "authority": "市人防办",
        "publish_until": "2029-03-01",
        "amounts": [{"kind": "罚款", "fen": 500000}],
    }
    r = app_client.post("/api/penalties", json=body, headers=planner)
    assert 400 <= r.status_code < 500 and r.status_code != 401, r.text
    assert (
        app_client.post(
            "/api/penalties/99/approve", headers=token(app_client, "reviewer")
        ).status_code
        == 404
    )


def test_waiting_results_are_listed_and_sent_back_with_a_reason(
    app_client: TestClient, service: Lifecycle
) -> None:
    teams = _disclosed(service)
    app_client.app.state.clock = lambda: T_ENTER  # type: ignore[attr-defined]
    inspector = token(app_client, "inspector")
    reviewer = token(app_client, "reviewer")
    target, team = teams[0]
    _link(service, "inspector", team[0])
    rid = app_client.post(
        "/api/tasks/T-res/results", json=_result(target, team), headers=inspector
    ).json()["id"]
    assert app_client.get("/api/tasks/T-res/results", headers=reviewer).json() == []
    waiting = app_client.get("/api/results/waiting", headers=reviewer)
    assert [(r["id"], r["status"]) for r in waiting.json()] == [(rid, "entered")]
    assert app_client.get("/api/results/waiting", headers=inspector).status_code == 403
    url = f"/api/results/{rid}/send-back"
    assert app_client.post(url, json={"reason": ""}, headers=reviewer).status_code == 422
    assert app_client.post(url, json={"reason": "x"}, headers=inspector).status_code == 403
    assert app_client.post(url, json={"reason": "证据不全"}, headers=reviewer).status_code == 204
    assert app_client.get("/api/results/waiting", headers=reviewer).json() == []
    again = app_client.post(url, json={"reason": "再退"}, headers=reviewer)
    assert again.status_code in (403, 409, 422), again.text
    assert app_client.post(f"/api/results/{rid}/approve", headers=reviewer).status_code != 200


def test_an_admin_links_an_account_to_an_inspector_through_the_api(
    app_client: TestClient, service: Lifecycle
) -> None:
    teams = _disclosed(service)
    admin = token(app_client, "admin")
    inspector_id = teams[0][1][0]
    url = "/api/users/inspector/inspector"
    unknown = app_client.put(url, json={"inspector_id": "NO-SUCH"}, headers=admin)
    assert unknown.status_code == 422 and "NO-SUCH" in unknown.json()["detail"]
    assert (
        app_client.put(url, json={"inspector_id": inspector_id}, headers=admin).status_code == 204
    )
    listed = {
        u["name"]: u["inspector_id"] for u in app_client.get("/api/users", headers=admin).json()
    }
    assert listed["inspector"] == inspector_id and listed["reviewer"] is None
    assert app_client.put(url, json={"inspector_id": None}, headers=admin).status_code == 204
    assert users.inspector_of(service, "inspector") is None


def test_expired_penalties_are_withdrawn_in_bulk(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    penalties = PenaltyService(service.engine, service.log)
    with service.session() as s:
        target = s.exec(select(Target.uscc).order_by(Target.uscc)).first() or ""
    when = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
    published = {}
    for number, until in (
        ("P-2", date(2026, 5, 31)),
        ("P-1", date(2026, 4, 30)),
        ("P-3", date(2026, 6, 30)),
    ):
        entry = replace(_entry(target, "2026-03-30", number), publish_until=until)
        pid = penalties.enter(entry, when, actor="clerk")
        published[number] = penalties.approve(pid, when, reviewer="boss").id
    clock.now = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # P-1 and P-2 ended, P-3 still shows
    reviewer, planner = token(app_client, "reviewer"), token(app_client, "planner")
    refused = app_client.post("/api/penalties/withdraw-expired", headers=reviewer)
    assert refused.status_code == 403 and "penalty.write" in refused.json()["detail"]
    assert len(penalties.expired(date(2026, 6, 1))) == 2  # the refusal changed nothing
    done = app_client.post("/api/penalties/withdraw-expired", headers=planner)
    assert done.status_code == 200, done.text
    bodies = [r["body"] for r in done.json()]
    assert [b["penalty"] for b in bodies] == [published["P-1"], published["P-2"]]
    assert [(b["type"], b["ground"]) for b in bodies] == [("penalty-withdrawal", "expired")] * 2
    assert bodies[0]["reason"] == "公示期满（至2026-04-30）"
    assert [p.decision for p in penalties.list_penalties("published")] == ["P-3"]
    again = app_client.post("/api/penalties/withdraw-expired", headers=planner)
    assert again.status_code == 200 and again.json() == []
