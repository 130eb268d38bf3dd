"""The working-day calendar the service uses: built-in years plus the office's table (R8).

Built-in years come from ``chinese-calendar`` (read once, grouped by calendar year). Its data
ends with the last notice it encodes (2026 in 1.11.0); it raises for later years, so it is
never asked about a date directly: its tables are copied into a pure
:class:`~lottery.core.workdays.WorkCalendar`, which refuses a year without data by name.

The office enters a year (holidays and adjusted workdays) through :meth:`CalendarService.
set_year`; the entry is published as a ``calendar`` record and replaces the built-in data of
that year as a whole (an entry is the office's reading of one State Council notice, not a
patch). Entering a year again publishes a new record that names the one it supersedes.

A built-in year is published too, as a ``calendar`` record whose ``notice`` says it is the
State Council's notice as built in (:func:`publish_builtin_years`), in the transaction of the
first record whose deadline needs it (a task report, a penalty, a withdrawal of a revoked
penalty, an objection outcome): a verifier then reads every year it needs from the log alone.
The record is kept in ``calendar_year`` like the office's entry, so an office entry of that
year later supersedes it (docs/workdays.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine
from sqlmodel import Session, select

from lottery.core.canonical import check_date
from lottery.core.errors import EncodingError, InputError, LotteryError
from lottery.core.publication_rules import REQUIRED_IN_CONTENT
from lottery.core.records import Record, open_record
from lottery.core.sealed import open_sealed
from lottery.core.workdays import Deadline, WorkCalendar, YearCalendar, deadline
from lottery.export.holidays import builtin_years
from lottery.settings import Settings
from lottery.storage.engine import make_engine, new_session
from lottery.storage.migrate import prepare_schema
from lottery.storage.models import Blob, CalendarYear, LogEntry

from .audit_trail import record_audit
from .log import PublicLog
from .org_scope import require_whole_office


def publish_record(
    log: PublicLog,
    session: Session,
    kind: str,
    fields: dict[str, Any],
    now: datetime,
    *,
    task: str | None = None,
    step: str | None = None,
) -> Record:
    """Sign a record of ``kind`` and append it to the log in the caller's transaction.

    Shared by the services that publish (calendar, results, penalties, plans, registries and
    others). ``step`` makes the record one per task in the database itself (the task report
    uses ``report``).

    Raises:
        EncodingError: when the fields do not match the type's schema.
    """
    note = log.make_record(kind, now, fields)
    log.append(session, note, task=task, step=step)
    return open_record(note, log.office_keys, log=log.origin)


def load_record(log: PublicLog, session: Session, record_id: str) -> Record:
    """The published record ``record_id``, opened.

    Raises:
        LotteryError: when the log has no such record.
    """
    note = session.exec(select(LogEntry.note).where(LogEntry.record_id == record_id)).one_or_none()
    if note is None:
        raise LotteryError(f"record {record_id} is missing from the log")
    return open_record(note, log.office_keys, log=log.origin)


def load_sealed(
    log: PublicLog, session: Session, record_id: str, kind: str
) -> dict[str, Any] | None:
    """The sealed content of the published ``kind`` record ``record_id`` (a penalty, an
    inspection result), checked against the commitment the record carries; None once it was
    withdrawn (its blob deleted).

    Raises:
        LotteryError: when the log has no such record.
        VerificationError: when the stored blob does not match the commitment.
    """
    body = load_record(log, session, record_id).body
    digest = str(body["sealed"])
    blob = session.get(Blob, digest)
    # A reviewed record's content may leave out what a publication rule withholds (§2.3).
    omit = REQUIRED_IN_CONTENT.get(kind, ()) if "review" in body else ()
    return None if blob is None else open_sealed(blob.data, digest, kind, omit)


def builtin_calendar() -> WorkCalendar:
    """The calendar of the built-in years only (no database needed)."""
    return WorkCalendar(builtin_years())


def _year_from_row(row: CalendarYear) -> YearCalendar:
    return YearCalendar.build(
        row.year,
        (date.fromisoformat(d) for d in row.holidays),
        (date.fromisoformat(d) for d in row.workdays),
        row.notice or "office",
    )


def office_entry(settings: Settings, year: int) -> tuple[YearCalendar, str, bool] | None:
    """The published entry for ``year``, its record id and whether it is a built-in year the
    service published (not the office's entry), or None (opens the database).

    Raises:
        InputError: when the data directory does not exist.
    """
    if not settings.data_dir.is_dir():
        raise InputError(f"data directory {settings.data_dir} does not exist")
    engine = make_engine(settings)
    try:
        prepare_schema(engine)
        with new_session(engine) as session:
            row = session.get(CalendarYear, year)
            if row is None:
                return None
            return _year_from_row(row), row.record_id, row.entered_by == BUILTIN_ACTOR
    finally:
        engine.dispose()


def calendar_in(session: Session) -> WorkCalendar:
    """The built-in years overlaid by the office's entries, read in ``session``."""
    years = dict(builtin_years())
    for row in session.exec(select(CalendarYear)):
        years[row.year] = _year_from_row(row)
    return WorkCalendar(years)


BUILTIN_ACTOR = "system"
"""Who ``calendar_year`` says entered a built-in year the service published itself."""


def builtin_notice(year: int, source: str) -> str:
    """The ``notice`` of a published built-in year: the State Council's notice, as built in."""
    return f"国务院办公厅关于{year}年部分节假日安排的通知（系统内置数据：{source}）"


def publish_builtin_years(
    log: PublicLog, session: Session, years: Iterable[int], now: datetime
) -> list[Record]:
    """Publish each built-in year of ``years`` the log has no ``calendar`` record for yet.

    Runs in the caller's transaction, under the log lock (taken here too), before the record
    whose deadline needs those years. A year already published (built in or entered by the
    office) and a year with no built-in data are left alone, so calling it twice publishes
    nothing new. Returns the records published.
    """
    log.lock(session)
    builtin = builtin_years()
    published = []
    for year in sorted(set(years)):
        data = builtin.get(year)
        if data is None or session.get(CalendarYear, year) is not None:
            continue
        holidays = sorted(d.isoformat() for d in data.holidays)
        workdays = sorted(d.isoformat() for d in data.workdays)
        notice = builtin_notice(year, data.source)
        fields = {
            "year": year,
            "holidays": holidays,
            "workdays": workdays,
            "notice": notice,
            "supersedes": None,
        }
        record = publish_record(log, session, "calendar", fields, now)
        row = CalendarYear(year=year, record_id=record.id, entered_by=BUILTIN_ACTOR)
        row.holidays, row.workdays, row.notice, row.updated_at = holidays, workdays, notice, now
        session.add(row)
        session.flush()
        published.append(record)
    return published


def published_deadline(
    log: PublicLog,
    session: Session,
    start: date,
    workdays: int,
    published: date,
    now: datetime,
) -> Deadline:
    """The deadline a record published on ``published`` claims, with every calendar year it
    was computed from published in the log first (:func:`publish_builtin_years`).

    Raises:
        CalendarDataMissing: when a year on the way has no data (nothing is published).
    """
    due = deadline(calendar_in(session), start, workdays, published)
    last = max(due.due, published)
    publish_builtin_years(log, session, range(start.year, last.year + 1), now)
    return due


def _dates(value: Any, what: str, year: int) -> list[date]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{what} must be a list of dates YYYY-MM-DD")
    out = []
    for i, item in enumerate(value):
        # YAML turns an unquoted 2027-01-01 into a date already.
        text = item.isoformat() if isinstance(item, date) else item
        try:
            out.append(date.fromisoformat(check_date(text, what=f"{what}[{i}]")))
        except EncodingError as exc:
            raise InputError(str(exc)) from exc
    for d in out:
        if d.year != year:
            raise InputError(f"{what}: {d.isoformat()} is not in the year {year}")
    return out


def parse_calendar_file(path: Path, year: int) -> YearCalendar:
    """Read a year's data from YAML or JSON: ``holidays``, ``workdays``, optional ``notice``.

    Raises:
        InputError: naming the file and what is wrong (not YAML/JSON, unknown key, bad date).
        OSError: when it cannot be read.
    """
    raw = path.read_bytes()
    try:
        data = json.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not valid YAML/JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping with 'holidays' and 'workdays'")
    unknown = sorted(str(k) for k in data if k not in ("year", "holidays", "workdays", "notice"))
    if unknown:
        raise InputError(f"{path}: unknown key {unknown[0]!r}")
    if "year" in data and data["year"] != year:
        raise InputError(f"{path}: the file is for {data['year']}, not {year}")
    if "holidays" not in data:
        raise InputError(f"{path}: missing 'holidays'")
    notice = data.get("notice") or ""
    if not isinstance(notice, str):
        raise InputError(f"{path}: 'notice' must be text")
    try:
        cal = YearCalendar.build(
            year,
            _dates(data["holidays"], "holidays", year),
            _dates(data.get("workdays"), "workdays", year),
            notice,
        )
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from exc
    return cal


class CalendarService:
    """Office calendar entries: stored, published as ``calendar`` records, audited."""

    def __init__(self, engine: Engine, log: PublicLog) -> None:
        """Use ``engine`` (schema up to date) and the office's log."""
        self.engine = engine
        self.log = log

    def set_year(
        self,
        data: YearCalendar,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
    ) -> Record:
        """Enter (or replace) the office's data for ``data.year`` and publish it.

        ``data.source`` is published as the notice it was read from (e.g. 国办发明电〔2025〕7号).

        Raises:
            InputError: for an empty holiday list (a year always has statutory holidays).
        """
        if not data.holidays:
            raise InputError(f"the {data.year} entry lists no holidays")
        holidays = sorted(d.isoformat() for d in data.holidays)
        workdays = sorted(d.isoformat() for d in data.workdays)
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            require_whole_office(session, actor, "维护节假日安排")
            row = session.get(CalendarYear, data.year)
            if row is not None and (row.holidays, row.workdays, row.notice) == (
                holidays,
                workdays,
                data.source,
            ):
                return self._record(session, row.record_id)
            fields = {
                "year": data.year,
                "holidays": holidays,
                "workdays": workdays,
                "notice": data.source,
                "supersedes": None if row is None else row.record_id,
            }
            record = publish_record(self.log, session, "calendar", fields, now)
            if row is None:
                row = CalendarYear(year=data.year, record_id=record.id, entered_by=actor)
            row.holidays, row.workdays, row.notice = holidays, workdays, data.source
            row.record_id, row.entered_by, row.updated_at = record.id, actor, now
            session.add(row)
            record_audit(
                session,
                now,
                actor,
                "calendar.set",
                str(data.year),
                {"record": record.id, "holidays": len(holidays), "workdays": len(workdays)},
                remote_addr,
            )
            self.log.sign_checkpoint(session, now)
        return record

    def _record(self, session: Session, record_id: str) -> Record:
        return load_record(self.log, session, record_id)

    def calendar(self) -> WorkCalendar:
        """The calendar in force: built-in years overlaid by the office's entries."""
        with new_session(self.engine) as session:
            return calendar_in(session)

    def show(self, year: int) -> tuple[YearCalendar, str | None]:
        """The data in force for ``year`` and its ``calendar`` record id (None if built in).

        Raises:
            CalendarDataMissing: when neither the office nor the built-in data covers it.
        """
        with new_session(self.engine) as session:
            row = session.get(CalendarYear, year)
            if row is not None:
                return _year_from_row(row), row.record_id
        return builtin_calendar().year(year), None
