"""What a re-import of the target registry may not undo: the fields the service maintains.

Published inspection results and penalties raise a target's ``bad_records``, set its
``serious_violation`` flag and, for the categories 已关闭停业或正在组织清算 and 注销 / 被吊销 /
被撤销 / 迁出, set its ``status`` (docs/results.md, "Feeding later draws"). The office's
spreadsheet does not know about them, so a routine re-import of an older file would wipe them
out and the risk rules that raise a target's frequency would lose their input (issue #16).

The rule (docs/import.md, "What a re-import keeps"), for a target already in the registry:

- ``bad_records``: the larger of the file's count and the stored one (an import can raise it,
  never lower it);
- ``serious_violation``: set if the file or the stored row sets it (never cleared by a file);
- ``status``: a status set by a current published result (its category) stays when the file
  says the target is active; any other status in the file is taken as it is.

``complaints`` comes from the office's own complaint log, which the spreadsheet carries: the
file's value is taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select

from lottery.storage.models import InspectionResult, Target

from .registry_view import table_of
from .result_entry import CLOSED

ACTIVE = "active"


@dataclass(frozen=True)
class Maintained:
    """A stored target's service-maintained fields."""

    bad_records: int
    serious_violation: bool
    status: str
    status_from_result: bool  # a current published result set this status


def merge(row: dict[str, Any], kept: Maintained | None) -> dict[str, Any]:
    """The row to write for an imported ``row`` (a target's column dict) given what is kept."""
    if kept is None:
        return row
    out = {
        **row,
        "bad_records": max(int(row["bad_records"]), kept.bad_records),
        "serious_violation": bool(row["serious_violation"]) or kept.serious_violation,
    }
    if kept.status_from_result and row["status"] == ACTIVE:
        out["status"] = kept.status
    return out


def load(conn: Connection) -> dict[str, Maintained]:
    """The service-maintained fields of every stored target that has one to keep, by USCC.

    A target with no bad record, no serious violation and status active has nothing a file
    could undo (:func:`merge` returns the file's row as it is), so it is not read: a routine
    re-import of a registry of a million clean targets holds only the few that are not."""
    results = table_of(InspectionResult)
    closing = set(CLOSED)
    closed_by: set[str] = set()
    for target, fields in conn.execute(
        select(results.c.target, results.c.fields).where(results.c.status == "published")
    ):
        if closing & set(fields.get("categories", ())):
            closed_by.add(target)
    targets = table_of(Target)
    return {
        uscc: Maintained(bad, bool(serious), status, uscc in closed_by and status != ACTIVE)
        for uscc, bad, serious, status in conn.execute(
            select(
                targets.c.uscc,
                targets.c.bad_records,
                targets.c.serious_violation,
                targets.c.status,
            ).where(
                or_(
                    targets.c.bad_records > 0,
                    targets.c.serious_violation.is_(True),
                    targets.c.status != ACTIVE,
                )
            )
        )
    }


def keep(conn: Connection, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The imported target rows with the stored service-maintained fields kept."""
    kept = load(conn)
    for row in rows:
        yield merge(row, kept.get(row["uscc"]))
