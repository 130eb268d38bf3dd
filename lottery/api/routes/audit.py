"""The audit trail (R9): who did what, when, from where."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import col, select

from lottery.api.deps import ServiceDep, require
from lottery.api.schemas import ERROR_RESPONSES, AuditEventPublic
from lottery.service.audit_masking import masked, sealed_tasks
from lottery.service.roles import Perm
from lottery.service.users import StaffUser
from lottery.storage.models import AuditEvent

router = APIRouter(prefix="/api/audit", tags=["audit"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[AuditEventPublic])
def audit_trail(
    user: Annotated[StaffUser, Depends(require(Perm.AUDIT_READ))],
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="older events")] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AuditEventPublic]:
    """The newest events first, ``limit`` at a time (page with ``before``); without
    outcome.read, the picks of still-sealed tasks are masked."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if before is not None:
        query = query.where(col(AuditEvent.id) < before)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    with service.session() as session:
        if user.can(Perm.OUTCOME_READ):
            return [AuditEventPublic.of(e) for e in session.exec(query)]
        sealed = sealed_tasks(session)
        return [AuditEventPublic.of(masked(e, sealed)) for e in session.exec(query)]
