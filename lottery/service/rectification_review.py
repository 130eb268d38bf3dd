"""The safe-publication review (保密审查) of rectification orders and re-checks (docs/spec.md
§2.3; docs/results.md, "The publication review").

Under publication rules for ``rectification-order`` (``rectification-check``) records, an
order (an approved re-check) is not published at once: it waits (``order_status`` /
``check_status`` ``reviewing``) until a person holding ``publication.review`` decides what
its requirements (note) will show, as for results (``publication_review.py``). A rule's
``when.items`` looks at the items the order's task cites; its ``when.categories`` at the
categories of the result the order follows from (for a re-check: its order's result).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from lottery.core.publication_rules import PublicationRule
from lottery.storage.models import Rectification

from .calendar import load_record
from .log import PublicLog
from .publication_review import rules_for_record

KINDS = {"order": "rectification-order", "check": "rectification-check"}
"""What the review is of -> the record type it publishes."""
WHAT = {"order": "整改通知", "check": "复查结果"}


def categories(session: Session, log: PublicLog, row: Rectification) -> list[str]:
    """The categories of the published result ``row``'s order follows from."""
    body = load_record(log, session, row.result_record).body
    return [str(c) for c in body["categories"]]


def rules_of(
    session: Session, log: PublicLog, row: Rectification, kind: str
) -> list[PublicationRule] | None:
    """The rules in force that apply to ``row``'s order (``kind`` ``order``) or re-check
    (``check``), or None when no rule in force governs that record type."""
    return rules_for_record(session, log, KINDS[kind], row.task, categories(session, log, row))


def order_rules(
    session: Session, log: PublicLog, row: Rectification
) -> list[PublicationRule] | None:
    """:func:`rules_of` an order."""
    return rules_of(session, log, row, "order")


def check_rules(
    session: Session, log: PublicLog, row: Rectification
) -> list[PublicationRule] | None:
    """:func:`rules_of` a re-check."""
    return rules_of(session, log, row, "check")


def status(row: Rectification, kind: str) -> str:
    """The state of the order or of its re-check."""
    return row.order_status if kind == "order" else row.check_status


def original(row: Rectification, kind: str) -> dict[str, Any]:
    """The reviewable fields as entered (never published as such)."""
    if kind == "order":
        return {"requirements": row.requirements}
    return {"note": (row.check_fields or {}).get("note", "")}


__all__ = [
    "KINDS",
    "WHAT",
    "categories",
    "check_rules",
    "order_rules",
    "original",
    "rules_of",
    "status",
]
