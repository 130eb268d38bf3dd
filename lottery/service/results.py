"""Inspection results and the task report of a disclosed task (R7, R8; docs/results.md).

A result is *entered* by an inspector, *approved* by a reviewer who is a different person, and
then published as a signed ``inspection-result`` record. Nothing is edited in place: a
correction is a new entry that, once approved, publishes a record naming the one it
supersedes. Evidence files stay in the service (``evidence_file``); only their SHA-256 and
size are published.

Who was there: every inspector drawn for the target is either present or replaced by a
substitute; a substitute needs a reason and the approval of someone other than the person
entering the result, must be an active inspector with a valid certificate on the inspection
dates and without a declared conflict with the target, and is published as a substitute.

Publishing a result feeds later draws: it records (or, for a correction, updates) the
target's :class:`InspectionHistory` row (the 2-per-year cap and "not the same inspectors"),
and sets the target's risk flags (docs/results.md lists which categories set which flag).

Each public method is one transaction; bad input raises an :class:`InputError` subclass and
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from lottery.core.canonical import parse_time, sha256_hex
from lottery.core.errors import InputError
from lottery.core.outcome import Outcome, decode_outcome
from lottery.core.records import CHECK_METHODS, NO_PROBLEM, PENDING, RESULT_CATEGORIES, Record
from lottery.storage.engine import new_session
from lottery.storage.models import (
    Conflict,
    EvidenceFile,
    InspectionHistory,
    InspectionResult,
    Inspector,
    Target,
    Task,
)

from .calendar import load_record, publish_record
from .lifecycle import record_audit
from .log import PublicLog

CST = timezone(timedelta(hours=8), "CST")  # China Standard Time: dates of publication

# Categories that mark a target for later draws (docs/results.md).
BAD_RECORD = frozenset(RESULT_CATEGORIES) - {NO_PROBLEM, "未发现开展本次抽查涉及的经营活动"}
SERIOUS = frozenset({"公示信息隐瞒真实情况弄虚作假", "不配合检查情节严重"})
CLOSED = {"已关闭停业或正在组织清算": "closed", "注销 / 被吊销 / 被撤销 / 迁出": "deregistered"}


class ResultError(InputError):
    """An inspection result that cannot be entered, approved or corrected as asked."""


class ResultNotFound(ResultError):
    """No such result (or task, or pick)."""


class ReviewError(ResultError):
    """The approval is not allowed (e.g. the reviewer is the author)."""


class SubstituteError(ResultError):
    """A substitute inspector without a reason, an approval, or eligibility."""


def local_date(moment: datetime) -> date:
    """The date in China Standard Time (a naive time, as SQLite returns them, is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CST).date()


def same_person(a: str, b: str) -> bool:
    """Whether two staff names denote the same person (case and spaces ignored)."""
    return a.strip().casefold() == b.strip().casefold()


@dataclass(frozen=True)
class Present:
    """An inspector present at a check; ``replaces`` etc. are set for a substitute."""

    inspector: str
    replaces: str | None = None
    reason: str | None = None
    approved_by: str | None = None


@dataclass(frozen=True)
class Evidence:
    """An evidence file (photo, record of the inspection...): kept privately, hash published."""

    name: str
    data: bytes


@dataclass(frozen=True)
class ResultEntry:
    """What an inspector enters for one picked target."""

    task: str
    target: str
    dates: Sequence[date]
    inspectors: Sequence[Present]
    methods: Sequence[str]
    categories: Sequence[str]
    pending_reasons: Sequence[str] = ()
    findings: str = ""
    follow_up: str = ""
    evidence: Sequence[Evidence] = field(default_factory=tuple)


def disclosed_outcome(session: Session, log: PublicLog, task_id: str) -> tuple[Task, Outcome]:
    """The task and its revealed outcome.

    Raises:
        ResultNotFound: for an unknown task.
        ResultError: when the task is not disclosed (the picks are still confidential).
    """
    task = session.get(Task, task_id)
    if task is None:
        raise ResultNotFound(f"no task {task_id}")
    reveal = log.task_record(session, task_id, "reveal")
    if task.state != "disclosed" or reveal is None:
        raise ResultError(f"task {task_id} is {task.state}: results need a disclosed task")
    digest = reveal.body["outcome"]
    return task, decode_outcome(log.blobs_by_digest(session, [digest])[digest])


def _check_lists(entry: ResultEntry) -> tuple[list[str], list[str]]:
    methods = [m for m in CHECK_METHODS if m in entry.methods]
    unknown = [m for m in entry.methods if m not in CHECK_METHODS]
    if unknown:
        raise ResultError(f"unknown check method {unknown[0]!r}; use one of {CHECK_METHODS}")
    if not methods:
        raise ResultError("a result needs at least one check method")
    cats = [c for c in RESULT_CATEGORIES if c in entry.categories]
    unknown = [c for c in entry.categories if c not in RESULT_CATEGORIES]
    if unknown:
        raise ResultError(f"unknown result category {unknown[0]!r}")
    if not cats:
        raise ResultError("a result needs at least one result category")
    if NO_PROBLEM in cats and len(cats) > 1:
        raise ResultError(f"{NO_PROBLEM!r} cannot be combined with another category")
    reasons = [r.strip() for r in entry.pending_reasons if r.strip()]
    if (PENDING in cats) != bool(reasons):
        raise ResultError(
            f"{PENDING!r} needs its sub-reason(s), and sub-reasons need that category"
        )
    if cats != [NO_PROBLEM] and not entry.findings.strip():
        raise ResultError("a result with a problem category needs its findings")
    return methods, cats


def _check_dates(entry: ResultEntry, session: Session, log: PublicLog, now: datetime) -> None:
    if not entry.dates:
        raise ResultError("a result needs its inspection date(s)")
    if len(set(entry.dates)) != len(entry.dates):
        raise ResultError("inspection dates repeat")
    today = local_date(now)
    draw = log.task_record(session, entry.task, "draw")
    drawn_on = local_date(parse_time(draw.body["time"])) if draw else today
    for d in entry.dates:
        if d > today:
            raise ResultError(f"inspection date {d.isoformat()} is in the future")
        if d < drawn_on:
            raise ResultError(f"inspection date {d.isoformat()} is before the draw")


def _check_present(
    entry: ResultEntry, team: Sequence[str], session: Session, actor: str
) -> list[dict[str, Any]]:
    ids = [p.inspector for p in entry.inspectors]
    if len(set(ids)) != len(ids):
        raise ResultError("an inspector is listed twice")
    if len(ids) < 2:
        raise ResultError("at least 2 inspectors must be present (检查人员不得少于2人)")
    replaced: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    for p in entry.inspectors:
        if p.replaces is None:
            if p.inspector not in team:
                raise SubstituteError(
                    f"inspector {p.inspector} was not drawn for {entry.target}: "
                    "enter them as a substitute, with a reason and an approval"
                )
            out.append({"id": p.inspector, "role": "drawn"})
            continue
        _check_substitute(p, entry, team, ids, session, actor)
        if p.replaces in replaced:
            raise SubstituteError(f"inspector {p.replaces} is replaced twice")
        replaced[p.replaces] = p.inspector
        out.append(
            {
                "id": p.inspector,
                "role": "substitute",
                "replaces": p.replaces,
                "reason": (p.reason or "").strip(),
                "approved_by": (p.approved_by or "").strip(),
            }
        )
    missing = [i for i in team if i not in ids and i not in replaced]
    if missing:
        raise SubstituteError(
            f"drawn inspector {missing[0]} is neither present nor replaced by a substitute"
        )
    return out


def _check_substitute(
    p: Present,
    entry: ResultEntry,
    team: Sequence[str],
    ids: Sequence[str],
    session: Session,
    actor: str,
) -> None:
    who = f"substitute {p.inspector} for {p.replaces}"
    if p.replaces not in team:
        raise SubstituteError(f"{who}: {p.replaces} was not drawn for {entry.target}")
    if p.replaces in ids:
        raise SubstituteError(f"{who}: {p.replaces} is listed as present")
    if p.inspector in team:
        raise SubstituteError(f"{who}: {p.inspector} is already in the drawn team")
    if not (p.reason or "").strip():
        raise SubstituteError(f"{who} needs a reason")
    approver = (p.approved_by or "").strip()
    if not approver:
        raise SubstituteError(f"{who} needs a reviewer's approval")
    if same_person(approver, actor) or same_person(approver, p.inspector):
        raise SubstituteError(f"{who} must be approved by someone other than {approver}")
    row = session.get(Inspector, p.inspector)
    if row is None or row.status != "active":
        raise SubstituteError(f"{who}: {p.inspector} is not an active registered inspector")
    for d in entry.dates:
        if not row.cert_valid_from <= d <= row.cert_valid_to:
            raise SubstituteError(f"{who}: the certificate is not valid on {d.isoformat()}")
    conflict = session.exec(
        select(Conflict).where(Conflict.inspector == p.inspector, Conflict.target == entry.target)
    ).first()
    if conflict is not None:
        raise SubstituteError(f"{who}: declared conflict of interest with {entry.target}")


class ResultsService:
    """Entering, approving, correcting and publishing inspection results."""

    def __init__(self, engine: Engine, log: PublicLog) -> None:
        """Use ``engine`` (schema up to date) and the office's log."""
        self.engine = engine
        self.log = log

    def _fields(
        self, session: Session, entry: ResultEntry, now: datetime, actor: str
    ) -> dict[str, Any]:
        _, outcome = disclosed_outcome(session, self.log, entry.task)
        team = next((t.inspectors for t in outcome.teams if t.target == entry.target), None)
        if team is None:
            raise ResultNotFound(f"{entry.target} was not picked in task {entry.task}")
        target = session.get(Target, entry.target)
        if target is None:
            raise ResultNotFound(f"no target {entry.target} in the registry")
        methods, cats = _check_lists(entry)
        _check_dates(entry, session, self.log, now)
        present = _check_present(entry, team, session, actor)
        evidence = []
        for ev in entry.evidence:
            if not ev.name.strip():
                raise ResultError("an evidence file needs a name")
            digest = sha256_hex(ev.data)
            if session.get(EvidenceFile, digest) is None:
                session.add(
                    EvidenceFile(sha256=digest, size=len(ev.data), data=ev.data, created_at=now)
                )
            evidence.append({"name": ev.name.strip(), "sha256": digest, "size": len(ev.data)})
        return {
            "task": entry.task,
            "target": entry.target,
            "target_name": target.name,
            "dates": sorted(d.isoformat() for d in entry.dates),
            "inspectors": present,
            "methods": methods,
            "categories": cats,
            "pending_reasons": [r.strip() for r in entry.pending_reasons if r.strip()],
            "findings": entry.findings.strip(),
            "follow_up": entry.follow_up.strip(),
            "evidence": evidence,
            "entered_by": actor,
            "supersedes": None,
            "correction_reason": None,
        }

    def _open_rows(self, session: Session, task: str, target: str) -> list[InspectionResult]:
        return list(
            session.exec(
                select(InspectionResult).where(
                    InspectionResult.task == task,
                    InspectionResult.target == target,
                    col(InspectionResult.status).in_(["entered", "published"]),
                )
            )
        )

    def enter(
        self, entry: ResultEntry, now: datetime, *, actor: str, remote_addr: str | None = None
    ) -> int:
        """Enter a result for a picked target of a disclosed task; returns its id.

        Raises:
            ResultNotFound: for an unknown task or a target not picked in it.
            ResultError, SubstituteError: naming what is wrong with the entry, or when the
                target already has a result (correct it instead).
        """
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            fields = self._fields(session, entry, now, actor)
            if self._open_rows(session, entry.task, entry.target):
                raise ResultError(
                    f"{entry.target} already has a result in task {entry.task}: "
                    "enter a correction instead"
                )
            row = InspectionResult(
                task=entry.task,
                target=entry.target,
                fields=fields,
                entered_by=actor,
                created_at=now,
            )
            session.add(row)
            session.flush()
            assert row.id is not None  # noqa: S101 - flushed
            record_audit(
                session,
                now,
                actor,
                "result.enter",
                f"{entry.task}/{entry.target}",
                {"result": row.id},
                remote_addr,
            )
            return row.id

    def correct(
        self,
        record_id: str,
        entry: ResultEntry,
        reason: str,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
    ) -> int:
        """Enter a correction of the published result ``record_id``; returns its id.

        Raises:
            ResultNotFound: when ``record_id`` is not the current result of that target.
            ResultError: for an empty reason, another pending correction, or a bad entry.
        """
        if not reason.strip():
            raise ResultError("a correction needs a reason")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            old = session.exec(
                select(InspectionResult).where(InspectionResult.record_id == record_id)
            ).one_or_none()
            if old is None or old.status != "published":
                raise ResultNotFound(f"{record_id} is not a current published result")
            if (old.task, old.target) != (entry.task, entry.target):
                raise ResultError("a correction must be for the same task and target")
            if len(self._open_rows(session, entry.task, entry.target)) > 1:
                raise ResultError(f"a correction of {entry.target} is already waiting")
            fields = self._fields(session, entry, now, actor)
            fields["supersedes"] = record_id
            fields["correction_reason"] = reason.strip()
            row = InspectionResult(
                task=entry.task,
                target=entry.target,
                fields=fields,
                supersedes=old.id,
                entered_by=actor,
                created_at=now,
            )
            session.add(row)
            session.flush()
            assert row.id is not None  # noqa: S101 - flushed
            record_audit(
                session,
                now,
                actor,
                "result.correct",
                f"{entry.task}/{entry.target}",
                {"result": row.id, "supersedes": record_id},
                remote_addr,
            )
            return row.id

    def approve(
        self, result_id: int, now: datetime, *, reviewer: str, remote_addr: str | None = None
    ) -> Record:
        """Approve an entered result and publish it (a reviewer other than the author).

        Raises:
            ResultNotFound: for an unknown result.
            ReviewError: when the reviewer entered it, or it is not waiting for approval.
        """
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            row = session.get(InspectionResult, result_id)
            if row is None:
                raise ResultNotFound(f"no result {result_id}")
            if row.status != "entered":
                raise ReviewError(f"result {result_id} is {row.status}, not waiting for approval")
            if not reviewer.strip() or same_person(reviewer, row.entered_by):
                raise ReviewError(
                    f"result {result_id} was entered by {row.entered_by}: "
                    "it must be approved by a different reviewer"
                )
            fields = dict(row.fields) | {"approved_by": reviewer.strip()}
            record = publish_record(
                self.log, session, "inspection-result", fields, now, task=row.task
            )
            old_fields: dict[str, Any] | None = None
            if row.supersedes is not None:
                old = session.get(InspectionResult, row.supersedes)
                assert old is not None  # noqa: S101 - foreign key
                old.status = "superseded"
                old_fields = old.fields
                session.add(old)
            row.status, row.approved_by = "published", reviewer.strip()
            row.record_id, row.published_at = record.id, now
            session.add(row)
            self._feed_history(session, row.task, row.target, fields, old_fields)
            record_audit(
                session,
                now,
                reviewer,
                "result.approve",
                f"{row.task}/{row.target}",
                {"result": result_id, "record": record.id},
                remote_addr,
            )
            self.log.sign_checkpoint(session, now)
        return record

    def _feed_history(
        self,
        session: Session,
        task: str,
        target_id: str,
        fields: dict[str, Any],
        old: dict[str, Any] | None,
    ) -> None:
        # One history row per (task, target): a correction updates it rather than counting
        # the same inspection twice toward the annual cap.
        first = date.fromisoformat(fields["dates"][0])
        present = [p["id"] for p in fields["inspectors"]]
        row = session.exec(
            select(InspectionHistory).where(
                InspectionHistory.task == task, InspectionHistory.target == target_id
            )
        ).first()
        if row is None:
            row = InspectionHistory(target=target_id, date=first, task=task, inspectors=present)
        row.date, row.inspectors = first, present
        session.add(row)
        target = session.get(Target, target_id)
        assert target is not None  # noqa: S101 - checked on entry
        cats = set(fields["categories"])
        # A bad record counts once per inspection: a correction only changes the count when
        # it turns a clean result into a bad one or back.
        was_bad = old is not None and bool(set(old["categories"]) & BAD_RECORD)
        target.bad_records = max(0, target.bad_records + bool(cats & BAD_RECORD) - was_bad)
        if cats & SERIOUS:
            target.serious_violation = True
        for cat, status in CLOSED.items():
            if cat in cats:
                target.status = status
        session.add(target)

    # -- reading ----------------------------------------------------------------------------

    def current(self, task: str) -> list[InspectionResult]:
        """The task's current published results (corrections replace what they supersede)."""
        with new_session(self.engine) as session:
            return list(
                session.exec(
                    select(InspectionResult)
                    .where(InspectionResult.task == task, InspectionResult.status == "published")
                    .order_by(col(InspectionResult.target))
                )
            )

    def record(self, record_id: str) -> Record:
        """A published record by id.

        Raises:
            LotteryError: when there is none.
        """
        with new_session(self.engine) as session:
            return load_record(self.log, session, record_id)

    def evidence(self, sha256: str) -> bytes:
        """An evidence file's bytes (private: for staff only).

        Raises:
            ResultNotFound: when no file has this hash.
        """
        with new_session(self.engine) as session:
            row = session.get(EvidenceFile, sha256)
        if row is None:
            raise ResultNotFound(f"no evidence file {sha256}")
        return row.data
