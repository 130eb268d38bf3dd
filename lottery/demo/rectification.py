"""The demo's rectification (整改) and its re-check (复查), on task T2026-001.

The result of the third picked target (found: no maintenance system, filter ventilation not
maintained, rusty airtight valves; 发现问题已责令改正) gets a rectification order after the
task report (15 Apr 2026, due 8 May), published after the 保密审查 of its requirements the
same day (rule PUB-4: general words instead of the shelter's defects); two of its drawn
inspectors re-check it on 28 Apr and find it rectified (已整改); the reviewer approves, and
the re-check is published the next day. Both records pass ``lottery verify``
(rectification.order, rectification.check, publication.review) and show on the task's results
page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from lottery.demo.review import CENSOR, GENERAL_REQUIREMENTS
from lottery.service.lifecycle import Lifecycle
from lottery.service.rectifications import RectificationService
from lottery.service.results import ResultsService, disclosed_outcome
from lottery.storage.models import Inspector

TASK = "T2026-001"
AT = 2  # the picked target (its result: 限期30日内整改; docs/demo.md)
REVIEWER = "执法科科长 周文彬"
T_ORDER = datetime(2026, 4, 15, 2, 0, tzinfo=UTC)
T_ORDER_REVIEW = datetime(2026, 4, 15, 6, 0, tzinfo=UTC)  # the 保密审查 (rule PUB-4)
DUE = date(2026, 5, 8)
RECHECKED = date(2026, 4, 28)
T_CHECK_ENTER = datetime(2026, 4, 28, 8, 0, tzinfo=UTC)
T_CHECK_APPROVE = datetime(2026, 4, 29, 2, 0, tzinfo=UTC)
REQUIREMENTS = (
    "一、建立人防工程维护管理制度和维护管理台账；二、对滤毒通风设备进行全面维护保养；"
    "三、更换锈蚀的密闭阀门。整改完成后书面报告。"
)
NOTE = (
    "复查时维护管理制度和台账已建立，滤毒通风设备已完成维护保养并试运行正常，锈蚀密闭阀门已更换。"
)


def rectify(lc: Lifecycle, lines: list[str]) -> None:
    """Order rectification on one result of T2026-001 and publish its re-check."""
    with lc.session() as s:
        team = disclosed_outcome(s, lc.log, TASK)[1].teams[AT]
        names = {row.id: row.name for row in s.exec(select(Inspector))}
    [result] = [
        r for r in ResultsService(lc.engine, lc.log).current(TASK) if r.target == team.target
    ]
    service = RectificationService(lc.engine, lc.log)
    pending = service.order(str(result.record_id), REQUIREMENTS, DUE, T_ORDER, actor=REVIEWER)
    if pending is not None:  # PUB-4 governs orders on RF-005 results: the 保密审查 first
        raise RuntimeError("the demo's rectification order skipped the 保密审查")
    [row] = [r for r, kind in service.reviewing() if kind == "order" and r.task == TASK]
    order = service.review_publication(
        int(row.id or 0),
        "order",
        {"requirements": GENERAL_REQUIREMENTS},
        T_ORDER_REVIEW,
        reviewer=CENSOR,
    )
    first = team.inspectors[0]
    actor = f"检查员 {names[first]}（{first}）"
    service.enter_check(
        int(row.id or 0), RECHECKED, list(team.inspectors), "已整改", NOTE, T_CHECK_ENTER,
        actor=actor,
    )  # fmt: skip
    check = service.approve_check(int(row.id or 0), T_CHECK_APPROVE, reviewer=REVIEWER)
    if check is None:  # no rule governs re-checks
        raise RuntimeError("the demo's re-check waits for a 保密审查 no rule asks for")
    lines.append(
        f"rectification: {team.target} ordered {order.body['time'][:10]}, due {DUE}; "
        f"re-checked {RECHECKED}: {check.body['outcome']} (record {check.id[:16]}…)"
    )
