"""The task report (抽查报告): summary figures, a generated draft, approval, publication (R8).

The report can be drafted once every picked target of a disclosed task has a published
result. The task's inspections are complete on the latest inspection date of those results;
the report is due 7 working days after that day (section 十一 "应在7个工作日内", counted as in
:mod:`lottery.core.workdays`). The published ``task-report`` record carries the deadline and
whether it was met, computed with the calendar in force at publication.

Summary figures come from public data only (the revealed outcome and the published results):
``picked`` targets, ``checked`` (with a published result), ``problems`` (a category other
than 未发现问题), counts by category and by region (the region of the stratum a target was
picked from).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from lottery.core.records import NO_PROBLEM, RESULT_CATEGORIES, Record
from lottery.core.workdays import Deadline, deadline
from lottery.storage.engine import new_session
from lottery.storage.models import InspectionResult, Task, TaskReport

from .audit_trail import record_audit
from .calendar import calendar_in, publish_record, published_deadline
from .log import PublicLog
from .org_scope import require_task
from .result_entry import refuse_author
from .results import (
    ResultError,
    ResultNotFound,
    ReviewError,
    disclosed_outcome,
    local_date,
)
from .target_reports import target_sections

REPORT_WORKDAYS = 7  # section 十一: within 7 working days after the task completes


class ReportError(ResultError):
    """A task report that cannot be drafted, edited or published as asked."""


def _summary(
    session: Session, log: PublicLog, task_id: str
) -> tuple[dict[str, Any], date, list[str], str]:
    task, outcome = disclosed_outcome(session, log, task_id)
    region_of = {p.target: key.split("|")[0] for key, picks in outcome.strata for p in picks}
    rows = {
        r.target: r
        for r in session.exec(
            select(InspectionResult).where(
                InspectionResult.task == task_id, InspectionResult.status == "published"
            )
        )
    }
    missing = [t for t in region_of if t not in rows]
    if missing:
        raise ReportError(
            f"task {task_id}: {len(missing)} of {len(region_of)} picked targets have no "
            f"published result yet (first: {missing[0]})"
        )
    by_category = dict.fromkeys(RESULT_CATEGORIES, 0)
    by_region: dict[str, dict[str, int]] = {}
    problems = 0
    for target, region in region_of.items():
        cats = rows[target].fields["categories"]
        bad = cats != [NO_PROBLEM]
        problems += bad
        for c in cats:
            by_category[c] += 1
        reg = by_region.setdefault(region, {"picked": 0, "checked": 0, "problems": 0})
        reg["picked"] += 1
        reg["checked"] += 1
        reg["problems"] += bad
    summary = {
        "picked": len(region_of),
        "checked": len(rows),
        "problems": problems,
        "by_category": by_category,
        "by_region": by_region,
    }
    completed = max(date.fromisoformat(r.fields["dates"][-1]) for r in rows.values())
    ids = sorted(r.record_id or "" for r in rows.values())
    return summary, completed, ids, task.title


# What the draft leaves for staff to write; a report still holding it is not approved.
PLACEHOLDER = "（待填写）"


def draft_text(title: str, summary: dict[str, Any], completed: date) -> str:
    """The generated draft (staff complete the evaluation and handling opinions)."""
    lines = [
        f"{title}抽查报告",
        "",
        "一、抽查概况",
        f"本次抽查随机抽取检查对象{summary['picked']}户，已检查{summary['checked']}户，"
        f"发现问题{summary['problems']}户，检查工作于{completed.year}年{completed.month}月"
        f"{completed.day}日完成。",
        "",
        "二、抽查结果",
    ]
    lines += [f"{cat}：{n}户" for cat, n in summary["by_category"].items() if n]
    lines += ["", "三、分地区情况"]
    lines += [
        f"{region}：抽取{v['picked']}户，发现问题{v['problems']}户"
        for region, v in sorted(summary["by_region"].items())
    ]
    lines += ["", "四、评价和处理意见", PLACEHOLDER]
    return "\n".join(lines)


class ReportService:
    """Drafting, editing and publishing task reports."""

    def __init__(self, engine: Engine, log: PublicLog) -> None:
        """Use ``engine`` (schema up to date) and the office's log."""
        self.engine = engine
        self.log = log

    def draft(self, task_id: str, now: datetime, *, actor: str) -> TaskReport:
        """Generate (or regenerate) the draft report from the published results.

        Raises:
            ResultNotFound, ResultError: for an unknown or undisclosed task.
            ReportError: when results are missing or the report is already published.
        """
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            require_task(session, actor, task_id)
            summary, completed, ids, title = _summary(session, self.log, task_id)
            row = session.get(TaskReport, task_id)
            if row is not None and row.status == "published":
                raise ReportError(f"the report of task {task_id} is already published")
            text = draft_text(title, summary, completed) + target_sections(session, task_id)
            if row is None:
                row = TaskReport(
                    task=task_id,
                    completed=completed,
                    summary=summary,
                    text=text,
                    drafted_by=actor,
                    created_at=now,
                )
            row.completed, row.summary, row.results, row.text = completed, summary, ids, text
            row.drafted_by = actor
            session.add(row)
            record_audit(session, now, actor, "report.draft", task_id, {"results": len(ids)})
            session.flush()
            session.expunge(row)
            return row

    def edit(self, task_id: str, text: str, now: datetime, *, actor: str) -> None:
        """Replace the draft's text with the staff's completed text.

        Raises:
            ReportError: when there is no draft, it is published, or the text is empty.
        """
        if not text.strip():
            raise ReportError("the report text must not be empty")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            require_task(session, actor, task_id)
            row = session.get(TaskReport, task_id)
            if row is None or row.status != "draft":
                raise ReportError(f"task {task_id} has no draft report to edit")
            row.text, row.drafted_by = text, actor
            session.add(row)
            record_audit(session, now, actor, "report.edit", task_id)

    def approve(self, task_id: str, now: datetime, *, reviewer: str) -> Record:
        """Approve and publish the report (a reviewer other than its author).

        Raises:
            ReportError: without a draft, while the draft's placeholder is left in its text,
                or when the results changed since it was drafted.
            ReviewError: when the reviewer drafted it.
            CalendarDataMissing: when the deadline reaches a year without calendar data.
        """
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            require_task(session, reviewer, task_id)
            row = session.get(TaskReport, task_id)
            if row is None or row.status != "draft":
                raise ReportError(f"task {task_id} has no draft report to approve")
            refuse_author(reviewer, row.drafted_by, ReviewError, "the report was drafted")
            summary, completed, ids, _ = _summary(session, self.log, task_id)
            if (summary, ids) != (row.summary, row.results):
                raise ReportError(f"results of task {task_id} changed: draft the report again")
            if PLACEHOLDER in row.text:
                raise ReportError(
                    f"the report of task {task_id} still holds the placeholder {PLACEHOLDER}: "
                    "complete the text before approving it"
                )
            due = published_deadline(
                self.log, session, completed, REPORT_WORKDAYS, local_date(now), now
            )
            fields = {
                "task": task_id,
                "completed": completed.isoformat(),
                "summary": summary,
                "text": row.text,
                "results": ids,
                "deadline": due.to_dict(),
                "drafted_by": row.drafted_by,
                "approved_by": reviewer.strip(),
            }
            note_kind = "task-report"
            record = publish_record(
                self.log, session, note_kind, fields, now, task=task_id, step="report"
            )
            row.status, row.approved_by = "published", reviewer.strip()
            row.record_id, row.published_at = record.id, now
            session.add(row)
            record_audit(session, now, reviewer, "report.approve", task_id, {"record": record.id})
            # The published report ends the task: disclosed -> closed (later corrections of
            # its results stay possible and are published as their own records).
            session.connection().execute(
                update(Task)
                .where(col(Task.id) == task_id, col(Task.state) == "disclosed")
                .values(state="closed", updated_at=now)
            )
            record_audit(session, now, reviewer, "task.close", task_id, {"report": record.id})
            self.log.sign_checkpoint(session, now)
        return record

    def get(self, task_id: str) -> TaskReport | None:
        """The task's report (draft or published), or None before a draft exists."""
        with new_session(self.engine) as session:
            return session.get(TaskReport, task_id)

    def completed(self, task_id: str) -> date:
        """The day the task's inspections completed (its last inspection date).

        Raises:
            ResultNotFound, ResultError: for an unknown or undisclosed task.
            ReportError: when some picked target has no published result yet.
        """
        with new_session(self.engine) as session:
            return _summary(session, self.log, task_id)[1]

    def due(self, task_id: str) -> Deadline:
        """The report deadline of a task whose results are all published (and its status).

        Raises:
            ReportError: when results are missing.
            CalendarDataMissing: when the deadline reaches a year without data.
        """
        with new_session(self.engine) as session:
            _, completed, _, _ = _summary(session, self.log, task_id)
            row = session.get(TaskReport, task_id)
            cal = calendar_in(session)
        published = row.published_at if row is not None and row.status == "published" else None
        return deadline(
            cal, completed, REPORT_WORKDAYS, local_date(published) if published else None
        )


__all__ = ["REPORT_WORKDAYS", "ReportError", "ReportService", "ResultNotFound", "draft_text"]
