"""A task's reference to an annual plan entry (docs/plans.md), checked when the task is
created and when it is announced; ``lottery verify`` checks the announcement's ``plan``
member the same way (``announcement.plan``).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from lottery.core.draw import TaskParams
from lottery.core.errors import InputError
from lottery.storage.models import PlanVersion


def latest_plan(session: Session, year: int) -> PlanVersion | None:
    """The version of ``year``'s plan in force (the latest), or None."""
    return session.exec(
        select(PlanVersion)
        .where(PlanVersion.year == year)
        .order_by(col(PlanVersion.version).desc())
        .limit(1)
    ).first()


def check_plan_ref(session: Session, params: TaskParams) -> dict[str, str] | None:
    """The announcement's ``plan`` member for a task naming ``(year, entry)``: the record of
    the year's version in force and the entry (None: the task names no entry).

    Raises:
        InputError: no plan for the year, an entry the plan in force lacks, a window outside
            the year, or an item the entry does not plan (field ``plan``, in Chinese).
    """
    if params.plan is None:
        return None
    year, entry_id = params.plan
    plan = latest_plan(session, year)
    if plan is None:
        raise InputError(f"字段「plan」：尚未公布 {year} 年度抽查计划")
    entry = next((e for e in plan.entries if e["id"] == entry_id), None)
    if entry is None:
        raise InputError(
            f"字段「plan」：{year} 年度抽查计划（现行第 {plan.version} 版）"
            f"中没有计划条目 {entry_id}"
        )
    if not params.window_start.startswith(f"{year}-"):
        raise InputError(
            f"字段「plan」：任务的检查时间从 {params.window_start} 开始，不在计划年度 {year} 年内"
        )
    missing = [code for code, _ in params.items if code not in entry["items"]]
    if missing:
        raise InputError(
            f"字段「plan」：计划条目 {entry_id} 不含本任务的抽查事项 {'、'.join(missing)}"
        )
    return {"record": plan.record_id, "entry": entry_id}
