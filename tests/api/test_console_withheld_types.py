"""The console's page for the withheld target types (committed pools, docs/spec.md §4
"Committed pools", issue #18): every type with how it is published, a button to change it
(audited, the service's state changed), refused to a role without ``registry.write``."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.service import committed_pool
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent
from tests.api.test_console import _csrf, login
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

URL = "/console/targets/withheld-types"


def _state(service: Lifecycle) -> tuple[frozenset[str], list[tuple[str, str, str]]]:
    with service.session() as s:
        audit = s.exec(
            select(AuditEvent).where(AuditEvent.action.startswith("target-type."))  # type: ignore[attr-defined]
        ).all()
        return committed_pool.withheld_types(s), [(a.actor, a.action, a.object) for a in audit]


def test_planner_withholds_a_type_and_publishes_it_again(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    assert 'href="/console/targets/withheld-types"' in app_client.get("/console/items").text
    page = app_client.get(URL)
    assert page.status_code == 200
    assert "名称和统一社会信用代码以承诺值代替，仅公开被抽中的对象" in page.text
    assert "名录库仍逐户列明类型、地区、风险等级和状态" in page.text
    for label in committed_pool.TYPE_LABELS.values():
        assert f"<td>{label}</td>" in page.text
    assert "以承诺值公开</strong>" not in page.text
    form = {"csrf": _csrf(page.text), "type": "peacetime_use", "withheld": "1"}
    done = app_client.post(URL, data=form, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"{URL}?done=peacetime_use&withheld=1"
    assert _state(service) == (
        frozenset({"peacetime_use"}),
        [("planner", "target-type.withhold", "peacetime_use")],
    )
    shown = app_client.get(done.headers["location"]).text
    assert "已设置：“平时使用”类检查对象自下一次名录快照和任务公告起以承诺值公开。" in shown
    assert shown.count("以承诺值公开</strong>") == 1
    assert '改为按名称公开<span class="sr-only">：平时使用</span>' in shown
    again = app_client.post(URL, data=form | {"withheld": "0"}, follow_redirects=False)
    assert again.status_code == 303
    withheld, audit = _state(service)
    assert withheld == frozenset()
    assert audit[-1] == ("planner", "target-type.publish", "peacetime_use")
    # A forged notice is not echoed: only a known type's label, in the page's own words.
    assert "<script>" not in app_client.get(URL + "?done=<script>&withheld=1").text


def test_an_unknown_type_changes_nothing(app_client: TestClient, service: Lifecycle) -> None:
    login(app_client, "planner")
    csrf = _csrf(app_client.get(URL).text)
    bad = app_client.post(URL, data={"csrf": csrf, "type": "<b>x</b>", "withheld": "1"})
    assert bad.status_code == 422 and "请从列出的检查对象类型中选择。未作任何更改。" in bad.text
    assert _state(service) == (frozenset(), [])


def test_a_reviewer_reads_but_cannot_change(app_client: TestClient, service: Lifecycle) -> None:
    login(app_client, "reviewer")
    page = app_client.get(URL)
    assert page.status_code == 200 and "按名称公开" in page.text
    assert "改为以承诺值公开" not in page.text and "修改公开方式需要" in page.text
    form = {"csrf": _csrf(page.text), "type": "peacetime_use", "withheld": "1"}
    refused = app_client.post(URL, data=form, follow_redirects=False)
    assert refused.status_code == 403
    assert _state(service) == (frozenset(), [])


def test_a_county_planner_is_refused(app_client: TestClient, service: Lifecycle) -> None:
    from lottery.service import users
    from tests.api.conftest import PASSWORD, T_ANNOUNCE

    users.create_user(
        service,
        "county-clerk",
        PASSWORD,
        ["planner"],
        T_ANNOUNCE,
        actor="test",
        org_unit="county-419901",
    )
    login(app_client, "county-clerk")
    csrf = _csrf(app_client.get(URL).text)
    form = {"csrf": csrf, "type": "peacetime_use", "withheld": "1"}
    refused = app_client.post(URL, data=form, follow_redirects=False)
    assert refused.status_code == 403 and "超出本账号所属单位的范围" in refused.text
    assert "须由市级（全办公室范围）的账号办理" in refused.text
    assert _state(service) == (frozenset(), [])
