"""Risk rules in the service: which rules are in force, a target's effective class, and a new
item-list version that changes only the rules is published by
:func:`lottery.service.registries.set_risk_rules` (issue #16, "Risk rules that act").

The rules in force are those of the latest item-list version (:mod:`lottery.core.risk_rules`).
The pool (:mod:`lottery.service.pool_rules`) and the ``targets`` snapshot
(:mod:`lottery.service.registry_view`) both take a target's class through
:func:`effective_class`, so the class the public sees in the snapshot is the class the draw
used (docs/spec.md section 4, "Risk rules").
"""

from __future__ import annotations

from typing import Protocol

from sqlmodel import Session, col, select

from lottery.core.risk_rules import RiskRules, counts_of, rules_or_none
from lottery.storage.models import ItemListVersion


class _Counted(Protocol):
    """A target row or model: its own class and the counters the rules read."""

    @property
    def risk_class(self) -> str: ...
    @property
    def complaints(self) -> int: ...
    @property
    def bad_records(self) -> int: ...
    @property
    def serious_violation(self) -> bool: ...


def _latest(session: Session) -> ItemListVersion | None:
    return session.exec(
        select(ItemListVersion).order_by(col(ItemListVersion.version).desc()).limit(1)
    ).first()


def current_rules(session: Session) -> RiskRules:
    """The risk rules of the latest item-list version (none when no list or no rules)."""
    row = _latest(session)
    return rules_or_none(None if row is None else row.risk_rules)


def effective_class(target: _Counted, rules: RiskRules) -> str:
    """The class ``target`` is drawn and published in under ``rules``."""
    counts = counts_of(target.complaints, target.bad_records, target.serious_violation)
    return rules.effective_class(target.risk_class, counts)


def current_version(session: Session) -> int | None:
    """The latest item-list version (None: no list yet)."""
    row = _latest(session)
    return None if row is None else row.version
