"""Overlapping tasks and the annual cap (issue #16), SQLite and PostgreSQL.

The office's rules (六): "在同一年度内对同一市场主体的抽查原则上不超过2次". Two tasks drawn in
the same season may pick the same company. The later task's public pool cannot leave it out
(that would tell the company that it was picked in a task still under seal, R6), so the cap is
kept at the visit: a third visit of the year is refused while the earlier task is still
sealed; the inspectors go once for both tasks (a joint inspection: the same day), or state a
reason, which is published. ``lottery verify`` checks both on the published results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from lottery.core.audit import audit_export
from lottery.core.beacon import BeaconSpec, PublicNumbersValue
from lottery.core.outcome import Outcome, decode_outcome
from lottery.core.records import open_record
from lottery.core.risk_rules import RiskRules
from lottery.core.visits import Dated
from lottery.demo.recorded import numbers_beacon
from lottery.export.read import file_getter
from lottery.service import visit_cap
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import set_risk_rules
from lottery.service.results import Present, ResultEntry, ResultError, ResultsService
from lottery.storage.models import InspectionHistory, InspectionResult, LogEntry
from tests import lifecycle as lc

FIRST, SECOND, THIRD = "T2026-001", "T2026-002", "T2026-003"
EARLIER_VISIT = date(2026, 1, 15)  # imported: the target's first visit this year
FIRST_VISIT = date(2026, 3, 12)  # the first task's visit: the second of the year
OTHER_DAY = date(2026, 3, 20)  # a third visit, if the second task went on another day
LAST_DAY = date(2026, 3, 25)  # the third task's own day
T_ENTER = datetime(2026, 3, 26, 2, 0, tzinfo=UTC)  # every task still sealed
T_REVEAL_2 = lc.T_REVEAL + timedelta(days=1)
SECOND_BEACON = numbers_beacon("2026-03-03", "测试二", (512, (1, 4, 9, 16, 25, 33)))
T_ANNOUNCE_2 = lc.T_DRAW + timedelta(hours=1)
T_DRAW_2 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
THIRD_BEACON = numbers_beacon("2026-03-04", "测试三", (77, (3, 5, 8, 13, 21, 32)))
T_ANNOUNCE_3 = T_DRAW_2 + timedelta(hours=1)
T_DRAW_3 = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
HALF = {"A": 2500, "B": 2500, "C": 2500, "D": 2500}  # picks that overlap for sure


@dataclass(frozen=True)
class Overlap:
    """Two drawn tasks and a target picked by both."""

    outcomes: tuple[Outcome, ...]
    target: str

    def team(self, task: str) -> tuple[str, ...]:
        outcome = next(o for o in self.outcomes if o.task == task)
        return next(tuple(t.inspectors) for t in outcome.teams if t.target == self.target)


def _results(service: Lifecycle) -> ResultsService:
    return ResultsService(service.engine, service.log, service.keeper)


def _task(
    service: Lifecycle,
    task: str,
    beacon: tuple[BeaconSpec, PublicNumbersValue],
    at: tuple[datetime, datetime],
    disclosure: str,
) -> Outcome:
    params = dataclasses.replace(
        lc.params(lc.small_registries(), task),
        beacon=beacon[0],
        disclosure=disclosure,
        ratios=HALF,
    )
    service.create_task(params, at[0], actor="planner")
    service.announce(task, at[0])
    service.draw(task, beacon[1], at[1])
    return decode_outcome(service.read_sealed_outcome(task, "tester", at[1]))


def _overlap(service: Lifecycle, *, third: bool = False, imported: bool = True) -> Overlap:
    """T2026-001, then T2026-002 announced after the first was drawn (and ``third``:
    T2026-003 after that), each disclosed a day after the one before, all drawn and still
    sealed; a target picked by all of them, (``imported``) visited once already this year."""
    outcomes = [
        _task(service, FIRST, lc.beacon(), (lc.T_ANNOUNCE, lc.T_DRAW), "2026-04-01T00:00:00Z"),
        _task(service, SECOND, SECOND_BEACON, (T_ANNOUNCE_2, T_DRAW_2), "2026-04-02T01:00:00Z"),
    ]
    if third:
        outcomes.append(
            _task(service, THIRD, THIRD_BEACON, (T_ANNOUNCE_3, T_DRAW_3), "2026-04-03T01:00:00Z")
        )
    common = set.intersection(*(set(o.picks()) for o in outcomes))
    assert common, "the draws share no pick: choose other beacon numbers"
    target = min(common)
    if imported:
        with service.session() as s, s.begin():
            s.add(InspectionHistory(target=target, date=EARLIER_VISIT))
    return Overlap(tuple(outcomes), target)


def _entry(task: str, target: str, team: tuple[str, ...], day: date, **extra: Any) -> ResultEntry:
    return ResultEntry(
        task=task,
        target=target,
        dates=[day],
        inspectors=[Present(i) for i in team],
        methods=["实地检查"],
        categories=["未发现问题"],
        **extra,
    )


def _enter(
    service: Lifecycle, o: Overlap, task: str, day: date, at: datetime = T_ENTER, **extra: Any
) -> int:
    """Enter (as the first inspector of the team) and approve the target's result in ``task``."""
    team = o.team(task)
    entry = _entry(task, o.target, team, day, **extra)
    results = _results(service)
    rid = results.enter(entry, at, actor=f"insp-{team[0]}", as_inspector=team[0])
    results.approve(rid, at, reviewer="reviewer-li")
    return rid


def _published(service: Lifecycle, task: str, target: str) -> dict[str, Any]:
    with service.session() as s:
        row = s.exec(
            select(InspectionResult).where(
                InspectionResult.task == task,
                InspectionResult.target == target,
                InspectionResult.status == "published",
            )
        ).one()
        note = s.exec(select(LogEntry.note).where(LogEntry.record_id == row.record_id)).one()
    body: dict[str, Any] = open_record(note, [service.log.verifier], log=lc.LOG).body
    return body


def _disclose_both(service: Lifecycle) -> None:
    service.disclose(FIRST, lc.T_REVEAL)
    service.disclose(SECOND, T_REVEAL_2)


def _disclose_all(service: Lifecycle) -> None:
    _disclose_both(service)
    service.disclose(THIRD, T_REVEAL_2 + timedelta(days=1))


def _verify(service: Lifecycle, tmp_path: Path, forge: Callable[[Path], None] | None = None) -> Any:
    export = tmp_path / "export"
    service.export_to(export)
    if forge is not None:
        forge(export)
    return audit_export(file_getter(export), [service.log.verifier], origin=lc.LOG, deadlines=True)


def _checks(report: Any) -> dict[str, list[str]]:
    failed: dict[str, list[str]] = {}
    for _, exc in report.failures:
        failed.setdefault(exc.check, []).append(str(exc))
    return failed


# -- the service's rule ---------------------------------------------------------------------


def test_a_third_visit_is_refused_while_the_earlier_task_is_still_sealed(
    service: Lifecycle,
) -> None:
    o = _overlap(service)
    _enter(service, o, FIRST, FIRST_VISIT)  # held: T2026-001 is still sealed
    team = o.team(SECOND)
    entry = _entry(SECOND, o.target, team, OTHER_DAY)
    results = _results(service)
    # The CLI's operator (no linked inspector) may see every pick: the sealed task is named.
    with pytest.raises(ResultError) as refused:
        results.enter(entry, T_ENTER, actor="cli:clerk")
    message = str(refused.value)
    assert message.startswith("字段「dates」：")
    assert "2026 年已有 2 次现场检查" in message
    assert f"任务 {FIRST}：{FIRST_VISIT.isoformat()}" in message
    assert f"导入的检查记录：{EARLIER_VISIT.isoformat()}" in message
    assert "联合检查" in message and "超限理由" in message
    # An inspector of the second team who was not at the first task's visit is not told
    # which sealed task it was, nor its date.
    stranger = next(i for i in team if i not in o.team(FIRST))
    with pytest.raises(ResultError) as hidden:
        results.enter(entry, T_ENTER, actor=f"insp-{stranger}", as_inspector=stranger)
    assert FIRST not in str(hidden.value)
    assert FIRST_VISIT.isoformat() not in str(hidden.value)
    assert "另一项尚未公开的抽查任务" in str(hidden.value)
    # Nothing was written.
    with service.session() as s:
        assert not list(s.exec(select(InspectionResult).where(InspectionResult.task == SECOND)))


def test_a_visit_below_the_cap_and_a_joint_visit_are_accepted_without_a_reason(
    service: Lifecycle, tmp_path: Path
) -> None:
    o = _overlap(service)
    _enter(service, o, FIRST, FIRST_VISIT)
    # The same day as the first task's visit: one visit for both tasks (进一次门、查多项事).
    _enter(service, o, SECOND, FIRST_VISIT, cap_exception="不需要的理由")
    _disclose_both(service)
    first, second = _published(service, FIRST, o.target), _published(service, SECOND, o.target)
    # The first record was published while T2026-002 was sealed: it names no sealed task.
    assert "joint_with" not in first
    assert second["joint_with"] == [FIRST]
    # A reason given where the cap did not apply is not published.
    assert "cap_exception" not in first and "cap_exception" not in second
    report = _verify(service, tmp_path)
    assert report.ok, report.failures
    names = {c.name for c in report.checks}
    assert {"result.joint_with", "result.visit_cap"} <= names


def test_a_visit_over_the_cap_with_a_reason_is_accepted_and_the_reason_published(
    service: Lifecycle, tmp_path: Path
) -> None:
    o = _overlap(service)
    _enter(service, o, FIRST, FIRST_VISIT)
    reason = "群众举报该工程擅自改变用途，须另行现场核查"
    _enter(service, o, SECOND, OTHER_DAY, cap_exception=f"  {reason} ")
    _disclose_both(service)
    second = _published(service, SECOND, o.target)
    assert second["cap_exception"] == reason
    assert "joint_with" not in second
    assert _verify(service, tmp_path).ok


def test_the_cap_does_not_bind_an_uncapped_class(service: Lifecycle, tmp_path: Path) -> None:
    # Every class uncapped from before the second task's announcement: its pool publishes the
    # target's class, the item list the rule, so a third visit needs no reason.
    set_risk_rules(
        service, RiskRules(uncapped=("A", "B", "C", "D")), actor="planner", now=lc.T_DRAW
    )
    o = _overlap(service)
    _enter(service, o, FIRST, FIRST_VISIT)
    _enter(service, o, SECOND, OTHER_DAY)
    _disclose_both(service)
    assert "cap_exception" not in _published(service, SECOND, o.target)
    assert _verify(service, tmp_path).ok


def test_a_correction_cannot_move_a_joint_visit_to_a_third_day(service: Lifecycle) -> None:
    o = _overlap(service)
    _enter(service, o, FIRST, FIRST_VISIT)
    _enter(service, o, SECOND, FIRST_VISIT)
    _disclose_both(service)
    record = _published(service, SECOND, o.target)
    team = o.team(SECOND)
    moved = _entry(SECOND, o.target, team, OTHER_DAY)
    rid = _record_id(service, SECOND, o.target)
    with pytest.raises(ResultError, match="字段「dates」"):
        _results(service).correct(rid, moved, "日期填错", T_REVEAL_2, actor="cli:clerk")
    assert record["dates"] == [FIRST_VISIT.isoformat()]


def _record_id(service: Lifecycle, task: str, target: str) -> str:
    with service.session() as s:
        row = s.exec(
            select(InspectionResult).where(
                InspectionResult.task == task,
                InspectionResult.target == target,
                InspectionResult.status == "published",
            )
        ).one()
    assert row.record_id is not None
    return row.record_id


# -- what `lottery verify` checks on the published results ----------------------------------


def test_verify_fails_a_third_published_visit_without_a_reason(
    service: Lifecycle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    o = _overlap(service, third=True, imported=False)
    # A dishonest office whose service does not apply the rule: three published visits of
    # the same target in 2026, none of them with a reason.
    monkeypatch.setattr(visit_cap, "check_visit_cap", lambda *_args: {})
    _enter(service, o, FIRST, FIRST_VISIT)
    _enter(service, o, SECOND, OTHER_DAY)
    _enter(service, o, THIRD, LAST_DAY)
    _disclose_all(service)
    failed = _checks(_verify(service, tmp_path))
    assert list(failed) == ["result.visit_cap"]
    assert f"{o.target} has 3 visits in 2026" in failed["result.visit_cap"][0]


def test_verify_passes_the_same_three_visits_when_the_third_states_its_reason(
    service: Lifecycle, tmp_path: Path
) -> None:
    o = _overlap(service, third=True, imported=False)
    _enter(service, o, FIRST, FIRST_VISIT)
    _enter(service, o, SECOND, OTHER_DAY)  # the second visit of the year: no reason needed
    with pytest.raises(ResultError, match="字段「dates」"):
        _enter(service, o, THIRD, LAST_DAY)
    _enter(service, o, THIRD, LAST_DAY, cap_exception="复查举报线索，须再次到场")
    _disclose_all(service)
    report = _verify(service, tmp_path)
    assert report.ok, report.failures


def test_verify_fails_a_joint_with_naming_a_task_of_another_day(
    service: Lifecycle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    o = _overlap(service)
    _enter(service, o, FIRST, FIRST_VISIT)
    _enter(service, o, SECOND, OTHER_DAY, cap_exception="复查举报线索，须再次到场")
    # The office claims a joint inspection that did not happen on the same day.
    monkeypatch.setattr(visit_cap, "joint_with", lambda _s, row: [FIRST] * (row.task == SECOND))
    _disclose_both(service)
    failed = _checks(_verify(service, tmp_path))
    assert list(failed) == ["result.joint_with"]
    assert f"names joint_with ['{FIRST}']" in failed["result.joint_with"][0]


def test_verify_fails_a_joint_visit_that_keeps_quiet(
    service: Lifecycle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    o = _overlap(service)
    _enter(service, o, FIRST, FIRST_VISIT)
    _enter(service, o, SECOND, FIRST_VISIT)
    monkeypatch.setattr(visit_cap, "joint_with", lambda _s, _row: [])
    _disclose_both(service)
    failed = _checks(_verify(service, tmp_path))
    assert list(failed) == ["result.joint_with"]
    assert f"shares a date are ['{FIRST}']" in failed["result.joint_with"][0]


def test_a_visit_is_refused_when_the_tasks_results_alone_would_be_over_the_cap() -> None:
    # What `lottery verify` will count: the tasks' results only. A visit that was joint with
    # an exempt result can be left alone by a send-back; the next visit of the year is then
    # refused even with a reason, until that visit is settled (joined again, or given one).
    alone = [
        Dated("T1", ("2026-03-01",)),
        Dated("T2", ("2026-03-02",)),
        Dated("T4", ("2026-03-03",)),  # once joint with a result that had a reason
    ]
    mine = Dated("T3", ("2026-03-04",), exempt=True)
    refused = visit_cap._over(alone, mine)
    assert refused is not None and refused[0] == 2026 and len(refused[1]) == 3
    # The same three visits of which one is imported: the public cannot count that one, and
    # the new visit, with its reason, adds no counted visit.
    imported = [Dated(None, ("2026-03-01",)), *alone[1:]]
    assert visit_cap._over(imported, mine) is None
    # Without a reason it would be a fourth counted visit.
    assert visit_cap._over(imported, Dated("T3", ("2026-03-04",))) is not None
