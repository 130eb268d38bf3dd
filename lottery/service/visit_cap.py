"""The annual cap at result entry: visits of still-sealed tasks count, joint visits are one
(issue #16; docs/decisions.md "Overlapping tasks and the cap: joint inspections").

A target's visits (:mod:`lottery.core.visits`) are counted over every result the office has
recorded for it, whatever its state (entered, held until a disclosure, published) and over
the inspections it imported. A visit the cap does not bind (exempt: a result with a cap
exception, or of a task whose announcement lifts the cap for the target) does not count. A
result is refused, with a Chinese sentence that names the other visits, when it would add a
counted visit above the cap (2 a year), unless

- it shares a date with another task's visit (a joint inspection: no visit is added); or
- the cap does not apply to the target in this task, as its announcement published it: the
  target is one of the announcement's ``cap_exceptions``, or the risk rules of the item list
  in force then lift the cap for its class (its stratum in the pool) or for a task citing a
  key item; or
- the result carries a cap exception (``cap_exception``: 超限理由), published with it.

It is also refused when the tasks' results alone, with it, count more than 2 visits: what
``lottery verify`` counts once they are published.

The pool is never touched: excluding a target from a later task's public pool because of a
sealed pick would disclose that pick (R6). A visit of a still-sealed task is named only to
people who may already see that pick: the command line's operator (``as_inspector`` None)
and the inspectors recorded on that result; anyone else reads "另一项尚未公开的抽查任务".
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from lottery.core.pool_blob import decode_pool
from lottery.core.risk_rules import rules_or_none
from lottery.core.visits import VISIT_CAP, Dated, counted, joint_tasks, visits, years_of
from lottery.storage.models import (
    InspectionHistory,
    InspectionResult,
    ItemListVersion,
    LogEntry,
    Task,
)

from .item_refs import cites_key_item
from .log import PublicLog
from .result_entry import SEALED_STATES, ResultEntry, ResultError
from .text_input import refuse_unsafe_text

MAX_CAP_EXCEPTION = 500  # characters, as an announcement's cap exception reason
# The states of a result that count as a recorded visit (returned and superseded do not).
RECORDED = ("entered", "held", "reviewing", "published")


def other_visits(session: Session, log: PublicLog, task: str, target: str) -> list[Dated]:
    """Every recorded inspection of ``target`` outside ``task``: each result of another task
    in a recorded state (exempt when it carries a cap exception or its task's announcement
    lifts the cap for the target), with the inspectors recorded on it, and each imported
    inspection (task None, never exempt) that no result stands for."""
    rows = session.exec(
        select(InspectionResult).where(
            InspectionResult.target == target,
            InspectionResult.task != task,
            col(InspectionResult.status).in_(RECORDED),
        )
    )
    found: list[Dated] = []
    lifted: dict[str, bool] = {}
    for row in rows:
        if "cap_exception" not in row.fields and row.task not in lifted:
            lifted[row.task] = cap_lifted(session, log, row.task, target)
        exempt = "cap_exception" in row.fields or lifted[row.task]
        people = tuple(str(p["id"]) for p in row.fields.get("inspectors", []))
        found.append(Dated(row.task, tuple(row.fields["dates"]), exempt, people))
    tasks = {d.task for d in found}
    history = session.exec(select(InspectionHistory).where(InspectionHistory.target == target))
    for h in history:
        if h.task is None or (h.task != task and h.task not in tasks):
            found.append(Dated(h.task, (h.date.isoformat(),), inspectors=tuple(h.inspectors)))
    return found


def cap_lifted(session: Session, log: PublicLog, task: str, target: str) -> bool:
    """Whether the annual cap does not apply to ``target`` in ``task``, as the task's
    announcement published it (the same public facts ``lottery verify`` reads)."""
    ann = log.task_record(session, task, "announce")
    if ann is None:
        return False
    body = ann.body
    if target in {e["target"] for e in body.get("cap_exceptions", [])}:
        return True
    at = session.exec(
        select(LogEntry.idx).where(LogEntry.task == task, LogEntry.step == "announce")
    ).one()
    latest = session.exec(
        select(ItemListVersion)
        .join(LogEntry, col(LogEntry.record_id) == col(ItemListVersion.record_id))
        .where(col(LogEntry.idx) < at)
        .order_by(col(LogEntry.idx).desc())
        .limit(1)
    ).first()
    rules = rules_or_none(None if latest is None else latest.risk_rules)
    refs = [(i["code"], i["version"]) for i in body["items"]]
    if rules.key_items_uncapped and cites_key_item(session, refs):
        return True
    if not rules.uncapped:
        return False
    digest = body["pool"]["sha256"]
    pool = decode_pool(log.blobs_by_digest(session, [digest])[digest])
    risk = next((st.risk for st in pool.strata if target in st.candidates), None)
    return risk is not None and risk in rules.uncapped


def check_visit_cap(
    session: Session, log: PublicLog, entry: ResultEntry, as_inspector: str | None
) -> dict[str, Any]:
    """The members the cap adds to a result's fields: ``{"cap_exception": reason}`` when the
    result is a visit over the cap kept with its reason, else nothing (a reason given where
    the cap did not apply is not kept, as for an announcement's cap exceptions).

    Raises:
        ResultError: a new visit over the cap without a reason (``字段「dates」``), or a
            reason that is too long or holds a character that may not be published.
    """
    reason = entry.cap_exception.strip()
    if len(reason) > MAX_CAP_EXCEPTION:
        raise ResultError(
            f"字段「cap_exception」：超限理由超过 {MAX_CAP_EXCEPTION} 个字符"
            f"（现为 {len(reason)} 个）"
        )
    refuse_unsafe_text(reason, "cap_exception")
    dates = tuple(sorted(d.isoformat() for d in entry.dates))
    others = other_visits(session, log, entry.task, entry.target)
    lifted = cap_lifted(session, log, entry.task, entry.target)
    refused = _over(others, Dated(entry.task, dates, lifted))
    if refused is None:
        return {}  # within the cap, a joint visit, or a target the cap does not bind here
    if reason:
        refused = _over(others, Dated(entry.task, dates, True))
        if refused is None:
            return {"cap_exception": reason}
    year, groups = refused
    shown = [_describe(session, member, as_inspector) for group in groups for member in group]
    raise ResultError(
        f"字段「dates」：该检查对象 {year} 年已有 {len(groups)} 次现场检查"
        f"（{'；'.join(dict.fromkeys(shown))}），同一年度原则上不超过 {VISIT_CAP} 次。"
        "请与已有的检查同日进行联合检查（检查日期填写同一天：进一次门、查多项事），"
        "或在「超限理由」中写明需要再次检查的理由（理由随检查结果公开）"
    )


def _over(others: list[Dated], mine: Dated) -> tuple[int, list[list[Dated]]] | None:
    """The year and the other visits that make ``mine`` a refused visit, or None.

    Refused when, in a year of its dates, (1) it raises the target's counted visits
    (:func:`lottery.core.visits.counted`: exempt visits do not count) above the cap, imported
    inspections included; or (2) the results of tasks alone, with it, count more than the cap
    (what ``lottery verify`` will count once they are published: a visit another task's result
    was joint with may have been sent back or corrected away since).
    """
    tasks = [d for d in others if d.task is not None]
    for year in years_of(mine.dates):
        after = counted([*others, mine], year)
        if after > VISIT_CAP and after > counted(others, year):
            return year, visits(others, year)
        if counted([*tasks, mine], year) > VISIT_CAP:
            return year, visits(tasks, year)
    return None


def _describe(session: Session, visit: Dated, as_inspector: str | None) -> str:
    """One other inspection in the refusal, in Chinese; a sealed pick only to who may see it."""
    when = "、".join(visit.dates)
    if visit.task is None:
        return f"导入的检查记录：{when}"
    task = session.get(Task, visit.task)
    sealed = task is not None and task.state in SEALED_STATES
    if sealed and as_inspector is not None and as_inspector not in visit.inspectors:
        return "另一项尚未公开的抽查任务（日期请向任务负责人了解）"
    return f"任务 {visit.task}：{when}"


def joint_with(session: Session, row: InspectionResult) -> list[str]:
    """The tasks whose current *published* result for the same target shares a date with
    ``row`` (sorted): the ``joint_with`` of its record. A task still sealed is never named
    (its result is held, not published), so the record discloses no sealed pick; the later
    task's record names the earlier one when it is published."""
    published = session.exec(
        select(InspectionResult).where(
            InspectionResult.target == row.target,
            InspectionResult.task != row.task,
            InspectionResult.status == "published",
        )
    )
    others = [Dated(r.task, tuple(r.fields["dates"])) for r in published]
    return joint_tasks(row.fields["dates"], row.task, others)


__all__ = ["MAX_CAP_EXCEPTION", "cap_lifted", "check_visit_cap", "joint_with", "other_visits"]
