"""An inspector's own assignments (我的检查任务): the picked targets they were drawn for.

Rule R6 (保密, rules §九): the picked list is secret until it is published, access to it is
restricted and every access is recorded. Inspectors hold ``outcome.read`` (they must know
where they go before the disclosure, roles.py); here they see only their own targets, and
every listing that shows a still-sealed assignment is an ``outcome.read`` audit event naming
the inspector and how many of their targets it showed. Assignments of disclosed tasks are
public already and are not audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from lottery.storage.models import SealedOutcome, Task

from .audit_trail import record_audit
from .committed_pool import staff_outcome
from .lifecycle import Lifecycle

SEALED_STATES = ("drawn",)
ASSIGNED_STATES = ("drawn", "disclosed", "closed")


@dataclass(frozen=True)
class Assignment:
    """One picked target an inspector was drawn for, with the whole team."""

    task: Task
    target: str
    team: tuple[str, ...]

    @property
    def sealed(self) -> bool:
        """Whether the outcome is still confidential (drawn, not yet disclosed)."""
        return self.task.state in SEALED_STATES


def assignments_of(
    lc: Lifecycle,
    inspector_id: str,
    now: datetime,
    *,
    actor: str,
    remote_addr: str | None = None,
) -> list[Assignment]:
    """The assignments of ``inspector_id`` in drawn, disclosed and closed tasks (newest task
    first, then in selection order); a listing showing sealed ones is audited.

    Authorization (who may call this for which inspector) is the caller's job.
    """
    found: list[Assignment] = []
    with lc.session() as session, session.begin():
        tasks = session.exec(
            select(Task)
            .where(col(Task.state).in_(ASSIGNED_STATES))
            .order_by(col(Task.created_at).desc(), col(Task.id))
        )
        for task in tasks:
            if session.get(SealedOutcome, task.id) is None:
                continue
            digest, blob = lc.open_outcome(session, task.id)
            outcome = staff_outcome(session, blob)
            teams = {t.target: tuple(t.inspectors) for t in outcome.teams}
            mine = [
                Assignment(task, target, teams[target])
                for target in outcome.picks()
                if inspector_id in teams.get(target, ())
            ]
            if mine and task.state in SEALED_STATES:
                detail = {"sha256": digest, "inspector": inspector_id, "targets": len(mine)}
                record_audit(session, now, actor, "outcome.read", task.id, detail, remote_addr)
            found.extend(mine)
    return found
