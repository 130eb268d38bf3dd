"""The exchange with the national platforms: export files and their log (docs/exchange.md).

:meth:`ExchangeService.export` builds one file (CSV, UTF-8 with BOM, or XLSX with every cell
text) in a layout of :mod:`lottery.service.exchange_layouts` from published data only, and
stores an ``exchange_export`` row: when, who, format, kind, year, rows, the file's SHA-256
and size. Staff mark the file sent (报送) with the day it went (:meth:`ExchangeService.mark_sent`),
so the office can show what it reported and when. Both are audit events.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from lottery.storage.engine import new_session
from lottery.storage.models import ExchangeExport

from .audit_trail import record_audit
from .exchange_layouts import KIND_ZH, ExchangeError, Table, build_table, check_request
from .integrity import stored
from .log import PublicLog
from .result_entry import local_date

FILE_TYPES = ("csv", "xlsx")


class ExchangeNotFound(ExchangeError):
    """No such export."""


@dataclass(frozen=True)
class ExportFile:
    """A made export: its log row, the file's bytes and a file name for it."""

    row: ExchangeExport
    data: bytes
    filename: str


def render(table: Table, file_type: str) -> bytes:
    """The file of ``table``: CSV (UTF-8 with BOM, which Excel and the platforms' importers
    read) or XLSX (one sheet named after the kind, every cell a text cell: nothing from a
    record can become a formula).

    Raises:
        ExchangeError: for another file type.
    """
    if file_type == "csv":
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(table.header)
        writer.writerows(table.rows)
        return buf.getvalue().encode("utf-8-sig")
    if file_type == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(KIND_ZH[table.kind])

        def cell(value: str) -> WriteOnlyCell:
            c = WriteOnlyCell(ws, value=value)
            c.data_type = "s"  # a leading "=" stays text
            return c

        ws.append([cell(h) for h in table.header])
        for row in table.rows:
            ws.append([cell(v) for v in row])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    raise ExchangeError(f"文件类型（file_type）须是 csv 或 xlsx，填写的是 {file_type!r}")


def file_name(row: ExchangeExport) -> str:
    """The file's name: ``exchange-<format>-<kind>-<year>-<id>.<type>`` (ASCII)."""
    return f"exchange-{row.format}-{row.kind}-{row.year}-{row.id}.{row.file_type}"


def _row(session: Session, export_id: int) -> ExchangeExport:
    row = session.get(ExchangeExport, export_id)
    if row is None:
        raise ExchangeNotFound(f"没有编号为 {export_id} 的导出记录")
    return row


class ExchangeService:
    """Making exports for the platforms and keeping their log."""

    def __init__(self, engine: Engine, log: PublicLog, office: str) -> None:
        """Use ``engine`` (schema up to date), the office's log, and its name (检查实施机关)."""
        self.engine = engine
        self.log = log
        self.office = office

    def export(
        self,
        fmt: str,
        kind: str,
        year: int,
        file_type: str,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
    ) -> ExportFile:
        """Make one export file and log it.

        Raises:
            ExchangeError: an unknown format, kind or file type, a kind the format does not
                take, or a year outside 2000-2100; nothing is logged then.
        """
        check_request(fmt, kind, year)
        if file_type not in FILE_TYPES:
            raise ExchangeError(f"文件类型（file_type）须是 csv 或 xlsx，填写的是 {file_type!r}")
        with new_session(self.engine) as session, session.begin():
            table = build_table(session, self.log, fmt, kind, year, office=self.office)
            data = render(table, file_type)
            row = ExchangeExport(
                format=fmt,
                kind=kind,
                year=year,
                file_type=file_type,
                rows=len(table.rows),
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                made_by=actor,
                made_at=now,
            )
            session.add(row)
            session.flush()
            row_id = stored(row.id, "the id of the export just logged")
            record_audit(
                session,
                now,
                actor,
                "exchange.export",
                f"{fmt}/{kind}/{year}",
                {"export": row_id, "rows": row.rows, "file_sha256": row.sha256},
                remote_addr,
            )
            session.refresh(row)
            session.expunge(row)
        return ExportFile(row, data, file_name(row))

    def mark_sent(
        self,
        export_id: int,
        day: date,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
    ) -> ExchangeExport:
        """Mark an export sent on ``day`` (a later mark replaces an earlier one; both are in
        the audit trail).

        Raises:
            ExchangeNotFound: for an unknown id.
            ExchangeError: a day in the future or before the file was made.
        """
        if day > local_date(now):
            raise ExchangeError(f"报送日期（date）{day.isoformat()} 晚于今天")
        with new_session(self.engine) as session, session.begin():
            row = _row(session, export_id)
            made = local_date(row.made_at)
            if day < made:
                raise ExchangeError(
                    f"报送日期（date）{day.isoformat()} 早于导出日期 {made.isoformat()}"
                )
            row.sent_on, row.sent_by, row.sent_marked_at = day, actor, now
            session.add(row)
            record_audit(
                session,
                now,
                actor,
                "exchange.sent",
                str(export_id),
                {"sent_on": day.isoformat(), "file_sha256": row.sha256},
                remote_addr,
            )
            session.flush()
            session.refresh(row)
            session.expunge(row)
        return row

    def get(self, export_id: int) -> ExchangeExport:
        """One export's log row.

        Raises:
            ExchangeNotFound: when there is none.
        """
        with new_session(self.engine) as session:
            return _row(session, export_id)

    def list_exports(self) -> list[ExchangeExport]:
        """Every export, newest first."""
        with new_session(self.engine) as session:
            return list(
                session.exec(select(ExchangeExport).order_by(col(ExchangeExport.id).desc()))
            )


__all__ = [
    "ExchangeError",
    "ExchangeNotFound",
    "ExchangeService",
    "ExportFile",
    "file_name",
    "render",
]
