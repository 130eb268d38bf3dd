"""Per-target 抽查报告: the four parts the rules name, drafted from a published result,
editable by staff, aggregated into the task report (issue #16; docs/results.md).

Each picked target with a published result gets a report of four parts:
一、检查时间和内容 二、检查方式和步骤 三、发现的问题及对被检查对象的评价 四、处理意见.
The draft uses only what is already public: the result record's dates, methods, inspectors,
categories and pending reasons, the task's items, and any rectification order (its due date)
and re-check (its date and outcome). The findings themselves are sealed and withdrawable
(docs/spec.md §2.1), so the draft cites the result record rather than copying them: the task
report is published for good, and a withdrawn finding must not survive in it.

Staff may replace a target's text (it must keep the four parts, in order); an edit belongs to
the result it was made for, so a correction of that result brings back the fresh draft. The
task report's draft (:meth:`ReportService.draft`) appends every target's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from lottery.core.records import PENDING
from lottery.storage.engine import new_session
from lottery.storage.models import (
    InspectionResult,
    ItemListVersion,
    Rectification,
    TargetReport,
    Task,
)

from .audit_trail import record_audit
from .org_scope import require_task
from .result_entry import BAD_RECORD, ResultError, ResultNotFound

PARTS = (
    "一、检查时间和内容",
    "二、检查方式和步骤",
    "三、发现的问题及对被检查对象的评价",
    "四、处理意见",
)
HEADING = "五、各检查对象抽查报告"
MAX_TEXT = 20_000
# A log entry is at most 65535 bytes (C2SP tlog-tiles, lottery.core.tiles): the task report
# holds its other text and every result id besides, so the targets' part keeps to this.
SECTIONS_BUDGET = 30_000  # UTF-8 bytes


class TargetReportError(ResultError):
    """A per-target report edit that is refused (HTTP 422); the message names the field."""


@dataclass(frozen=True)
class TargetReportView:
    """One target's report as the task report will hold it."""

    task: str
    target: str
    name: str
    result_record: str
    text: str
    edited_by: str | None  # None: the generated draft
    problem: bool  # a category that found a problem (one that counts as a bad record)


def _day(text: str) -> str:
    d = date.fromisoformat(text)
    return f"{d.year}年{d.month}月{d.day}日"


def _violation(fields: Mapping[str, Any]) -> bool:
    """Whether a category found a problem (those that count as a bad record; docs/results.md):
    not 未发现问题, nor 未发现开展本次抽查涉及的经营活动."""
    return bool(set(fields["categories"]) & BAD_RECORD)


def _handling(fields: Mapping[str, Any], orders: Sequence[Rectification]) -> str:
    cats = [c for c in fields["categories"] if c in BAD_RECORD]
    if not cats:
        opinion = ["无需处理"]
    else:
        opinion = []
        for cat in cats:
            if cat == "发现问题已责令改正":
                opinion.append("已责令改正")
            elif cat == PENDING:
                opinion.append(f"待后续处理（{'、'.join(fields['pending_reasons'])}）")
            else:
                opinion.append(f"按“{cat}”依法处理")
    for order in orders:
        step = f"已下达整改要求，整改期限为{order.due.year}年{order.due.month}月{order.due.day}日"
        check = order.check_fields if order.check_status == "published" else None
        if check is not None:
            step += f"，{_day(check['date'])}复查，复查结论：{check['outcome']}"
        else:
            step += "，尚未复查"
        opinion.append(step)
    return "；".join(opinion) + "。"


def draft_target_report(
    fields: Mapping[str, Any],
    record_id: str,
    items: Sequence[str],
    orders: Sequence[Rectification] = (),
) -> str:
    """The four parts for one published result (its record ``fields``), from public data only."""
    dates = "、".join(_day(d) for d in fields["dates"])
    content = f"；检查内容：{'、'.join(items)}" if items else ""
    present = fields["inspectors"]
    subs = [p for p in present if p.get("role") == "substitute"]
    sub_note = "".join(f"，其中{p['id']}经批准替补{p['replaces']}" for p in subs)
    cats = "、".join(fields["categories"])
    if not _violation(fields):
        finding = f"检查结果为“{cats}”，该单位本次抽查事项未发现违法违规情形。"
    else:
        finding = (
            f"检查结果为“{cats}”；发现问题的具体内容见该检查结果的公开记录"
            f"（编号 {record_id[:16]}）。该单位存在上述情形，应依法纠正。"
        )
    return "\n".join(
        [
            f"{PARTS[0]}：{dates}{content}。",
            f"{PARTS[1]}：采取{'、'.join(fields['methods'])}的方式，由执法检查人员"
            f"{'、'.join(p['id'] for p in present)}共{len(present)}人实施检查{sub_note}。",
            f"{PARTS[2]}：{finding}",
            f"{PARTS[3]}：{_handling(fields, orders)}",
        ]
    )


def _item_names(session: Session, task_id: str) -> list[str]:
    task = session.get(Task, task_id)
    names = []
    for code, version in task.params.get("items", []) if task else []:
        row = session.get(ItemListVersion, int(version))
        found = {i.get("code"): i.get("name") for i in (row.items if row else [])}
        names.append(str(found.get(code) or code))
    return names


def target_reports(session: Session, task_id: str) -> list[TargetReportView]:
    """Every current published result's report, by target (an edit for the current result,
    else the draft)."""
    results = session.exec(
        select(InspectionResult)
        .where(InspectionResult.task == task_id, InspectionResult.status == "published")
        .order_by(col(InspectionResult.target))
    )
    items = _item_names(session, task_id)
    orders: dict[str, list[Rectification]] = {}
    for order in session.exec(
        select(Rectification).where(Rectification.task == task_id).order_by(col(Rectification.id))
    ):
        orders.setdefault(order.target, []).append(order)
    out = []
    for row in results:
        record = row.record_id or ""
        edit = session.get(TargetReport, (task_id, row.target))
        if edit is not None and edit.result_record == record:
            text, by = edit.text, edit.edited_by
        else:
            text, by = (
                draft_target_report(row.fields, record, items, orders.get(row.target, [])),
                None,
            )
        name = str(row.fields.get("target_name") or row.target)
        problem = _violation(row.fields)
        out.append(TargetReportView(task_id, row.target, name, record, text, by, problem))
    return out


def _notable(view: TargetReportView) -> bool:
    """Edited, or drafted for a result with a problem (its part 三 cites the record)."""
    return view.edited_by is not None or view.problem


def target_sections(session: Session, task_id: str) -> str:
    """The part of the task report that aggregates every target's report ("" without any).

    Every report in full when they fit :data:`SECTIONS_BUDGET`; else the edited ones and those
    with a problem in full and one sentence for the rest; else one sentence for all (each
    report stays readable in the console and through the API; docs/decisions.md).
    """
    views = target_reports(session, task_id)
    if not views:
        return ""

    def block(n: int, v: TargetReportView) -> str:
        return f"（{n}）{v.name}（{v.target}）\n{v.text}"

    full = [block(n, v) for n, v in enumerate(views, start=1)]
    if len("\n\n".join(full).encode()) > SECTIONS_BUDGET:
        notable = [v for v in views if _notable(v)]
        rest = len(views) - len(notable)
        full = [block(n, v) for n, v in enumerate(notable, start=1)]
        full.append(
            f"其余{rest}户未发现违法违规情形，各户的检查时间、方式和检查人员见其检查结果的公开记录。"
        )
        if len("\n\n".join(full).encode()) > SECTIONS_BUDGET:
            full = [
                f"本次抽查共{len(views)}户，其中{len(notable)}户发现问题或另有说明；"
                "各户的抽查报告篇幅较大，未全文载入本报告，各户检查结果见其公开记录。"
            ]
    return "\n\n" + HEADING + "\n\n" + "\n\n".join(full)


def check_parts(text: str) -> str:
    """``text`` stripped, when it holds the four parts in order.

    Raises:
        TargetReportError: naming the missing part, or for empty or too long text.
    """
    body = text.strip()
    if not body:
        raise TargetReportError("抽查报告（text）：不能为空")
    if len(body) > MAX_TEXT:
        raise TargetReportError(f"抽查报告（text）：最多 {MAX_TEXT} 个字")
    at = 0
    for part in PARTS:
        found = body.find(part, at)
        if found < 0:
            raise TargetReportError(f"抽查报告（text）：缺少“{part}”，或四个部分的顺序不对")
        at = found + len(part)
    return body


class TargetReportService:
    """Reading and editing per-target reports."""

    def __init__(self, engine: Engine) -> None:
        """Use ``engine`` (schema up to date)."""
        self.engine = engine

    def of_task(self, task_id: str) -> list[TargetReportView]:
        """Every target's report of a task (targets with a current published result)."""
        with new_session(self.engine) as session:
            return target_reports(session, task_id)

    def edit(self, task_id: str, target: str, text: str, now: datetime, *, actor: str) -> None:
        """Replace a target's report with staff's text (for its current result).

        Raises:
            ResultNotFound: when the target has no current published result in the task.
            TargetReportError: when a part is missing, or the text is empty or too long.
        """
        body = check_parts(text)
        with new_session(self.engine) as session, session.begin():
            require_task(session, actor, task_id)
            result = session.exec(
                select(InspectionResult).where(
                    InspectionResult.task == task_id,
                    InspectionResult.target == target,
                    InspectionResult.status == "published",
                )
            ).first()
            if result is None or result.record_id is None:
                raise ResultNotFound(
                    f"检查对象（target）：{target} 在任务 {task_id} 中没有已公开的检查结果"
                )
            row = session.get(TargetReport, (task_id, target))
            if row is None:
                row = TargetReport(
                    task=task_id,
                    target=target,
                    result_record=result.record_id,
                    text=body,
                    edited_by=actor,
                    edited_at=now,
                )
            row.result_record, row.text, row.edited_by, row.edited_at = (
                result.record_id, body, actor, now,
            )  # fmt: skip
            session.add(row)
            record_audit(session, now, actor, "report.target-edit", f"{task_id}/{target}")


__all__ = [
    "HEADING",
    "PARTS",
    "TargetReportError",
    "TargetReportService",
    "TargetReportView",
    "check_parts",
    "draft_target_report",
    "target_reports",
    "target_sections",
]
