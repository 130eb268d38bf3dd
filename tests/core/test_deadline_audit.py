"""Publication checks of ``lottery verify``: deadlines recomputed from the log and the notices.

The calendar data is the State Council notices as typed in tests/core/test_workdays.py (not
chinese-calendar), so the known answers below are the notices' answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from lottery.core.deadline_audit import (
    CALENDAR_CHANGED,
    LATE,
    MISSTATED,
    ON_TIME,
    UNCHECKED,
    PublicationAudit,
    audit_publications,
)
from lottery.core.records import Record, make_record, open_record
from lottery.core.workdays import YearCalendar
from tests.core.test_workdays import NOTICE_2025, NOTICE_2026
from tests.lifecycle import LOG, office_signer

SIGNER = office_signer()
BUILTIN = {2025: NOTICE_2025, 2026: NOTICE_2026}


def _record(kind: str, time: str, fields: dict[str, Any]) -> Record:
    at = datetime.fromisoformat(time.replace("Z", "+00:00")).astimezone(UTC)
    note = make_record(kind, LOG, at, fields, [SIGNER])
    return open_record(note, [SIGNER.verifier()], log=LOG)


def _deadline(start: str, due: str, published: str, late_by: int) -> dict[str, Any]:
    return {
        "start": start,
        "workdays": 7,
        "due": due,
        "published": published,
        "on_time": late_by == 0,
        "late_by": late_by,
    }


def _penalty(decided: str, time: str, deadline: dict[str, Any], n: int = 1, **more: Any) -> Record:
    fields = {
        "decision": f"武人防罚〔{decided[:4]}〕{n}号",
        "decided": decided,
        "authority": "武冈市人民防空办公室",
        "sealed": f"{n:02x}" * 32,  # the content's commitment (tests/core/test_sealed.py)
        "publish_until": "2029-04-20",
        "deadline": deadline,
        "entered_by": "录入员",
        "approved_by": "审核员",
    }
    return _record("penalty", time, fields | more)


def _result(target: str, dates: list[str], time: str, supersedes: str | None = None) -> Record:
    return _record(
        "inspection-result",
        time,
        {
            "task": "T2026-001",
            "target": target,
            "target_name": "武冈安泰工程监理有限公司",
            "dates": dates,
            "inspectors": [{"id": "I001", "role": "drawn"}, {"id": "I002", "role": "drawn"}],
            "methods": ["实地检查"],
            "categories": ["未发现问题"],
            "pending_reasons": [],
            "sealed": "cd" * 32,  # the findings' commitment (tests/core/test_sealed.py)
            "entered_by": "录入员",
            "approved_by": "审核员",
            "supersedes": supersedes,
            "correction_reason": None if supersedes is None else "录入错误",
        },
    )


def _report(completed: str, time: str, deadline: dict[str, Any], results: list[str]) -> Record:
    n = len(results)  # the figures of n results of category 未发现问题 (report.summary)
    region = {"R1": {"picked": n, "checked": n, "problems": 0}}
    summary = {"picked": n, "checked": n, "problems": 0, "by_category": {"未发现问题": n}}
    summary["by_region"] = region
    fields = {
        "task": "T2026-001",
        "completed": completed,
        "summary": summary,
        "text": "本次抽查已完成。",
        "results": results,
        "deadline": deadline,
        "drafted_by": "起草人",
        "approved_by": "审核员",
    }
    return _record("task-report", time, fields)


def _calendar(data: YearCalendar, time: str, supersedes: str | None = None) -> Record:
    fields = {
        "year": data.year,
        "holidays": sorted(d.isoformat() for d in data.holidays),
        "workdays": sorted(d.isoformat() for d in data.workdays),
        "notice": "国办发明电〔2025〕7号",
        "supersedes": supersedes,
    }
    return _record("calendar", time, fields)


def _only(audit: PublicationAudit) -> tuple[str, str]:
    [publication] = audit.publications
    return publication.status, publication.detail


def test_penalty_across_national_day_2025_on_time_to_the_last_beijing_minute() -> None:
    # Fri 26 Sep 2025: Sun 28 Sep is worked, 1-8 Oct off, Sat 11 Oct worked: due Mon 13 Oct.
    claim = _deadline("2025-09-26", "2025-10-13", "2025-10-13", 0)
    record = _penalty("2025-09-26", "2025-10-13T15:59:59Z", claim)  # 23:59:59 in Beijing
    audit = audit_publications([record], BUILTIN)
    assert _only(audit) == (
        ON_TIME,
        "penalty 武人防罚〔2025〕1号: due 2025-10-13, published 2025-10-13, on time",
    )
    assert not audit.failures


def test_penalty_one_beijing_minute_after_midnight_is_late_by_one() -> None:
    claim = _deadline("2025-09-26", "2025-10-13", "2025-10-14", 1)
    record = _penalty("2025-09-26", "2025-10-13T16:00:00Z", claim)  # 00:00 on 14 Oct, Beijing
    audit = audit_publications([record], BUILTIN)
    status, detail = _only(audit)
    assert status == LATE and detail.endswith("late by 1 working day")
    assert not audit.failures  # late is a finding, not a failure


def test_report_across_spring_festival_2026_adjusted_saturdays_late_by_two() -> None:
    # Fri 13 Feb 2026: Sat 14 Feb worked (1), 15-23 Feb off, 24-27 Feb (2-5), Sat 28 Feb
    # worked (6), Mon 2 Mar (7). Published Wed 4 Mar: late by 2.
    result = _result("91419901MA4L000001", ["2026-02-12", "2026-02-13"], "2026-02-13T09:00:00Z")
    claim = _deadline("2026-02-13", "2026-03-02", "2026-03-04", 2)
    report = _report("2026-02-13", "2026-03-04T02:00:00Z", claim, [result.id])
    audit = audit_publications([result, report], BUILTIN)
    assert _only(audit) == (
        LATE,
        "task-report T2026-001: due 2026-03-02, published 2026-03-04, late by 2 working days",
    )
    assert not audit.failures
    assert "2 working days in all" in audit.summary()


def test_a_record_claiming_on_time_when_late_fails_naming_it() -> None:
    # Published on Tue 14 Oct 2025, the day after the deadline, yet claiming it was on time.
    claim = _deadline("2025-09-26", "2025-10-13", "2025-10-14", 0)
    record = _penalty("2025-09-26", "2025-10-14T03:00:00Z", claim)
    audit = audit_publications([record], BUILTIN)
    assert _only(audit)[0] == MISSTATED
    [(scope, failure)] = audit.failures
    assert scope == "penalty 武人防罚〔2025〕1号"
    assert failure.check == "deadline.on_time"
    assert "claims on_time true" in failure.detail and "late by 1 working day" in failure.detail


def test_a_naive_weekday_due_date_fails() -> None:
    claim = _deadline("2025-09-26", "2025-10-07", "2025-10-07", 0)
    record = _penalty("2025-09-26", "2025-10-07T03:00:00Z", claim)  # a holiday, in fact
    [(_, failure)] = audit_publications([record], BUILTIN).failures
    assert failure.check == "deadline.due"
    assert "claims due 2025-10-07" in failure.detail and "due 2025-10-13" in failure.detail


@pytest.mark.parametrize(
    ("lie", "check"),
    [
        ({"start": "2025-09-25"}, "deadline.start"),
        ({"workdays": 5}, "deadline.workdays"),
        ({"published": "2025-10-10"}, "deadline.published"),
    ],
)
def test_facts_of_the_claim_must_be_the_records_own(lie: dict[str, Any], check: str) -> None:
    claim = _deadline("2025-09-26", "2025-10-13", "2025-10-13", 0) | lie
    record = _penalty("2025-09-26", "2025-10-13T03:00:00Z", claim)
    [(_, failure)] = audit_publications([record], BUILTIN).failures
    assert failure.check == check


def test_a_year_without_data_cannot_be_checked_and_says_so() -> None:
    # Decided Mon 28 Dec 2026: the 7th working day is in 2027, which neither source covers.
    claim = _deadline("2026-12-28", "2027-01-06", "2027-01-06", 0)
    record = _penalty("2026-12-28", "2027-01-06T03:00:00Z", claim)
    audit = audit_publications([record], BUILTIN)
    status, detail = _only(audit)
    assert status == UNCHECKED
    assert detail.endswith("cannot check: no calendar record in the log for 2027")
    assert not audit.failures
    assert "1 cannot be checked (no calendar record in the log for 2027)" in audit.summary()


def test_an_office_calendar_record_overrides_the_builtin_year() -> None:
    # A stale built-in 2026 without holidays gives Fri 9 Oct for Wed 30 Sep; the notice
    # (published by the office as a calendar record) gives Thu 15 Oct.
    stale = {2025: NOTICE_2025, 2026: YearCalendar.build(2026, [], [], "stale")}
    claim = _deadline("2026-09-30", "2026-10-15", "2026-10-15", 0)
    penalty = _penalty("2026-09-30", "2026-10-15T03:00:00Z", claim)
    [(_, failure)] = audit_publications([penalty], stale).failures
    assert failure.check == "deadline.due"  # without the office's entry: misstated
    entry = _calendar(NOTICE_2026, "2026-01-05T00:00:00Z")
    audit = audit_publications([entry, penalty], stale)
    assert _only(audit)[0] == ON_TIME and not audit.failures
    assert audit.calendar_sources[2026] == f"calendar record {entry.id[:16]}"


def test_the_office_entry_of_a_year_without_builtin_data_makes_it_checkable() -> None:
    year = YearCalendar.build(2027, [date(2027, 1, 1)], [], "office")
    claim = _deadline("2026-12-28", "2027-01-07", "2027-01-07", 0)  # 1 Jan off
    penalty = _penalty("2026-12-28", "2027-01-07T03:00:00Z", claim)
    audit = audit_publications([_calendar(year, "2026-12-01T00:00:00Z"), penalty], BUILTIN)
    assert _only(audit)[0] == ON_TIME


def test_a_claim_made_with_a_since_replaced_entry_is_reported_not_failed() -> None:
    first = YearCalendar.build(2027, [date(2027, 1, 1)], [], "office")
    second = YearCalendar.build(2027, [date(2027, 1, 1), date(2027, 1, 4)], [], "office")
    old = _calendar(first, "2026-12-01T00:00:00Z")
    claim = _deadline("2026-12-28", "2027-01-07", "2027-01-07", 0)
    penalty = _penalty("2026-12-28", "2027-01-07T03:00:00Z", claim)
    new = _calendar(second, "2027-01-10T00:00:00Z", supersedes=old.id)
    audit = audit_publications([old, penalty, new], BUILTIN)
    status, detail = _only(audit)
    assert status == CALENDAR_CHANGED and not audit.failures
    assert "due 2027-01-08" in detail  # with the later entry (4 Jan off)


def test_a_calendar_record_must_name_the_entry_it_replaces() -> None:
    year = YearCalendar.build(2027, [date(2027, 1, 1)], [], "office")
    first = _calendar(year, "2026-12-01T00:00:00Z")
    second = _calendar(year, "2026-12-02T00:00:00Z")  # supersedes None: a second "first"
    [(_, failure)] = audit_publications([first, second], BUILTIN).failures
    assert failure.check == "calendar.supersedes"


def _withdrawal(
    penalty: Record | str,
    time: str,
    *,
    revoked: str | None = None,
    deadline: dict[str, Any] | None = None,
) -> Record:
    body = penalty.body if isinstance(penalty, Record) else {"decision": "x", "sealed": "ab" * 32}
    fields = {
        "penalty": penalty.id if isinstance(penalty, Record) else penalty,
        "decision": body["decision"],
        "sealed": [body["sealed"]],
        "ground": "expired" if revoked is None else "revoked",
        "reason": "撤销" if revoked else "公示期满",
        "revoked": revoked,
        "deadline": deadline,
    }
    return _record("penalty-withdrawal", time, fields)


def test_withdrawals_must_name_a_published_penalty() -> None:
    claim = _deadline("2025-09-26", "2025-10-13", "2025-10-13", 0)
    penalty = _penalty("2025-09-26", "2025-10-13T03:00:00Z", claim)
    good = _withdrawal(penalty, "2025-11-01T00:00:00Z")
    audit = audit_publications([penalty, good], BUILTIN)
    assert not audit.failures
    assert "withdrawal.references" in [c.name for c in audit.checks]
    stray = _withdrawal("ab" * 32, "2025-11-01T00:00:00Z")
    early = _withdrawal(penalty, "2025-10-01T00:00:00Z")
    for records in ([penalty, stray], [early, penalty], [penalty, good, good]):
        failures = audit_publications(records, BUILTIN).failures
        assert [f.check for _, f in failures] == ["withdrawal.penalty"]


def _three(start: str, due: str, published: str, late_by: int) -> dict[str, Any]:
    return _deadline(start, due, published, late_by) | {"workdays": 3}


@pytest.mark.parametrize(
    ("revoked", "time", "claim", "status"),
    [
        # Revoked Fri 26 Sep 2025: Sun 28 Sep is worked (调休), then 29, 30 Sep: due 30 Sep.
        ("2025-09-26", "2025-09-30T03:00:00Z", ("2025-09-30", "2025-09-30", 0), ON_TIME),
        # Withdrawn Thu 9 Oct, the first working day after National Day (1-8 Oct): late by 1.
        ("2025-09-26", "2025-10-09T03:00:00Z", ("2025-09-30", "2025-10-09", 1), LATE),
    ],
)
def test_a_revoked_decisions_withdrawal_is_due_in_three_working_days(
    revoked: str, time: str, claim: tuple[str, str, int], status: str
) -> None:
    penalty = _penalty(
        "2025-09-20", "2025-09-22T03:00:00Z", _deadline("2025-09-20", "2025-09-29", "2025-09-22", 0)
    )
    due, published, late = claim
    withdrawal = _withdrawal(
        penalty, time, revoked=revoked, deadline=_three(revoked, due, published, late)
    )
    audit = audit_publications([penalty, withdrawal], BUILTIN)
    assert not audit.failures
    last = audit.publications[-1]
    assert (last.kind, last.name, last.status) == (
        "penalty-withdrawal",
        "penalty-withdrawal 武人防罚〔2025〕1号",
        status,
    )
    # Claiming the 7 working days of a publication, or on time when late, fails.
    wrong = _withdrawal(
        penalty, time, revoked=revoked, deadline=_deadline(revoked, due, published, late)
    )
    [(_, failure)] = audit_publications([penalty, wrong], BUILTIN).failures
    assert failure.check == "deadline.workdays"


def test_corrections_must_supersede_an_earlier_result_of_the_same_target() -> None:
    a = _result("91419901MA4L000001", ["2026-03-20"], "2026-04-10T00:00:00Z")
    b = _result("91419901MA4L000002", ["2026-03-20"], "2026-04-10T00:00:01Z")
    good = _result("91419901MA4L000001", ["2026-03-21"], "2026-04-11T00:00:00Z", a.id)
    assert not audit_publications([a, b, good], BUILTIN).failures
    wrong_target = _result("91419901MA4L000001", ["2026-03-21"], "2026-04-11T00:00:00Z", b.id)
    twice = _result("91419901MA4L000001", ["2026-03-22"], "2026-04-12T00:00:00Z", a.id)
    for records in ([a, b, wrong_target], [good, a], [a, good, twice]):
        failures = audit_publications(records, BUILTIN).failures
        assert [f.check for _, f in failures] == ["result.supersedes"]


def test_a_report_must_cover_current_results_and_complete_on_the_last_date() -> None:
    a = _result("91419901MA4L000001", ["2026-03-19", "2026-03-20"], "2026-03-20T09:00:00Z")
    fixed = _result("91419901MA4L000001", ["2026-03-26"], "2026-03-26T09:00:00Z", a.id)
    claim = _deadline("2026-03-26", "2026-04-07", "2026-03-27", 0)  # across 清明 2026
    report = _report("2026-03-26", "2026-03-27T02:00:00Z", claim, [fixed.id])
    audit = audit_publications([a, fixed, report], BUILTIN)
    assert not audit.failures and _only(audit)[0] == ON_TIME
    stale = _report("2026-03-26", "2026-03-27T02:00:00Z", claim, [a.id])
    [(_, failure)] = audit_publications([a, fixed, stale], BUILTIN).failures
    assert failure.check == "report.results" and "superseded" in failure.detail
    claim = _deadline("2026-03-20", "2026-03-31", "2026-03-27", 0)
    early = _report("2026-03-20", "2026-03-27T02:00:00Z", claim, [fixed.id])
    [(_, failure)] = audit_publications([a, fixed, early], BUILTIN).failures
    assert failure.check == "report.results" and "2026-03-26" in failure.detail


def test_a_task_narrows_the_publications() -> None:
    result = _result("91419901MA4L000001", ["2026-02-13"], "2026-02-13T09:00:00Z")
    claim = _deadline("2026-02-13", "2026-03-02", "2026-03-02", 0)
    report = _report("2026-02-13", "2026-03-02T02:00:00Z", claim, [result.id])
    penalty = _penalty(
        "2025-09-26",
        "2025-10-13T03:00:00Z",
        _deadline("2025-09-26", "2025-10-13", "2025-10-13", 0),
    )
    records = [result, report, penalty]
    assert len(audit_publications(records, BUILTIN).publications) == 2
    assert [
        p.name for p in audit_publications(records, BUILTIN, task="T2026-001").publications
    ] == ["task-report T2026-001"]
    assert audit_publications(records, BUILTIN, task="T2026-999").publications == []


def test_with_nothing_assumed_the_log_s_calendar_records_alone_decide_a_deadline() -> None:
    # What `lottery verify` does (docs/spec.md): no calendar data from outside the log.
    # Decided Wed 30 Sep 2026; the 2026 notice makes 1-7 Oct off and Sat 10 Oct worked: due
    # Thu 15 Oct. Published Fri 16 Oct but claimed on time: the record decides it is late.
    claim = _deadline("2026-09-30", "2026-10-15", "2026-10-16", 0)
    penalty = _penalty("2026-09-30", "2026-10-16T03:00:00Z", claim)
    entry = _calendar(NOTICE_2026, "2026-01-05T00:00:00Z")
    [(_, failure)] = audit_publications([entry, penalty]).failures
    assert failure.check == "deadline.on_time"
    assert "late by 1 working day" in failure.detail
    honest = _penalty(
        "2026-09-30", "2026-10-16T03:00:00Z", claim | {"on_time": False, "late_by": 1}
    )
    audit = audit_publications([entry, honest])
    assert _only(audit)[0] == LATE and not audit.failures
    assert audit.calendar_sources == {2026: f"calendar record {entry.id[:16]}"}


def test_with_nothing_assumed_a_year_without_a_record_is_not_checked() -> None:
    # The same misstated claim in a log without the 2026 record (an older log): not checked,
    # neither passed nor failed, and the line says which year is missing.
    claim = _deadline("2026-09-30", "2026-10-15", "2026-10-16", 0)
    penalty = _penalty("2026-09-30", "2026-10-16T03:00:00Z", claim)
    audit = audit_publications([penalty])
    status, detail = _only(audit)
    assert status == UNCHECKED and not audit.failures
    assert detail.endswith("cannot check: no calendar record in the log for 2026")
    assert audit.calendar_sources == {}
    # A record of another year does not help.
    audit = audit_publications([_calendar(NOTICE_2025, "2025-01-05T00:00:00Z"), penalty])
    assert _only(audit)[0] == UNCHECKED
