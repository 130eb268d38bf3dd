"""Inspection results and the task report of a disclosed task (R7, R8; docs/results.md).

A result is *entered* by an inspector, *approved* by a reviewer who is a different person, and
then published as a signed ``inspection-result`` record; while its task is sealed (drawn) the
approved result is *held* and the disclosure publishes it (:mod:`.held_results`). Nothing is
edited in place: a correction is a new entry that, once approved, publishes a record naming
the one it supersedes. Evidence files stay in the service (``evidence_file``); only their
SHA-256 and size are published.

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

import logging
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from lottery.core.canonical import sha256_hex
from lottery.core.records import Record
from lottery.core.sealed import SALT_BYTES, SEALED_CONTENT, SEALED_OPTIONAL, seal
from lottery.documents.render import DocumentError
from lottery.storage.engine import new_session
from lottery.storage.models import (
    EvidenceFile,
    InspectionHistory,
    InspectionResult,
    Target,
    Task,
)

from . import document_issue, onsite_record, publication_review, result_evidence, visit_cap
from .audit_trail import record_audit
from .calendar import load_record, load_sealed, publish_record
from .integrity import stored
from .log import PublicLog
from .org_scope import require_task
from .result_entry import (
    BAD_RECORD,
    CLOSED,
    CST,
    DIFFERENT_REVIEWER,
    MAX_EVIDENCE,
    SEALED_STATES,
    SERIOUS,
    ContentWithdrawn,
    Evidence,
    NotAssigned,
    Present,
    ResultEntry,
    ResultError,
    ResultNotFound,
    ReviewError,
    SubstituteError,
    check_dates,
    check_lists,
    check_present,
    disclosed_outcome,
    entry_outcome,
    local_date,
    refuse_author,
    same_person,
)
from .sealed_withdrawal import withdraw_sealed
from .secrets import SecretKeeper

logger = logging.getLogger(__name__)

MAX_NOTE = 2000  # a send-back reason, as stored
# docs/spec.md §2.1: always sealed, and sealed when entered (the place of the inspection)
SEALED_FIELDS = tuple(SEALED_CONTENT["inspection-result"])
SEALED_IF_GIVEN = tuple(SEALED_OPTIONAL["inspection-result"])
MAX_PLACE = 500
# What staff are told of a result approved while its task is sealed (need to know).
HELD_ZH = "已审核，待公开后发布"
# ...and of one waiting or held when its task was cancelled (never published).
VOID_ZH = "任务已取消，不予公开"


def _store(
    session: Session,
    entry: ResultEntry,
    fields: dict[str, Any],
    now: datetime,
    actor: str,
    remote_addr: str | None,
    supersedes: InspectionResult | None = None,
) -> int:
    """Store an entered result, or a correction of the published ``supersedes``, waiting for
    approval; audited ``result.enter`` or ``result.correct``. Returns its id."""
    row = InspectionResult(
        task=entry.task,
        target=entry.target,
        fields=fields,
        supersedes=None if supersedes is None else supersedes.id,
        entered_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    row_id = stored(row.id, "the id of the result just written")
    action = "result.enter"
    detail: dict[str, Any] = {"result": row_id}
    if supersedes is not None:
        action = "result.correct"
        detail["supersedes"] = supersedes.record_id
    where = f"{entry.task}/{entry.target}"
    record_audit(session, now, actor, action, where, detail, remote_addr)
    return row_id


def _tell_held(session: Session, row: InspectionResult, now: datetime, reviewer: str) -> bool:
    """Issue the 检查结果告知书 of a result approved and held (when its target has a notice),
    so the disclosure only traces it; False when it cannot be rendered now: the approval
    holds anyway and :mod:`.result_notices` issues it later (docs/documents.md)."""
    try:
        with session.begin_nested():
            document_issue.tell(session, row, document_issue.approved_fields(row), now, reviewer)
    except DocumentError as exc:
        logger.warning("result notice of %s/%s left for later: %s", row.task, row.target, exc)
        return False
    return True


def feed_history(
    session: Session,
    task: str,
    target_id: str,
    fields: dict[str, Any],
    old: dict[str, Any] | None,
) -> None:
    """What a published result feeds (``fields``: its dates, inspectors present and
    categories; ``old``: those of the result it supersedes): the target's inspection history
    (the annual cap), its bad records, serious violation and status (R4). Also run by
    ``lottery recover`` for a result published after the backup (:mod:`.recovery_rows`)."""
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
    target = stored(session.get(Target, target_id), f"target {target_id}")
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


class ResultsService:
    """Entering, approving, correcting and publishing inspection results."""

    def __init__(self, engine: Engine, log: PublicLog, keeper: SecretKeeper | None = None) -> None:
        """Use ``engine`` (schema up to date) and the office's log; with the secret ``keeper``,
        results of a drawn task are entered against its sealed outcome (need to know)."""
        self.engine = engine
        self.log = log
        self.keeper = keeper

    def _fields(
        self,
        session: Session,
        entry: ResultEntry,
        now: datetime,
        actor: str,
        as_inspector: str | None = None,
        remote_addr: str | None = None,
    ) -> dict[str, Any]:
        outcome = entry_outcome(
            session,
            self.log,
            self.keeper,
            entry.task,
            now,
            actor=actor,
            target=entry.target,
            remote_addr=remote_addr,
        )
        team = next((t.inspectors for t in outcome.teams if t.target == entry.target), None)
        if team is None:
            raise ResultNotFound(f"{entry.target} was not picked in task {entry.task}")
        if as_inspector is not None and as_inspector not in team:
            raise NotAssigned(
                f"inspector {as_inspector} was not drawn for {entry.target} in task {entry.task}"
            )
        target = session.get(Target, entry.target)
        if target is None:
            raise ResultNotFound(f"no target {entry.target} in the registry")
        methods, cats = check_lists(entry)
        check_dates(entry, session, self.log, now)
        present = check_present(entry, team, session, actor)
        place = entry.place.strip()
        if len(place) > MAX_PLACE:
            raise ResultError(f"the place of the inspection is over {MAX_PLACE} characters")
        evidence: list[dict[str, Any]] = []
        for ev in entry.evidence:
            if not ev.name.strip():
                raise ResultError("an evidence file needs a name")
            digest = sha256_hex(ev.data)
            if session.get(EvidenceFile, digest) is None:
                session.add(
                    EvidenceFile(sha256=digest, size=len(ev.data), data=ev.data, created_at=now)
                )
            evidence.append(
                {"name": ev.name.strip(), "sha256": digest, "size": len(ev.data)}
                | onsite_record.evidence_type(ev, len(evidence) + 1)
            )
        answers = onsite_record.check_checklist(session, entry, cats)
        onsite = onsite_record.check_times(entry)
        onsite |= onsite_record.check_no_evidence(entry, cats, evidence)
        # The annual cap counts visits, sealed tasks' included (docs/decisions.md).
        cap = visit_cap.check_visit_cap(session, self.log, entry, as_inspector)
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
            **({"place": place} if place else {}),
            **({"checklist": answers} if answers else {}),
            **onsite,
            **cap,
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
                    col(InspectionResult.status).in_(["entered", "held", "reviewing", "published"]),
                )
            )
        )

    def enter(
        self,
        entry: ResultEntry,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
        as_inspector: str | None = None,
    ) -> int:
        """Enter a result for a picked target of a disclosed task; returns its id.

        ``as_inspector``: the inspector id of the account entering (the console passes it):
        the target must be one of theirs (they were drawn for it).

        Raises:
            ResultNotFound: for an unknown task or a target not picked in it.
            NotAssigned: when ``as_inspector`` was not drawn for the target.
            ResultError, SubstituteError: naming what is wrong with the entry, or when the
                target already has a result (correct it instead).
        """
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            if as_inspector is None:  # a drawn inspector enters wherever they were sent
                require_task(session, actor, entry.task)
            fields = self._fields(session, entry, now, actor, as_inspector, remote_addr)
            open_rows = self._open_rows(session, entry.task, entry.target)
            if any(r.status == "held" for r in open_rows):
                raise ResultError(
                    f"{entry.target} already has a result in task {entry.task}, approved and "
                    "held until the disclosure: a reviewer sends it back to change it"
                )
            if open_rows:
                raise ResultError(
                    f"{entry.target} already has a result in task {entry.task}: "
                    "enter a correction instead"
                )
            return _store(session, entry, fields, now, actor, remote_addr)

    def correct(
        self,
        record_id: str,
        entry: ResultEntry,
        reason: str,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
        as_inspector: str | None = None,
    ) -> int:
        """Enter a correction of the published result ``record_id``; returns its id.

        ``as_inspector``: as for :meth:`enter`.

        Raises:
            ResultNotFound: when ``record_id`` is not the current result of that target.
            NotAssigned: when ``as_inspector`` was not drawn for the target.
            ResultError: for an empty reason, another pending correction, or a bad entry.
        """
        if not reason.strip():
            raise ResultError("a correction needs a reason")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            if as_inspector is None:  # a drawn inspector corrects wherever they were sent
                require_task(session, actor, entry.task)
            old = session.exec(
                select(InspectionResult).where(InspectionResult.record_id == record_id)
            ).one_or_none()
            if old is None or old.status != "published":
                raise ResultNotFound(f"{record_id} is not a current published result")
            if (old.task, old.target) != (entry.task, entry.target):
                raise ResultError("a correction must be for the same task and target")
            if len(self._open_rows(session, entry.task, entry.target)) > 1:
                raise ResultError(f"a correction of {entry.target} is already waiting")
            fields = self._fields(session, entry, now, actor, as_inspector, remote_addr)
            fields["supersedes"] = record_id
            fields["correction_reason"] = reason.strip()
            return _store(session, entry, fields, now, actor, remote_addr, old)

    def approve(
        self, result_id: int, now: datetime, *, reviewer: str, remote_addr: str | None = None
    ) -> Record | None:
        """Approve an entered result and publish it (a reviewer other than the author).

        Of a task whose picks are still sealed (drawn), the result is approved and *held*
        (status ``held``, None returned): its record would name a sealed pick, so the
        disclosure publishes it (:mod:`lottery.service.held_results`, docs/results.md).

        Raises:
            ResultNotFound: for an unknown result.
            ReviewError: when the reviewer entered it, or it is not waiting for approval, or
                its task was cancelled.
        """
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            row = session.get(InspectionResult, result_id)
            if row is None:
                raise ResultNotFound(f"no result {result_id}")
            require_task(session, reviewer, row.task)
            if row.status != "entered":
                raise ReviewError(f"result {result_id} is {row.status}, not waiting for approval")
            refuse_author(reviewer, row.entered_by, ReviewError, f"result {result_id} was entered")
            task = stored(session.get(Task, row.task), f"task {row.task}")
            if task.state in SEALED_STATES:
                # Need to know: the record would name a still-sealed pick (R6). The result is
                # approved and held; the disclosure publishes it (held_results.py).
                row.status, row.approved_by = "held", reviewer.strip()
                session.add(row)
                detail: dict[str, Any] = {"result": result_id, "held": True}
                if not _tell_held(session, row, now, reviewer):
                    detail["result_notice"] = "pending"
                where = f"{row.task}/{row.target}"
                record_audit(session, now, reviewer, "result.approve", where, detail, remote_addr)
                return None
            if task.state not in ("disclosed", "closed"):
                raise ReviewError(f"task {row.task} is {task.state}: its results are not published")
            if not publication_review.ready(session, self.log, row):
                # 保密审查: the publication rules in force govern results; a person holding
                # publication.review decides what the record shows (publication_review.py).
                row.status, row.approved_by = "reviewing", reviewer.strip()
                session.add(row)
                detail = {"result": result_id, "publication_review": "pending"}
                where = f"{row.task}/{row.target}"
                record_audit(session, now, reviewer, "result.approve", where, detail, remote_addr)
                return None
            record = self.publish_row(session, row, reviewer, now)
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

    def publish_row(
        self,
        session: Session,
        row: InspectionResult,
        reviewer: str,
        now: datetime,
        *,
        render: bool = True,
    ) -> Record:
        """Publish the approved ``row`` as an ``inspection-result`` record in the caller's
        transaction (sealed content, superseded result, history and risk flags); no audit
        event and no checkpoint: the caller adds them. ``render``: issue the 检查结果告知书
        now (an approval); False for the disclosure of a held result, which traces a 告知书
        only if one was issued already (:func:`.document_issue.on_approval`)."""
        if not publication_review.ready(session, self.log, row):
            raise ReviewError(
                f"result {row.id} needs the publication review (保密审查) before it is published"
            )
        # The publication review's decision: withheld fields out, general texts in (§2.3).
        shown, review, withheld = publication_review.apply(row.fields)
        fields = dict(row.fields) | {"approved_by": reviewer.strip()}
        fields.pop(publication_review.DECISION, None)
        shown["approved_by"] = reviewer.strip()
        # The findings, follow-up and evidence names are sealed (docs/spec.md §2.1).
        content = {k: shown[k] for k in SEALED_FIELDS if k in shown}
        content |= {k: shown[k] for k in SEALED_IF_GIVEN if shown.get(k)}
        blob = seal("inspection-result", content, secrets.token_bytes(SALT_BYTES), omit=withheld)
        sealed = (*SEALED_FIELDS, *SEALED_IF_GIVEN)
        public = {k: v for k, v in shown.items() if k not in sealed}
        public["sealed"] = self.log.put_blob(session, blob)
        if review is not None:
            public["review"] = review
        # A joint visit names the other tasks already published for the target (spec §2).
        joint = visit_cap.joint_with(session, row)
        if joint:
            public["joint_with"] = joint
        # The 检查结果告知书 is issued by the approval, so its number and hash are in the
        # record; a held result's was issued at its approval, or follows the disclosure
        # (docs/documents.md).
        public |= document_issue.on_approval(
            session, row, fields, now, reviewer.strip(), render=render
        )
        record = publish_record(self.log, session, "inspection-result", public, now, task=row.task)
        old_fields: dict[str, Any] | None = None
        if row.supersedes is not None:
            old = stored(
                session.get(InspectionResult, row.supersedes),
                f"result {row.supersedes}, which result {row.id} supersedes",
            )
            old.status = "superseded"
            old_fields = old.fields
            session.add(old)
        row.status, row.approved_by = "published", reviewer.strip()
        row.record_id, row.published_at = record.id, now
        session.add(row)
        feed_history(session, row.task, row.target, fields, old_fields)
        return record

    def review_publication(
        self,
        result_id: int,
        generalised: dict[str, str],
        now: datetime,
        *,
        reviewer: str,
        remote_addr: str | None = None,
    ) -> Record | None:
        """The publication review (保密审查) of an approved result: apply the publication
        rules in force (withheld fields left out, ``generalised``: field -> the general text
        that replaces it), audited ``result.publication-review``. A result waiting for it
        (``reviewing``) is published at once (the record returned); a held one (its task
        still sealed) keeps the decision and the disclosure publishes it (None returned).

        Raises:
            ResultNotFound: for an unknown result.
            ReviewError: when it is not waiting for the review, no rule in force governs
                results, or the reviewer entered it.
            PublicationReviewError: a general text missing, too long or for another field.
        """
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double publication
            row = session.get(InspectionResult, result_id)
            if row is None:
                raise ResultNotFound(f"no result {result_id}")
            require_task(session, reviewer, row.task)
            if row.status not in ("reviewing", "held"):
                raise ReviewError(
                    f"result {result_id} is {row.status}, not waiting for the publication review"
                )
            refuse_author(reviewer, row.entered_by, ReviewError, f"result {result_id} was entered")
            if publication_review.rules_for(session, self.log, row) is None:
                raise ReviewError("现行抽查事项清单没有检查结果的公开规则，无需保密审查")
            decision = publication_review.decide(session, self.log, row, generalised, reviewer)
            row.fields = dict(row.fields) | {publication_review.DECISION: decision}
            session.add(row)
            where = f"{row.task}/{row.target}"
            detail: dict[str, Any] = {
                "result": result_id,
                "rules": decision["rules"],
                "withheld": decision["withheld"],
                "generalised": sorted(decision["generalised"]),
            }
            if row.status == "held":
                record_audit(
                    session, now, reviewer, "result.publication-review", where, detail, remote_addr
                )
                return None
            record = self.publish_row(session, row, row.approved_by or reviewer, now)
            detail["record"] = record.id
            record_audit(
                session, now, reviewer, "result.publication-review", where, detail, remote_addr
            )
            self.log.sign_checkpoint(session, now)
        return record

    def reviewing(self) -> list[InspectionResult]:
        """Approved results waiting for the publication review (oldest first)."""
        with new_session(self.engine) as session:
            return list(
                session.exec(
                    select(InspectionResult)
                    .where(InspectionResult.status == "reviewing")
                    .order_by(col(InspectionResult.created_at), col(InspectionResult.id))
                )
            )

    def held_unreviewed(self) -> list[InspectionResult]:
        """Held results (their task still sealed) that the publication review the rules in
        force require has not decided yet, oldest first: they may be reviewed before the
        disclosure, and an early disclosure waits for them. They name sealed picks (R6): a
        caller showing them audits the read (:func:`.held_results.audit_sealed_reads`)."""
        with new_session(self.engine) as session:
            rows = session.exec(
                select(InspectionResult)
                .where(InspectionResult.status == "held")
                .order_by(col(InspectionResult.created_at), col(InspectionResult.id))
            )
            return [r for r in rows if not publication_review.ready(session, self.log, r)]

    def publication_rules(self, result_id: int) -> list[Any]:
        """The publication rules that apply to a result (empty when none or no rule in force
        governs results)."""
        with new_session(self.engine) as session:
            row = session.get(InspectionResult, result_id)
            if row is None:
                raise ResultNotFound(f"no result {result_id}")
            return publication_review.rules_for(session, self.log, row) or []

    def send_back(
        self,
        result_id: int,
        reason: str,
        now: datetime,
        *,
        reviewer: str,
        remote_addr: str | None = None,
    ) -> None:
        """Send an entered result back to its author with a reason (status ``returned``).

        Nothing is published; the inspector enters the result anew (a new entry). A *held*
        result (approved while the task is sealed, nothing published yet) may be sent back
        the same way: that is how it is corrected before the disclosure (docs/results.md).

        Raises:
            ResultNotFound: for an unknown result.
            ReviewError: when the reviewer entered it, or it is not waiting for approval.
            ResultError: for an empty or too long reason.
        """
        note = reason.strip()
        if not note:
            raise ResultError("sending a result back needs a reason")
        if len(note) > MAX_NOTE:
            raise ResultError(f"the reason is longer than {MAX_NOTE} characters")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: not approved and sent back at once
            row = session.get(InspectionResult, result_id)
            if row is None:
                raise ResultNotFound(f"no result {result_id}")
            require_task(session, reviewer, row.task)
            if row.status not in ("entered", "held", "reviewing"):
                raise ReviewError(f"result {result_id} is {row.status}, not waiting for approval")
            refuse_author(
                reviewer,
                row.entered_by,
                ReviewError,
                f"result {result_id} was entered",
                then="a different reviewer must review it",
            )
            row.status, row.review_note = "returned", note
            session.add(row)
            record_audit(
                session,
                now,
                reviewer,
                "result.send-back",
                f"{row.task}/{row.target}",
                {"result": result_id, "reason": note},
                remote_addr,
            )

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

    def waiting(self, task: str | None = None) -> list[InspectionResult]:
        """Results entered and waiting for a reviewer (oldest first), of one task or all."""
        query = select(InspectionResult).where(InspectionResult.status == "entered")
        if task is not None:
            query = query.where(InspectionResult.task == task)
        with new_session(self.engine) as session:
            return list(
                session.exec(
                    query.order_by(col(InspectionResult.created_at), col(InspectionResult.id))
                )
            )

    def get(self, result_id: int) -> InspectionResult:
        """One result, whatever its status.

        Raises:
            ResultNotFound: when there is none.
        """
        with new_session(self.engine) as session:
            row = session.get(InspectionResult, result_id)
        if row is None:
            raise ResultNotFound(f"no result {result_id}")
        return row

    def versions(self, task: str, target: str) -> list[InspectionResult]:
        """Every version of a target's result in a task, first entered first (the history:
        published, superseded by corrections, sent back, waiting)."""
        with new_session(self.engine) as session:
            return list(
                session.exec(
                    select(InspectionResult)
                    .where(InspectionResult.task == task, InspectionResult.target == target)
                    .order_by(col(InspectionResult.id))
                )
            )

    def record(self, record_id: str) -> Record:
        """A published record by id.

        Raises:
            LotteryError: when there is none.
        """
        with new_session(self.engine) as session:
            return load_record(self.log, session, record_id)

    def content(self, record_id: str) -> dict[str, Any] | None:
        """The sealed findings, follow-up and evidence of a published result, checked against
        its commitment; None once withdrawn.

        Raises:
            LotteryError: when there is no such record.
            VerificationError: when the stored blob does not match the commitment.
        """
        with new_session(self.engine) as session:
            return load_sealed(self.log, session, record_id, "inspection-result")

    def withdraw(
        self,
        record_id: str,
        reason: str,
        now: datetime,
        *,
        actor: str,
        ground: str = "other",
        remote_addr: str | None = None,
    ) -> Record:
        """Withdraw the findings, follow-up and evidence names of a published result (current
        or superseded) with a ``result-withdrawal`` record; its sealed blob is deleted.

        Raises:
            ResultNotFound: when ``record_id`` is not a published inspection result.
            ResultError: for an empty reason, an unknown ground, or content already withdrawn.
        """
        if not reason.strip():
            raise ResultError("a withdrawal needs a reason")
        if ground not in ("expired", "repaired", "other"):
            raise ResultError(f"unknown withdrawal ground {ground!r}")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)
            row = session.exec(
                select(InspectionResult).where(InspectionResult.record_id == record_id)
            ).one_or_none()
            if row is None:
                raise ResultNotFound(f"{record_id} is not a published inspection result")
            require_task(session, actor, row.task)
            return withdraw_sealed(
                self.log,
                session,
                kind="result-withdrawal",
                ref="result",
                record_id=record_id,
                task=row.task,
                target=row.target,
                ground=ground,
                reason=reason,
                now=now,
                actor=actor,
                action="result.withdraw",
                remote_addr=remote_addr,
                already=lambda: ResultError(
                    f"the content of result {record_id[:16]} is already withdrawn"
                ),
            )

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

    def download_evidence(
        self,
        result_id: int,
        sha256: str,
        now: datetime,
        *,
        actor: str,
        as_inspector: str | None,
        remote_addr: str | None = None,
    ) -> result_evidence.EvidenceDownload:
        """An evidence file of a result for a reader of its sealed content, audited as
        ``result.evidence-download`` (:func:`result_evidence.download`).

        Raises:
            ResultNotFound: no such result, or it lists no file with this hash.
            NotAssigned: ``as_inspector`` is not in the result's team.
            ContentWithdrawn: the result's sealed content was withdrawn.
        """
        return result_evidence.download(
            self.engine,
            self.log,
            result_id,
            sha256,
            now,
            actor=actor,
            as_inspector=as_inspector,
            remote_addr=remote_addr,
        )


__all__ = [
    "CST",
    "DIFFERENT_REVIEWER",
    "HELD_ZH",
    "MAX_EVIDENCE",
    "MAX_PLACE",
    "VOID_ZH",
    "ContentWithdrawn",
    "Evidence",
    "NotAssigned",
    "Present",
    "ResultEntry",
    "ResultError",
    "ResultNotFound",
    "ResultsService",
    "ReviewError",
    "SubstituteError",
    "disclosed_outcome",
    "local_date",
    "same_person",
]
