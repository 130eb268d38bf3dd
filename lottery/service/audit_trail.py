"""The audit trail (R9): one event per staff or system action, in the action's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from lottery.storage.models import AuditEvent


def record_audit(
    session: Session,
    now: datetime,
    actor: str,
    action: str,
    obj: str,
    detail: dict[str, Any] | None = None,
    remote_addr: str | None = None,
) -> None:
    """Add an audit event to the current transaction (R9)."""
    session.add(
        AuditEvent(
            time=now,
            actor=actor,
            action=action,
            object=obj,
            detail=detail or {},
            remote_addr=remote_addr,
        )
    )
