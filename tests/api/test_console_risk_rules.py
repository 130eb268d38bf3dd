"""The console's risk rules page (issue #16): the rules in plain Chinese, changed in a form that
publishes a new item-list version; a bad count names the field and publishes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lottery.service.lifecycle import Lifecycle
from lottery.service.risk_policy import current_rules, current_version
from tests.api.conftest import Clock, task_definition, token
from tests.api.test_console import _csrf, login
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

URL = "/console/items/risk-rules"


def _version(service: Lifecycle) -> int | None:
    with service.session() as s:
        return current_version(s)


def test_planner_sets_rules_and_the_item_list_page_shows_them(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    page = app_client.get(URL)
    assert page.status_code == 200 and "无风险规则" in page.text
    form = {
        "csrf": _csrf(page.text),
        "at_least_complaints": "3",
        "to_complaints": "C",
        "at_least_bad_records": "",
        "to_bad_records": "",
        "to_serious_violation": "D",
        "uncapped": ["D"],
    }
    done = app_client.post(URL, data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/console/items?published=2"
    items = app_client.get("/console/items?published=2").text
    assert "已发布抽查事项清单第 2 版" in items
    assert "投诉举报次数达到3次的，风险等级至少为较高风险（C类）" in items
    assert "有严重违法违规记录的，风险等级至少为高风险（D类）" in items
    with service.session() as s:
        rules = current_rules(s)
    assert [(r.when, r.at_least, r.to) for r in rules.raise_rules] == [
        ("complaints", 3, "C"),
        ("serious_violation", 1, "D"),
    ]
    assert rules.uncapped == ("D",) and not rules.key_items_uncapped
    again = app_client.get(URL).text  # the form shows the rules in force
    assert 'value="3"' in again and '<option value="C" selected>' in again


def test_a_bad_count_names_the_field_and_publishes_nothing(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    page = app_client.get(URL)
    form = {"csrf": _csrf(page.text), "at_least_complaints": "0", "to_complaints": "D"}
    bad = app_client.post(URL, data=form)
    assert bad.status_code == 422
    assert "投诉举报次数：次数须为 1 到 1000000 的整数" in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert _version(service) == 1


def test_a_reviewer_reads_but_cannot_change(app_client: TestClient, service: Lifecycle) -> None:
    login(app_client, "reviewer")
    page = app_client.get(URL)
    assert page.status_code == 200 and "修改风险规则" not in page.text
    refused = app_client.post(URL, data={"csrf": _csrf(page.text), "to_complaints": "D"})
    assert refused.status_code == 403
    assert _version(service) == 1


def test_the_office_names_the_classes_its_own_way(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    page = app_client.get(URL)
    form = {"csrf": _csrf(page.text), "to_serious_violation": "D", "uncapped": ["D"]}
    hostile = {"label_A": "低", "label_B": "中", "label_C": "<i>中高</i>", "label_D": "高"}
    bad = app_client.post(URL, data=form | hostile | {"label_D": "低"})
    assert bad.status_code == 422 and "名称“低”已用于另一个风险等级" in bad.text
    long = app_client.post(URL, data=form | {"label_A": "很" * 13})
    assert long.status_code == 422 and "低风险（A类）的名称须为 1 到 12 个字" in long.text
    assert _version(service) == 1  # nothing published
    done = app_client.post(URL, data=form | hostile, follow_redirects=False)
    assert done.status_code == 303
    with service.session() as s:
        rules = current_rules(s)
    assert dict(rules.labels) == {"A": "低", "B": "中", "C": "<i>中高</i>", "D": "高"}
    shown = app_client.get(URL).text  # the rules and the choices in the office's words, escaped
    assert "有严重违法违规记录的，风险等级至少为高（D类）" in shown
    assert "&lt;i&gt;中高&lt;/i&gt;（C类）" in shown and "<i>中高" not in shown
    assert 'name="label_B" type="text" maxlength="24" value="中"' in shown
    wizard = app_client.get("/console/tasks/new").text  # the ratios by the office's words
    assert "风险等级 低（A类）" in wizard


def test_the_targets_preview_and_sheets_name_the_classes_the_office_s_way(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    from tests import lifecycle as lc
    from tests.service.results_builder import TASK, drawn_task

    drawn_task(service)
    clock.now = lc.T_DRAW
    login(app_client, "planner")
    draft = task_definition("T2026-150")
    assert (
        app_client.post("/api/tasks", json=draft, headers=token(app_client, "planner")).status_code
        == 201
    )
    login(app_client, "planner")
    # Before: the codes as they were.
    assert "<td>C类</td>" in app_client.get("/console/targets?risk=C").text
    page = app_client.get(URL)
    form = {"csrf": _csrf(page.text), "label_A": "低", "label_B": "中", "label_C": "<i>中高</i>"}
    assert app_client.post(URL, data=form, follow_redirects=False).status_code == 303
    label_c = "<td>&lt;i&gt;中高&lt;/i&gt;（C类）</td>"
    targets = app_client.get("/console/targets?risk=C").text
    assert label_c in targets and "<td>C类</td>" not in targets and "<i>中高" not in targets
    assert '<option value="C" selected>&lt;i&gt;中高&lt;/i&gt;（C类）</option>' in targets
    preview = app_client.get("/console/tasks/T2026-150/preview").text
    assert "<td>低（A类）</td>" in preview and label_c in preview
    sheets = app_client.get(f"/console/sheets/{TASK}").text
    shown = {"低（A类）", "中（B类）", "&lt;i&gt;中高&lt;/i&gt;（C类）", "高风险（D类）"}
    assert any(f"<td>{label}</td>" in sheets for label in shown)
    assert not any(f"<td>{code}</td>" in sheets for code in "ABCD")
    csv = app_client.get(f"/console/sheets/{TASK}/csv").content.decode("utf-8")
    assert any(label.replace("&lt;", "<").replace("&gt;", ">") in csv for label in shown)
