"""The audit trail as CSV for Excel: UTF-8 with a BOM, formulas neutralised.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return, which Excel
also reads as the start of a formula) gets a leading apostrophe, so a user name or an object
such as ``=HYPERLINK(...)`` is shown as text, never evaluated (CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from lottery.service.result_entry import CST
from lottery.storage.models import AuditEvent

from .audit_words import action_zh

BOM = "\ufeff"
HEADER = ("编号", "时间（北京时间）", "用户", "操作", "操作代码", "对象", "来源地址", "详情")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """``cell`` made safe to open in a spreadsheet."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def row_of(event: AuditEvent) -> list[str]:
    detail = json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else ""
    cells = [
        str(event.id),
        event.time.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S"),
        event.actor,
        action_zh(event.action),
        event.action,
        event.object,
        event.remote_addr or "",
        detail,
    ]
    return [neutralise(c) for c in cells]


def lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The CSV text, a line at a time: the BOM and header, then one row per event."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(HEADER)
    yield BOM + flush()
    for event in events:
        writer.writerow(row_of(event))
        yield flush()
