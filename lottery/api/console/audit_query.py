"""The audit trail's filter (user, action, object, Beijing-time date range) and its query.

The filter comes from a GET form: :func:`parse_filter` checks it and returns the errors to
show next to the fields; :func:`events` and :func:`count` run it, newest first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from lottery.service.audit_masking import exclude_sealed_objects, masked
from lottery.service.result_entry import CST
from lottery.storage.models import AuditEvent

MAX_TEXT = 200
PAGE_SIZE = 50
CSV_LIMIT = 100_000
"""The most rows one CSV export holds (the file says when it stops there)."""


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor asked for; empty strings and None mean "any"."""

    actor: str = ""
    action: str = ""
    obj: str = ""
    start: date | None = None
    end: date | None = None

    def query_string(self) -> dict[str, str]:
        """The filter as the form's fields (for the CSV link and the page links)."""
        fields = {
            "user": self.actor,
            "action": self.action,
            "object": self.obj,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
        }
        return {k: v for k, v in fields.items() if v}


def _day(raw: str, label: str, errors: dict[str, str], key: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[key] = f"{label}须是日期，格式如 2026-04-01"
        return None


def parse_filter(
    user: str, action: str, obj: str, start: str, end: str
) -> tuple[AuditFilter, dict[str, str]]:
    """The filter of the form's fields, and the Chinese errors keyed by field name."""
    errors: dict[str, str] = {}
    for key, value, label in (("user", user, "用户名"), ("object", obj, "对象")):
        if len(value) > MAX_TEXT:
            errors[key] = f"{label}太长：最多 {MAX_TEXT} 个字符"
    if len(action) > 64:
        errors["action"] = "没有这种操作"
    first = _day(start, "起始日期", errors, "from")
    last = _day(end, "截止日期", errors, "to")
    if first and last and first > last:
        errors["to"] = "截止日期不能早于起始日期"
    wanted = AuditFilter(user.strip(), action.strip(), obj.strip(), first, last)
    return wanted, errors


def _where(query: Any, wanted: AuditFilter, sealed: frozenset[str] | None = None) -> Any:
    if wanted.actor:
        query = query.where(AuditEvent.actor == wanted.actor)
    if wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    if wanted.obj:
        query = query.where(col(AuditEvent.object).contains(wanted.obj, autoescape=True))
        if sealed:  # a search must not tell a sealed pick apart by its count
            query = exclude_sealed_objects(query, sealed)
    if wanted.start:
        query = query.where(col(AuditEvent.time) >= datetime.combine(wanted.start, time(), CST))
    if wanted.end:
        after = datetime.combine(wanted.end + timedelta(days=1), time(), CST)
        query = query.where(col(AuditEvent.time) < after)
    return query


def count(session: Session, wanted: AuditFilter, sealed: frozenset[str] | None = None) -> int:
    """How many events match (``sealed``: the sealed tasks a reader may not see picks of)."""
    query = _where(select(func.count()).select_from(AuditEvent), wanted, sealed)
    return int(session.exec(query).one())


def events(
    session: Session,
    wanted: AuditFilter,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    sealed: frozenset[str] | None = None,
) -> Iterator[AuditEvent]:
    """The matching events, newest first; with ``sealed``, the picks of those tasks masked
    (:mod:`lottery.service.audit_masking`)."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit)
    for event in session.exec(_where(query, wanted, sealed)):
        yield masked(event, sealed) if sealed else event


def known_actions(session: Session) -> list[str]:
    """Every action code in the trail (for the form's choice list)."""
    return sorted(session.exec(select(AuditEvent.action).distinct()))
