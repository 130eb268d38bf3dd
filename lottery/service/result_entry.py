"""What an inspector enters for a result, and the checks it must pass (docs/results.md).

Split from :mod:`lottery.service.results`, which stores and publishes entries: the entry
types, the errors, and the checks of dates, methods and categories, and of who was present
(drawn inspectors and substitutes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlmodel import Session, select

from lottery.core.canonical import parse_time
from lottery.core.errors import InputError
from lottery.core.outcome import Outcome
from lottery.core.records import CHECK_METHODS, NO_PROBLEM, PENDING, RESULT_CATEGORIES
from lottery.storage.models import InspectionResult, SealedOutcome, Task

from .audit_trail import record_audit
from .committed_pool import staff_outcome
from .inspector_checks import inspector_problem
from .log import PublicLog
from .secrets import SecretKeeper

CST = timezone(timedelta(hours=8), "CST")
MAX_EVIDENCE = (
    20 * 1024 * 1024
)  # one evidence file, bytes (the API and the console)  # China Standard Time: dates of publication

# Categories that mark a target for later draws (docs/results.md).
BAD_RECORD = frozenset(RESULT_CATEGORIES) - {NO_PROBLEM, "未发现开展本次抽查涉及的经营活动"}
SERIOUS = frozenset({"公示信息隐瞒真实情况弄虚作假", "不配合检查情节严重"})
CLOSED = {"已关闭停业或正在组织清算": "closed", "注销 / 被吊销 / 被撤销 / 迁出": "deregistered"}


class ResultError(InputError):
    """An inspection result that cannot be entered, approved or corrected as asked."""


class ResultNotFound(ResultError):
    """No such result (or task, or pick)."""


class NotAssigned(ResultError):
    """The inspector entering a result was not drawn for that target."""


class ReviewError(ResultError):
    """The approval is not allowed (e.g. the reviewer is the author)."""


class SubstituteError(ResultError):
    """A substitute inspector without a reason, an approval, or eligibility."""


class ContentWithdrawn(ResultError):
    """The sealed content of a published result was withdrawn (HTTP 410): its evidence files
    are no longer handed out."""


def local_date(moment: datetime) -> date:
    """The date in China Standard Time (a naive time, as SQLite returns them, is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CST).date()


def same_person(a: str, b: str) -> bool:
    """Whether two staff names denote the same person (case and spaces ignored)."""
    return a.strip().casefold() == b.strip().casefold()


# In every refusal of a reviewer who is the author (:func:`refuse_author`); the console tells
# that refusal from the others by it.
DIFFERENT_REVIEWER = "different reviewer"


def refuse_author(
    reviewer: str,
    author: str,
    error: type[InputError],
    what: str,
    *,
    then: str = "it must be approved by a different reviewer",
) -> None:
    """Raise ``error("{what} by {author}: {then}")`` when ``reviewer`` is empty or the same
    person as ``author``: results, reports and penalties are approved (or sent back) by
    someone other than who entered or drafted them. ``then`` says :data:`DIFFERENT_REVIEWER`."""
    if not reviewer.strip() or same_person(reviewer, author):
        raise error(f"{what} by {author}: {then}")


def published_result(
    session: Session, record_id: str, *, current: bool = False
) -> InspectionResult | None:
    """The inspection result published as the record ``record_id``, in force or superseded by
    a correction (``current``: in force only); None when there is none."""
    row = session.exec(
        select(InspectionResult).where(InspectionResult.record_id == record_id)
    ).one_or_none()
    wanted = ("published",) if current else ("published", "superseded")
    return row if row is not None and row.status in wanted else None


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
    kind: str = ""  # 笔录, 照片, 音像 or 书证 (lottery.core.onsite.EVIDENCE_KINDS)
    source: str = ""  # where it comes from, e.g. 现场拍摄, 企业提供


@dataclass(frozen=True)
class ChecklistAnswer:
    """The answer to one checklist point (检查要点) of a cited item: 符合, 不符合 or 不涉及."""

    item: str
    point: str
    answer: str
    note: str = ""  # required for 不符合


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
    place: str = ""  # 检查地点: sealed with the findings; blank seals none
    # The on-site record (lottery.service.onsite_record): answers to the cited items'
    # checklists, the time of the check, and why a result with findings has no evidence.
    checklist: Sequence[ChecklistAnswer] = ()
    started: datetime | None = None
    ended: datetime | None = None
    no_evidence_reason: str = ""
    # 超限理由: why a visit over the annual cap is made anyway ("原则上"); published with the
    # result, kept only when the cap applied (lottery.service.visit_cap).
    cap_exception: str = ""


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
    if task.state not in ("disclosed", "closed") or reveal is None:
        raise ResultError(f"task {task_id} is {task.state}: results need a disclosed task")
    digest = reveal.body["outcome"]
    return task, staff_outcome(session, log.blobs_by_digest(session, [digest])[digest])


# The task states whose picks are still sealed: results are entered, reviewed and held.
SEALED_STATES = ("drawn",)


def entry_outcome(
    session: Session,
    log: PublicLog,
    keeper: SecretKeeper | None,
    task_id: str,
    now: datetime,
    *,
    actor: str,
    target: str,
    remote_addr: str | None = None,
) -> Outcome:
    """The outcome a result is entered against: the revealed one of a disclosed task, or the
    sealed one of a drawn task (need to know, docs/results.md), opened with ``keeper``.

    A read of a sealed outcome is an ``outcome.read`` audit event naming the target the result
    is for (R6), in the caller's transaction.

    Raises:
        ResultNotFound: for an unknown task.
        ResultError: a task neither drawn nor disclosed, or a drawn one without ``keeper``.
    """
    task = session.get(Task, task_id)
    if task is None:
        raise ResultNotFound(f"no task {task_id}")
    if task.state not in SEALED_STATES or keeper is None:
        return disclosed_outcome(session, log, task_id)[1]
    row = session.get(SealedOutcome, task_id)
    if row is None:
        raise ResultError(f"task {task_id} is {task.state}: it has no outcome yet")
    blob = keeper.open("outcome", task_id, row.ciphertext)
    detail = {"sha256": row.sha256, "purpose": "result", "target": target}
    record_audit(session, now, actor, "outcome.read", task_id, detail, remote_addr)
    return staff_outcome(session, blob)


def check_lists(entry: ResultEntry) -> tuple[list[str], list[str]]:
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


def check_dates(entry: ResultEntry, session: Session, log: PublicLog, now: datetime) -> None:
    if not entry.dates:
        raise ResultError("a result needs its inspection date(s)")
    if len(set(entry.dates)) != len(entry.dates):
        raise ResultError("inspection dates repeat")
    today = local_date(now)
    draw = log.task_record(session, entry.task, "draw")
    drawn_on = local_date(parse_time(draw.body["time"])) if draw else today
    announcement = log.task_record(session, entry.task, "announce")
    window = announcement.body["window"] if announcement else None
    for d in entry.dates:
        if d > today:
            raise ResultError(f"inspection date {d.isoformat()} is in the future")
        if d < drawn_on:
            raise ResultError(f"inspection date {d.isoformat()} is before the draw")
        if window and not window["start"] <= d.isoformat() <= window["end"]:
            raise ResultError(
                f"inspection date {d.isoformat()} is outside the task's inspection window "
                f"{window['start']} to {window['end']}"
            )


def check_present(
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
    problem = inspector_problem(session, p.inspector, entry.dates, entry.target)
    if problem is None:
        return
    if problem.not_active:
        raise SubstituteError(f"{who}: {p.inspector} is not an active registered inspector")
    if problem.kind == "certificate" and problem.day is not None:
        raise SubstituteError(f"{who}: the certificate is not valid on {problem.day.isoformat()}")
    raise SubstituteError(f"{who}: declared conflict of interest with {entry.target}")
