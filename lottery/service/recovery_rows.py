"""The office's working rows rebuilt from records re-ingested by ``lottery recover``.

A record published after the backup is back in the log; the row the office works with
(what the console and the API list) is rebuilt from it where the record holds what the row
needs, and nothing else is made up (docs/operations.md, "Incidents: database lost"):

- ``inspection-result`` -> an ``inspection_result`` row, published: the record's public
  fields and its sealed content (while published; a withdrawn content stays out), who
  entered and approved it, the result it supersedes (marked superseded), and what a
  publication feeds (the target's inspection history and counters:
  :func:`.results.feed_history`). When the restored database still holds the row that was
  published (entered, under review or held, of the same target, correcting the same result)
  that row is marked published instead: its fields are the office's own.
- ``penalty`` -> a ``penalty`` row, published, from the record and its sealed content (the
  party is in the content: a penalty whose content was withdrawn too is not rebuilt); a row
  of the same decision number waiting for approval is marked published instead. The
  target's bad records count it, as an approval does.
- ``penalty-withdrawal`` -> the penalty's row is marked withdrawn.
- ``task-report`` -> the task's ``task_report`` row, published (a draft is replaced).
- ``plan`` -> a ``plan_version`` row (its author is not in the record: ``lottery recover``).

Not rebuilt (the record lacks what the row holds, or the row holds what was never
published): item-list versions (the record carries display labels, the row the office's
codes), registry snapshots (the registries are the office's own tables), rectification
orders and checks, objection outcomes, documents, evidence files, review notes, users and
the audit trail. A row is never rebuilt for a task or a target the database does not hold:
it is listed instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from lottery.core.canonical import parse_time
from lottery.core.records import Record
from lottery.storage.models import (
    InspectionResult,
    Penalty,
    PlanVersion,
    Target,
    Task,
    TaskReport,
)

from .calendar import load_sealed
from .log import PublicLog
from .results import feed_history

ACTOR = "lottery recover"
"""The author of a rebuilt row whose record names none (a plan version)."""

ENVELOPE = ("type", "v", "log", "time")
_RESULT_NOT_FIELDS = (*ENVELOPE, "sealed", "approved_by", "review", "joint_with", "documents")
_PENALTY_NOT_FIELDS = (*ENVELOPE, "sealed", "approved_by", "deadline")
WAITING = ("entered", "reviewing", "held")
ALREADY = ""
"""What a rebuilder returns when the row is there already (None: rebuilt; text: why not)."""


@dataclass
class RebuiltRows:
    """Rows rebuilt per record type, and the records whose row could not be (why)."""

    rows: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def rebuild_rows(log: PublicLog, session: Session, records: list[Record]) -> RebuiltRows:
    """Rebuild the working rows of the re-ingested ``records`` (in log order, their blobs
    and withdrawals already taken) in the caller's transaction."""
    out = RebuiltRows()
    for record in records:
        rebuild = _REBUILD.get(record.type)
        if rebuild is None:
            continue
        why = rebuild(log, session, record)
        if why is None:
            out.rows[record.type] = out.rows.get(record.type, 0) + 1
        elif why:
            out.skipped.append(f"{record.type} {record.id[:16]}: {why}")
        session.flush()
    return out


def _time(record: Record) -> datetime:
    return parse_time(record.body["time"])


def _result(log: PublicLog, session: Session, record: Record) -> str | None:
    body = record.body
    task_id, target_id = str(body["task"]), str(body["target"])
    if _by_record(session, InspectionResult, record.id) is not None:
        return ALREADY
    if session.get(Task, task_id) is None:
        return f"task {task_id} is not in the database"
    if session.get(Target, target_id) is None:
        return f"target {target_id} is not in the registry"
    old: InspectionResult | None = None
    if body.get("supersedes") is not None:
        old = _by_record(session, InspectionResult, str(body["supersedes"]))
        if old is None:
            return f"the result it corrects ({str(body['supersedes'])[:16]}) is not either"
    content = load_sealed(log, session, record.id, "inspection-result")
    fields = {k: v for k, v in body.items() if k not in _RESULT_NOT_FIELDS} | (content or {})
    corrects = col(InspectionResult.supersedes)
    waiting = session.exec(
        select(InspectionResult).where(
            InspectionResult.task == task_id,
            InspectionResult.target == target_id,
            col(InspectionResult.status).in_(WAITING),
            corrects.is_(None) if old is None else corrects == old.id,
        )
    ).all()
    row = (
        waiting[0]
        if len(waiting) == 1
        else InspectionResult(
            task=task_id,
            target=target_id,
            fields=fields,
            supersedes=None if old is None else old.id,
            entered_by=str(body["entered_by"]),
            created_at=_time(record),
        )
    )
    row.status, row.approved_by = "published", str(body["approved_by"])
    row.record_id, row.published_at = record.id, _time(record)
    session.add(row)
    if old is not None:
        old.status = "superseded"
        session.add(old)
    feed_history(session, task_id, target_id, fields, None if old is None else old.fields)
    return None


def _penalty(log: PublicLog, session: Session, record: Record) -> str | None:
    body = record.body
    decision = str(body["decision"])
    row = session.exec(select(Penalty).where(Penalty.decision == decision)).one_or_none()
    if row is not None and row.record_id == record.id:
        return ALREADY
    if row is not None and row.status != "entered":
        return f"decision {decision} is in the database already ({row.status})"
    if row is None:
        content = load_sealed(log, session, record.id, "penalty")
        if content is None:
            return f"decision {decision}: its sealed content (the party) was withdrawn"
        target = str(content["target"])
        if session.get(Target, target) is None:
            return f"decision {decision}: target {target} is not in the registry"
        fields = {k: v for k, v in body.items() if k not in _PENALTY_NOT_FIELDS} | content
        row = Penalty(
            decision=decision,
            target=target,
            decided=date.fromisoformat(str(body["decided"])),
            publish_until=date.fromisoformat(str(body["publish_until"])),
            fields=fields,
            entered_by=str(body["entered_by"]),
            created_at=_time(record),
        )
    row.status, row.approved_by = "published", str(body["approved_by"])
    row.record_id, row.published_at = record.id, _time(record)
    session.add(row)
    party = session.get(Target, row.target)
    if party is not None:  # a penalty is a bad record for later draws (R4), as approved
        party.bad_records += 1
        session.add(party)
    return None


def _penalty_withdrawal(log: PublicLog, session: Session, record: Record) -> str | None:
    row = _by_record(session, Penalty, str(record.body["penalty"]))
    if row is None:
        return f"the penalty {str(record.body['penalty'])[:16]} is not in the database"
    row.status, row.withdrawal_record = "withdrawn", record.id
    session.add(row)
    return None


def _report(log: PublicLog, session: Session, record: Record) -> str | None:
    body = record.body
    task_id = str(body["task"])
    if session.get(Task, task_id) is None:
        return f"task {task_id} is not in the database"
    row = session.get(TaskReport, task_id)
    if row is not None and row.record_id == record.id:
        return ALREADY
    completed = date.fromisoformat(str(body["completed"]))
    if row is None:
        row = TaskReport(
            task=task_id,
            completed=completed,
            summary={},
            text="",
            drafted_by=str(body["drafted_by"]),
            created_at=_time(record),
        )
    row.completed, row.summary = completed, dict(body["summary"])
    row.results, row.text = [str(r) for r in body["results"]], str(body["text"])
    row.drafted_by, row.approved_by = str(body["drafted_by"]), str(body["approved_by"])
    row.status, row.record_id, row.published_at = "published", record.id, _time(record)
    session.add(row)
    return None


def _plan(log: PublicLog, session: Session, record: Record) -> str | None:
    body = record.body
    year, version = int(body["year"]), int(body["version"])
    if session.get(PlanVersion, (year, version)) is not None:
        return ALREADY
    session.add(
        PlanVersion(
            year=year,
            version=version,
            entries=list(body["entries"]),
            reason=str(body["reason"]),
            record_id=record.id,
            created_by=ACTOR,
            created_at=_time(record),
        )
    )
    return None


def _by_record(session: Session, model: type[Any], record_id: str) -> Any:
    return session.exec(select(model).where(model.record_id == record_id)).one_or_none()


_REBUILD: dict[str, Callable[[PublicLog, Session, Record], str | None]] = {
    "inspection-result": _result,
    "penalty": _penalty,
    "penalty-withdrawal": _penalty_withdrawal,
    "task-report": _report,
    "plan": _plan,
}
