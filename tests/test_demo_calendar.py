"""The demo's log carries the calendar years its deadlines are counted with (issue #19), and
`lottery verify` checks every deadline of the demo from them: none is left unchecked."""

from __future__ import annotations

from lottery.core.audit import AuditReport
from lottery.core.deadline_audit import CALENDAR_CHANGED, LATE, MISSTATED, ON_TIME, UNCHECKED


def test_the_demo_log_publishes_the_builtin_year_before_its_deadlines(
    demo_audit: AuditReport,
) -> None:
    records = demo_audit.records
    calendars = [r for r in records if r.type == "calendar"]
    assert [r.body["year"] for r in calendars] == [2026]  # every demo deadline is in 2026
    [y2026] = calendars
    assert y2026.body["notice"].startswith("国务院办公厅关于2026年部分节假日安排的通知")
    # The 2026 notice (国办发明电〔2025〕7号): Qingming 4-6 Apr off, Sat 10 Oct worked.
    assert {"2026-04-04", "2026-04-05", "2026-04-06"} <= set(y2026.body["holidays"])
    assert "2026-10-10" in y2026.body["workdays"]
    first = min(i for i, r in enumerate(records) if r.type in ("task-report", "penalty"))
    assert records.index(y2026) < first


def test_verify_checks_every_demo_deadline_from_the_log(demo_audit: AuditReport) -> None:
    audit = demo_audit.publications
    assert audit is not None
    statuses = [p.status for p in audit.publications]
    assert len(statuses) >= 5  # reports, penalties and a withdrawal (tests/test_demo_results.py)
    assert UNCHECKED not in statuses and MISSTATED not in statuses
    assert CALENDAR_CHANGED not in statuses
    assert statuses.count(ON_TIME) >= 4 and statuses.count(LATE) >= 1
    assert all(p.recomputed is not None for p in audit.publications)
    [record] = [r for r in demo_audit.records if r.type == "calendar"]
    assert audit.calendar_sources == {2026: f"calendar record {record.id[:16]}"}
