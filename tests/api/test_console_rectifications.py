"""整改和复查 in the console, SQLite and PostgreSQL: order on a published result, the open list
on the 工作台 with overdue flagged, a re-check entered by a linked inspector, refused to its
own author, approved by another person; errors in Chinese; record text escaped."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import Conflict, Inspector, Rectification
from tests import lifecycle as lc
from tests.api.conftest import Clock
from tests.api.test_console import _csrf, login
from tests.service.results_builder import disclosed_task
from tests.service.test_rectifications import TASK, _publish
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

T_ORDER = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)
T_CHECK = datetime(2026, 4, 21, 2, 0, tzinfo=UTC)


def _as(client: TestClient, name: str) -> str:
    client.cookies.clear()
    login(client, name)
    return _csrf(client.get("/console/rectifications").text)


def test_order_recheck_and_approve_in_the_console(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    outcome = disclosed_task(service, TASK)
    result = _publish(service, outcome, 0, ["发现问题已责令改正"])
    target = outcome.teams[0].target
    clock.now = T_ORDER
    csrf = _as(app_client, "reviewer")
    form = {"csrf": csrf, "result": result, "requirements": "清理堆放物", "due": "2026-04-02"}
    bad = app_client.post("/console/rectifications/order", data=form)
    assert bad.status_code == 422 and "整改期限（due）" in bad.text
    form["due"] = "2026-04-20"
    made = app_client.post("/console/rectifications/order", data=form, follow_redirects=False)
    assert made.status_code == 303
    assert "整改要求已下达并公开" in app_client.get(made.headers["location"]).text
    clock.now = T_CHECK
    csrf = _as(app_client, "inspector")
    board = app_client.get("/console/").text
    assert "未复查的整改要求" in board and "已逾期 1 天" in board and target in board
    [row] = _rows(service)
    with service.session() as s:
        conflicted = set(s.exec(select(Conflict.inspector).where(Conflict.target == target)))
        free = sorted(i.id for i in s.exec(select(Inspector)) if i.id not in conflicted)
    check = {
        "csrf": csrf,
        "day": "2026-04-20",
        "inspectors": f"{free[0]}，{free[1]}",
        "outcome": "部分整改",
        "note": "<script>alert(1)</script>仍有堆放物",
    }
    unlinked = app_client.post(f"/console/rectifications/{row.id}/check", data=check)
    assert unlinked.status_code == 403 and "未关联执法检查人员" in unlinked.text
    users.set_inspector(service, "inspector", free[0], lc.T_ANNOUNCE, actor="test")
    users.set_inspector(service, "admin", free[1], lc.T_ANNOUNCE, actor="test")
    done = app_client.post(
        f"/console/rectifications/{row.id}/check", data=check, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    csrf = _as(app_client, "admin")
    page = app_client.get("/console/rectifications").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    app_client.cookies.clear()
    login(app_client, "inspector")
    own = app_client.post(
        f"/console/rectifications/{row.id}/approve",
        data={"csrf": _csrf(app_client.get("/console/rectifications").text)},
    )
    assert own.status_code == 403  # an inspector holds no result.review
    csrf = _as(app_client, "reviewer")
    ok = app_client.post(
        f"/console/rectifications/{row.id}/approve", data={"csrf": csrf}, follow_redirects=False
    )
    assert ok.status_code == 303
    assert _rows(service)[0].check_status == "published"
    assert "没有未复查的整改要求" in app_client.get("/console/").text


def _rows(service: Lifecycle) -> list[Rectification]:
    with service.session() as s:
        return list(s.exec(select(Rectification)))
