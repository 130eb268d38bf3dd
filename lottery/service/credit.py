"""The export for the credit information platform (信用信息平台; section 十一, R8).

One row per current published inspection result whose categories include one of the
configured failure categories (default: every standard category except 未发现问题), published
on or after ``since`` (China Standard Time). Each row carries the standard category wording,
the entity's USCC and name, the task, the inspection and publication dates, and the penalty
decisions published for that result. CSV (UTF-8 with BOM, which Excel and the platform's
importers read) or XLSX (openpyxl).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import col, select

from lottery.core.errors import InputError
from lottery.core.records import NO_PROBLEM, RESULT_CATEGORIES
from lottery.storage.engine import new_session
from lottery.storage.models import InspectionResult, Penalty, Task

from .integrity import stored
from .results import local_date

DEFAULT_CATEGORIES = tuple(c for c in RESULT_CATEGORIES if c != NO_PROBLEM)

HEADER = (
    "统一社会信用代码",
    "市场主体名称",
    "抽查任务编号",
    "抽查任务名称",
    "抽查结果",
    "检查日期",
    "结果公示日期",
    "行政处罚决定书文号",
    "处罚决定日期",
    "处罚机关",
    "结果记录编号",
)


class CreditExportError(InputError):
    """A credit export that cannot be made as asked."""


@dataclass(frozen=True)
class CreditRow:
    """One exported failure."""

    uscc: str
    name: str
    task: str
    task_title: str
    categories: tuple[str, ...]
    dates: tuple[str, ...]
    published: date
    decisions: tuple[str, ...]
    decided: tuple[str, ...]
    authorities: tuple[str, ...]
    record: str

    def cells(self) -> list[str]:
        """The row's cells in :data:`HEADER` order (lists joined with '；')."""
        join = "；".join
        return [
            self.uscc,
            self.name,
            self.task,
            self.task_title,
            join(self.categories),
            join(self.dates),
            self.published.isoformat(),
            join(self.decisions),
            join(self.decided),
            join(dict.fromkeys(self.authorities)),
            self.record,
        ]


def check_categories(categories: Iterable[str] | None) -> tuple[str, ...]:
    """The failure categories to export (default: all but 未发现问题).

    Raises:
        CreditExportError: for a name that is not a standard category.
    """
    if categories is None:
        return DEFAULT_CATEGORIES
    chosen = tuple(categories)
    unknown = [c for c in chosen if c not in RESULT_CATEGORIES]
    if unknown:
        raise CreditExportError(f"unknown result category {unknown[0]!r}")
    if not chosen:
        raise CreditExportError("no categories to export")
    return chosen


def credit_rows(
    engine: Engine, *, since: date, categories: Sequence[str] | None = None
) -> list[CreditRow]:
    """The failures published on or after ``since``, by publication time then USCC.

    Raises:
        CreditExportError: for an unknown category.
    """
    wanted = set(check_categories(categories))
    with new_session(engine) as session:
        results = list(
            session.exec(
                select(InspectionResult)
                .where(InspectionResult.status == "published")
                .order_by(col(InspectionResult.published_at), col(InspectionResult.target))
            )
        )
        titles = {t.id: t.title for t in session.exec(select(Task))}
        penalties: dict[str, list[Penalty]] = {}
        # Decisions in force only: a withdrawn one has left public view (docs/spec.md §2.1).
        for p in session.exec(select(Penalty).where(Penalty.status == "published")):
            if p.fields.get("result"):
                penalties.setdefault(p.fields["result"], []).append(p)
    rows = []
    for r in results:
        published = local_date(stored(r.published_at, f"the publication time of result {r.id}"))
        cats = tuple(r.fields["categories"])
        if published < since or not wanted & set(cats):
            continue
        linked = penalties.get(r.record_id or "", [])
        rows.append(
            CreditRow(
                uscc=r.target,
                name=r.fields["target_name"],
                task=r.task,
                task_title=titles.get(r.task, ""),
                categories=cats,
                dates=tuple(r.fields["dates"]),
                published=published,
                decisions=tuple(p.decision for p in linked),
                decided=tuple(p.decided.isoformat() for p in linked),
                authorities=tuple(p.fields["authority"] for p in linked),
                record=r.record_id or "",
            )
        )
    return rows


def write_credit_export(rows: Sequence[CreditRow], out: Path) -> None:
    """Write ``rows`` to ``out``: ``.csv`` or ``.xlsx`` by its suffix.

    Raises:
        CreditExportError: for another suffix.
        OSError: when the file cannot be written.
    """
    suffix = out.suffix.lower()
    if suffix == ".csv":
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(r.cells() for r in rows)
        return
    if suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("抽查结果")
        ws.append(list(HEADER))
        for r in rows:
            ws.append(r.cells())
        wb.save(out)
        return
    raise CreditExportError(f"{out}: the export file must end in .csv or .xlsx")
