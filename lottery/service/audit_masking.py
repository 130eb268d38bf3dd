"""The audit trail as a reader without ``outcome.read`` may see it (R6, R9).

Results and documents are now worked on while a task is still sealed (drawn, not disclosed),
and their audit events name the pick (``TASK/USCC``). An auditor audits everything but holds
no ``outcome.read``: for them, until the task is disclosed, the pick in such an event is shown
as 「封存至公开」, and a search by object never matches it (a count would tell it apart).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import not_, or_
from sqlmodel import Session, col, select

from lottery.storage.models import AuditEvent, Task

from .result_entry import SEALED_STATES

SEALED_MARK = "（封存至公开）"


def sealed_tasks(session: Session) -> frozenset[str]:
    """The tasks whose picks are still sealed."""
    return frozenset(session.exec(select(Task.id).where(col(Task.state).in_(SEALED_STATES))))


def exclude_sealed_objects(query: Any, sealed: Iterable[str]) -> Any:
    """``query`` without the events about a pick of a sealed task (``TASK/...``)."""
    prefixes = [col(AuditEvent.object).startswith(f"{t}/", autoescape=True) for t in sealed]
    return query.where(not_(or_(*prefixes))) if prefixes else query


_USCC = re.compile(r"[0-9A-Z]{18}")


def _hide(value: Any) -> Any:
    """A detail value with every USCC in it (a string, or in a list) replaced."""
    if isinstance(value, str) and _USCC.fullmatch(value):
        return SEALED_MARK
    if isinstance(value, list):
        return [_hide(v) for v in value]
    return value


def masked(event: AuditEvent, sealed: frozenset[str]) -> AuditEvent:
    """``event`` (a copy) with the picks of a sealed task replaced by :data:`SEALED_MARK`:
    the target in its object (``TASK/USCC``) and every USCC among its details' values."""
    task, slash, target = event.object.partition("/")
    if task not in sealed:
        return event
    detail = {k: _hide(v) for k, v in (event.detail or {}).items()}
    shown = f"{task}/{SEALED_MARK}" if slash and target else event.object
    data = event.model_dump() | {"object": shown, "detail": detail}
    return AuditEvent.model_validate(data)


__all__ = ["SEALED_MARK", "exclude_sealed_objects", "masked", "sealed_tasks"]
