"""Declared conflicts of interest (回避, R3): one declared or removed at a time, audited.

A whole file of conflicts replaces them all (``registries.import_registry(kind="conflicts")``);
these functions change one pair, with the same checks as a row of that file (the inspector and
the target exist, the staff number and USCC are well formed, the reason is safe text). The
reason is private: it is kept in the database, never published, and not copied into the audit
trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from lottery import registry_io as rio
from lottery.core.errors import InputError
from lottery.registry_io.cells import CellError, is_empty
from lottery.storage.models import Conflict, Inspector, Target

from .audit_trail import record_audit
from .lifecycle import Lifecycle
from .org_scope import require_target


class ConflictError(InputError):
    """A conflict that cannot be declared or removed; ``field`` names the form field at fault
    (``inspector``, ``target``, ``reason``) and the message is Chinese."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ConflictPair:
    """A conflict checked against the registries (values as stored)."""

    inspector: str
    target: str
    reason: str


def _cell(key: str, value: str) -> str:
    col = rio.LAYOUTS["conflicts"].column(key)
    if is_empty(value):
        if col.required:
            what = "人员编号" if key == "inspector" else "统一社会信用代码"
            raise ConflictError(key, f"请填写{what}")
        return ""
    try:
        parsed: str = col.parse(value)
    except CellError as exc:
        raise ConflictError(key, exc.message) from None
    return parsed


def check_pair(session: Session, inspector: str, target: str, reason: str = "") -> ConflictPair:
    """Parse and check one pair against the registries (nothing written).

    Raises:
        ConflictError: a malformed value, or an unknown inspector or target.
    """
    pair = ConflictPair(
        _cell("inspector", inspector), _cell("target", target), _cell("reason", reason)
    )
    if session.get(Inspector, pair.inspector) is None:
        raise ConflictError("inspector", f"执法检查人员名录中没有人员编号 {pair.inspector}")
    if session.get(Target, pair.target) is None:
        raise ConflictError("target", f"检查对象名录中没有统一社会信用代码 {pair.target}")
    return pair


def _find(session: Session, inspector: str, target: str) -> Conflict | None:
    query = select(Conflict).where(Conflict.inspector == inspector, Conflict.target == target)
    return session.exec(query).first()


def declare_conflict(
    lc: Lifecycle,
    inspector: str,
    target: str,
    reason: str = "",
    *,
    actor: str,
    now: datetime,
    remote_addr: str | None = None,
) -> ConflictPair:
    """Declare that ``inspector`` must not inspect ``target``; audited as ``conflict.declare``.

    Raises:
        ConflictError: a malformed value, an unknown inspector or target, or a pair already
            declared; nothing is written.
    """
    with lc.session() as session, session.begin():
        pair = check_pair(session, inspector, target, reason)
        require_target(session, actor, pair.target)
        if _find(session, pair.inspector, pair.target) is not None:
            raise ConflictError("target", "这名人员与该检查对象的回避关系已经登记过")
        session.add(Conflict(inspector=pair.inspector, target=pair.target, reason=pair.reason))
        detail = {"inspector": pair.inspector, "target": pair.target}
        record_audit(session, now, actor, "conflict.declare", pair.inspector, detail, remote_addr)
    return pair


def remove_conflict(
    lc: Lifecycle,
    inspector: str,
    target: str,
    *,
    actor: str,
    now: datetime,
    remote_addr: str | None = None,
) -> None:
    """Remove a declared conflict; audited as ``conflict.remove``.

    Raises:
        ConflictError: no such conflict is declared; nothing is written.
    """
    with lc.session() as session, session.begin():
        require_target(session, actor, target)
        found = _find(session, inspector, target)
        if found is None:
            raise ConflictError("target", "没有登记这条回避关系（可能已被他人删除）")
        session.delete(found)
        detail = {"inspector": inspector, "target": target}
        record_audit(session, now, actor, "conflict.remove", inspector, detail, remote_addr)
