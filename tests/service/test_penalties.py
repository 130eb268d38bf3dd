"""Penalty decisions: deadlines across National Day and adjusted workdays, lateness, a year
without calendar data, withdrawal at the end of the publication period; the due list; the
credit export."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from lottery.core.records import late_publication
from lottery.core.workdays import CalendarDataMissing
from lottery.service.credit import CreditExportError, credit_rows, write_credit_export
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import (
    Amount,
    PenaltyEntry,
    PenaltyError,
    PenaltyNotFound,
    PenaltyService,
    PenaltyStateError,
    pending_deadlines,
)
from lottery.storage.models import AuditEvent, Penalty, Target


def _at(day: str, hour: int = 2) -> datetime:
    """A UTC time on ``day`` (hour 2 UTC is 10:00 in Beijing, the same date)."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def penalties(service: Lifecycle) -> PenaltyService:
    return PenaltyService(service.engine, service.log)


@pytest.fixture
def target(service: Lifecycle) -> str:
    with service.session() as s:
        return s.exec(select(Target.uscc).order_by(Target.uscc)).first() or ""


def _entry(target: str, decided: str, number: str = "武人防罚〔2026〕1号") -> PenaltyEntry:
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


def _publish(penalties: PenaltyService, entry: PenaltyEntry, when: datetime) -> dict[str, object]:
    pid = penalties.enter(entry, when, actor="clerk-chen")
    return penalties.approve(pid, when, reviewer="director-zhao").body


@pytest.mark.parametrize(
    ("decided", "published", "due", "late_by"),
    [
        # Across National Day 2026 and Sat 10 Oct (调休上班): due Thu 15 Oct.
        ("2026-09-30", "2026-10-15", "2026-10-15", 0),
        ("2026-09-30", "2026-10-16", "2026-10-15", 1),
        # A naive count of weekdays would say 9 Oct; publishing then is on time, of course.
        ("2026-09-30", "2026-10-09", "2026-10-15", 0),
        # Across the Spring Festival: Sat 14 Feb and Sat 28 Feb are worked; due Mon 2 Mar.
        ("2026-02-13", "2026-03-02", "2026-03-02", 0),
        # Decided Thu 19 Mar 2026: 20, 23-27 (1-6), Mon 30 Mar (7); published Tue 31: late 1.
        ("2026-03-19", "2026-03-31", "2026-03-30", 1),
    ],
)
def test_penalty_deadline(
    penalties: PenaltyService, target: str, decided: str, published: str, due: str, late_by: int
) -> None:
    body = _publish(penalties, _entry(target, decided), _at(published))
    assert body["deadline"] == {
        "start": decided,
        "workdays": 7,
        "due": due,
        "published": published,
        "on_time": late_by == 0,
        "late_by": late_by,
    }
    # The content is sealed: the record carries only its commitment (test_penalties_sealed.py).
    assert "amounts" not in body and "facts" not in body and "target" not in body
    assert isinstance(body["sealed"], str) and len(body["sealed"]) == 64
    late = late_publication(body)
    assert late == (None if late_by == 0 else ("penalty 武人防罚〔2026〕1号", late_by))


def test_publication_date_is_beijing_time(penalties: PenaltyService, target: str) -> None:
    # 16:30 UTC on 15 Oct is 00:30 on 16 Oct in Beijing: one working day late.
    body = _publish(penalties, _entry(target, "2026-09-30"), _at("2026-10-15", 16))
    assert body["deadline"]["published"] == "2026-10-16"  # type: ignore[index]
    assert body["deadline"]["late_by"] == 1  # type: ignore[index]


def test_deadline_into_year_without_data_refused(
    service: Lifecycle, penalties: PenaltyService, target: str
) -> None:
    pid = penalties.enter(_entry(target, "2026-12-25"), _at("2026-12-28"), actor="clerk-chen")
    with service.session() as s:
        size = service.log.size(s)
    with pytest.raises(CalendarDataMissing, match="2027") as info:
        penalties.approve(pid, _at("2027-01-05"), reviewer="director-zhao")
    assert "2027年" in str(info.value)
    with service.session() as s:
        assert service.log.size(s) == size
    assert penalties.get(pid).status == "entered"


def test_review_and_input_rules(penalties: PenaltyService, target: str) -> None:
    when = _at("2026-10-09")
    pid = penalties.enter(_entry(target, "2026-09-30"), when, actor="clerk-chen")
    with pytest.raises(PenaltyError, match="different reviewer"):
        penalties.approve(pid, when, reviewer="clerk-chen")
    with pytest.raises(
        PenaltyError, match="处罚决定书文号（decision）：武人防罚〔2026〕1号 已经录入过"
    ):
        penalties.enter(_entry(target, "2026-09-30"), when, actor="clerk-chen")
    bad = _entry(target, "2026-09-30", "号2")
    with pytest.raises(PenaltyError, match="处罚决定日期（decided）：2026-10-10 晚于今天"):
        penalties.enter(replace(bad, decided=date(2026, 10, 10)), when, actor="x")
    with pytest.raises(PenaltyError, match="处罚依据（basis）：不能为空"):
        penalties.enter(replace(bad, basis=" "), when, actor="x")
    with pytest.raises(PenaltyError, match="金额（amounts）：“罚款”的金额须是以分为单位的非负整数"):
        penalties.enter(replace(bad, amounts=[Amount("罚款", -1)]), when, actor="x")
    with pytest.raises(PenaltyError, match="公示截止日期（publish_until）：须晚于处罚决定日期"):
        penalties.enter(replace(bad, publish_until=date(2026, 9, 30)), when, actor="x")
    with pytest.raises(
        PenaltyError, match="当事人统一社会信用代码（target）：名录中没有 NOPE 这个检查对象"
    ):
        penalties.enter(replace(bad, target="NOPE"), when, actor="x")
    with pytest.raises(
        PenaltyError, match=r"\A所依据的检查结果记录编号（result）：(ab){32} 不是 \w+ 已公开"
    ):
        penalties.enter(replace(bad, result="ab" * 32), when, actor="x")
    with pytest.raises(PenaltyNotFound, match="没有编号为 999999 的处罚决定"):
        penalties.approve(999999, when, reviewer="director-zhao")
    penalties.approve(pid, when, reviewer="director-zhao")
    with pytest.raises(
        PenaltyStateError, match="当前为“已公开”，只有“待审核”的处罚决定才能审核通过"
    ):
        penalties.approve(pid, when, reviewer="director-zhao")


def test_withdrawal_when_publication_period_ends(
    service: Lifecycle, penalties: PenaltyService, target: str
) -> None:
    entry = replace(_entry(target, "2026-09-30"), publish_until=date(2026, 11, 30))
    pid = penalties.enter(entry, _at("2026-10-09"), actor="clerk-chen")
    record = penalties.approve(pid, _at("2026-10-09"), reviewer="director-zhao")
    later = replace(entry, decision="武人防罚〔2026〕2号", publish_until=date(2026, 12, 31))
    penalties.approve(
        penalties.enter(later, _at("2026-10-09"), actor="c"), _at("2026-10-09"), reviewer="d"
    )
    assert penalties.expired(date(2026, 11, 30)) == []  # the last day still shows
    assert penalties.withdraw_expired(_at("2026-11-30")) == []
    assert [p.id for p in penalties.expired(date(2026, 12, 1))] == [pid]
    (withdrawal,) = penalties.withdraw_expired(
        _at("2026-12-01"), actor="clerk", remote_addr="10.0.0.9"
    )
    assert withdrawal.body["penalty"] == record.id
    assert withdrawal.body["reason"] == "公示期满（至2026-11-30）"
    assert withdrawal.body["ground"] == "expired"
    assert penalties.get(pid).status == "withdrawn"
    assert penalties.list_penalties("published")[0].decision == "武人防罚〔2026〕2号"
    with service.session() as s:
        (event,) = s.exec(select(AuditEvent).where(AuditEvent.action == "penalty.withdraw"))
    assert (event.actor, event.remote_addr, event.detail["ground"]) == (
        "clerk",
        "10.0.0.9",
        "expired",
    )
    assert penalties.withdraw_expired(_at("2026-12-02")) == []
    with pytest.raises(PenaltyStateError, match="当前为“已撤回”，只有“已公开”的处罚决定才能撤回"):
        penalties.withdraw(pid, "again", _at("2026-12-02"), actor="x")
    # The penalty record itself stays in the log (its hash too): withdrawal adds, never deletes.
    assert penalties.record(record.id).body["decision"] == entry.decision


def test_list_penalties_by_status(penalties: PenaltyService, target: str) -> None:
    when = _at("2026-10-09")
    first = penalties.enter(_entry(target, "2026-09-30", "L1"), when, actor="clerk-chen")
    second = penalties.enter(_entry(target, "2026-09-30", "L2"), when, actor="clerk-chen")
    penalties.approve(first, when, reviewer="director-zhao")
    assert [p.id for p in penalties.list_penalties()] == [second, first]  # newest first
    assert [p.decision for p in penalties.list_penalties("entered")] == ["L2"]
    assert [p.decision for p in penalties.list_penalties("published")] == ["L1"]
    assert penalties.list_penalties("withdrawn") == []


def test_pending_deadlines(service: Lifecycle, penalties: PenaltyService, target: str) -> None:
    penalties.enter(_entry(target, "2026-09-30", "A1"), _at("2026-10-09"), actor="c")
    penalties.enter(_entry(target, "2026-09-28", "A2"), _at("2026-10-09"), actor="c")
    items = pending_deadlines(service.engine, service.log, date(2026, 10, 14))
    assert [(i.ref, i.due, i.left, i.overdue) for i in items] == [
        # Mon 28 Sep: 29, 30 Sep, 8, 9, Sat 10, 12, 13 Oct -> due 13 Oct, overdue by 1.
        ("A2", date(2026, 10, 13), -1, True),
        ("A1", date(2026, 10, 15), 1, False),
    ]
    # A deadline in a year without data is listed, last, with the year to enter.
    penalties.enter(_entry(target, "2026-12-28", "A3"), _at("2026-12-28"), actor="c")
    last = pending_deadlines(service.engine, service.log, date(2026, 12, 28))[-1]
    assert (last.ref, last.due, last.left, last.overdue) == ("A3", None, None, False)
    assert "2027" in (last.problem or "")


def test_credit_export(service: Lifecycle, penalties: PenaltyService, tmp_path: Path) -> None:
    # Results come from test_results; here the export of penalties-only data and errors.
    with service.session() as s:
        assert s.exec(select(Penalty)).first() is None
    rows = credit_rows(service.engine, since=date(2026, 1, 1))
    assert rows == []
    out = tmp_path / "credit.csv"
    write_credit_export(rows, out)
    with out.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    assert header[:2] == ["统一社会信用代码", "市场主体名称"]
    xlsx = tmp_path / "credit.xlsx"
    write_credit_export(rows, xlsx)
    assert load_workbook(xlsx).active.max_row == 1  # type: ignore[union-attr]
    with pytest.raises(CreditExportError, match=r"\.csv or \.xlsx"):
        write_credit_export(rows, tmp_path / "credit.txt")
    with pytest.raises(CreditExportError, match="unknown result category"):
        credit_rows(service.engine, since=date(2026, 1, 1), categories=["差"])


def test_double_publicity_fields_are_sealed_and_checked(
    penalties: PenaltyService, target: str
) -> None:
    entry = replace(
        _entry(target, "2026-04-08"),
        address=" 武冈市解放路12号 ",
        representative="王建国",
        authority_code="1137990000000001xm",  # normalised to upper case
        violation="改变人防工程主体结构",
    )
    with pytest.raises(
        PenaltyError, match="处罚机关统一社会信用代码（authority_code）：不是有效的统一社会信用代码"
    ):
        penalties.enter(
            replace(entry, authority_code="1137990000000001XA"),
            _at("2026-04-09"),
            actor="clerk-chen",
        )
    with pytest.raises(PenaltyError, match="法定代表人（负责人）（representative）：最多 100 个字"):
        penalties.enter(
            replace(entry, representative="王" * 101), _at("2026-04-09"), actor="clerk-chen"
        )
    body = _publish(penalties, entry, _at("2026-04-09"))
    for key in ("address", "representative", "authority_code", "violation", "licence"):
        assert key not in body  # public record: unchanged format
    rows = penalties.list_penalties(status="published")
    assert rows[0].record_id is not None
    content = penalties.content(rows[0].record_id)
    assert content is not None
    assert {
        k: content.get(k) for k in ("address", "representative", "authority_code", "violation")
    } == {
        "address": "武冈市解放路12号",
        "representative": "王建国",
        "authority_code": "1137990000000001XM",
        "violation": "改变人防工程主体结构",
    }
    assert "licence" not in content  # blank: not sealed
    old = _publish(
        penalties, _entry(target, "2026-04-08", "武人防罚〔2026〕2号"), _at("2026-04-09")
    )
    assert old["v"] == 2  # without the fields: the same record format and sealed content


def test_a_noted_revocation_is_due_within_3_working_days_until_withdrawn(
    service: Lifecycle, penalties: PenaltyService, target: str
) -> None:
    _publish(penalties, _entry(target, "2026-04-08"), _at("2026-04-09"))
    (row,) = penalties.list_penalties(status="published")
    pid = row.id or 0
    now = _at("2026-10-12")
    with pytest.raises(PenaltyError, match="撤销日期（revoked）：2026-10-13 晚于今天"):
        penalties.note_revocation(pid, date(2026, 10, 13), now, actor="clerk-chen")
    with pytest.raises(PenaltyError, match="2026-04-01 早于处罚决定日期 2026-04-08"):
        penalties.note_revocation(pid, date(2026, 4, 1), now, actor="clerk-chen")
    penalties.note_revocation(pid, date(2026, 10, 9), now, actor="clerk-chen")
    # Fri 9 Oct 2026: Sat 10 Oct is a worked day (调休), then Mon 12, Tue 13: due 13 Oct.
    (item,) = pending_deadlines(service.engine, service.log, date(2026, 10, 14))
    assert (item.kind, item.ref, item.start, item.due) == (
        "penalty-withdrawal",
        "武人防罚〔2026〕1号",
        date(2026, 10, 9),
        date(2026, 10, 13),
    )
    assert item.overdue and item.left == -1
    # The withdrawal must state the noted day: no other ground, no later day.
    with pytest.raises(PenaltyError, match="已登记于 2026-10-09 被撤销"):
        penalties.withdraw(pid, "公示期满", now, actor="clerk-chen", ground="other")
    with pytest.raises(PenaltyError, match="已登记于 2026-10-09 被撤销"):
        penalties.withdraw(
            pid, "复议撤销", now, actor="clerk-chen", ground="revoked", revoked=date(2026, 10, 12)
        )
    record = penalties.withdraw(
        pid, "复议撤销", now, actor="clerk-chen", ground="revoked", revoked=date(2026, 10, 9)
    )
    assert record.body["deadline"]["due"] == "2026-10-13"
    assert pending_deadlines(service.engine, service.log, date(2026, 10, 14)) == []
    with service.session() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "penalty.revoked")).all()
    assert [e.actor for e in events] == ["clerk-chen"]
