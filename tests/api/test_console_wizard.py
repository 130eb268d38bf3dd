"""The task wizard (新建抽查任务), the announcement preview, editing and deleting a draft, and the
two-person entry of public numbers, through the console's forms (SQLite and PostgreSQL).

Passwords are TEST-ONLY values.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.demo.recorded import QUICKNET_ROUND
from lottery.service.lifecycle import Lifecycle, TaskNotFound
from lottery.service.registries import publish_item_list
from lottery.storage.models import AuditEvent, Task
from tests import lifecycle as lc
from tests.api.conftest import (
    ROUND_TIME,
    SIGNATURE,
    T_ANNOUNCE,
    T_DRAW,
    Clock,
    task_definition,
    token,
)
from tests.api.test_console import _csrf, login
from tests.service.conftest import ITEMS_PUBLISHED, TEST_ITEM
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only


def _login(client: TestClient, name: str) -> None:
    client.cookies.clear()  # another user on the same browser
    login(client, name)


_PICKS = re.compile(r"共抽取 (\d+) 个")
_CANDIDATES = re.compile(r"候选对象 (\d+) 个")


def _form(task: str = "T2026-102", **changes: str | list[str]) -> dict[str, Any]:
    """The wizard's fields for the same values as ``task_definition`` (Beijing times)."""
    deadline = ROUND_TIME + timedelta(hours=1) + timedelta(hours=8)
    values: dict[str, Any] = {
        "task": task,
        "title": "2026年第一季度人防工程使用情况抽查",
        "org_units": task_definition()["org_units"],
        "window_start": "2026-03-10",
        "window_end": "2026-03-31",
        "ratio_A": "3",
        "ratio_B": "5",
        "ratio_C": "10",
        "ratio_D": "20",
        "team_size": "2",
        "cap": "",
        "items": ["RF-01@1"],
        "disclosure": "2026-04-01T08:00",
        "announce_at": "",
        "beacon_kind": "drand",
        "drand_round": str(QUICKNET_ROUND),
        "drand_time": "",
        "drand_deadline": deadline.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    values.update(changes)
    return values


def _tasks(service: Lifecycle) -> list[str]:
    return [t.id for t in service.list_tasks()]


def _audit(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _post(client: TestClient, path: str, data: dict[str, Any], **kw: Any) -> Any:
    csrf = _csrf(client.get("/console/tasks").text)
    return client.post(path, data={**data, "csrf": csrf}, follow_redirects=False, **kw)


def test_the_wizard_creates_the_task_the_api_creates(
    app_client: TestClient, service: Lifecycle
) -> None:
    body = task_definition("T2026-101")
    api = app_client.post("/api/tasks", json=body, headers=token(app_client, "planner"))
    assert api.status_code == 201, api.text
    _login(app_client, "planner")
    wizard = app_client.get("/console/tasks/new")
    assert wizard.status_code == 200 and "新建抽查任务" in wizard.text
    assert 'for="f-ratio_A"' in wizard.text and "RF-01：人防工程平时使用情况" in wizard.text
    response = _post(app_client, "/console/tasks/new", _form())
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/console/tasks/T2026-102/preview?done=created"
    made, reference = service.get_task("T2026-102"), service.get_task("T2026-101")
    assert made.params == reference.params and made.title == reference.title
    assert made.state == "draft" and made.created_by == "planner"
    assert [e.object for e in _audit(service, "task.create")] == ["T2026-101", "T2026-102"]


def test_a_drand_time_and_public_numbers_fallback_are_turned_into_the_spec(
    app_client: TestClient, service: Lifecycle
) -> None:
    _login(app_client, "planner")
    due = ROUND_TIME + timedelta(hours=8) - timedelta(seconds=1)  # Beijing, just before 123
    form = _form(
        drand_round="",
        drand_time=due.strftime("%Y-%m-%dT%H:%M:%S"),
        drand_deadline="",
        fallback="1",
        numbers_description="福彩开奖号码",
        numbers_date="2026-03-02",
        src1_name="福彩3D",
        src1_draw="2026061期",
        src1_kind="number",
        src1_count="",
        src2_name="双色球红球",
        src2_draw="2026025期",
        src2_kind="set",
        src2_count="6",
        announce_at="2026-03-01T10:00",
    )
    assert _post(app_client, "/console/tasks/new", form).status_code == 303
    params = service.get_task("T2026-102").params
    primary = params["beacon"]["primary"]
    assert primary["round"] == QUICKNET_ROUND
    assert primary["deadline"] == (ROUND_TIME + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fallback = params["beacon"]["fallback"]
    assert [s["count"] for s in fallback["sources"]] == [1, 6]
    assert params["announce_at"] == "2026-03-01T02:00:00Z"
    # The edit form shows the same values back, and saving them changes nothing but the time.
    edit = app_client.get("/console/tasks/T2026-102/edit").text
    assert 'value="双色球红球"' in edit and 'value="2026-03-01T10:00"' in edit


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"task": "坏编号"}, "task", "任务编号须以字母或数字开头"),
        ({"title": ""}, "title", "请填写任务名称"),
        ({"org_units": []}, "org_units", "请至少选择一个组织单位"),
        ({"window_end": "2026-03-01"}, "window_end", "结束日期早于开始日期"),
        ({"ratio_A": "0"}, "ratio_A", "0.01 到 100 之间"),
        ({"ratio_B": "abc"}, "ratio_B", "百分比"),
        ({"team_size": "1"}, "team_size", "2 到 20"),
        ({"cap": "-3"}, "cap", "1 到 100000"),
        ({"disclosure": "明天"}, "disclosure", "结果公开时间"),
        ({"disclosure": "0001-01-01T00:00"}, "disclosure", "结果公开时间"),
        ({"announce_at": "2026-02-30T10:00"}, "announce_at", "公告时间"),
        ({"drand_round": "", "drand_time": ""}, "drand_time", "请填写 drand"),
        ({"beacon_kind": "numbers"}, "numbers_description", "请填写公开号码的说明"),
        ({"items": ["XX@9"]}, "items", "不在清单中"),
        ({"window_start": "2026-02-30"}, "window_end", "不符合要求"),
        ({"drand_round": "99999999999999"}, "drand_round", "轮次太大"),
        (
            {
                "src1_name": "双色球",
                "src1_kind": "set",
                "src1_count": "50",
                "beacon_kind": "numbers",
                "numbers_description": "说明",
                "numbers_date": "2026-03-02",
                "src1_draw": "1期",
            },
            "beacon_kind",
            "随机数来源的设置",
        ),
    ],
)
def test_a_bad_value_is_shown_next_to_its_field_and_creates_nothing(
    app_client: TestClient,
    service: Lifecycle,
    changes: dict[str, Any],
    field: str,
    words: str,
) -> None:
    _login(app_client, "planner")
    response = _post(app_client, "/console/tasks/new", _form(**changes))
    assert response.status_code == 422
    html = response.text
    error = re.search(rf'<p class="field-error" id="f-{field}-error">([^<]*)</p>', html)
    assert error is not None and words in error.group(1), html
    assert _tasks(service) == [] and _audit(service, "task.create") == []


def test_a_taken_id_and_a_refusal_by_the_service_create_nothing(
    app_client: TestClient, service: Lifecycle
) -> None:
    _login(app_client, "planner")
    assert _post(app_client, "/console/tasks/new", _form()).status_code == 303
    again = _post(app_client, "/console/tasks/new", _form(title="另一个"))
    assert again.status_code == 409 and 'id="f-task-error"' in again.text
    assert service.get_task("T2026-102").title == "2026年第一季度人防工程使用情况抽查"
    bidi = _post(app_client, "/console/tasks/new", _form("T2026-103", title="a\u202eb"))
    assert bidi.status_code == 422 and "error-box" in bidi.text
    # No item of the item list (R1): refused by the service, in Chinese, nothing created.
    none = _post(app_client, "/console/tasks/new", _form("T2026-104", items=[]))
    assert none.status_code == 422 and "抽查任务须至少选择一项抽查事项" in none.text
    assert _tasks(service) == ["T2026-102"]


def test_only_planners_use_the_wizard(app_client: TestClient, service: Lifecycle) -> None:
    _login(app_client, "reviewer")
    assert "/console/tasks/new" not in app_client.get("/console/tasks").text
    page = app_client.get("/console/tasks/new")
    assert page.status_code == 403 and "不能新建和公告抽查任务" in page.text
    assert _post(app_client, "/console/tasks/new", _form()).status_code == 403
    assert _tasks(service) == []


def test_the_preview_gives_the_numbers_the_draw_uses(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    _login(app_client, "planner")
    _post(app_client, "/console/tasks/new", _form())
    preview = app_client.get("/console/tasks/T2026-102/preview")
    assert preview.status_code == 200 and "可以公告" in preview.text
    picks = int(_PICKS.search(preview.text).group(1))  # type: ignore[union-attr]
    candidates = int(_CANDIDATES.search(preview.text).group(1))  # type: ignore[union-attr]
    assert _audit(service, "secret.create") == []  # previewing wrote nothing
    confirm = app_client.get("/console/tasks/T2026-102/announce").text
    assert f"共抽取 {picks} 个" in confirm  # the announce confirmation shows the preview
    csrf = _csrf(confirm)
    app_client.post("/console/tasks/T2026-102/announce", data={"csrf": csrf})
    clock.now = T_DRAW
    app_client.post(
        "/console/tasks/T2026-102/draw", data={"csrf": csrf, "drand_signature": SIGNATURE}
    )
    task = service.get_task("T2026-102")
    assert task.state == "drawn"
    ann = service.published_or_refuse("T2026-102", "announce", "announce")
    assert ann.body["pool"]["picks"] == picks and ann.body["pool"]["candidates"] == candidates
    blob = service.read_sealed_outcome("T2026-102", "test", T_DRAW)
    outcome = json.loads(blob)
    assert len(outcome["teams"]) == picks
    # Once announced, the preview, the edit and the delete are refused; nothing changes.
    for path in ("preview", "edit", "delete"):
        assert app_client.get(f"/console/tasks/T2026-102/{path}").status_code == 409


def test_an_infeasible_draft_is_explained_before_announcing(
    app_client: TestClient, service: Lifecycle
) -> None:
    _login(app_client, "planner")
    _post(app_client, "/console/tasks/new", _form(ratio_D=""))
    preview = app_client.get("/console/tasks/T2026-102/preview").text
    assert "现在公告会被拒绝" in preview and "没有填写抽取比例" in preview


def test_a_draft_is_edited_and_deleted_but_not_once_announced(
    app_client: TestClient, service: Lifecycle
) -> None:
    _login(app_client, "planner")
    _post(app_client, "/console/tasks/new", _form())
    edit = app_client.get("/console/tasks/T2026-102/edit")
    assert edit.status_code == 200 and 'value="20"' in edit.text  # ratio D back in percent
    bad = _post(app_client, "/console/tasks/T2026-102/edit", _form(team_size="x"))
    assert bad.status_code == 422 and 'id="f-team_size-error"' in bad.text
    assert service.get_task("T2026-102").params["team_size"] == 2
    changed = _form("IGNORED", title="改名后的任务", team_size="3")
    done = _post(app_client, "/console/tasks/T2026-102/edit", changed)
    assert done.status_code == 303
    task = service.get_task("T2026-102")
    assert task.title == "改名后的任务" and task.params["team_size"] == 3
    assert "IGNORED" not in _tasks(service)
    assert "确认删除草稿" in app_client.get("/console/tasks/T2026-102/delete").text
    gone = _post(app_client, "/console/tasks/T2026-102/delete", {})
    assert gone.status_code == 303 and gone.headers["location"] == "/console/tasks?done=deleted"
    with pytest.raises(TaskNotFound):
        service.get_task("T2026-102")
    # An announced task: the forms are refused by the service too (hand-made POSTs).
    _post(app_client, "/console/tasks/new", _form())
    service.announce("T2026-102", T_ANNOUNCE)
    assert _post(app_client, "/console/tasks/T2026-102/edit", _form(title="x")).status_code == 409
    assert _post(app_client, "/console/tasks/T2026-102/delete", {}).status_code == 409
    assert service.get_task("T2026-102").state == "announced"


def test_a_reviewer_may_not_edit_or_delete(app_client: TestClient, service: Lifecycle) -> None:
    app_client.post("/api/tasks", json=task_definition(), headers=token(app_client, "planner"))
    _login(app_client, "reviewer")
    assert app_client.get("/console/tasks/T2026-101/edit").status_code == 403
    assert _post(app_client, "/console/tasks/T2026-101/delete", {}).status_code == 403
    assert service.get_task("T2026-101").state == "draft"


# -- the two-person entry of public numbers ------------------------------------------------


def _numbers_task(service: Lifecycle) -> None:
    service.create_task(lc.params(lc.small_registries(), "T-num"), lc.T_ANNOUNCE, actor="t")
    service.announce("T-num", lc.T_ANNOUNCE)


NUMBERS = {"n1": "2", "n2": "7 11 19 26 30"}


def test_one_person_enters_and_another_confirms_the_numbers(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    _numbers_task(service)
    clock.now = lc.T_DRAW
    _login(app_client, "planner")
    task_page = app_client.get("/console/tasks/T-num").text
    assert "/console/tasks/T-num/numbers" in task_page
    form = app_client.get("/console/tasks/T-num/numbers").text
    assert "福彩3D（虚构）" in form and "numbers/enter" in form
    short = _post(app_client, "/console/tasks/T-num/numbers/enter", NUMBERS)
    assert short.status_code == 422 and "须填写 6 个号码（现为 5 个）" in short.text
    entered = _post(
        app_client, "/console/tasks/T-num/numbers/enter", {"n1": "2", "n2": "2,7,11 19 26 30"}
    )
    assert entered.status_code == 303
    page = app_client.get(entered.headers["location"]).text
    assert "等待另一人复核" in page and "复核一致，抽取" not in page  # not for the enterer
    assert "2,7,11" not in page  # the pending numbers are never shown
    same = _post(
        app_client, "/console/tasks/T-num/numbers/confirm", {"n1": "2", "n2": "2 7 11 19 26 30"}
    )
    assert same.status_code == 422 and "录入和确认必须由两个不同的人完成" in same.text
    assert service.get_task("T-num").state == "announced"
    _login(app_client, "reviewer")
    page = app_client.get("/console/tasks/T-num/numbers").text
    assert "复核一致，抽取" in page and "numbers/enter" not in page
    confirmed = _post(
        app_client, "/console/tasks/T-num/numbers/confirm", {"n1": "2", "n2": "2 7 11 19 26 30"}
    )
    assert confirmed.status_code == 303, confirmed.text
    assert service.get_task("T-num").state == "drawn"
    assert len(_audit(service, "beacon.numbers.confirm")) == 1


def test_a_mismatch_voids_the_entry_and_a_void_needs_a_reason(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    _numbers_task(service)
    clock.now = lc.T_DRAW
    _login(app_client, "planner")
    _post(app_client, "/console/tasks/T-num/numbers/enter", {"n1": "2", "n2": "2 7 11 19 26 30"})
    _login(app_client, "reviewer")
    no_reason = _post(app_client, "/console/tasks/T-num/numbers/reject", {"reason": " "})
    assert no_reason.status_code == 422 and 'id="f-reason-error"' in no_reason.text
    wrong = _post(
        app_client, "/console/tasks/T-num/numbers/confirm", {"n1": "3", "n2": "2 7 11 19 26 30"}
    )
    assert wrong.status_code == 422 and "已作废" in wrong.text
    assert service.get_task("T-num").state == "announced"
    _login(app_client, "auditor")
    assert app_client.get("/console/tasks/T-num/numbers").status_code == 403


def test_a_drand_task_has_no_numbers_page(app_client: TestClient, service: Lifecycle) -> None:
    app_client.post("/api/tasks", json=task_definition(), headers=token(app_client, "planner"))
    _login(app_client, "planner")
    page = app_client.get("/console/tasks/T2026-101/numbers")
    assert page.status_code == 409 and "没有要录入的开奖号码" in page.text


def test_numbers_refusal_is_in_chinese_before_the_draw_date(
    app_client: TestClient, service: Lifecycle
) -> None:
    _numbers_task(service)  # the clock is still before the draw date
    _login(app_client, "planner")
    early = _post(
        app_client, "/console/tasks/T-num/numbers/enter", {"n1": "2", "n2": "2 7 11 19 26 30"}
    )
    assert early.status_code == 422 and "开奖前不能录入" in early.text
    with service.session() as s:
        assert s.exec(select(Task).where(Task.id == "T-num")).one().state == "announced"


def test_the_api_edits_and_deletes_a_draft_only(app_client: TestClient, service: Lifecycle) -> None:
    headers = token(app_client, "planner")
    app_client.post("/api/tasks", json=task_definition(), headers=headers)
    body = {**task_definition(), "title": "经接口修改", "team_size": 3}
    put = app_client.put("/api/tasks/T2026-101", json=body, headers=headers)
    assert put.status_code == 200, put.text
    assert put.json()["title"] == "经接口修改" and put.json()["params"]["team_size"] == 3
    other = app_client.put("/api/tasks/T2026-101", json=task_definition("T-x"), headers=headers)
    assert other.status_code == 422
    reviewer = token(app_client, "reviewer")
    assert app_client.delete("/api/tasks/T2026-101", headers=reviewer).status_code == 403
    assert app_client.delete("/api/tasks/T2026-101", headers=headers).status_code == 204
    assert app_client.delete("/api/tasks/T2026-101", headers=headers).status_code == 404
    app_client.post("/api/tasks", json=task_definition(), headers=headers)
    app_client.post("/api/tasks/T2026-101/announce", headers=headers)
    assert app_client.put("/api/tasks/T2026-101", json=body, headers=headers).status_code == 409
    assert app_client.delete("/api/tasks/T2026-101", headers=headers).status_code == 409
    assert service.get_task("T2026-101").state == "announced"


def test_the_preview_names_the_target_types_the_items_cover(
    app_client: TestClient, service: Lifecycle
) -> None:
    # Version 2 of the item list (the wizard offers the latest): RF-01 covers 平时使用 (every
    # fixture target's type), RF-02 工程设计 (no fixture target's type), RF-03 names no type.
    v2 = [
        dataclasses.replace(TEST_ITEM, target_types=("peacetime_use",)),
        dataclasses.replace(TEST_ITEM, code="RF-02", target_types=("design",)),
        dataclasses.replace(TEST_ITEM, code="RF-03"),
    ]
    publish_item_list(service, v2, actor="planner", now=ITEMS_PUBLISHED + timedelta(days=1))
    _login(app_client, "planner")
    _post(app_client, "/console/tasks/new", _form(items=["RF-03@2"]))
    every = app_client.get("/console/tasks/T2026-102/preview").text
    assert "抽取的对象类型：全部类型" in every
    _post(app_client, "/console/tasks/new", _form("T2026-103", items=["RF-01@2"]))
    typed = app_client.get("/console/tasks/T2026-103/preview").text
    assert "抽取的对象类型：平时使用（" in typed and "可以公告" in typed
    assert _CANDIDATES.search(typed).group(1) == _CANDIDATES.search(every).group(1)  # type: ignore[union-attr]
    _post(app_client, "/console/tasks/new", _form("T2026-104", items=["RF-02@2"]))
    design = app_client.get("/console/tasks/T2026-104/preview").text
    assert "抽取的对象类型：工程设计（" in design
    assert "现在公告会被拒绝" in design and "没有可抽取的检查对象" in design


def test_cap_exceptions_through_the_api_and_the_wizard(
    app_client: TestClient, service: Lifecycle
) -> None:
    kept = "91419901MA4L000001"
    body = task_definition("T2026-211") | {
        "cap_exceptions": [{"target": kept, "reason": "群众投诉集中，需再次检查"}]
    }
    api = app_client.post("/api/tasks", json=body, headers=token(app_client, "planner"))
    assert api.status_code == 201, api.text
    stored = service.get_task("T2026-211").params["cap_exceptions"]
    assert stored == [[kept, "群众投诉集中，需再次检查"]]
    bad = task_definition("T2026-212") | {"cap_exceptions": [{"target": "x", "reason": "r"}]}
    refused = app_client.post("/api/tasks", json=bad, headers=token(app_client, "planner"))
    assert refused.status_code == 422 and "cap_exceptions" in refused.text
    _login(app_client, "planner")
    line = f"{kept}|群众投诉集中，需再次检查"
    made = _post(app_client, "/console/tasks/new", _form("T2026-213", cap_exceptions=line))
    assert made.status_code == 303, made.text
    assert service.get_task("T2026-213").params["cap_exceptions"] == stored
    edit = app_client.get("/console/tasks/T2026-213/edit").text
    assert f"{kept}｜群众投诉集中，需再次检查" in edit
    wrong = _post(app_client, "/console/tasks/new", _form("T2026-214", cap_exceptions="没有竖线"))
    assert wrong.status_code == 422 and "第 1 行应写成“统一社会信用代码｜保留理由”" in wrong.text
    assert "T2026-214" not in _tasks(service)


def _plan(service: Lifecycle) -> None:
    """2026's plan in force (P01: RF-01, joint; P02: RF-01) and 2025's (P01)."""
    from lottery.registry_io.layouts import PlanEntryRow
    from lottery.service.plans import publish_plan

    def row(entry: str, joint: bool) -> PlanEntryRow:
        depts = ("市住房和城乡建设局",) if joint else ()
        return PlanEntryRow(entry, ("RF-01",), 500, None, "Q1", 1, joint, depts, None)

    at = T_ANNOUNCE - timedelta(days=30)
    publish_plan(service, 2026, [row("P01", True), row("P02", False)], actor="admin", now=at)
    publish_plan(service, 2025, [row("P01", False)], actor="admin", now=at)


def test_the_plan_entry_and_joint_departments_make_the_task_the_api_makes(
    app_client: TestClient, service: Lifecycle
) -> None:
    _plan(service)
    joint = {"participants": ["市住房和城乡建设局", "市消防救援支队"], "one_per_team": True}
    body = task_definition("T2026-101") | {
        "plan": {"year": 2026, "entry": "P01"},
        "departments": joint,
        "team_size": 3,
    }
    api = app_client.post("/api/tasks", json=body, headers=token(app_client, "planner"))
    assert api.status_code == 201, api.text
    _login(app_client, "planner")
    wizard = app_client.get("/console/tasks/new").text
    assert '<label for="f-plan">' in wizard and '<label for="f-dept_participants">' in wizard
    assert re.search(
        r'<option value="2026:P01">2026 年（第 1 版）P01：RF-01，第一季度，联合', wizard
    )
    assert wizard.index('value="2026:P02"') < wizard.index('value="2025:P01"')  # newest first
    form = _form(
        plan="2026:P01",
        team_size="3",
        dept_participants="市住房和城乡建设局\n市消防救援支队",
        dept_one_per_team="1",
    )
    assert _post(app_client, "/console/tasks/new", form).status_code == 303
    made, reference = service.get_task("T2026-102"), service.get_task("T2026-101")
    assert made.params == reference.params
    assert made.params["departments"]["lead"] == "市人民防空办公室"
    # The edit form shows them back.
    edit = app_client.get("/console/tasks/T2026-102/edit").text
    assert '<option value="2026:P01" selected>' in edit
    assert "市住房和城乡建设局\n市消防救援支队</textarea>" in edit
    assert 'name="dept_one_per_team" value="1" checked' in edit
    # Each wrong value is named at its field, and nothing is created.
    for changes, field, words in [
        ({"plan": "2026:P09"}, "plan", "不在现行年度抽查计划中"),
        ({"plan": "2025:P01"}, "plan", "不在计划年度 2025 年内"),
        ({"dept_one_per_team": "1"}, "dept_participants", "至少一个配合部门"),
        (
            {"dept_participants": "市人民防空办公室、消防"},
            "dept_participants",
            "不能同时是配合部门",
        ),
        (
            {"dept_participants": "住建\n消防", "dept_one_per_team": "1"},
            "dept_participants",
            "每组人数须不少于部门数",
        ),
    ]:
        response = _post(app_client, "/console/tasks/new", _form("T2026-103", **changes))
        assert response.status_code == 422, changes
        error = re.search(
            rf'<p class="field-error" id="f-{field}-error">([^<]*)</p>', response.text
        )
        assert error is not None and words in error.group(1), (changes, response.text)
    assert _tasks(service) == ["T2026-101", "T2026-102"]
