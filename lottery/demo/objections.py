"""The demo's objections (异议) to results of T2026-001 (issue #18), both within the period of
20 working days from the results' publication (3 Apr 2026):

- the seventh picked target's result (未发现问题; methods 实地检查 and 书面检查) is objected to on
  20 Apr: the party says no document was asked for or read. The office reviews the record of
  inspection, agrees, corrects the methods to 实地检查 alone (30 Apr) and publishes the
  objection as **upheld**, naming that correction;
- the fifth picked target's result (通过登记的住所（经营场所）无法联系) is objected to on 22 Apr;
  the office finds nothing to change and publishes it as **dismissed**, with its reason.

What each party wrote stays in the service (never published). Both outcomes pass ``lottery
verify`` (objection.*) and show on the task's results page and the companies' pages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from lottery.demo.onsite import with_onsite
from lottery.demo.review import review
from lottery.service.lifecycle import Lifecycle
from lottery.service.objections import ObjectionService
from lottery.service.results import Present, ResultEntry, ResultsService, disclosed_outcome
from lottery.storage.models import Inspector

TASK = "T2026-001"
UPHELD_AT = 6  # 未发现问题 by 实地检查 and 书面检查: its methods are corrected after the objection
DISMISSED_AT = 4  # 通过登记的住所（经营场所）无法联系, kept
CLERK = "执法科科长 周文彬"  # records objections (and approves results)
DECIDER = "分管副主任 林秀英"  # decides them: never who recorded them
T_RECORD_UPHELD = datetime(2026, 4, 20, 2, 0, tzinfo=UTC)
T_RECORD_DISMISSED = datetime(2026, 4, 22, 2, 0, tzinfo=UTC)
T_CORRECT = datetime(2026, 4, 30, 1, 0, tzinfo=UTC)
T_DECIDE = datetime(2026, 4, 30, 6, 0, tzinfo=UTC)
OBJECTION_UPHELD = (
    "检查结果记载的检查方式包括“书面检查”，但检查当日检查人员未调阅、也未要求我单位提供任何"
    "书面材料，检查方式记载有误，请予更正。"
)
OBJECTION_DISMISSED = "我公司一直在登记住所经营，检查结果“无法联系”有误，请予更正。"
CORRECTION_REASON = (
    "被检查对象对检查方式提出异议，经复核检查笔录，本次检查未调阅书面材料，检查方式应为"
    "“实地检查”，原记载有误，予以更正。"
)
DISMISSAL_REASON = (
    "经复核，检查人员两次按登记住所实地核查，该地址由其他单位使用，登记电话无人接听；"
    "异议人未能提供检查期间在登记住所经营的证明，维持原检查结果。"
)


def objections_phase(lc: Lifecycle, lines: list[str]) -> None:
    """Record both objections, correct the upheld one's result, publish both outcomes."""
    with lc.session() as s:
        teams = disclosed_outcome(s, lc.log, TASK)[1].teams
        names = {row.id: row.name for row in s.exec(select(Inspector))}
    results = ResultsService(lc.engine, lc.log)
    current = {r.target: r for r in results.current(TASK)}
    upheld_team, dismissed_team = teams[UPHELD_AT], teams[DISMISSED_AT]
    first = current[upheld_team.target]
    second = current[dismissed_team.target]
    service = ObjectionService(lc.engine, lc.log)  # the default period: 20 working days
    upheld = service.record(
        str(first.record_id), date(2026, 4, 20), OBJECTION_UPHELD, T_RECORD_UPHELD, actor=CLERK
    )
    dismissed = service.record(
        str(second.record_id), date(2026, 4, 22), OBJECTION_DISMISSED, T_RECORD_DISMISSED,
        actor=CLERK,
    )  # fmt: skip
    # The correction, entered by an inspector of the team and approved as any correction.
    published = first.fields
    fixed = ResultEntry(
        TASK,
        upheld_team.target,
        [date.fromisoformat(d) for d in published["dates"]],
        [Present(p["id"]) for p in published["inspectors"]],  # the drawn team, as published
        ["实地检查"],  # not 书面检查: no document was read
        list(published["categories"]),
    )
    fixed = with_onsite(fixed, UPHELD_AT)  # the same on-site record
    inspector = upheld_team.inspectors[0]
    actor = f"检查员 {names[inspector]}（{inspector}）"
    cid = results.correct(str(first.record_id), fixed, CORRECTION_REASON, T_CORRECT, actor=actor)
    if results.approve(cid, T_CORRECT + timedelta(hours=1), reviewer=CLERK) is not None:
        raise RuntimeError("the demo's correction was published without the publication review")
    correction = review(results, cid, T_CORRECT + timedelta(hours=1))
    if correction is None:  # pragma: no cover - a disclosed task publishes at once
        raise RuntimeError("the demo's correction was held instead of published")
    one = service.decide(
        int(upheld.id or 0), "upheld", T_DECIDE, reviewer=DECIDER, correction=correction.id
    )
    two = service.decide(
        int(dismissed.id or 0), "dismissed", T_DECIDE + timedelta(minutes=30), reviewer=DECIDER,
        reason=DISMISSAL_REASON,
    )  # fmt: skip
    lines.append(
        f"objections: {upheld_team.target} upheld (received {one.body['received']}, result "
        f"corrected by {correction.id[:16]}…); {dismissed_team.target} dismissed (received "
        f"{two.body['received']}); period {one.body['period']['workdays']} working days, "
        f"until {one.body['period']['due']}"
    )
