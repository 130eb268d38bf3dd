"""Export rows back to CSV (UTF-8 with BOM, so Excel opens it) and XLSX, and the public view.

Exports use each column's first Chinese header and canonical labels, so that an exported file
imports back to the same rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from .layouts import LAYOUTS, Layout

Json = str | int | bool | list[str] | None


def layout_of(rows: Sequence[Any]) -> Layout:
    """The layout whose row type the rows have.

    Raises:
        ValueError: when the rows are not all of one registry's row type.
    """
    for lay in LAYOUTS.values():
        if rows and all(type(r) is lay.row_type for r in rows):
            return lay
    raise ValueError("rows must be a non-empty list of TargetRow, InspectorRow or ItemRow")


def _cells(lay: Layout, row: Any) -> list[str | int | date]:
    return ["" if (v := getattr(row, col.key)) is None else col.fmt(v) for col in lay.columns]


def export_csv(rows: Sequence[Any], path: str | Path) -> None:
    """Write the rows as CSV in UTF-8 with BOM and the Chinese headers.

    Raises:
        ValueError: rows of mixed or unknown type.
    """
    lay = layout_of(rows)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(col.headers[0] for col in lay.columns)
        for row in rows:
            w.writerow(v.isoformat() if isinstance(v, date) else v for v in _cells(lay, row))


def export_xlsx(rows: Sequence[Any], path: str | Path, sheet: str | None = None) -> None:
    """Write the rows as one XLSX sheet with the Chinese headers.

    Text cells are always written as text (never as formulas), dates as date cells.

    Raises:
        ValueError: rows of mixed or unknown type.
    """
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    lay = layout_of(rows)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(sheet or lay.kind)

    def cell(v: str | int | date) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=v)
        if isinstance(v, str):
            c.data_type = "s"  # a leading "=" stays text
        elif isinstance(v, date):
            c.number_format = "yyyy-mm-dd"
        return c

    ws.append([col.headers[0] for col in lay.columns])
    for row in rows:
        ws.append([cell(v) for v in _cells(lay, row)])
    wb.save(path)


def _json(v: Any) -> Json:
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    return v  # type: ignore[no-any-return]


def public_view(rows: Iterable[Any]) -> list[dict[str, Json]]:
    """The rows without private fields (phones, notes), as JSON-ready dicts for snapshots.

    Raises:
        ValueError: rows of mixed or unknown type.
    """
    rows = list(rows)
    if not rows:
        return []
    lay = layout_of(rows)
    keep = [col.key for col in lay.columns if col.public]
    out = []
    for row in rows:
        out.append({k: _json(getattr(row, k)) for k in keep})
    return out
