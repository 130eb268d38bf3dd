"""The results form and 我的检查任务 with overlapping tasks (issue #16), SQLite and PostgreSQL:
a third visit of the year is refused next to the dates in Chinese, the labelled 超限理由 field
takes the reason, and an inspector drawn for one target in two tasks is told that one visit
can serve both."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.api.console.my_pages import joint_hints
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import InspectionResult
from tests.api.conftest import Clock
from tests.api.test_console import _csrf, login
from tests.service.test_joint_visits import (
    FIRST,
    FIRST_VISIT,
    OTHER_DAY,
    SECOND,
    T_ENTER,
    _enter,
    _overlap,
)
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only


def _form(team: tuple[str, ...], day: str, **over: str) -> dict[str, str]:
    data = {"date1": day, "methods": "实地检查", "categories": "未发现问题", **over}
    data.update({f"present_{n}": "1" for n in range(1, len(team) + 1)})
    return data


def test_the_form_refuses_a_third_visit_by_the_dates_and_takes_a_reason(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    o = _overlap(service)
    _enter(service, o, FIRST, FIRST_VISIT)  # held: the first task is still sealed
    team = o.team(SECOND)
    users.set_inspector(service, "inspector", team[0], T_ENTER, actor="admin")
    clock.now = T_ENTER
    login(app_client, "inspector")
    url = f"/console/my/{SECOND}/{o.target}"
    page = app_client.get(url)
    assert page.status_code == 200
    assert '<label for="f-cap_exception">超限理由（将公开）</label>' in page.text
    csrf = _csrf(page.text)
    refused = app_client.post(url, data={"csrf": csrf, **_form(team, OTHER_DAY.isoformat())})
    assert refused.status_code == 422
    assert 'id="f-dates-error">该检查对象 2026 年已有 2 次现场检查' in refused.text
    assert "联合检查" in refused.text
    with service.session() as s:
        assert not list(s.exec(select(InspectionResult).where(InspectionResult.task == SECOND)))
    reason = "群众举报该工程擅自改变用途"
    ok = app_client.post(
        url, data={"csrf": csrf, **_form(team, OTHER_DAY.isoformat(), cap_exception=reason)}
    )
    assert ok.status_code == 200, ok.text
    with service.session() as s:
        row = s.exec(select(InspectionResult).where(InspectionResult.task == SECOND)).one()
    assert row.fields["cap_exception"] == reason


def _row(task: str, target: str, year: str) -> Any:
    params = {"window_start": f"{year}-03-10"}
    return SimpleNamespace(
        assignment=SimpleNamespace(target=target, task=SimpleNamespace(id=task, params=params))
    )


def test_my_tasks_tells_of_the_same_target_in_another_task_of_the_same_year() -> None:
    rows = [
        _row("T1", "X", "2026"),
        _row("T2", "X", "2026"),
        _row("T3", "X", "2027"),  # another year: a visit of its own
        _row("T2", "Y", "2026"),  # another target
    ]
    assert joint_hints(rows) == {("T1", "X"): ["T2"], ("T2", "X"): ["T1"]}
