"""The 工作台 reminds of objections recorded and not decided (docs/objections.md), with the
working days left in their period, as it does for the publication deadlines; a decided one
leaves the list. On SQLite and PostgreSQL (the ``service`` fixture)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from lottery.service.calendar import calendar_in
from lottery.service.lifecycle import Lifecycle
from lottery.service.objections import ObjectionService
from tests.api.conftest import Clock
from tests.api.test_console import login
from tests.service.results_builder import disclosed_task, entry, publish
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

# Published on Friday 3 April 2026 (Beijing): 20 working days end on 7 May (the demo's
# objections, docs/objections.md "The demo").
T_PUBLISH = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)
T_NOW = datetime(2026, 4, 9, 2, 0, tzinfo=UTC)
T_LATE = datetime(2026, 5, 12, 2, 0, tzinfo=UTC)


def _section(html: str) -> str:
    start = html.index('id="h-objections"')
    return html[start : html.index("</section>", start)]


def _board_at(client: TestClient, clock: Clock, now: datetime) -> str:
    """The 工作台's objection section at ``now`` (logged in afresh: sessions expire)."""
    clock.now = now
    client.app.state.clock = lambda: now  # type: ignore[attr-defined]
    client.cookies.clear()
    login(client, "reviewer")
    return _section(client.get("/console/").text)


def test_undecided_objections_with_the_days_left_then_overdue_then_gone(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    outcome = disclosed_task(service, "T2026-001")
    first = publish(service, entry(outcome, 0), T_PUBLISH)
    objections = ObjectionService(service.engine, service.log)
    empty = _board_at(app_client, clock, T_NOW)
    assert "没有尚未处理的异议" in empty
    made = objections.record(first, date(2026, 4, 8), "<b>有误</b>", T_NOW, actor="reviewer")
    assert made.period_due == date(2026, 5, 7)
    with service.session() as s:
        left = calendar_in(s).workdays_between(date(2026, 4, 9), date(2026, 5, 7))
    assert left > 0
    shown = _board_at(app_client, clock, T_NOW)
    assert "2026年4月8日" in shown and "2026年5月7日" in shown
    assert f"<td>{left} 个工作日</td>" in shown
    assert f"<td>{made.id}</td>" in shown and "/console/tasks/T2026-001" in shown
    assert "有误" not in shown  # the party's text is never on the 工作台
    # Past the period's last day: said as overdue, in working days.
    with service.session() as s:
        late = calendar_in(s).workdays_between(date(2026, 5, 7), date(2026, 5, 12))
    late_html = _board_at(app_client, clock, T_LATE)
    assert f'<span class="overdue">已过期限 {late} 个工作日</span>' in late_html
    # Decided: no longer listed.
    objections.decide(made.id or 0, "dismissed", T_LATE, reviewer="admin", reason="维持")
    assert "没有尚未处理的异议" in _board_at(app_client, clock, T_LATE)
