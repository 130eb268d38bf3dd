"""Built-in calendar years are published in the log before a deadline needs them (issue #19).

The service publishes a built-in year as a ``calendar`` record in the transaction of the first
record whose deadline is counted with it (docs/workdays.md, "Where the data comes from"), once
per year, also under two instances; an office entry of the year later supersedes it; and the
deadlines then check from the log alone (nothing assumed beside it).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import col, select

from lottery.cli.calendar_cmd import _show
from lottery.core.deadline_audit import LATE, ON_TIME, audit_publications
from lottery.core.records import Record, open_record
from lottery.core.workdays import YearCalendar
from lottery.service.calendar import CalendarService, office_entry
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import Amount, PenaltyEntry, PenaltyService
from lottery.settings import Settings
from lottery.storage.models import LogEntry, Target


def _at(day: str) -> datetime:
    """10:00 in Beijing on ``day``."""
    return datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC)


def _entry(target: str, decided: str, number: str) -> PenaltyEntry:
    return PenaltyEntry(
        decision=number,
        target=target,
        decided=date.fromisoformat(decided),
        facts="擅自改变人防工程主体结构",
        basis="《中华人民共和国人民防空法》第四十九条",
        kind="罚款",
        content="责令限期改正，并处罚款",
        authority="武冈市人民防空办公室",
        publish_until=date(2027, 6, 30),
        amounts=[Amount("罚款", 500_000, "人民币伍仟元整")],
    )


def _target(service: Lifecycle) -> str:
    with service.session() as s:
        return s.exec(select(Target.uscc).order_by(Target.uscc)).first() or ""


def _records(service: Lifecycle) -> list[Record]:
    with service.session() as s:
        notes = s.exec(select(LogEntry.note).order_by(col(LogEntry.idx))).all()
    return [open_record(n, [service.log.verifier], log=service.log.origin) for n in notes]


def _calendars(records: list[Record]) -> list[dict[str, Any]]:
    return [r.body for r in records if r.type == "calendar"]


def _publish(service: Lifecycle, decided: str, published: str, number: str) -> Record:
    penalties = PenaltyService(service.engine, service.log)
    pid = penalties.enter(_entry(_target(service), decided, number), _at(published), actor="c")
    return penalties.approve(pid, _at(published), reviewer="director-zhao")


def test_a_deadline_publishes_its_builtin_years_first_once_each(service: Lifecycle) -> None:
    assert _calendars(_records(service)) == []
    # Decided Fri 26 Dec 2025, published Tue 6 Jan 2026: counted with 2025 and 2026.
    first = _publish(service, "2025-12-26", "2026-01-06", "武人防罚〔2025〕1号")
    records = _records(service)
    years = [r for r in records if r.type == "calendar"]
    assert [r.body["year"] for r in years] == [2025, 2026]
    at = [r.id for r in records].index
    assert all(at(r.id) < at(first.id) for r in years)  # before the record that needs them
    y2026 = years[1].body
    assert y2026["supersedes"] is None
    assert y2026["notice"].startswith("国务院办公厅关于2026年部分节假日安排的通知")
    assert "内置" in y2026["notice"]
    # The 2026 notice (国办发明电〔2025〕7号): 1-7 Oct off, Sat 10 Oct and Sat 14 Feb worked.
    assert {f"2026-10-0{d}" for d in range(1, 8)} <= set(y2026["holidays"])
    assert {"2026-02-14", "2026-10-10"} <= set(y2026["workdays"])

    # Another deadline in 2026: nothing new (never two records for a year).
    _publish(service, "2026-09-30", "2026-10-16", "武人防罚〔2026〕1号")  # due 15 Oct: late 1
    records = _records(service)
    assert [c["year"] for c in _calendars(records)] == [2025, 2026]

    # From the log alone (nothing assumed), both deadlines are checked.
    audit = audit_publications(records)
    assert [p.status for p in audit.publications] == [ON_TIME, LATE]
    assert not audit.failures
    assert set(audit.calendar_sources) == {2025, 2026}


def test_an_office_entry_supersedes_the_published_builtin_year(
    service: Lifecycle, settings: Settings
) -> None:
    _publish(service, "2026-09-30", "2026-10-15", "武人防罚〔2026〕1号")
    [builtin] = [r for r in _records(service) if r.type == "calendar"]
    cals = CalendarService(service.engine, service.log)
    assert cals.show(2026)[1] == builtin.id  # the year in force is the published record
    entry = office_entry(settings, 2026)
    assert entry is not None and entry[1:] == (builtin.id, True)
    shown = _show(*entry)
    assert shown.startswith(f"2026年 来源: 系统内置数据（已公开） (record {builtin.id})")
    data = cals.calendar().year(2026)
    # The office's reading: 8 Oct off as well (made up for the test).
    ours = YearCalendar.build(
        2026, data.holidays | {date(2026, 10, 8)}, data.workdays, "国办发明电〔2025〕7号（本办）"
    )
    record = cals.set_year(ours, _at("2026-10-20"), actor="admin")
    assert record.body["supersedes"] == builtin.id
    assert cals.show(2026)[1] == record.id
    assert office_entry(settings, 2026) == (cals.show(2026)[0], record.id, False)
    # No built-in record is published again once the office entered the year.
    _publish(service, "2026-10-21", "2026-10-22", "武人防罚〔2026〕2号")
    records = _records(service)
    assert [c["year"] for c in _calendars(records)] == [2026, 2026]
    audit = audit_publications(records)
    assert not audit.failures
    assert audit.calendar_sources == {2026: f"calendar record {record.id[:16]}"}


def test_two_instances_publish_a_year_once(service: Lifecycle, settings: Settings) -> None:
    target = _target(service)
    others = [Lifecycle.open(settings) for _ in range(2)]
    try:
        services = [PenaltyService(o.engine, o.log) for o in others]
        when = _at("2026-10-15")
        pids = [
            p.enter(_entry(target, "2026-09-30", f"武人防罚〔2026〕{i + 1}号"), when, actor="c")
            for i, p in enumerate(services)
        ]
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def approve(penalties: PenaltyService, pid: Any) -> None:
            start.wait()
            try:
                penalties.approve(pid, when, reviewer="director-zhao")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=approve, args=(p, pid))
            for p, pid in zip(services, pids, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    finally:
        for o in others:
            o.engine.dispose()
    records = _records(service)
    assert [c["year"] for c in _calendars(records)] == [2026]
    assert [r.type for r in records].count("penalty") == 2
