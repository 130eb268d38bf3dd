"""Whether an inspector may inspect a target on given days (docs/results.md).

One check for everyone who names an inspector after the draw: a substitute in a result
(:mod:`.result_entry`) and the inspectors of a re-check (:mod:`.rectifications`). The draw's
own eligibility is the core's (the pool rules); this is its counterpart for people added by
hand. Each caller words the refusal for its readers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlmodel import Session, select

from lottery.storage.models import Conflict, Inspector

ProblemKind = Literal["unregistered", "inactive", "certificate", "conflict"]


@dataclass(frozen=True)
class InspectorProblem:
    """Why an inspector may not inspect: not in the registry, not active, a certificate not
    valid on ``day``, or a declared conflict of interest with the target (回避)."""

    kind: ProblemKind
    day: date | None = None

    @property
    def not_active(self) -> bool:
        """Unregistered or not active (callers word these two alike)."""
        return self.kind in ("unregistered", "inactive")


def inspector_problem(
    session: Session, inspector_id: str, days: Iterable[date], target: str
) -> InspectorProblem | None:
    """The first reason ``inspector_id`` may not inspect ``target`` on ``days`` (registry,
    status, certificate on each day in order, declared conflict), or None."""
    row = session.get(Inspector, inspector_id)
    if row is None:
        return InspectorProblem("unregistered")
    if row.status != "active":
        return InspectorProblem("inactive")
    for day in days:
        if not row.cert_valid_from <= day <= row.cert_valid_to:
            return InspectorProblem("certificate", day)
    conflict = session.exec(
        select(Conflict).where(Conflict.inspector == inspector_id, Conflict.target == target)
    ).first()
    if conflict is not None:
        return InspectorProblem("conflict")
    return None
