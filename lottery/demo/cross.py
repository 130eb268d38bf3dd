"""The demo's cross-check task, joint visit and cap exception (issue #16; docs/demo.md).

Task T2026-006 is the city office's 交叉检查 of design firms: announced with T2026-005 over the
same item (RF-002) and window, it draws inspectors from every district under the rule
``cross_check: {own_district: true}`` (不得检查本辖区), so nobody checks a firm in their own
district; ``lottery verify`` re-derives that rule from the snapshots (``inspectors.cross_check``).

It checks every firm of the highest class (高风险（D类）, ratio 100%), so the firms of that
class T2026-005 drew (at least one per district) are drawn by both tasks. The first firm both
drew is checked by both teams on the same day (联合检查, "进一次门、查多项事"): one visit, and
T2026-006's published result names T2026-005 in ``joint_with``; the others are checked by
each task on its own day. One firm only T2026-006 drew, of a class the annual cap binds, was
already checked twice this year in the office's own 专项检查 (August and September, not
lottery tasks; imported after the draw), so T2026-006's visit is its third of 2026, beyond
the "原则上不超过2次" cap: the result carries the office's 超限理由 (``cap_exception``),
published with it. (The public sees one visit with its reason: the office's own records are
not published, docs/spec.md §8.)

T2026-006 is also disclosed early, once its results are approved; its report follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lottery.core.beacon import PublicNumbersValue
from lottery.core.cross_check import CrossCheck
from lottery.core.draw import TaskParams
from lottery.core.outcome import Outcome, decode_outcome
from lottery.core.records import NO_PROBLEM
from lottery.demo.recorded import numbers_beacon
from lottery.demo.results import DRAFTER, LEADER, REVIEWER
from lottery.demo.review import review
from lottery.demo.synthetic import DEFAULT_RATIOS
from lottery.registry_io import export_csv
from lottery.registry_io.layouts import HistoryRow
from lottery.service.lifecycle import Lifecycle
from lottery.service.onsite_record import checklist_of
from lottery.service.registries import import_registry
from lottery.service.reports import ReportService
from lottery.service.result_entry import ChecklistAnswer
from lottery.service.results import Present, ResultEntry, ResultsService
from lottery.service.risk_policy import current_rules

TASK = "T2026-006"
TITLE = "2026年人防工程设计单位交叉检查（市级抽调，不检查本辖区）"
PLANNER = "demo:规划科"
T_ANNOUNCE = datetime(2026, 10, 13, 3, 0, tzinfo=UTC)
T_DRAW = datetime(2026, 10, 14, 14, 30, tzinfo=UTC)
T_HISTORY = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)
HISTORY_DAYS = ((date(2026, 8, 20), "Z2026-08"), (date(2026, 9, 17), "Z2026-09"))
T_ENTER = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
T_APPROVE = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)
T_DISCLOSE = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
T_REPORT = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
T_REPORT_APPROVE = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)
DISCLOSURE = "2026-12-31T00:00:00Z"
RATIOS = {**DEFAULT_RATIOS, "D": 10000}  # every high-risk firm
CAP_REASON = (
    "该单位本年度已接受2次专项检查，但近期收到多起关于其设计变更未报审的投诉举报，"
    "经分管领导批准，由市级交叉检查组再次检查（演示）"
)
OPINION = (
    "本次交叉检查从各区抽调检查人员，均未检查本辖区的设计单位；高风险（D类）设计单位全部检查。"
    "与同期设计单位执业情况抽查同日进行的联合检查计为一次；一家单位本年度第三次检查的超限理由"
    "已随检查结果公开。"
)


def announce_and_draw(lc: Lifecycle, units: Sequence[str], version: int) -> Outcome:
    """Announce and draw T2026-006 (right after T2026-005); its sealed outcome."""
    params = TaskParams(
        task=TASK,
        title=TITLE,
        org_units=tuple(units),
        window_start="2026-10-19",
        window_end="2026-11-06",
        ratios=RATIOS,
        team_size=2,
        disclosure=DISCLOSURE,
        beacon=numbers_beacon("2026-10-14", "演示：交叉检查", (0, (1, 2, 3, 4, 5, 6)))[0],
        items=(("RF-002", version),),
        disclose_early=True,
        cross_check=CrossCheck(own_district=True),
    )
    lc.create_task(params, T_ANNOUNCE, actor=PLANNER)
    lc.announce(TASK, T_ANNOUNCE, actor=PLANNER)
    value = PublicNumbersValue.from_values([[117], [3, 6, 12, 18, 27, 31]])
    lc.draw(TASK, value, T_DRAW, actor=PLANNER)
    return decode_outcome(lc.read_sealed_outcome(TASK, PLANNER, T_DRAW))


def capped_target(lc: Lifecycle, first: Outcome, mine: Outcome) -> str:
    """The first firm only T2026-006 drew whose class the annual cap binds (the risk rules in
    force lift it for some classes)."""
    with lc.session() as session:
        uncapped = set(current_rules(session).uncapped)
    theirs = set(first.picks())
    return next(
        p.target
        for key, picks in mine.strata
        if key.rpartition("|")[2] not in uncapped
        for p in picks
        if p.target not in theirs
    )


def import_earlier_checks(
    lc: Lifecycle, target: str, inspectors: Sequence[str], folder: Path, lines: list[str]
) -> None:
    """The office's records of two inspections of ``target`` this year (not lottery tasks)."""
    path = folder / "检查记录-2026-专项检查.csv"
    rows = [HistoryRow(target, day, task, tuple(inspectors)) for day, task in HISTORY_DAYS]
    export_csv(rows, path)
    done = import_registry(lc, "history", path, actor=PLANNER, now=T_HISTORY)
    lines.append(f"import {path.name} ({done.format}): {done.summary()}")


def finish(
    lc: Lifecycle,
    mine: Outcome,
    first_dates: dict[str, date],
    days: Sequence[date],
    third: str,
    lines: list[str],
) -> None:
    """Enter, approve and disclose T2026-006's results (a joint visit, and the cap exception
    for ``third``), then its report. ``first_dates``: T2026-005's inspection date of each of
    its targets."""
    joint = next(t.target for t in mine.teams if t.target in first_dates)
    results = ResultsService(lc.engine, lc.log, lc.keeper)
    points = checklist_of(lc.engine, TASK)
    for i, team in enumerate(mine.teams):
        day = days[i * len(days) // len(mine.teams)]
        if team.target == joint:
            day = first_dates[joint]
        elif day == first_dates.get(team.target):  # one joint visit only: another day
            day = next(d for d in days if d != day)
        entry = ResultEntry(
            TASK,
            team.target,
            [day],
            [Present(x) for x in team.inspectors],
            ["书面检查"],
            [NO_PROBLEM],
            checklist=[ChecklistAnswer(p.item, p.point, "符合") for p in points],
            cap_exception=CAP_REASON if team.target == third else "",
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
    reports.approve(TASK, T_REPORT_APPROVE, reviewer=LEADER)
    lines.append(
        f"{TASK}: cross-check (own district excluded), {len(mine.teams)} results, disclosed "
        f"early (reveal {reveal.id[:16]}…); joint visit with T2026-005 at {joint}; "
        f"{third}'s third visit this year, with a published cap exception"
    )


__all__ = ["TASK", "announce_and_draw", "capped_target", "finish", "import_earlier_checks"]
