"""Results held until the disclosure (need to know, issue #16; docs/results.md).

While a task is drawn its picks are sealed (R6), yet the drawn inspectors inspect and enter
their results and a reviewer approves them: an approved result of a sealed task is *held*
(:meth:`lottery.service.results.ResultsService.approve`), because its record would name a
sealed pick. :func:`publish_held` publishes the held results in the disclosure's own
transaction, right after the ``task-reveal`` record, one ``inspection-result`` per pick in the
outcome's selection order: the task is never disclosed with its held results lost, and a
retried disclosure publishes nothing twice (it finds the reveal and stops before this).
A cancellation of the task voids its held results (and those waiting for review):
:func:`void_results`; they are never published.

:func:`missing_results` says which picks still lack a held result: a task announced with
``disclose_early`` may be disclosed before its disclosure time only when none does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from lottery.core.records import Record
from lottery.storage.engine import new_session
from lottery.storage.models import InspectionResult, Task

from . import publication_review
from .audit_trail import record_audit
from .integrity import stored
from .log import PublicLog
from .result_entry import SEALED_STATES
from .results import ResultsService


def held_rows(session: Session, task_id: str) -> dict[str, InspectionResult]:
    """The task's held results by target."""
    rows = session.exec(
        select(InspectionResult)
        .where(InspectionResult.task == task_id, InspectionResult.status == "held")
        .order_by(col(InspectionResult.id))
    )
    return {row.target: row for row in rows}


def void_results(session: Session, task_id: str) -> list[int]:
    """Mark the task's results waiting for review or held as ``void`` (its cancellation, in
    the caller's transaction): they are never published, their picks stay sealed (the
    cancellation publishes the outcome, not the results); their ids."""
    rows = session.exec(
        select(InspectionResult)
        .where(
            InspectionResult.task == task_id,
            col(InspectionResult.status).in_(["entered", "held", "reviewing"]),
        )
        .order_by(col(InspectionResult.id))
    )
    ids = []
    for row in rows:
        row.status = "void"
        session.add(row)
        ids.append(stored(row.id, "the id of a stored result"))
    return ids


def missing_results(
    session: Session, task_id: str, picks: Sequence[str], log: PublicLog | None = None
) -> list[str]:
    """The picks (in selection order) without an approved, held result (with ``log``: also
    one still waiting for the publication review the rules in force require)."""
    held = held_rows(session, task_id)
    if log is not None:
        held = {t: r for t, r in held.items() if publication_review.ready(session, log, r)}
    return [target for target in picks if target not in held]


def publish_held(
    engine: Engine,
    log: PublicLog,
    session: Session,
    task_id: str,
    picks: Sequence[str],
    now: datetime,
    *,
    actor: str,
    remote_addr: str | None = None,
) -> list[Record]:
    """Publish the task's held results in the caller's transaction (the disclosure's), in
    the selection order of ``picks``, each audited ``result.publish-held``; the caller signs
    the checkpoint. Returns the records."""
    log.lock(session)
    held = held_rows(session, task_id)
    service = ResultsService(engine, log)
    records = []
    for target in picks:
        row = held.get(target)
        if row is None:
            continue
        if not publication_review.ready(session, log, row):
            # Not reviewed under the rules in force: it waits for the publication review.
            row.status = "reviewing"
            session.add(row)
            detail_wait = {"result": row.id, "publication_review": "pending"}
            where = f"{task_id}/{target}"
            record_audit(
                session, now, actor, "result.publish-held", where, detail_wait, remote_addr
            )
            continue
        record = service.publish_row(session, row, row.approved_by or "", now, render=False)
        detail = {"result": row.id, "record": record.id}
        where = f"{task_id}/{target}"
        record_audit(session, now, actor, "result.publish-held", where, detail, remote_addr)
        records.append(record)
    return records


def audit_sealed_reads(
    engine: Engine,
    rows: Sequence[InspectionResult],
    now: datetime,
    *,
    actor: str,
    remote_addr: str | None = None,
) -> None:
    """Record an ``outcome.read`` audit event for each still-sealed task among the results
    ``rows`` a reviewer is shown (they name sealed picks, R6); nothing for disclosed tasks."""
    by_task: dict[str, int] = {}
    for row in rows:
        by_task[row.task] = by_task.get(row.task, 0) + 1
    if not by_task:
        return
    with new_session(engine) as session, session.begin():
        sealed = session.exec(
            select(Task.id).where(
                col(Task.id).in_(list(by_task)), col(Task.state).in_(SEALED_STATES)
            )
        )
        for task_id in sealed:
            detail = {"purpose": "result-review", "targets": by_task[task_id]}
            record_audit(session, now, actor, "outcome.read", task_id, detail, remote_addr)
