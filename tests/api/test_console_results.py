"""The inspector's side of the console (issue #15), SQLite and PostgreSQL: 检查任务单 (audited,
CSV), accounts linked to inspector ids, 我的检查任务 (own targets only), the results form with
evidence and errors next to the field, the reviewer's queue, sending back with a reason,
approval and the history of versions. Passwords are TEST-ONLY values."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from lottery.core.outcome import Outcome
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent, EvidenceFile, InspectionResult, Target
from tests import lifecycle as lc
from tests.api.conftest import Clock
from tests.api.test_console import _csrf, login
from tests.service.results_builder import drawn_task
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

TASK = "T-res"
T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


def _drawn(service: Lifecycle) -> Outcome:
    return drawn_task(service, TASK)


def _audit(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _results(service: Lifecycle) -> list[InspectionResult]:
    with service.session() as session:
        return list(session.exec(select(InspectionResult).order_by(col(InspectionResult.id))))


def _name(service: Lifecycle, uscc: str) -> str:
    with service.session() as session:
        target = session.get(Target, uscc)
    assert target is not None
    return target.name


def test_task_sheets_per_team_printable_csv_and_audited(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    outcome = _drawn(service)
    clock.now = lc.T_DRAW
    login(app_client, "planner")
    before = len(_audit(service, "outcome.read"))
    page = app_client.get(f"/console/sheets/{TASK}")
    assert page.status_code == 200, page.text
    assert "保密" in page.text and "记入审计日志" in page.text
    teams = {tuple(t.inspectors) for t in outcome.teams}
    assert page.text.count('class="sheet"') == len(teams)
    for team in outcome.teams:
        assert _name(service, team.target) in page.text
        assert all(f"编号 {i}" in page.text for i in team.inspectors)
    csv = app_client.get(f"/console/sheets/{TASK}/csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff检查组,检查组成员,序号,检查对象名称")
    assert len(text.strip().split("\r\n")) == 1 + len(outcome.picks())
    events = _audit(service, "outcome.read")
    assert len(events) == before + 2 and {e.actor for e in events[before:]} == {"planner"}
    assert "/console/sheets/" in app_client.get(f"/console/tasks/{TASK}").text
    app_client.cookies.clear()
    login(app_client, "auditor")
    refused = app_client.get(f"/console/sheets/{TASK}")
    assert refused.status_code == 403 and "查看封存的抽取结果" in refused.text
    assert app_client.get(f"/console/sheets/{TASK}/csv").status_code == 403
    assert len(_audit(service, "outcome.read")) == before + 2
    app_client.cookies.clear()
    login(app_client, "planner")
    assert app_client.get("/console/sheets/NO-SUCH").status_code == 404


def test_an_admin_links_an_account_to_an_inspector(
    app_client: TestClient, service: Lifecycle
) -> None:
    outcome = _drawn(service)
    inspector_id = outcome.teams[0].inspectors[0]
    login(app_client, "admin")
    csrf = _csrf(app_client.get("/console/users").text)
    url = "/console/users/inspector/inspector"
    bad = app_client.post(url, data={"csrf": csrf, "inspector_id": "NO-SUCH"})
    assert bad.status_code == 422
    assert re.search(
        r'class="field-error" id="f-insp-\d+-error">执法检查人员名录中没有编号', bad.text
    )
    assert users.inspector_of(service, "inspector") is None
    no_token = app_client.post(url, data={"inspector_id": inspector_id})
    assert no_token.status_code == 403 and users.inspector_of(service, "inspector") is None
    done = app_client.post(url, data={"csrf": csrf, "inspector_id": inspector_id})
    assert done.status_code == 200 and "已保存用户 inspector" in done.text
    assert users.inspector_of(service, "inspector") == inspector_id
    assert f'value="{inspector_id}"' in done.text
    taken = app_client.post(
        "/console/users/reviewer/inspector", data={"csrf": csrf, "inspector_id": inspector_id}
    )
    assert taken.status_code == 422 and "已关联到另一个账号" in taken.text
    [event] = _audit(service, "user.set-inspector")
    assert event.actor == "admin" and event.object == "inspector"
    app_client.cookies.clear()
    login(app_client, "planner")
    assert app_client.post(url, data={"csrf": csrf, "inspector_id": ""}).status_code == 403
    assert users.inspector_of(service, "inspector") == inspector_id


def test_my_tasks_lists_only_own_targets_and_audits_sealed_ones(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    outcome = _drawn(service)
    clock.now = lc.T_DRAW
    login(app_client, "inspector")
    unlinked = app_client.get("/console/my")
    assert unlinked.status_code == 200 and "尚未关联执法检查人员编号" in unlinked.text
    me = outcome.teams[0].inspectors[0]
    users.set_inspector(service, "inspector", me, lc.T_DRAW, actor="admin")
    before = len(_audit(service, "outcome.read"))
    page = app_client.get("/console/my")
    assert page.status_code == 200 and "保密" in page.text
    for team in outcome.teams:
        listed = f"{team.target}，区域" in page.text
        assert listed == (me in team.inspectors)
    [event] = _audit(service, "outcome.read")[before:]
    assert event.actor == "inspector" and event.detail["inspector"] == me
    # Need to know (issue #16): the drawn inspector enters the result before the disclosure.
    early = app_client.get(f"/console/my/{TASK}/{outcome.teams[0].target}")
    assert early.status_code == 200 and 'name="findings"' in early.text
    assert "已审核，待公开后发布" in early.text and "保密" in early.text
    nav = page.text.split("<main", 1)[0]
    assert "我的检查任务" in nav and "结果审核" not in nav


def _form(team: tuple[str, ...], **over: str) -> dict[str, str]:
    data = {
        "date1": "2026-03-25",
        "methods": "实地检查",
        "categories": "发现问题已责令改正",
        "findings": "人防工程被占用堆放杂物",
        "follow_up": "责令 15 日内清理",
        "no_evidence_reason": "测试：未取证",
        "evidence_kind_1": "照片",
        "evidence_source_1": "现场拍摄",
    }
    data.update({f"present_{n}": "1" for n in range(1, len(team) + 1)})
    data.update(over)
    return {k: v for k, v in data.items() if v != "-"}


def test_enter_review_send_back_approve_and_history(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    outcome = _drawn(service)
    service.disclose(TASK, lc.T_REVEAL)
    clock.now = T_ENTER
    team = outcome.teams[0]
    me = team.inspectors[0]
    users.set_inspector(service, "inspector", me, T_ENTER, actor="admin")
    login(app_client, "inspector")
    url = f"/console/my/{TASK}/{team.target}"
    form = app_client.get(url)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    csrf = _csrf(form.text)
    files = [("evidence_1", ("现场照片.jpg", b"jpeg-bytes", "image/jpeg"))]

    # Bad input: errors next to the field, nothing stored.
    bad = app_client.post(
        url, data={"csrf": csrf, **_form(team.inspectors, date1="2026-13-40", methods="-")}
    )
    assert bad.status_code == 422
    assert 'id="f-dates-error">“2026-13-40”不是有效日期' in bad.text
    assert 'id="f-methods-error">请至少选择一种检查方式' in bad.text
    future = app_client.post(url, data={"csrf": csrf, **_form(team.inspectors, date1="2026-05-01")})
    assert future.status_code == 422 and 'id="f-dates-error">检查日期不能晚于今天' in future.text
    late = app_client.post(url, data={"csrf": csrf, **_form(team.inspectors, date1="2026-04-01")})
    assert (
        late.status_code == 422
        and 'id="f-dates-error">检查日期须在任务公告的检查期限之内' in late.text
    )
    absent = app_client.post(url, data={"csrf": csrf, **_form(team.inspectors, present_2="-")})
    assert absent.status_code == 422 and 'id="f-inspectors-error">未到场的抽中人员' in absent.text
    nofind = app_client.post(url, data={"csrf": csrf, **_form(team.inspectors, findings="")})
    assert nofind.status_code == 422 and 'id="f-findings-error">有问题的检查结论' in nofind.text
    assert _results(service) == []

    # Another team's target is refused in Chinese.
    other = next(t for t in outcome.teams if me not in t.inspectors)
    refused = app_client.post(
        f"/console/my/{TASK}/{other.target}", data={"csrf": csrf, **_form(other.inspectors)}
    )
    assert refused.status_code == 403 and "没有分配给您" in refused.text
    assert app_client.get(f"/console/my/{TASK}/{other.target}").status_code == 403

    with_files = _form(team.inspectors, no_evidence_reason="-")
    ok = app_client.post(url, data={"csrf": csrf, **with_files}, files=files)
    assert ok.status_code == 200 and "等待审核人员审核" in ok.text, ok.text
    [first] = _results(service)
    assert first.status == "entered" and first.entered_by == "inspector"
    assert first.fields["evidence"][0]["name"] == "现场照片.jpg"
    assert first.fields["evidence"][0]["kind"] == "照片"
    with service.session() as session:
        assert session.get(EvidenceFile, first.fields["evidence"][0]["sha256"]) is not None
    again = app_client.get(url)
    assert again.status_code == 409 and "正在等待审核" in again.text

    # The reviewer's queue; sending back needs a reason.
    app_client.cookies.clear()
    login(app_client, "reviewer")
    queue = app_client.get("/console/review")
    assert queue.status_code == 200 and _name(service, team.target) in queue.text
    one = app_client.get(f"/console/review/{first.id}")
    assert "人防工程被占用堆放杂物" in one.text and "现场照片.jpg" in one.text
    rcsrf = _csrf(one.text)
    empty = app_client.post(f"/console/review/{first.id}/send-back", data={"csrf": rcsrf})
    assert empty.status_code == 422 and 'id="f-reason-error">请填写退回原因' in empty.text
    assert _results(service)[0].status == "entered"
    back = app_client.post(
        f"/console/review/{first.id}/send-back", data={"csrf": rcsrf, "reason": "检查日期有误"}
    )
    assert back.status_code == 200 and "已退回录入人" in back.text
    assert _results(service)[0].status == "returned"
    assert "目前没有等待审核的检查结果" in back.text

    # The inspector sees the reason, enters anew; the reviewer approves.
    app_client.cookies.clear()
    login(app_client, "inspector")
    mine = app_client.get("/console/my")
    assert "退回原因：检查日期有误" in mine.text
    second = app_client.post(
        url, data={"csrf": _csrf(mine.text), **_form(team.inspectors, date1="2026-03-26")}
    )
    assert second.status_code == 200
    assert (
        app_client.post(
            f"/console/review/{first.id}/approve", data={"csrf": _csrf(mine.text)}
        ).status_code
        == 403
    )
    app_client.cookies.clear()
    login(app_client, "reviewer")
    newest = _results(service)[-1]
    approved = app_client.post(f"/console/review/{newest.id}/approve", data={"csrf": rcsrf})
    assert approved.status_code == 403  # the reviewer's old session token is gone
    rcsrf = _csrf(app_client.get("/console/review").text)
    approved = app_client.post(f"/console/review/{newest.id}/approve", data={"csrf": rcsrf})
    assert approved.status_code == 200 and "已审核通过并公开" in approved.text
    published = _results(service)[-1]
    assert published.status == "published" and published.record_id
    assert len(_audit(service, "result.send-back")) == 1

    # A correction is a new version; the history lists them all.
    app_client.cookies.clear()
    login(app_client, "inspector")
    fix = app_client.get(url)
    assert fix.status_code == 200 and "更正原因" in fix.text
    no_reason = app_client.post(url, data={"csrf": _csrf(fix.text), **_form(team.inspectors)})
    assert (
        no_reason.status_code == 422
        and 'id="f-correction_reason-error">请填写更正原因' in no_reason.text
    )
    corrected = app_client.post(
        url,
        data={"csrf": _csrf(fix.text), **_form(team.inspectors, correction_reason="笔误")},
    )
    assert corrected.status_code == 200
    history = app_client.get(f"/console/history/{TASK}/{team.target}")
    assert history.status_code == 200
    assert history.text.count("<tr><td>第 ") == 3
    assert "已退回" in history.text and "已审核并公开" in history.text
    assert (
        "更正原因：笔误" in history.text and f"/log/records/{published.record_id}" in history.text
    )
    # A correction sent back: the published version stays, a new correction can be entered.
    correction = _results(service)[-1]
    app_client.cookies.clear()
    login(app_client, "reviewer")
    rcsrf = _csrf(app_client.get("/console/review").text)
    app_client.post(
        f"/console/review/{correction.id}/send-back",
        data={"csrf": rcsrf, "reason": "更正理由不充分"},
    )
    app_client.cookies.clear()
    login(app_client, "inspector")
    mine = app_client.get("/console/my").text
    assert "更正理由不充分" in mine and "已公开的版本仍然有效" in mine and "录入更正" in mine
    assert "更正原因" in app_client.get(url).text
    app_client.cookies.clear()
    login(app_client, "auditor")
    assert app_client.get(f"/console/history/{TASK}/{team.target}").status_code == 403
    assert app_client.get("/console/review").status_code == 403


def test_evidence_over_the_limit_is_refused_next_to_the_field(
    app_client: TestClient, service: Lifecycle, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = _drawn(service)
    service.disclose(TASK, lc.T_REVEAL)
    clock.now = T_ENTER
    team = outcome.teams[0]
    users.set_inspector(service, "inspector", team.inspectors[0], T_ENTER, actor="admin")
    monkeypatch.setattr("lottery.api.console.result_form.MAX_EVIDENCE", 1024 * 1024)
    login(app_client, "inspector")
    url = f"/console/my/{TASK}/{team.target}"
    csrf = _csrf(app_client.get(url).text)
    big = [("evidence_1", ("大文件.pdf", b"x" * (1024 * 1024 + 1), "application/pdf"))]
    r = app_client.post(url, data={"csrf": csrf, **_form(team.inspectors)}, files=big)
    assert r.status_code == 422 and 'id="f-evidence-error">文件“大文件.pdf”超过' in r.text
    assert _results(service) == []


def test_the_author_may_not_review_and_odd_requests_change_nothing(
    app_client: TestClient, service: Lifecycle, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = _drawn(service)
    clock.now = lc.T_DRAW
    login(app_client, "planner")
    service.create_task(lc.params(lc.small_registries(), "T-draft"), lc.T_DRAW, actor="p")
    draft = app_client.get("/console/sheets/T-draft")
    assert draft.status_code == 409 and "抽取之后才有检查任务单" in draft.text
    service.disclose(TASK, lc.T_REVEAL)
    clock.now = T_ENTER
    team = outcome.teams[0]
    users.set_inspector(service, "admin", team.inspectors[0], T_ENTER, actor="admin")
    app_client.cookies.clear()
    login(app_client, "admin")
    url = f"/console/my/{TASK}/{team.target}"
    csrf = _csrf(app_client.get(url).text)
    # A substitute approved by the person entering: the service's rule, next to the field.
    sub = _form(team.inspectors, present_2="-", sub_2="X-1", reason_2="病假", approved_2="admin")
    own_approval = app_client.post(url, data={"csrf": csrf, **sub})
    assert own_approval.status_code == 422
    assert 'id="f-inspectors-error">替补的批准人须是录入人和替补人员以外的人' in own_approval.text
    pending = app_client.post(
        url, data={"csrf": csrf, **_form(team.inspectors, categories="发现问题待后续处理")}
    )
    assert pending.status_code == 422 and 'id="f-pending_reasons-error">' in pending.text
    monkeypatch.setattr("lottery.api.console.result_form.MAX_REQUEST", 100)
    huge = app_client.post(url, data={"csrf": csrf, **_form(team.inspectors)})
    assert huge.status_code == 413 and "上传的文件太大" in huge.text
    monkeypatch.undo()
    assert _results(service) == []
    assert app_client.post(url, data={"csrf": csrf, **_form(team.inspectors)}).status_code == 200
    [mine] = _results(service)
    own = app_client.get(f"/console/review/{mine.id}")
    assert "您是这条结果的录入人" in own.text and "审核通过并公开</button>" not in own.text
    forced = app_client.post(f"/console/review/{mine.id}/approve", data={"csrf": csrf})
    assert forced.status_code == 409 and "须由另一名审核人员审核" in forced.text
    assert _results(service)[0].status == "entered"
    assert app_client.get("/console/review/abc").status_code == 404
    assert app_client.get("/console/review/99999").status_code == 404
    missing = app_client.post("/console/review/99999/send-back", data={"csrf": csrf, "reason": "x"})
    assert missing.status_code == 404
    app_client.cookies.clear()
    login(app_client, "reviewer")
    rcsrf = _csrf(app_client.get("/console/review").text)
    too_long = app_client.post(
        f"/console/review/{mine.id}/send-back", data={"csrf": rcsrf, "reason": "长" * 2001}
    )
    assert too_long.status_code == 422 and "退回原因太长" in too_long.text
    assert (
        app_client.post(f"/console/review/{mine.id}/approve", data={"csrf": rcsrf}).status_code
        == 200
    )
    twice = app_client.post(
        f"/console/review/{mine.id}/send-back", data={"csrf": rcsrf, "reason": "晚了"}
    )
    assert twice.status_code == 409 and "已不在等待审核" in twice.text
    assert _results(service)[0].status == "published"
    assert app_client.get(f"/console/history/{TASK}/NOPE").status_code == 404
