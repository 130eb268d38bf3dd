"""The demo's early disclosure (need to know, issue #16; docs/results.md).

Task T2026-005 is announced with "公开时间：公告时间或全部检查结果审核完毕时（以先到者为准）"
and a disclosure time at the end of the year. After the draw its drawn inspectors see their own
targets (audited), inspect them in the window, and enter their results, which a reviewer
approves while the picks are still sealed: each result is *held*, nothing is published. Once
the last one is approved the office discloses the task early; the reveal publishes the held
results with it, and the task report, drafted the next day, is on time. ``lottery verify``
checks the early reveal (``reveal.early``, docs/spec.md §8).

Everything happens at fixed past times between the October withdrawals and the announcement
of T2026-004, so the log stays in time order: :func:`early_phase` gives the time it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lottery.core.beacon import PublicNumbersValue
from lottery.core.draw import TaskParams
from lottery.core.outcome import decode_outcome
from lottery.core.records import NO_PROBLEM
from lottery.demo import cross
from lottery.demo.recorded import numbers_beacon
from lottery.demo.results import DRAFTER, LEADER, REVIEWER
from lottery.demo.review import review
from lottery.demo.synthetic import DEFAULT_RATIOS
from lottery.service.lifecycle import Lifecycle
from lottery.service.onsite_record import checklist_of
from lottery.service.reports import ReportService
from lottery.service.result_entry import ChecklistAnswer, Evidence
from lottery.service.results import Present, ResultEntry, ResultsService
from lottery.service.risk_policy import current_version

TASK = "T2026-005"
TITLE = "2026年人防工程设计单位执业情况抽查（结果审核完毕即公开）"
PLANNER = "demo:规划科"
T_ANNOUNCE = datetime(2026, 10, 13, 2, 0, tzinfo=UTC)
T_DRAW = datetime(2026, 10, 14, 14, 0, tzinfo=UTC)
WINDOW = (date(2026, 10, 19), date(2026, 11, 6))
T_ENTER = datetime(2026, 11, 9, 2, 0, tzinfo=UTC)  # Monday after the window, 10:00 Beijing
T_APPROVE = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)
T_DISCLOSE = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # early: the announced time is 31 Dec
T_REPORT = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
T_REPORT_APPROVE = datetime(2026, 11, 11, 8, 0, tzinfo=UTC)
DISCLOSURE = "2026-12-31T00:00:00Z"
FOUND = "发现问题已责令改正"
OPINION = (
    "本次抽查的设计单位总体能够执行人防工程防护标准；对设计变更未按规定报审的单位已责令改正。"
    "各检查结果审核完毕后即依公告提前公开，抽查报告在规定期限内完成。"
)


def _workdays(start: date, end: date) -> list[date]:
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5]


def _run(lc: Lifecycle, units: Sequence[str], lines: list[str], inputs: Path) -> None:
    with lc.session() as session:  # the item list in force (risk rules make versions too)
        version = current_version(session) or 1
    params = TaskParams(
        task=TASK,
        title=TITLE,
        org_units=tuple(units),
        window_start=WINDOW[0].isoformat(),
        window_end=WINDOW[1].isoformat(),
        ratios=DEFAULT_RATIOS,
        team_size=2,
        disclosure=DISCLOSURE,
        beacon=numbers_beacon("2026-10-14", "演示：设计单位", (0, (1, 2, 3, 4, 5, 6)))[0],
        items=(("RF-002", version),),
        disclose_early=True,
        plan=(2026, "P2026-04"),  # the annual plan's entry (lottery/demo/plan.py)
    )
    lc.create_task(params, T_ANNOUNCE, actor=PLANNER)
    lc.announce(TASK, T_ANNOUNCE, actor=PLANNER)
    value = PublicNumbersValue.from_values([[536], [4, 8, 15, 16, 23, 35]])
    lc.draw(TASK, value, T_DRAW, actor=PLANNER)
    outcome = decode_outcome(lc.read_sealed_outcome(TASK, PLANNER, T_DRAW))
    crossed = cross.announce_and_draw(lc, units, version)  # T2026-006, same item and window
    third = cross.capped_target(lc, outcome, crossed)
    team = next(t for t in crossed.teams if t.target == third)
    cross.import_earlier_checks(lc, third, team.inspectors, inputs, lines)
    results = ResultsService(lc.engine, lc.log, lc.keeper)
    days = _workdays(*WINDOW)
    first_dates: dict[str, date] = {}
    points = checklist_of(lc.engine, TASK)
    for i, team in enumerate(outcome.teams):
        bad = i == 0
        # The on-site record: every point of RF-002's checklist answered; the one with a
        # finding fails the first point and has a 笔录 as evidence (docs/results.md).
        answers = [
            ChecklistAnswer(p.item, p.point, "不符合", "设计变更未报审")
            if bad and n == 0
            else ChecklistAnswer(p.item, p.point, "符合")
            for n, p in enumerate(points)
        ]
        evidence = (
            [Evidence(f"检查笔录-{i + 1}.txt", "书面检查笔录（演示）".encode(), "笔录", "现场制作")]
            if bad
            else []
        )
        first_dates[team.target] = days[i * len(days) // len(outcome.teams)]
        entry = ResultEntry(
            TASK,
            team.target,
            [first_dates[team.target]],
            [Present(x) for x in team.inspectors],
            ["书面检查"],
            [FOUND] if bad else [NO_PROBLEM],
            findings="设计变更未按规定报人防主管部门审查" if bad else "",
            follow_up="责令补办设计变更审查手续" if bad else "",
            evidence=evidence,
            checklist=answers,
        )
        me = team.inspectors[0]
        at = T_ENTER + timedelta(minutes=i)
        rid = results.enter(entry, at, actor=f"检查员（{me}）", as_inspector=me)
        results.approve(rid, T_APPROVE + timedelta(minutes=i), reviewer=REVIEWER)
        review(results, rid, T_APPROVE + timedelta(minutes=i))  # 保密审查, held till disclosed
    reveal = lc.disclose(TASK, T_DISCLOSE, actor=LEADER)
    reports = ReportService(lc.engine, lc.log)
    draft = reports.draft(TASK, T_REPORT, actor=DRAFTER)
    reports.edit(TASK, draft.text.replace("（待填写）", OPINION), T_REPORT, actor=DRAFTER)
    report = reports.approve(TASK, T_REPORT_APPROVE, reviewer=LEADER)
    claim = report.body["deadline"]
    lines.append(
        f"{TASK}: {len(outcome.teams)} results entered and approved while sealed (held), "
        f"disclosed early on {T_DISCLOSE.date()} with them (reveal {reveal.id[:16]}…), "
        f"announced time {DISCLOSURE}; report due {claim['due']}, on time: {claim['on_time']}"
    )
    cross.finish(lc, crossed, first_dates, days, third, lines)


def early_phase(
    lc: Lifecycle, units: Sequence[str], lines: list[str], inputs: Path
) -> tuple[datetime, Callable[[], None]]:
    """The early-disclosure task's phase and the time it starts (for ``run_demo``), with the
    cross-check task T2026-006 (lottery/demo/cross.py); ``inputs``: where the office's files
    are written."""
    return T_ANNOUNCE, lambda: _run(lc, units, lines, inputs)


__all__ = ["TASK", "early_phase"]
