"""The in-browser verifier checks a task report's deadline from the log's calendar records
alone, as ``lottery verify`` does (docs/spec.md §8, "Publication deadlines"; issue #19).

verify.js's ``reportDeadlines`` runs in Debian's Chromium (one page load, through the test hook)
on logs of tests/core/test_deadline_audit.py's records, and must report each task report as
the core does: on time or late (pass), not checkable (skip), claimed with a calendar since
replaced (note), or misstated (fail, the same check name).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from lottery.core.deadline_audit import (
    CALENDAR_CHANGED,
    LATE,
    MISSTATED,
    ON_TIME,
    UNCHECKED,
    audit_publications,
)
from lottery.core.records import Record
from lottery.core.workdays import YearCalendar
from tests.browser.test_teams_js import hooked_page
from tests.core.test_deadline_audit import _calendar, _deadline, _report
from tests.core.test_workdays import NOTICE_2026

pytestmark = pytest.mark.browser

JS = """(records) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  const lines = api.reportDeadlines(records);
  return lines.map((x) => ({ name: x.name, state: x.state, detail: x.detail }));
}"""

STATE = {ON_TIME: "pass", LATE: "pass", UNCHECKED: "skip", CALENDAR_CHANGED: "note"}

Y2026 = _calendar(NOTICE_2026, "2026-01-05T00:00:00Z")
# Completed Thu 26 Mar 2026: Qingming 4-6 Apr off, due Tue 7 Apr (docs/workdays.md);
# published Thu 9 Apr: late by 2 working days.
LATE_CLAIM = _deadline("2026-03-26", "2026-04-07", "2026-04-09", 2)
LATE_REPORT = _report("2026-03-26", "2026-04-09T02:00:00Z", LATE_CLAIM, [])
ON_TIME_REPORT = _report(
    "2026-03-26", "2026-04-07T02:00:00Z", _deadline("2026-03-26", "2026-04-07", "2026-04-07", 0), []
)
HIDDEN_LATENESS = _report(
    "2026-03-26", "2026-04-09T02:00:00Z", LATE_CLAIM | {"on_time": True, "late_by": 0}, []
)
WRONG_START = _report(
    "2026-03-26", "2026-04-09T02:00:00Z", LATE_CLAIM | {"start": "2026-03-27"}, []
)
# The office re-enters 2026 after the report with 7 Apr off too: due Wed 8 Apr, late by 1.
REENTERED = _calendar(
    YearCalendar.build(
        2026,
        NOTICE_2026.holidays | {date(2026, 4, 7)},
        NOTICE_2026.workdays,
        "office",
    ),
    "2026-05-01T00:00:00Z",
    supersedes=Y2026.id,
)

CASES: dict[str, tuple[list[Record], str, str]] = {
    "late, from the log's record": ([Y2026, LATE_REPORT], "pass", "迟了 2 个工作日"),
    "on time": (
        [Y2026, ON_TIME_REPORT],
        "pass",
        "应在 2026-04-07 前公示，于 2026-04-07 公示，按时",
    ),
    "no record of 2026": ([LATE_REPORT], "skip", "没有 2026 年的节假日安排"),
    "lateness hidden": ([Y2026, HIDDEN_LATENESS], "fail", "重新计算为 false"),
    "start not its own": ([Y2026, WRONG_START], "fail", "2026-03-27"),
    "calendar since replaced": ([Y2026, LATE_REPORT, REENTERED], "note", "已被替换"),
}


@pytest.fixture(scope="module")
def js(browser: Browser) -> Iterator[Page]:
    yield from hooked_page(browser)


def test_js_reports_each_task_report_deadline_as_the_core(js: Page) -> None:
    for case, (records, state, words) in CASES.items():
        given: list[dict[str, Any]] = [
            {"index": i, "id": r.id, "body": r.body} for i, r in enumerate(records)
        ]
        [got] = js.evaluate(JS, given)
        [core] = audit_publications(records).publications  # nothing assumed beside the log
        want = ("fail", core.check) if core.status == MISSTATED else (STATE[core.status], None)
        assert (got["state"], got["name"] if want[1] else None) == want, case
        assert got["state"] == state and words in got["detail"], (case, got)
        if state != "fail":
            assert got["name"] == "deadline.published", case


def test_js_fails_a_calendar_record_that_does_not_name_the_one_it_replaces(js: Page) -> None:
    second = _calendar(NOTICE_2026, "2026-02-01T00:00:00Z")  # supersedes None: a second "first"
    records = [Y2026, second, LATE_REPORT]
    given = [{"index": i, "id": r.id, "body": r.body} for i, r in enumerate(records)]
    got = js.evaluate(JS, given)
    core = [f.check for _, f in audit_publications(records).failures]
    assert "calendar.supersedes" in core
    assert [x["name"] for x in got if x["state"] == "fail"] == ["calendar.supersedes"]
