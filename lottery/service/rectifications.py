"""Rectification orders (整改) and their re-checks (复查) (docs/results.md, issue #16).

A reviewer orders the party of a published result with findings (any category but 未发现问题)
to rectify by a due date; the order is published at once as a ``rectification-order`` record
(the result is already public, so the order leaks nothing), its requirements sealed like a
result's findings (docs/spec.md §2.1). At least two inspectors re-check it on a day not before
the order; one of them (or a clerk) enters the re-check, a different person approves it, and it
is published as a ``rectification-check`` record naming the order, its note sealed. One
re-check per order: after a 部分整改 or 未按期整改 the office makes a new order (or penalises).

An order is *open* until its re-check is published, and *overdue* once its due date has passed.
Each public method is one transaction; bad input raises :class:`RectificationError` (a Chinese
message naming the field) and changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from lottery.core.publication_rules import PublicationRule
from lottery.core.records import NO_PROBLEM, RECHECK_OUTCOMES, Record
from lottery.core.sealed import SALT_BYTES, seal
from lottery.storage.engine import new_session
from lottery.storage.models import (
    Rectification,
)

from . import rectification_review as review
from .audit_trail import record_audit
from .calendar import load_sealed, publish_record
from .inspector_checks import inspector_problem
from .log import PublicLog
from .org_scope import require_task
from .publication_review import decide_texts, shown
from .result_entry import (
    NotAssigned,
    ResultError,
    ResultNotFound,
    ReviewError,
    local_date,
    published_result,
)
from .result_entry import refuse_author as _refuse_author
from .sealed_withdrawal import withdraw_sealed

MAX_TEXT = 10_000


class RectificationError(ResultError):
    """A rectification order or re-check that cannot be made as asked (HTTP 422)."""


class RectificationNotFound(ResultNotFound):
    """No such order, or no published result to order on (HTTP 404)."""


@dataclass(frozen=True)
class OpenRectification:
    """An order not re-checked yet; ``overdue`` once its due date has passed."""

    row: Rectification
    overdue: bool
    days_left: int  # calendar days until the due date (negative: overdue by that many)


def _text(value: str, field: str, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise RectificationError(f"{field}：不能为空")
    if len(text) > MAX_TEXT:
        raise RectificationError(f"{field}：最多 {MAX_TEXT} 个字")
    return text


def _inspectors(session: Session, ids: Sequence[str], day: date, target: str) -> list[str]:
    """The re-check's inspectors, checked like a result's: at least two distinct active
    registered inspectors, certificate valid on the day, no declared conflict with the
    target (检查人员不得少于2人; 回避)."""
    out = [i.strip() for i in ids if i.strip()]
    if len(set(out)) != len(out):
        raise RectificationError("复查人员（inspectors）：同一名人员填写了两次")
    if len(out) < 2:
        raise RectificationError("复查人员（inspectors）：不得少于 2 人")
    for ident in out:
        problem = inspector_problem(session, ident, [day], target)
        if problem is None:
            continue
        if problem.not_active:
            raise RectificationError(
                f"复查人员（inspectors）：{ident} 不是名录中在职的执法检查人员"
            )
        if problem.kind == "certificate":
            raise RectificationError(
                f"复查人员（inspectors）：{ident} 的执法证在 {day.isoformat()} 不在有效期内"
            )
        raise RectificationError(f"复查人员（inspectors）：{ident} 与该检查对象有回避关系")
    return out


class RectificationService:
    """Ordering rectification, entering and approving re-checks, listing open orders."""

    def __init__(self, engine: Engine, log: PublicLog) -> None:
        """Use ``engine`` (schema up to date) and the office's log."""
        self.engine = engine
        self.log = log

    def order(
        self,
        result_record: str,
        requirements: str,
        due: date,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
    ) -> Record | None:
        """Order the party of the published result ``result_record`` to rectify by ``due``;
        publishes the ``rectification-order`` record (None when publication rules govern
        orders: it waits for the 保密审查, :meth:`review_publication`).

        Raises:
            RectificationNotFound: when ``result_record`` is not a current published result.
            RectificationError: for a result without findings, empty requirements, a due date
                not after today, or an order of that result still open.
        """
        text = _text(requirements, "整改要求（requirements）", required=True)
        today = local_date(now)
        if due <= today:
            raise RectificationError(
                f"整改期限（due）：须晚于今天（{today.isoformat()}），填写的是 {due.isoformat()}"
            )
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no two open orders
            result = published_result(session, result_record, current=True)
            if result is None:
                raise RectificationNotFound(
                    f"检查结果（result）：{result_record[:16]} 不是现行有效的已公开检查结果"
                )
            require_task(session, actor, result.task)  # org scope: as for the result itself
            if result.fields["categories"] == [NO_PROBLEM]:
                raise RectificationError(
                    f"检查结果（result）：结论为“{NO_PROBLEM}”，没有需要整改的问题"
                )
            if self._open(session, result.task, result.target):
                raise RectificationError(
                    f"检查结果（result）：{result.target} 已有尚未复查的整改要求，请先复查"
                )
            row = Rectification(
                task=result.task,
                target=result.target,
                result_record=result_record,
                requirements=text,
                due=due,
                ordered_by=actor.strip(),
                ordered_at=now,
            )
            where = f"{result.task}/{result.target}"
            detail: dict[str, Any] = {"due": due.isoformat()}
            record: Record | None = None
            if review.order_rules(session, self.log, row) is not None:
                # 保密审查: publication rules govern orders; publication.review decides what
                # the record shows (review_publication), then it is published.
                row.order_status = "reviewing"
                detail["publication_review"] = "pending"
            else:
                record = self._publish_order(session, row, now)
                detail["record"] = record.id
            session.add(row)
            session.flush()
            detail["rectification"] = row.id
            record_audit(session, now, actor, "rectification.order", where, detail, remote_addr)
            if record is not None:
                self.log.sign_checkpoint(session, now)
        return record

    def _publish_order(self, session: Session, row: Rectification, now: datetime) -> Record:
        """Publish ``row``'s ``rectification-order`` record (its requirements sealed, as its
        review, if any, lets them be shown) in the caller's transaction."""
        content, seen, withheld = shown({"requirements": row.requirements}, row.order_review)
        blob = seal("rectification-order", content, secrets.token_bytes(SALT_BYTES), omit=withheld)
        fields: dict[str, Any] = {
            "task": row.task,
            "target": row.target,
            "result": row.result_record,
            "due": row.due.isoformat(),
            "sealed": self.log.put_blob(session, blob),
            "ordered_by": row.ordered_by,
        }
        if seen is not None:
            fields["review"] = seen
        record = publish_record(self.log, session, "rectification-order", fields, now)
        row.order_status, row.order_record = "published", record.id
        return record

    def _open(self, session: Session, task: str, target: str) -> list[Rectification]:
        return list(
            session.exec(
                select(Rectification).where(
                    Rectification.task == task,
                    Rectification.target == target,
                    Rectification.check_status != "published",
                )
            )
        )

    def enter_check(
        self,
        rectification_id: int,
        day: date,
        inspectors: Sequence[str],
        outcome: str,
        note: str,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
        as_inspector: str | None = None,
    ) -> None:
        """Enter the re-check of an open order (approved later by another person).

        ``as_inspector``: the inspector id of the account entering; it must be one of the
        re-check's inspectors.

        Raises:
            RectificationNotFound: for an unknown order.
            NotAssigned: when ``as_inspector`` is not among ``inspectors``.
            RectificationError: naming the field that is wrong, or when the order already has
                a re-check (waiting or published).
        """
        if outcome not in RECHECK_OUTCOMES:
            raise RectificationError(
                f"复查结论（outcome）：须是 {'、'.join(RECHECK_OUTCOMES)} 之一，"
                f"填写的是 {outcome!r}"
            )
        text = _text(note, "复查情况（note）", required=outcome != "已整改")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)
            row = self._row(session, rectification_id)
            if as_inspector is None:  # a re-check's own inspector enters wherever they went
                require_task(session, actor, row.task)
            if row.order_status != "published":
                raise RectificationError(
                    f"整改要求 {rectification_id} 尚在保密审查，公开后才能录入复查结果"
                )
            if row.check_status != "none":
                raise RectificationError(f"整改要求 {rectification_id} 已有复查结果，不能再录入")
            ordered = local_date(row.ordered_at)
            if day < ordered:
                raise RectificationError(
                    f"复查日期（date）：不能早于下达整改要求之日（{ordered.isoformat()}）"
                )
            if day > local_date(now):
                raise RectificationError("复查日期（date）：不能晚于今天")
            present = _inspectors(session, inspectors, day, row.target)
            if as_inspector is not None and as_inspector not in present:
                raise NotAssigned(f"检查人员 {as_inspector} 不在本次复查人员之中，不能录入")
            row.check_status = "entered"
            row.check_fields = {
                "date": day.isoformat(),
                "inspectors": present,
                "outcome": outcome,
                "note": text,
            }
            row.check_entered_by = actor.strip()
            session.add(row)
            record_audit(
                session,
                now,
                actor,
                "rectification.check-enter",
                f"{row.task}/{row.target}",
                {"rectification": rectification_id, "outcome": outcome},
                remote_addr,
            )

    def approve_check(
        self,
        rectification_id: int,
        now: datetime,
        *,
        reviewer: str,
        remote_addr: str | None = None,
    ) -> Record | None:
        """Approve the entered re-check and publish its ``rectification-check`` record (None
        when publication rules govern re-checks: it waits for the 保密审查).

        Raises:
            RectificationNotFound: for an unknown order.
            ReviewError: when the reviewer entered it.
            RectificationError: when no re-check is waiting for approval.
        """
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            row = self._row(session, rectification_id)
            require_task(session, reviewer, row.task)
            if row.check_status != "entered" or row.check_fields is None:
                raise RectificationError(f"整改要求 {rectification_id} 没有等待审核的复查结果")
            _refuse_author(
                reviewer,
                row.check_entered_by or "",
                ReviewError,
                f"the re-check of rectification {rectification_id} was entered",
            )
            row.check_approved_by = reviewer.strip()
            where = f"{row.task}/{row.target}"
            detail: dict[str, Any] = {"rectification": rectification_id}
            if review.check_rules(session, self.log, row) is not None:
                # 保密审查 of the note before the re-check is published (review_publication).
                row.check_status = "reviewing"
                detail["publication_review"] = "pending"
                session.add(row)
                action = "rectification.check-approve"
                record_audit(session, now, reviewer, action, where, detail, remote_addr)
                return None
            record = self._publish_check(session, row, now)
            detail["record"] = record.id
            record_audit(
                session, now, reviewer, "rectification.check-approve", where, detail, remote_addr
            )
            self.log.sign_checkpoint(session, now)
        return record

    def _publish_check(self, session: Session, row: Rectification, now: datetime) -> Record:
        """Publish ``row``'s approved re-check as a ``rectification-check`` record (its note
        sealed, as its review, if any, lets it be shown) in the caller's transaction."""
        entered: dict[str, Any] = dict(row.check_fields or {})
        content, seen, withheld = shown({"note": entered["note"]}, row.check_review)
        blob = seal("rectification-check", content, secrets.token_bytes(SALT_BYTES), omit=withheld)
        fields: dict[str, Any] = {
            "task": row.task,
            "target": row.target,
            "order": row.order_record,
            "date": entered["date"],
            "inspectors": entered["inspectors"],
            "outcome": entered["outcome"],
            "sealed": self.log.put_blob(session, blob),
            "entered_by": row.check_entered_by,
            "approved_by": row.check_approved_by,
        }
        if seen is not None:
            fields["review"] = seen
        record = publish_record(self.log, session, "rectification-check", fields, now)
        row.check_status, row.check_record, row.check_published_at = "published", record.id, now
        session.add(row)
        return record

    def review_publication(
        self,
        rectification_id: int,
        kind: str,
        generalised: Mapping[str, str],
        now: datetime,
        *,
        reviewer: str,
        remote_addr: str | None = None,
    ) -> Record:
        """The publication review (保密审查) of an order (``kind`` ``order``) or an approved
        re-check (``check``) waiting for it: the rules in force applied (``generalised``:
        field -> the general text that replaces it), then published, audited
        ``rectification.publication-review``. Not by the person who ordered (entered) it.

        Raises:
            RectificationNotFound: for an unknown order.
            RectificationError: when it is not waiting for the review.
            ReviewError: when the reviewer made the order (entered the re-check).
            PublicationReviewError: a general text missing, too long or for another field.
        """
        if kind not in review.KINDS:
            raise RectificationError(f"审查对象（kind）：须是 order 或 check，填写的是 {kind!r}")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double publication
            row = self._row(session, rectification_id)
            require_task(session, reviewer, row.task)
            if review.status(row, kind) != "reviewing":
                raise RectificationError(
                    f"整改要求 {rectification_id} 的{review.WHAT[kind]}没有等待保密审查"
                )
            author = row.ordered_by if kind == "order" else row.check_entered_by or ""
            what = f"the {review.KINDS[kind]} of rectification {rectification_id} was made"
            _refuse_author(reviewer, author, ReviewError, what)
            original = review.original(row, kind)
            due = review.rules_of(session, self.log, row, kind)
            decision = decide_texts(due or [], original, generalised, reviewer)
            if kind == "order":
                row.order_review = decision if due is not None else None
                record = self._publish_order(session, row, now)
            else:
                row.check_review = decision if due is not None else None
                record = self._publish_check(session, row, now)
            session.add(row)
            detail = {
                "rectification": rectification_id,
                "record": record.id,
                "rules": decision["rules"],
                "withheld": decision["withheld"],
                "generalised": sorted(decision["generalised"]),
            }
            where = f"{row.task}/{row.target}"
            if kind == "order":
                action = "rectification.order-publication-review"
            else:
                action = "rectification.check-publication-review"
            record_audit(session, now, reviewer, action, where, detail, remote_addr)
            self.log.sign_checkpoint(session, now)
        return record

    def reviewing(self) -> list[tuple[Rectification, str]]:
        """Orders and approved re-checks waiting for the publication review, with their kind
        (``order`` or ``check``), oldest order first."""
        with new_session(self.engine) as session:
            rows = session.exec(
                select(Rectification)
                .where(
                    (col(Rectification.order_status) == "reviewing")
                    | (col(Rectification.check_status) == "reviewing")
                )
                .order_by(col(Rectification.ordered_at), col(Rectification.id))
            )
            return [(r, "order" if r.order_status == "reviewing" else "check") for r in rows]

    def pending_order(self, result_record: str) -> Rectification:
        """The order on the result ``result_record`` that waits for the publication review
        (at most one: a result's target has one open order at a time).

        Raises:
            RectificationNotFound: when no order on that result waits for it.
        """
        with new_session(self.engine) as session:
            row = session.exec(
                select(Rectification)
                .where(
                    Rectification.result_record == result_record,
                    Rectification.order_status == "reviewing",
                )
                .order_by(col(Rectification.id).desc())
            ).first()
        if row is None:
            raise RectificationNotFound(
                f"检查结果（result）：{result_record[:16]} 没有待保密审查的整改通知"
            )
        return row

    def publication_rules(self, rectification_id: int, kind: str) -> list[PublicationRule]:
        """The publication rules that apply to an order's (re-check's) record (empty when
        none, or no rule in force governs the type).

        Raises:
            RectificationNotFound: for an unknown order.
        """
        with new_session(self.engine) as session:
            row = self._row(session, rectification_id)
            return review.rules_of(session, self.log, row, kind) or []

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
        """Withdraw the sealed requirements of an order, or the note of a re-check, with a
        ``rectification-withdrawal`` record; the sealed blob is deleted (as for results).

        Raises:
            RectificationNotFound: when ``record_id`` is neither a published order nor a
                published re-check.
            OutOfScope: the task lies outside ``actor``'s org unit.
            RectificationError: for an empty reason, an unknown ground, or content already
                withdrawn.
        """
        if not reason.strip():
            raise RectificationError("撤回原因（reason）：不能为空")
        if ground not in ("expired", "repaired", "other"):
            raise RectificationError(f"撤回依据（ground）：不认识 {ground!r}")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)
            row = session.exec(
                select(Rectification).where(
                    (col(Rectification.order_record) == record_id)
                    | (col(Rectification.check_record) == record_id)
                )
            ).first()
            if row is None:
                raise RectificationNotFound(f"{record_id[:16]} 不是已公开的整改要求或复查结果")
            require_task(session, actor, row.task)  # org scope: as for results
            return withdraw_sealed(
                self.log,
                session,
                kind="rectification-withdrawal",
                ref="record",
                record_id=record_id,
                task=row.task,
                target=row.target,
                ground=ground,
                reason=reason,
                now=now,
                actor=actor,
                action="rectification.withdraw",
                remote_addr=remote_addr,
                already=lambda: RectificationError(f"记录 {record_id[:16]} 的内容已撤回"),
            )

    # -- reading ----------------------------------------------------------------------------

    def _row(self, session: Session, rectification_id: int) -> Rectification:
        row = session.get(Rectification, rectification_id)
        if row is None:
            raise RectificationNotFound(f"没有编号为 {rectification_id} 的整改要求")
        return row

    def get(self, rectification_id: int) -> Rectification:
        """One order with its re-check.

        Raises:
            RectificationNotFound: when there is none.
        """
        with new_session(self.engine) as session:
            return self._row(session, rectification_id)

    def of_task(self, task: str) -> list[Rectification]:
        """Every order of a task, first made first."""
        with new_session(self.engine) as session:
            return list(
                session.exec(
                    select(Rectification)
                    .where(Rectification.task == task)
                    .order_by(col(Rectification.id))
                )
            )

    def open_orders(self, today: date) -> list[OpenRectification]:
        """Orders whose re-check is not published yet, the earliest due first; ``overdue``
        once the due date is before ``today``."""
        with new_session(self.engine) as session:
            rows = session.exec(
                select(Rectification)
                .where(Rectification.check_status != "published")
                .order_by(col(Rectification.due), col(Rectification.id))
            )
            return [OpenRectification(r, r.due < today, (r.due - today).days) for r in rows]

    def content(self, record_id: str, kind: str) -> dict[str, Any] | None:
        """The sealed content of a published order or re-check (``kind``), checked against
        its commitment; None once withdrawn.

        Raises:
            LotteryError: when there is no such record.
        """
        with new_session(self.engine) as session:
            return load_sealed(self.log, session, record_id, kind)


__all__ = [
    "OpenRectification",
    "RectificationError",
    "RectificationNotFound",
    "RectificationService",
]
