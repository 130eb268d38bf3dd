"""The publication checks of ``lottery verify``: deadlines, withdrawals and corrections (R8).

From the log's records (in log order) alone, this module

- builds the calendar a verifier can trust: for each year, the latest ``calendar`` record of
  that year in the log (the service publishes a built-in year as a record before the first
  record whose deadline needs it; the office's own entry of a year supersedes it). No
  calendar data from outside the log is used, so a verifier needs nothing but the log;
- recomputes, for every ``task-report`` and ``penalty``, its deadline from the facts in the
  record (the start day: the report's ``completed``, the penalty's ``decided``; 7 working
  days) and the publication date (the record's ``time`` as a Beijing date), and compares it
  with what the record claims (``deadline.due``, ``on_time``, ``late_by`` ...);
- checks that every ``penalty-withdrawal`` names a published penalty, every correction
  (``inspection-result`` with ``supersedes``) an earlier current result of the same task and
  target, every penalty's ``result`` a published result of the same target, and every task
  report's ``results`` the task's published results (:mod:`lottery.core.publication_refs`).

A late publication is a *finding* (the log is still valid); a claim that does not match the
recomputation is a *failure* naming the record (the office misstated its own lateness). A
deadline that reaches a year with no ``calendar`` record in the log cannot be checked, and says
so (an older log, written before built-in years were published, reports those years so).
If a claim matches only the calendar that was in force when the record was published (the
office re-entered that year later), the record is reported with the difference, not failed:
the office used its own published calendar. Counting rules: docs/workdays.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .canonical import beijing_date
from .check_names import CheckName
from .errors import EncodingError, InputError, VerificationError
from .objection_refs import period_problem
from .publication_refs import References
from .records import Record
from .verify import Check
from .workdays import CalendarDataMissing, Deadline, WorkCalendar, YearCalendar, deadline

PUBLICATION_WORKDAYS = 7
"""Both deadlines of section 十一: the task report and a penalty, 7 working days."""

WITHDRAWAL_WORKDAYS = 3
"""A revoked decision's information is withdrawn within 3 working days (行政处罚法 第四十八条,
第八十五条: "三日" counts working days)."""


def has_deadline(record: Record) -> bool:
    """Whether a record claims a publication deadline: a report, a penalty, or the withdrawal
    of a revoked decision."""
    if record.type in ("task-report", "penalty"):
        return True
    return record.type == "penalty-withdrawal" and record.body["deadline"] is not None


def _deadline_facts(record: Record) -> tuple[str, str, int]:
    """(name, start field, working days) of a record with a deadline."""
    body = record.body
    if record.type == "task-report":
        return f"task-report {body['task']}", "completed", PUBLICATION_WORKDAYS
    if record.type == "penalty":
        return f"penalty {body['decision']}", "decided", PUBLICATION_WORKDAYS
    return f"penalty-withdrawal {body['decision']}", "revoked", WITHDRAWAL_WORKDAYS


ON_TIME = "on-time"
LATE = "late"
UNCHECKED = "cannot-check"
CALENDAR_CHANGED = "calendar-changed"
MISSTATED = "misstated"

_RULE = {PUBLICATION_WORKDAYS: "section 十一", WITHDRAWAL_WORKDAYS: "行政处罚法 第四十八条"}

_CLAIMS = ("start", "workdays", "due", "published", "on_time", "late_by")


@dataclass(frozen=True)
class Publication:
    """The deadline check of one ``task-report`` or ``penalty`` record.

    Attributes:
        record: the record id.
        index: its position in the records audited (the log index when every entry verified).
        kind: ``task-report`` or ``penalty``.
        name: e.g. ``task-report T2026-001`` or ``penalty 武人防罚〔2026〕1号``.
        task: the report's task, or the task of the result a penalty follows from (or None).
        status: ``on-time``, ``late``, ``cannot-check``, ``calendar-changed`` or ``misstated``.
        claimed: the record's own ``deadline`` object.
        recomputed: the deadline recomputed with the trusted calendar (None: cannot check).
        detail: one line saying what was found.
        check: the failed check's name (``deadline.late_by`` ...) when misstated, else None.
        missing_year: the year without a calendar record when it cannot be checked.
    """

    record: str
    index: int
    kind: str
    name: str
    task: str | None
    status: str
    claimed: Mapping[str, Any]
    recomputed: Deadline | None
    detail: str
    check: str | None = None
    missing_year: int | None = None

    @property
    def failed(self) -> bool:
        """Whether the record misstates its deadline."""
        return self.status == MISSTATED

    def to_dict(self) -> dict[str, Any]:
        """The JSON form for ``lottery verify --json``."""
        return {
            "record": self.record,
            "index": self.index,
            "type": self.kind,
            "name": self.name,
            "task": self.task,
            "status": self.status,
            "claimed": dict(self.claimed),
            "recomputed": None if self.recomputed is None else self.recomputed.to_dict(),
            "detail": self.detail,
            "check": self.check,
            "missing_year": self.missing_year,
        }


@dataclass
class PublicationAudit:
    """What the publication checks established, and what failed."""

    publications: list[Publication] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    failures: list[tuple[str, VerificationError]] = field(default_factory=list)
    calendar_sources: dict[int, str] = field(default_factory=dict)

    def count(self, status: str) -> int:
        """How many publications have ``status``."""
        return sum(p.status == status for p in self.publications)

    def summary(self) -> str:
        """One line: how many publications were on time, late, unchecked, misstated."""
        if not self.publications:
            return "no task report or penalty published: no deadline to check"
        late = [p for p in self.publications if p.status == LATE]
        days = sum(p.recomputed.late_by for p in late if p.recomputed is not None)
        missing = sorted({str(p.missing_year) for p in self.publications if p.missing_year})
        parts = [f"{self.count(ON_TIME)} on time", f"{len(late)} late ({days} working days in all)"]
        if missing:
            parts.append(
                f"{self.count(UNCHECKED)} cannot be checked (no calendar record in the log for "
                f"{', '.join(missing)})"
            )
        if self.count(CALENDAR_CHANGED):
            parts.append(
                f"{self.count(CALENDAR_CHANGED)} claimed with a calendar entry since replaced"
            )
        parts.append(f"{self.count(MISSTATED)} misstated")
        return f"{len(self.publications)} publications with a deadline: " + ", ".join(parts)


def audit_publications(
    records: Sequence[Record],
    assumed: Mapping[int, YearCalendar] | None = None,
    *,
    task: str | None = None,
    contents: Mapping[str, Mapping[str, Any]] | None = None,
) -> PublicationAudit:
    """Check the deadlines, withdrawals and corrections of ``records`` (log order).

    The calendar is the log's ``calendar`` records alone. ``assumed``: years taken as known
    beside the log, each still replaced by a record of its year (for tests of the counting
    rules only: ``lottery verify``, the standalone verifier and the site pass none).

    ``contents``: the opened sealed content of records by id (a penalty's ``target`` and
    ``result``; :mod:`lottery.core.sealed_audit`); a withdrawn penalty has none.

    With ``task``, only that task's results and report, and the penalties that follow from
    its results (with their withdrawals), are reported; the calendar is always read whole.

    Raises:
        Nothing for verification failures: they are collected in ``failures``.
    """
    audit = PublicationAudit()
    base = dict(assumed or {})
    office: dict[int, YearCalendar] = {}
    sources = {year: data.source for year, data in base.items()}
    latest: dict[int, str] = {}
    at_publication: dict[str, dict[int, YearCalendar]] = {}
    refs = References(task, contents=dict(contents or {}))
    calendars = 0

    def fail(record: Record, check: str, detail: str) -> None:
        audit.failures.append((_scope(record), VerificationError(check, detail)))

    for record in records:
        body = record.body
        kind = record.type
        if has_deadline(record):
            at_publication[record.id] = dict(office)
        problem = refs.add(record)
        if problem is not None:
            fail(record, *problem)
        if kind != "calendar":
            continue
        calendars += 1
        year = body["year"]
        if body["supersedes"] != latest.get(year):
            fail(
                record,
                CheckName.CALENDAR_SUPERSEDES,
                f"calendar record {record.id[:16]} for {year} names "
                f"{_short(body['supersedes'])} as the entry it replaces, but the latest "
                f"published entry for {year} is {_short(latest.get(year))}",
            )
        try:
            office[year] = _office_year(record)
        except InputError as exc:
            fail(record, CheckName.CALENDAR_DATA, f"calendar record {record.id[:16]}: {exc}")
            continue
        latest[year] = record.id
        sources[year] = f"calendar record {record.id[:16]}"

    final = WorkCalendar(base | office)
    audit.calendar_sources = {year: sources[year] for year in sorted(base | office)}
    objections = [r for r in records if r.type == "objection-outcome"]
    _objection_periods(audit, objections, final, task)
    for i, record in enumerate(records):
        if not has_deadline(record):
            continue
        owner = refs.task_of(record)
        if task is not None and owner != task:
            continue
        then = WorkCalendar(base | at_publication[record.id])
        publication = check_deadline(record, i, final, then, owner)
        audit.publications.append(publication)
        if publication.check is not None:
            fail(record, publication.check, publication.detail)
    counts = refs.counts | {"calendar": calendars}
    audit.checks += [
        Check(f"{name}.references", f"{count} {name} references verify")
        for name, count in counts.items()
        if count and not any(exc.check.startswith(f"{name}.") for _, exc in audit.failures)
    ]
    return audit


def _objection_periods(
    audit: PublicationAudit,
    objections: Sequence[Record],
    calendar: WorkCalendar,
    task: str | None,
) -> None:
    """The objection period of every ``objection-outcome`` (``objection.period``), with the
    calendar the verifier trusts; a period reaching a year without data is noted, not failed."""
    checked, missing = 0, set()
    failed = {exc.detail for _, exc in audit.failures if exc.check == CheckName.OBJECTION_PERIOD}
    for record in objections:
        if task not in (None, record.body["task"]):
            continue
        if any(record.id[:16] in detail for detail in failed):
            continue  # its period's start is already wrong (objection_refs)
        try:
            problem = period_problem(record, calendar)
        except CalendarDataMissing as exc:
            missing.add(str(exc.year))
            continue
        if problem is not None:
            audit.failures.append((_scope(record), VerificationError(*problem)))
        else:
            checked += 1
    if any(exc.check == CheckName.OBJECTION_PERIOD for _, exc in audit.failures):
        return
    if checked or missing:
        unchecked = f"; cannot check those reaching {', '.join(sorted(missing))}" if missing else ""
        audit.checks.append(
            Check(
                CheckName.OBJECTION_PERIOD,
                f"{checked} objections received within their period{unchecked}",
            )
        )


def check_deadline(
    record: Record,
    index: int,
    calendar: WorkCalendar,
    then: WorkCalendar | None = None,
    task: str | None = None,
) -> Publication:
    """Recompute one record's deadline with ``calendar`` and compare it with its claim.

    ``then`` is the calendar in force when it was published; a claim that only matches that
    one is ``calendar-changed`` rather than misstated.
    """
    body = record.body
    claimed: Mapping[str, Any] = body["deadline"]
    kind = record.type
    name, start_field, workdays = _deadline_facts(record)
    start = date.fromisoformat(body[start_field])
    published = beijing_date(body["time"])

    def result(
        status: str,
        recomputed: Deadline | None,
        detail: str,
        check: str | None = None,
        year: int | None = None,
    ) -> Publication:
        return Publication(
            record.id, index, kind, name, task, status, claimed, recomputed, detail, check, year
        )

    # The facts the recomputation starts from must be the record's own.
    facts = {
        "start": (start.isoformat(), f"the {start_field} date {start.isoformat()}"),
        "workdays": (workdays, f"{workdays} working days ({_RULE[workdays]})"),
        "published": (published.isoformat(), f"the Beijing date of its time {body['time']}"),
    }
    for key, (expected, why) in facts.items():
        if claimed[key] != expected:
            return result(
                MISSTATED,
                None,
                f"{name} (record {record.id[:16]}) claims {key} {_json(claimed[key])}, "
                f"but it is {why}",
                f"deadline.{key}",
            )
    if published < start:
        return result(
            MISSTATED,
            None,
            f"{name} (record {record.id[:16]}) was published on "
            f"{published.isoformat()}, before its {start_field} date {start.isoformat()}",
            CheckName.DEADLINE_PUBLISHED,
        )
    try:
        due = deadline(calendar, start, workdays, published)
    except CalendarDataMissing as exc:
        return result(
            UNCHECKED,
            None,
            f"{name}: published {published.isoformat()}, deadline from {start.isoformat()}: "
            f"cannot check: no calendar record in the log for {exc.year}",
            year=exc.year,
        )
    mismatch = _mismatch(claimed, due)
    if mismatch is not None and then is not None:
        try:
            old = deadline(then, start, workdays, published)
        except CalendarDataMissing:
            old = None
        if old is not None and _mismatch(claimed, old) is None:
            return result(
                CALENDAR_CHANGED,
                due,
                f"{name}: claims due {claimed['due']}, {_status(old)}, as computed with the "
                f"calendar in force at publication; with the office's later calendar entry: "
                f"due {due.due.isoformat()}, published {published.isoformat()}, {_status(due)}",
            )
    if mismatch is not None:
        key, want = mismatch
        return result(
            MISSTATED,
            due,
            f"{name} (record {record.id[:16]}) claims {key} {_json(claimed[key])}, "
            f"but recomputed: {key} {_json(want)} (due {due.due.isoformat()}, "
            f"published {published.isoformat()}, {_status(due)})",
            f"deadline.{key}",
        )
    status = ON_TIME if due.late_by == 0 else LATE
    return result(
        status,
        due,
        f"{name}: due {due.due.isoformat()}, published {published.isoformat()}, {_status(due)}",
    )


def _mismatch(claimed: Mapping[str, Any], due: Deadline) -> tuple[str, Any] | None:
    """The first claimed field that differs from the recomputation, with the right value."""
    right = due.to_dict()
    for key in _CLAIMS:
        if claimed[key] != right[key]:
            return key, right[key]
    return None


def _status(due: Deadline) -> str:
    if due.late_by == 0:
        return "on time"
    unit = "working day" if due.late_by == 1 else "working days"
    return f"late by {due.late_by} {unit}"


def _json(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _office_year(record: Record) -> YearCalendar:
    """A ``calendar`` record's data, checked like the office's entry.

    Raises:
        InputError: when the data is not a valid year (a date outside it, a day both ...).
    """
    body = record.body
    try:
        return YearCalendar.build(
            body["year"],
            (date.fromisoformat(d) for d in body["holidays"]),
            (date.fromisoformat(d) for d in body["workdays"]),
            body["notice"] or "office",
        )
    except (EncodingError, ValueError) as exc:
        raise InputError(str(exc)) from exc


def _scope(record: Record) -> str:
    body = record.body
    if record.type == "penalty":
        return f"penalty {body['decision']}"
    if "task" in body:
        return f"{record.type} {body['task']}"
    return f"{record.type} {record.id[:16]}"


def _short(record_id: str | None) -> str:
    return "none" if record_id is None else record_id[:16]
