"""The early-disclosure option (issue #16) on each way to create a task: the API body, the
console wizard's checkbox and the CLI flag, and what an approval of a sealed task's result
answers (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.core.outcome import decode_outcome
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from lottery.storage.models import AuditEvent
from tests import lifecycle as lc
from tests.api.conftest import Clock, task_definition, token
from tests.api.test_console import _csrf, login
from tests.api.test_console_results import TASK, _audit, _drawn, _form, _results
from tests.api.test_console_wizard import _form as _wizard_form
from tests.api.test_console_wizard import _login, _post
from tests.api.test_results_api import _link, _result
from tests.lifecycle import LOG, small_registries
from tests.service.conftest import load_registries
from tests.service.results_builder import entry, hold
from tests.test_cli_service import PASSWORD, _task_file, run


def test_the_api_and_the_wizard_take_the_option(app_client: TestClient, service: Lifecycle) -> None:
    body = task_definition("T2026-201") | {"disclose_early": True}
    api = app_client.post("/api/tasks", json=body, headers=token(app_client, "planner"))
    assert api.status_code == 201, api.text
    assert service.get_task("T2026-201").params["disclose_early"] is True
    bad = task_definition("T2026-202") | {"disclose_early": "maybe"}
    refused = app_client.post("/api/tasks", json=bad, headers=token(app_client, "planner"))
    assert refused.status_code == 422 and "disclose_early" in refused.text
    _login(app_client, "planner")
    page = app_client.get("/console/tasks/new").text
    assert "公开时间：公告时间或全部检查结果审核完毕时（以先到者为准）" in page
    made = _post(app_client, "/console/tasks/new", _wizard_form("T2026-203", disclose_early="1"))
    assert made.status_code == 303, made.text
    assert service.get_task("T2026-203").params == service.get_task("T2026-201").params
    plain = _post(app_client, "/console/tasks/new", _wizard_form("T2026-204"))
    assert plain.status_code == 303, plain.text
    assert "disclose_early" not in service.get_task("T2026-204").params
    edit = app_client.get("/console/tasks/T2026-203/edit").text
    assert 'name="disclose_early" value="1" checked' in edit


def test_the_cli_flag(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run("init", "--admin", "boss", data=data, LOTTERY_ADMIN_PASSWORD=PASSWORD)
    service = Lifecycle.open(get_settings(data_dir=data, log_origin=LOG))
    try:
        load_registries(service, small_registries())
        run("task", "create", str(_task_file(tmp_path)), "--disclose-early", data=data)
        assert service.get_task("T-cli").params["disclose_early"] is True
    finally:
        service.engine.dispose()


T_HELD = datetime(2026, 3, 28, 2, 0, tzinfo=UTC)


def test_a_sealed_tasks_result_is_approved_and_held_through_the_api(
    app_client: TestClient, service: Lifecycle
) -> None:
    service.create_task(lc.params(lc.small_registries(), "T-res"), lc.T_ANNOUNCE, actor="p")
    service.announce("T-res", lc.T_ANNOUNCE)
    service.draw("T-res", lc.beacon()[1], lc.T_DRAW)
    outcome = decode_outcome(service.read_sealed_outcome("T-res", "test", lc.T_DRAW))
    target, team = outcome.teams[0].target, tuple(outcome.teams[0].inspectors)
    app_client.app.state.clock = lambda: T_HELD  # type: ignore[attr-defined]
    inspector, reviewer = token(app_client, "inspector"), token(app_client, "reviewer")
    _link(service, "inspector", team[0])
    body = _result(target, team, dates=["2026-03-27"])
    entered = app_client.post("/api/tasks/T-res/results", json=body, headers=inspector)
    assert entered.status_code == 201, entered.text
    with service.session() as s:
        size = service.log.size(s)
    waiting = app_client.get("/api/results/waiting", headers=reviewer)
    assert [r["target"] for r in waiting.json()] == [target]
    with service.session() as s:
        reads = s.exec(select(AuditEvent).where(AuditEvent.action == "outcome.read")).all()
    assert [(e.actor, e.detail.get("purpose")) for e in reads][-1] == ("reviewer", "result-review")
    rid = entered.json()["id"]
    held = app_client.post(f"/api/results/{rid}/approve", headers=reviewer)
    assert held.status_code == 200, held.text
    assert held.json() == {"id": rid, "status": "held", "message": "已审核，待公开后发布"}
    with service.session() as s:
        assert service.log.size(s) == size  # nothing published
    early = app_client.post("/api/tasks/T-res/disclose", headers=token(app_client, "planner"))
    assert early.status_code == 422 and "不能提前公开" in early.json()["detail"]


def test_the_console_says_a_sealed_tasks_result_is_held(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    outcome = _drawn(service)
    team = outcome.teams[0]
    clock.now = T_HELD
    users.set_inspector(service, "inspector", team.inspectors[0], lc.T_DRAW, actor="admin")
    login(app_client, "inspector")
    mine = app_client.get("/console/my")
    url = f"/console/my/{TASK}/{team.target}"
    entered = app_client.post(
        url, data={"csrf": _csrf(mine.text), **_form(team.inspectors, date1="2026-03-27")}
    )
    assert entered.status_code == 200, entered.text
    app_client.cookies.clear()
    login(app_client, "reviewer")
    before = len(_audit(service, "outcome.read"))
    queue = app_client.get("/console/review")
    assert team.target in queue.text
    [read] = _audit(service, "outcome.read")[before:]  # the queue names a sealed pick
    assert (read.actor, read.detail["purpose"]) == ("reviewer", "result-review")
    [row] = _results(service)
    detail = app_client.get(f"/console/review/{row.id}")
    assert "审核通过（待公开后发布）" in detail.text and "审核通过并公开" not in detail.text
    approved = app_client.post(
        f"/console/review/{row.id}/approve", data={"csrf": _csrf(queue.text)}
    )
    assert approved.status_code == 200 and "已审核，待公开后发布" in approved.text
    assert _results(service)[0].status == "held"
    app_client.cookies.clear()
    login(app_client, "inspector")
    assert "已审核，待公开后发布" in app_client.get("/console/my").text
    app_client.cookies.clear()
    login(app_client, "reviewer")
    held = app_client.get(f"/console/review/{row.id}")
    assert "已由 reviewer 审核通过" in held.text and "退回录入人" in held.text
    back = app_client.post(
        f"/console/review/{row.id}/send-back",
        data={"csrf": _csrf(held.text), "reason": "检查日期有误，请核对"},
    )
    assert back.status_code == 200 and "已退回录入人" in back.text
    assert _results(service)[0].status == "returned"
    app_client.cookies.clear()
    login(app_client, "inspector")
    assert "退回原因：检查日期有误，请核对" in app_client.get("/console/my").text


def test_the_console_says_a_cancelled_tasks_held_result_is_void(
    app_client: TestClient, service: Lifecycle
) -> None:
    outcome = _drawn(service)
    [rid] = hold(service, outcome, entries=[entry(outcome, task=TASK)])
    service.cancel(TASK, "上级通知暂停本次抽查", T_HELD, actor="planner")
    login(app_client, "reviewer")
    page = app_client.get(f"/console/review/{rid}")
    assert page.status_code == 200, page.text
    assert "任务已取消，不予公开" in page.text and "不会公开" in page.text
    assert f"/console/review/{rid}/approve" not in page.text
    assert f"/console/review/{rid}/send-back" not in page.text
