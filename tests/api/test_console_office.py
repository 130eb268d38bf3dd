"""The console's 行政处罚, 抽查报告, 节假日安排, 名录快照 pages and the change of a user's
roles (issue #15), through FastAPI's TestClient on SQLite and PostgreSQL.

Each form post must change what the JSON API would change (the same service call), a wrong
role gets the Chinese refusal page, an approval by the person who entered (or drafted) is
refused in Chinese, and bad input shows the error next to the field and changes nothing.
Passwords here are TEST-ONLY values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.core.outcome import Outcome
from lottery.service import registry_view
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import PenaltyService
from lottery.service.reports import ReportService
from lottery.service.results import ResultsService
from lottery.storage.models import AuditEvent, CalendarYear, Penalty, Target, User
from tests.api.conftest import Clock, token
from tests.api.test_console import _csrf
from tests.api.test_console import login as _login
from tests.service.test_results import T_ENTER, TASK, _publish_all, outcome  # noqa: F401
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

NOW = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 April 2026 in Beijing


def login(client: TestClient, name: str) -> None:
    """Log ``name`` in through the form, whoever was logged in before."""
    client.cookies.clear()
    _login(client, name)


def _audit(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _penalties(service: Lifecycle) -> list[Penalty]:
    return PenaltyService(service.engine, service.log).list_penalties()


def _log_size(service: Lifecycle) -> int:
    with service.session() as session:
        return service.log.size(session)


def _first_target(service: Lifecycle) -> Target:
    with service.session() as session:
        target = session.exec(select(Target).order_by(Target.uscc)).first()
    assert target is not None
    return target


def _penalty_form(uscc: str, **over: str) -> dict[str, str]:
    form = {
        "decision": "武人防罚〔2026〕9号",
        "target": uscc,
        "decided": "2026-03-30",
        "facts": "擅自改变人防工程主体结构",
        "basis": "《中华人民共和国人民防空法》第四十九条",
        "kind": "罚款",
        "content": "责令限期改正，并处罚款",
        "authority": "武冈市人民防空办公室",
        "publish_until": "2027-03-30",
        "amount_kind": "罚款",
        "amount_yuan": "5000.5",
        "amount_text": "人民币伍仟元伍角",
        "result": "",
        "address": "武冈市解放路12号",
        "representative": "王建国",
        "authority_code": "1137990000000001XM",
        "violation": "改变人防工程主体结构",
        "licence": "",
    }
    form.update(over)
    return form


@pytest.fixture
def at_now(clock: Clock) -> Clock:
    clock.now = NOW
    return clock


# -- 行政处罚 -------------------------------------------------------------------------------


def test_a_penalty_entered_on_the_form_is_what_the_api_would_store(
    app_client: TestClient, service: Lifecycle, at_now: Clock
) -> None:
    target = _first_target(service)
    login(app_client, "planner")
    form = app_client.get("/console/penalties/new")
    assert form.status_code == 200 and "录入处罚决定" in form.text
    data = _penalty_form(target.uscc) | {"csrf": _csrf(form.text)}
    done = app_client.post("/console/penalties/new", data=data, follow_redirects=False)
    assert done.status_code == 303, done.text
    (row,) = _penalties(service)
    assert (row.status, row.entered_by, row.decided) == ("entered", "planner", date(2026, 3, 30))
    assert row.fields["entity"] == target.name
    assert row.fields["amounts"] == [{"kind": "罚款", "fen": 500_050, "text": "人民币伍仟元伍角"}]
    assert (row.fields["representative"], row.fields["authority_code"]) == (
        "王建国",
        "1137990000000001XM",
    )
    assert "licence" not in row.fields  # left blank: not stored, not sealed
    # The same decision through the API: the same stored fields (but the number).
    body: dict[str, Any] = {
        k: v for k, v in _penalty_form(target.uscc, decision="API-1").items() if k != "result"
    }
    amount = {"kind": body.pop("amount_kind"), "text": body.pop("amount_text")}
    body.pop("amount_yuan")
    body["amounts"] = [amount | {"fen": 500_050}]
    api = app_client.post("/api/penalties", json=body, headers=token(app_client, "planner"))
    assert api.status_code == 201, api.text
    login(app_client, "planner")
    by_api = next(p for p in _penalties(service) if p.decision == "API-1")
    assert {k: v for k, v in by_api.fields.items() if k != "decision"} == {
        k: v for k, v in row.fields.items() if k != "decision"
    }
    listing = app_client.get(done.headers["location"]).text
    assert "已录入处罚决定 武人防罚〔2026〕9号" in listing
    # Decided Mon 30 Mar: 31 Mar, 1-3 Apr, (Qingming 4-6 Apr off) 7, 8, 9 Apr: due Thu 9 Apr.
    assert "2026年4月9日 前（还有 4 个工作日）" in listing.split('id="h-entered"', 1)[1]
    assert [e.actor for e in _audit(service, "penalty.enter")] == ["planner", "planner"]


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"decision": " "}, "decision", "请填写处罚决定书文号"),
        ({"decided": "30/03/2026"}, "decided", "格式应为 年-月-日"),
        ({"publish_until": "2026-03-01"}, "publish_until", "须晚于处罚决定日期"),
        ({"amount_yuan": "5,000"}, "amount_yuan", "不带逗号的数字"),
        ({"target": "91NOSUCHTARGET0000"}, "target", "名录中没有"),
        ({"decided": "2026-04-03"}, "decided", "不能晚于今天"),
        ({"result": "ab" * 32}, "result", "不是该检查对象已公开的检查结果"),
        ({"authority_code": "1137990000000001XA"}, "authority_code", "不是有效的统一社会信用代码"),
    ],
)
def test_a_bad_penalty_field_is_shown_next_to_it_and_nothing_is_stored(
    app_client: TestClient,
    service: Lifecycle,
    at_now: Clock,
    over: dict[str, str],
    field: str,
    message: str,
) -> None:
    target = _first_target(service)
    login(app_client, "planner")
    csrf = _csrf(app_client.get("/console/penalties/new").text)
    data = _penalty_form(target.uscc, **over) | {"csrf": csrf}
    refused = app_client.post("/console/penalties/new", data=data)
    assert refused.status_code == 422
    error = refused.text.split(f'id="f-{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert f'id="f-{field}" ' in refused.text and 'aria-invalid="true"' in refused.text
    assert _penalties(service) == [] and _audit(service, "penalty.enter") == []


@pytest.mark.parametrize(
    ("code", "sentence", "english"),
    [
        (
            "1137990000000001XA",
            "：统一社会信用代码的最后一位（校验码）与前 17 位不符（应为 M），请核对是否抄错",
            "has a wrong check character (expected M)",
        ),
        (
            "1137990000000001",
            "：统一社会信用代码应为 18 位，填写的是 16 位",
            "must have 18 characters, has 16",
        ),
        (
            "1137990000000001IM",
            "：统一社会信用代码中有不能使用的字符“I”：只能是数字 0-9 和除 I、O、S、V、Z 以外的"
            "大写英文字母",
            "holds a character outside the standard's set: 'I'",
        ),
    ],
)
def test_a_bad_authority_code_is_refused_by_the_api_in_chinese(
    app_client: TestClient,
    service: Lifecycle,
    at_now: Clock,
    code: str,
    sentence: str,
    english: str,
) -> None:
    body: dict[str, Any] = {
        k: v for k, v in _penalty_form(_first_target(service).uscc).items() if k != "result"
    }
    amount = {"kind": body.pop("amount_kind"), "text": body.pop("amount_text"), "fen": 500_050}
    body.pop("amount_yuan")
    body |= {"amounts": [amount], "authority_code": code}
    refused = app_client.post("/api/penalties", json=body, headers=token(app_client, "planner"))
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    # The field, what is wrong in Chinese, then the check's English in brackets.
    assert detail.startswith(
        f"处罚机关统一社会信用代码（authority_code）：不是有效的统一社会信用代码{sentence}（USCC "
    )
    assert detail.endswith(f"{english}）")
    assert _penalties(service) == []


def _entered(app_client: TestClient, service: Lifecycle, who: str) -> Penalty:
    login(app_client, who)
    csrf = _csrf(app_client.get("/console/penalties/new").text)
    data = _penalty_form(_first_target(service).uscc) | {"csrf": csrf}
    assert app_client.post("/console/penalties/new", data=data).status_code == 200
    (row,) = _penalties(service)
    return row


def test_the_person_who_entered_a_penalty_cannot_approve_it(
    app_client: TestClient, service: Lifecycle, at_now: Clock
) -> None:
    row = _entered(app_client, service, "admin")  # admin may both enter and approve
    confirm = app_client.get(f"/console/penalties/{row.id}/approve")
    assert "须由另一人审核通过" in confirm.text and "确认审核通过并公开" not in confirm.text
    size = _log_size(service)
    refused = app_client.post(
        f"/console/penalties/{row.id}/approve", data={"csrf": _csrf(confirm.text)}
    )
    assert refused.status_code == 403
    assert "不能审核自己录入的处罚决定" in refused.text and "admin 录入" in refused.text
    assert "different" not in refused.text and "result.review" not in refused.text
    assert _penalties(service)[0].status == "entered" and _log_size(service) == size


def test_a_reviewer_approves_then_a_planner_withdraws_through_the_confirmation(
    app_client: TestClient, service: Lifecycle, at_now: Clock
) -> None:
    row = _entered(app_client, service, "planner")
    assert f"/console/penalties/{row.id}/approve" not in app_client.get("/console/penalties").text
    login(app_client, "reviewer")
    confirm = app_client.get(f"/console/penalties/{row.id}/approve")
    assert "将会公开的内容" in confirm.text and "5,000.50 元" in confirm.text
    assert "擅自改变人防工程主体结构" in confirm.text
    done = app_client.post(
        f"/console/penalties/{row.id}/approve",
        data={"csrf": _csrf(confirm.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    published = _penalties(service)[0]
    assert (published.status, published.approved_by) == ("published", "reviewer")
    record = PenaltyService(service.engine, service.log).record(published.record_id or "")
    assert record.body["deadline"]["due"] == "2026-04-09"
    # A reviewer may not withdraw (penalty.write): refused in Chinese.
    page = app_client.get(f"/console/penalties/{row.id}/withdraw")
    assert page.status_code == 403 and "录入和撤回行政处罚" in page.text
    login(app_client, "planner")
    listed = app_client.get("/console/penalties").text.split('id="h-published"', 1)[1]
    assert "武人防罚〔2026〕9号" in listed and "撤回" in listed
    confirm = app_client.get(f"/console/penalties/{row.id}/withdraw")
    assert "从公开网站、公开导出文件和日志服务中删除" in confirm.text and "哈希" in confirm.text
    size_before = _log_size(service)
    url, csrf = f"/console/penalties/{row.id}/withdraw", _csrf(confirm.text)
    empty = app_client.post(url, data={"csrf": csrf, "reason": " "})
    assert empty.status_code == 422 and "请写明撤回的原因" in empty.text
    assert "请选择撤回的依据" in empty.text
    # A revoked decision needs the day it was revoked, and not a day after today.
    undated = {"csrf": csrf, "ground": "revoked", "reason": "决定已被撤销"}
    no_day = app_client.post(url, data=undated)
    assert no_day.status_code == 422 and "请填写撤销（变更）决定作出的日期" in no_day.text
    future = app_client.post(url, data=undated | {"revoked": "2026-04-20"})
    assert future.status_code == 422 and "不能晚于今天" in future.text
    assert _penalties(service)[0].status == "published" and _log_size(service) == size_before
    # Noting the revocation first puts the 3-working-day withdrawal on the 工作台.
    bad = app_client.post(
        f"/console/penalties/{row.id}/revoked", data={"csrf": csrf, "revoked_on": "4/1"}
    )
    assert bad.status_code == 422 and "请填写撤销（变更）决定作出的日期" in bad.text
    noted = app_client.post(
        f"/console/penalties/{row.id}/revoked",
        data={"csrf": csrf, "revoked_on": "2026-04-01"},
        follow_redirects=False,
    )
    assert noted.status_code == 303 and _log_size(service) == size_before  # nothing published
    assert "须于 2026年4月7日 前撤回" in app_client.get(noted.headers["location"]).text
    board = app_client.get("/console/").text.split('id="h-due"', 1)[1]
    assert "撤回被撤销的行政处罚" in board and "武人防罚〔2026〕9号" in board
    prefilled = app_client.get(f"/console/penalties/{row.id}/withdraw").text
    assert 'value="revoked" checked' in prefilled and 'value="2026-04-01"' in prefilled
    done = app_client.post(url, data=undated | {"revoked": "2026-04-01"}, follow_redirects=False)
    assert done.status_code == 303
    withdrawn = _penalties(service)[0]
    assert withdrawn.status == "withdrawn"
    note = PenaltyService(service.engine, service.log).record(withdrawn.withdrawal_record or "")
    assert (note.body["type"], note.body["penalty"], note.body["reason"]) == (
        "penalty-withdrawal",
        published.record_id,
        "决定已被撤销",
    )
    assert (note.body["ground"], note.body["revoked"]) == ("revoked", "2026-04-01")
    assert note.body["deadline"]["due"] == "2026-04-07"  # 3 working days (清明 4-4..4-6)
    assert "已撤回" in app_client.get(done.headers["location"]).text
    # The sealed content is gone from /log/blobs/ (issue #24).
    assert PenaltyService(service.engine, service.log).content(published.record_id or "") is None
    # A second withdrawal (another tab, another person) is a state refusal, not a date error.
    again = app_client.post(url, data=undated | {"revoked": "2026-04-01"})
    assert again.status_code == 409 and "当前的状态不允许这项操作" in again.text
    assert "撤销（变更）决定的日期" not in again.text
    # The API says the same in Chinese: 409 for the state, 404 for an unknown id.
    reviewer = token(app_client, "reviewer")
    twice = app_client.post(f"/api/penalties/{row.id}/approve", headers=reviewer)
    assert twice.status_code == 409
    assert "当前为“已撤回”，只有“待审核”的处罚决定才能审核通过" in twice.json()["detail"]
    unknown = app_client.post("/api/penalties/999999/approve", headers=reviewer)
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "没有编号为 999999 的处罚决定")


def test_the_withdrawal_page_proposes_the_end_of_the_period_as_reason(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    clock.now = NOW
    row = _entered(app_client, service, "planner")
    PenaltyService(service.engine, service.log).approve(row.id or 0, NOW, reviewer="reviewer")
    clock.now = datetime(2027, 3, 31, 2, 0, tzinfo=UTC)
    login(app_client, "planner")
    listed = app_client.get("/console/penalties").text
    assert "公示期已满" in listed
    page = app_client.get(f"/console/penalties/{row.id}/withdraw").text
    assert "公示期满（至2027-03-30）" in page


def test_every_expired_penalty_is_withdrawn_after_a_confirmation(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    clock.now = NOW
    penalties = PenaltyService(service.engine, service.log)
    target = _first_target(service).uscc
    for number, until in (
        ("<b>P-1</b>", "2026-06-30"),
        ("P-2", "2026-05-31"),
        ("P-3", "2027-03-30"),
    ):
        form = _penalty_form(target, decision=number, publish_until=until)
        login(app_client, "planner")
        csrf = _csrf(app_client.get("/console/penalties/new").text)
        assert (
            app_client.post("/console/penalties/new", data=form | {"csrf": csrf}).status_code == 200
        )
    for row in penalties.list_penalties():
        penalties.approve(row.id or 0, NOW, reviewer="reviewer")
    clock.now = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)  # P-1 and P-2 ended; P-3 still shows
    login(app_client, "reviewer")  # may approve, not withdraw: no button, refused in Chinese
    assert "/console/penalties/withdraw-expired" not in app_client.get("/console/penalties").text
    refused = app_client.get("/console/penalties/withdraw-expired")
    assert refused.status_code == 403 and "录入和撤回行政处罚" in refused.text
    login(app_client, "planner")
    listed = app_client.get("/console/penalties").text
    assert "其中 2 项处罚决定的公示期已满" in listed
    assert "撤回全部公示期满的处罚决定（2 项）" in listed
    confirm = app_client.get("/console/penalties/withdraw-expired")
    assert confirm.status_code == 200 and "确认撤回这 2 项" in confirm.text
    assert "&lt;b&gt;P-1&lt;/b&gt;" in confirm.text and "<b>P-1</b>" not in confirm.text
    assert "P-2" in confirm.text and "P-3" not in confirm.text
    size = _log_size(service)
    forged = app_client.post("/console/penalties/withdraw-expired", data={"csrf": "forged"})
    assert forged.status_code == 403 and _log_size(service) == size
    assert len(penalties.list_penalties("published")) == 3
    done = app_client.post(
        "/console/penalties/withdraw-expired",
        data={"csrf": _csrf(confirm.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "已撤回 2 项公示期满的处罚决定" in app_client.get(done.headers["location"]).text
    status = {p.decision: p.status for p in penalties.list_penalties()}
    assert status == {"<b>P-1</b>": "withdrawn", "P-2": "withdrawn", "P-3": "published"}
    events = _audit(service, "penalty.withdraw")
    assert sorted(e.object for e in events) == ["<b>P-1</b>", "P-2"]
    assert {(e.actor, e.detail["ground"]) for e in events} == {("planner", "expired")}
    # Nothing left: the page says so and has no form; a second post withdraws nothing.
    empty = app_client.get("/console/penalties/withdraw-expired").text
    assert "不需要撤回" in empty and 'action="/console/penalties/withdraw-expired"' not in empty
    again = app_client.post("/console/penalties/withdraw-expired", data={"csrf": _csrf(listed)})
    assert again.status_code == 200 and "没有需要撤回的处罚决定" in again.text
    assert "公示期已满" not in again.text
    bad_count = app_client.get("/console/penalties?done=withdraw-expired&count=x").text
    assert 'class="notice"' not in bad_count


def test_an_approval_into_a_year_without_calendar_data_is_explained(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    clock.now = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
    login(app_client, "planner")
    csrf = _csrf(app_client.get("/console/penalties/new").text)
    data = _penalty_form(_first_target(service).uscc, decided="2026-12-28") | {"csrf": csrf}
    app_client.post("/console/penalties/new", data=data)
    (row,) = _penalties(service)
    login(app_client, "reviewer")
    listed = app_client.get("/console/penalties").text
    assert "无法计算：缺少节假日安排" in listed
    size = _log_size(service)
    csrf = _csrf(listed)
    refused = app_client.post(f"/console/penalties/{row.id}/approve", data={"csrf": csrf})
    assert refused.status_code == 409 and "缺少 2027 年的节假日安排" in refused.text
    assert "calendar" not in refused.text.split("<main", 1)[1]
    assert _penalties(service)[0].status == "entered" and _log_size(service) == size


def test_penalty_pages_follow_the_role(app_client: TestClient, service: Lifecycle) -> None:
    login(app_client, "inspector")
    assert "/console/penalties" not in app_client.get("/console/").text
    refused = app_client.get("/console/penalties")
    assert refused.status_code == 403 and "录入和撤回行政处罚" in refused.text
    csrf = _csrf(app_client.get("/console/").text)
    data = _penalty_form(_first_target(service).uscc) | {"csrf": csrf}
    assert app_client.post("/console/penalties/new", data=data).status_code == 403
    assert _penalties(service) == []
    login(app_client, "reviewer")
    listing = app_client.get("/console/penalties")
    assert listing.status_code == 200 and "录入处罚决定" not in listing.text
    assert app_client.get("/console/penalties/new").status_code == 403
    assert app_client.get("/console/penalties/99/approve").status_code == 404
    assert app_client.get("/console/penalties/x1/approve").status_code == 404
    forged = app_client.post("/console/penalties/1/approve", data={"csrf": "forged"})
    assert forged.status_code == 403 and "表单已失效" in forged.text


def test_penalty_text_is_escaped(app_client: TestClient, service: Lifecycle, at_now: Clock) -> None:
    login(app_client, "planner")
    csrf = _csrf(app_client.get("/console/penalties/new").text)
    hostile = "<script>alert(1)</script>"
    data = _penalty_form(_first_target(service).uscc, facts=hostile) | {"csrf": csrf}
    app_client.post("/console/penalties/new", data=data)
    login(app_client, "reviewer")
    page = app_client.get(f"/console/penalties/{_penalties(service)[0].id}/approve").text
    assert hostile not in page and "&lt;script&gt;" in page


# -- 抽查报告 -------------------------------------------------------------------------------


@pytest.fixture
def results_published(service: Lifecycle, outcome: Outcome) -> None:  # noqa: F811
    _publish_all(ResultsService(service.engine, service.log), outcome)


def test_the_report_is_drafted_edited_and_approved_by_another_person(
    app_client: TestClient, service: Lifecycle, clock: Clock, results_published: None
) -> None:
    clock.now = T_ENTER
    reports = ReportService(service.engine, service.log)
    login(app_client, "planner")
    task_page = app_client.get(f"/console/tasks/{TASK}").text
    assert f"/console/tasks/{TASK}/report" in task_page
    page = app_client.get(f"/console/tasks/{TASK}/report")
    assert page.status_code == 200 and "尚未起草" in page.text and "2026年4月7日 前" in page.text
    csrf = _csrf(page.text)
    drafted = app_client.post(
        f"/console/tasks/{TASK}/report/draft", data={"csrf": csrf}, follow_redirects=False
    )
    assert drafted.status_code == 303
    row = reports.get(TASK)
    assert row is not None and row.status == "draft" and row.drafted_by == "planner"
    shown = app_client.get(drafted.headers["location"]).text
    assert "已生成报告草稿" in shown and "（待填写）" in shown and 'name="text"' in shown
    empty = app_client.post(f"/console/tasks/{TASK}/report", data={"csrf": csrf, "text": "  "})
    assert empty.status_code == 422 and "报告内容不能为空" in empty.text
    assert (reports.get(TASK) or row).text == row.text
    text = row.text.replace("（待填写）", "总体良好，已责令整改。")
    saved = app_client.post(f"/console/tasks/{TASK}/report", data={"csrf": csrf, "text": text})
    assert saved.status_code == 200 and "已保存报告内容" in saved.text
    assert (reports.get(TASK) or row).text == text.replace("\r\n", "\n")
    # A planner may not approve (result.review): refused in Chinese.
    refused = app_client.post(f"/console/tasks/{TASK}/report/approve", data={"csrf": csrf})
    assert refused.status_code == 403 and "审核检查结果、抽查报告和行政处罚" in refused.text
    login(app_client, "reviewer")
    confirm = app_client.get(f"/console/tasks/{TASK}/report/approve")
    assert "总体良好，已责令整改。" in confirm.text and "任务办结" in confirm.text
    assert 'name="text"' not in app_client.get(f"/console/tasks/{TASK}/report").text
    done = app_client.post(
        f"/console/tasks/{TASK}/report/approve",
        data={"csrf": _csrf(confirm.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    published = reports.get(TASK)
    assert published is not None and published.status == "published"
    assert service.get_task(TASK).state == "closed"
    after = app_client.get(done.headers["location"]).text
    assert "已审核通过并公开" in after and f"/log/records/{published.record_id}" in after


def test_the_author_of_a_report_cannot_approve_it(
    app_client: TestClient, service: Lifecycle, clock: Clock, results_published: None
) -> None:
    clock.now = T_ENTER
    login(app_client, "admin")
    csrf = _csrf(app_client.get(f"/console/tasks/{TASK}/report").text)
    app_client.post(f"/console/tasks/{TASK}/report/draft", data={"csrf": csrf})
    # Another person: the draft still holds its placeholder, so no approve button, refused.
    login(app_client, "reviewer")
    unfinished = app_client.get(f"/console/tasks/{TASK}/report/approve").text
    assert "请起草人先补写" in unfinished and "确认审核通过并公开" not in unfinished
    size = _log_size(service)
    refused = app_client.post(
        f"/console/tasks/{TASK}/report/approve", data={"csrf": _csrf(unfinished)}
    )
    assert refused.status_code == 409 and "报告尚未写完" in refused.text
    assert _log_size(service) == size
    login(app_client, "admin")
    confirm = app_client.get(f"/console/tasks/{TASK}/report/approve").text
    assert "须由另一人审核通过" in confirm and "确认审核通过并公开" not in confirm
    size = _log_size(service)
    refused = app_client.post(
        f"/console/tasks/{TASK}/report/approve", data={"csrf": _csrf(confirm)}
    )
    assert refused.status_code == 403 and "不能审核自己起草" in refused.text
    assert "reviewer" not in refused.text.split("<main", 1)[1]
    assert _log_size(service) == size
    assert (ReportService(service.engine, service.log).get(TASK) or 0).status == "draft"


def test_a_report_before_the_results_are_published_is_explained(
    app_client: TestClient,
    service: Lifecycle,
    outcome: Outcome,  # noqa: F811
) -> None:
    login(app_client, "planner")
    page = app_client.get(f"/console/tasks/{TASK}/report")
    assert page.status_code == 200 and "全部结果审核公开后才能生成报告" in page.text
    assert "生成报告草稿" not in page.text
    refused = app_client.post(
        f"/console/tasks/{TASK}/report/draft", data={"csrf": _csrf(page.text)}
    )
    assert refused.status_code == 409 and "暂时不能生成报告" in refused.text
    assert ReportService(service.engine, service.log).get(TASK) is None
    assert app_client.get("/console/tasks/NOPE/report").status_code == 404
    login(app_client, "inspector")
    assert app_client.get(f"/console/tasks/{TASK}/report").status_code == 403


# -- 节假日安排 -----------------------------------------------------------------------------


def test_a_year_is_shown_to_every_staff_role_but_edited_only_by_calendar_writers(
    app_client: TestClient, service: Lifecycle, at_now: Clock
) -> None:
    login(app_client, "auditor")
    page = app_client.get("/console/calendar")
    assert page.status_code == 200 and "2026 年节假日安排" in page.text
    assert "2026年10月1日（星期四）" in page.text and "系统内置数据" in page.text
    assert "2026年10月10日（星期六）" in page.text.split("调休上班日", 1)[1]
    assert "/edit" not in page.text
    missing = app_client.get("/console/calendar?year=2031").text
    assert "尚未录入" in missing
    assert app_client.get("/console/calendar?year=31").status_code == 404
    assert app_client.get("/console/calendar/2031/edit").status_code == 403
    body = {"csrf": _csrf(page.text), "holidays": "2031-01-01", "source": "x", "confirm": "1"}
    refused = app_client.post("/console/calendar/2031/edit", data=body)
    assert refused.status_code == 403 and "维护节假日安排" in refused.text
    with service.session() as session:
        assert session.get(CalendarYear, 2031) is None


@pytest.mark.parametrize(
    ("holidays", "workdays", "source", "field", "message"),
    [
        ("", "", "通知", "holidays", "请至少填写一天节假日"),
        ("2031-13-01", "", "通知", "holidays", "不是日期"),
        ("2030-12-31", "", "通知", "holidays", "不在 2031 年"),
        ("2031-01-01", "2031-01-06", "通知", "workdays", "星期一"),
        ("2031-01-04", "2031-01-04", "通知", "workdays", "同时列为"),
        ("2031-01-01", "", " ", "source", "请填写依据的通知文号"),
    ],
)
def test_bad_calendar_input_is_shown_next_to_the_field_and_nothing_is_published(
    app_client: TestClient,
    service: Lifecycle,
    holidays: str,
    workdays: str,
    source: str,
    field: str,
    message: str,
) -> None:
    login(app_client, "planner")
    csrf = _csrf(app_client.get("/console/calendar/2031/edit").text)
    body = {"csrf": csrf, "holidays": holidays, "workdays": workdays, "source": source}
    for confirm in ("", "1"):
        refused = app_client.post("/console/calendar/2031/edit", data=body | {"confirm": confirm})
        assert refused.status_code == 422
        error = refused.text.split(f'id="f-{field}-error">', 1)[1].split("</p>", 1)[0]
        assert message in error
    with service.session() as session:
        assert session.get(CalendarYear, 2031) is None
    assert _audit(service, "calendar.set") == []


def test_a_year_is_published_only_after_its_confirmation_page(
    app_client: TestClient, service: Lifecycle, at_now: Clock
) -> None:
    login(app_client, "planner")
    csrf = _csrf(app_client.get("/console/calendar/2031/edit").text)
    body = {
        "csrf": csrf,
        "holidays": "2031-01-01\r\n2031-01-02、2031-01-03",
        "workdays": "2031-01-04",
        "source": "国办发明电〔2030〕1号（测试）",
    }
    size = _log_size(service)
    preview = app_client.post("/console/calendar/2031/edit", data=body)
    assert preview.status_code == 200 and "将会公开的内容" in preview.text
    assert "2031年1月1日（星期三）、2031年1月2日（星期四）、2031年1月3日（星期五）" in preview.text
    assert "2031年1月4日（星期六）" in preview.text and "此前没有节假日安排数据" in preview.text
    assert _log_size(service) == size  # nothing published yet
    hidden = {
        name: preview.text.split(f'name="{name}" value="', 1)[1].split('"', 1)[0]
        for name in ("holidays", "workdays", "source", "confirm")
    }
    done = app_client.post(
        "/console/calendar/2031/edit", data={"csrf": csrf} | hidden, follow_redirects=False
    )
    assert (
        done.status_code == 303 and done.headers["location"] == "/console/calendar?year=2031&done=1"
    )
    api = app_client.get("/api/calendar/2031", headers=token(app_client, "auditor")).json()
    assert api["holidays"] == ["2031-01-01", "2031-01-02", "2031-01-03"]
    assert api["workdays"] == ["2031-01-04"] and api["source"] == body["source"]
    assert [e.actor for e in _audit(service, "calendar.set")] == ["planner"]
    login(app_client, "planner")
    shown = app_client.get(done.headers["location"]).text
    assert "已发布 2031 年的节假日安排" in shown and f"/log/records/{api['record']}" in shown
    # Changing it shows what changes against the data in force.
    change = {"csrf": _csrf(shown), "holidays": "2031-01-01", "workdays": ""}
    again = app_client.post("/console/calendar/2031/edit", data=body | change)
    assert "不再作为节假日：2031年1月2日（星期四）、2031年1月3日（星期五）" in again.text
    assert f"/log/records/{api['record']}" in again.text  # the record it supersedes


# -- 名录快照 -------------------------------------------------------------------------------


def test_a_snapshot_is_confirmed_with_its_public_fields_and_published(
    app_client: TestClient, service: Lifecycle, at_now: Clock
) -> None:
    target = _first_target(service)
    with service.session() as session, session.begin():
        row = session.get(Target, target.uscc)
        assert row is not None
        row.contact_phone, row.notes = "13800009999", "私下备注XYZ"
        session.add(row)
    login(app_client, "planner")
    listing = app_client.get("/console/snapshots")
    assert listing.status_code == 200 and "尚未发布" in listing.text
    confirm = app_client.get("/console/snapshots/targets")
    _, count = registry_view.snapshot_blob(service, "targets")
    assert f"检查对象名录中的 {count} 条" in confirm.text
    assert target.name in confirm.text and "联系电话" in confirm.text
    assert "13800009999" not in confirm.text and "私下备注XYZ" not in confirm.text
    done = app_client.post(
        "/console/snapshots/targets", data={"csrf": _csrf(confirm.text)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/console/snapshots?done=targets"
    record = registry_view.latest_snapshot(service, "targets")
    assert record is not None and record.body["rows"] == count
    assert [e.actor for e in _audit(service, "registry.publish")] == ["planner"]
    shown = app_client.get(done.headers["location"]).text
    assert "已发布检查对象名录的快照" in shown and f"/log/records/{record.id}" in shown
    again = app_client.get("/console/snapshots/targets").text
    assert "完全相同" in again
    same = app_client.post("/console/snapshots/targets", data={"csrf": _csrf(again)})
    assert "没有发布新的记录" in same.text
    assert len(_audit(service, "registry.publish")) == 1


def test_snapshots_are_refused_to_roles_without_registry_write(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "reviewer")
    assert "/console/snapshots" not in app_client.get("/console/").text
    page = app_client.get("/console/snapshots")
    assert page.status_code == 403 and "导入名录和发布名录快照" in page.text
    refused = app_client.post("/console/snapshots/targets", data={"csrf": _csrf(page.text)})
    assert refused.status_code == 403
    assert registry_view.latest_snapshot(service, "targets") is None
    login(app_client, "planner")
    assert app_client.get("/console/snapshots/conflicts").status_code == 404


# -- 用户角色 -------------------------------------------------------------------------------


def _roles(service: Lifecycle, name: str) -> list[str]:
    with service.session() as session:
        user = session.get(User, name)
        assert user is not None
        return list(user.roles)


def test_an_admin_changes_roles_on_the_form(app_client: TestClient, service: Lifecycle) -> None:
    login(app_client, "admin")
    users_page = app_client.get("/console/users").text
    assert "/console/users/auditor/roles" in users_page
    form = app_client.get("/console/users/auditor/roles")
    assert form.status_code == 200 and 'value="auditor" checked' in form.text
    csrf = _csrf(form.text)
    none = app_client.post("/console/users/auditor/roles", data={"csrf": csrf})
    assert none.status_code == 422 and "请至少选择一个角色" in none.text
    bad = app_client.post("/console/users/auditor/roles", data={"csrf": csrf, "roles": ["root"]})
    assert bad.status_code == 422 and "请从列出的角色中选择" in bad.text
    assert _roles(service, "auditor") == ["auditor"] and _audit(service, "user.roles") == []
    done = app_client.post(
        "/console/users/auditor/roles",
        data={"csrf": csrf, "roles": ["auditor", "reviewer"]},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert _roles(service, "auditor") == ["auditor", "reviewer"]
    (event,) = _audit(service, "user.roles")
    assert (event.actor, event.detail) == (
        "admin",
        {"before": ["auditor"], "after": ["auditor", "reviewer"]},
    )
    assert "已更改用户 auditor 的角色" in app_client.get(done.headers["location"]).text
    # The API's route calls the same function.
    api = app_client.put(
        "/api/users/auditor/roles",
        json={"roles": ["auditor"]},
        headers=token(app_client, "admin") | {"X-Lottery-CSRF": "1"},
    )
    assert api.status_code == 200 and api.json()["roles"] == ["auditor"]


def test_the_last_admin_cannot_drop_the_admin_role(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "admin")
    csrf = _csrf(app_client.get("/console/users/admin/roles").text)
    refused = app_client.post(
        "/console/users/admin/roles", data={"csrf": csrf, "roles": ["planner"]}
    )
    assert refused.status_code == 422 and "唯一启用的系统管理员" in refused.text
    assert _roles(service, "admin") == ["admin"]
    api = app_client.put(
        "/api/users/admin/roles", json={"roles": ["planner"]}, headers=token(app_client, "admin")
    )
    assert api.status_code == 409 and _roles(service, "admin") == ["admin"]
    login(app_client, "planner")
    assert app_client.get("/console/users/admin/roles").status_code == 403
    assert app_client.get("/console/users/nobody/roles").status_code == 403
