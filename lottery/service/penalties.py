"""Penalty decisions (行政处罚): entered, approved, published, withdrawn (R8; docs/results.md).

A decision is published as a ``penalty`` record within 7 working days of the decision date
(section 十一 "应在作出行政处罚决定之日起7个工作日内"); the record carries that deadline and
whether it was met. The party, facts, basis, kind, content, amounts and the result it follows
from are sealed (:mod:`lottery.core.sealed`): published as a salted blob whose SHA-256 the
record carries. When the office's publication period (``publish_until``) has passed, or the
decision was revoked, a ``penalty-withdrawal`` record withdraws it and the blob is deleted:
the log keeps the penalty record and its hash, but no longer the content (docs/results.md).

Also here: the list of publications due or overdue (:func:`pending_deadlines`), for staff.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from lottery.core import uscc
from lottery.core.deadline_audit import WITHDRAWAL_WORKDAYS
from lottery.core.errors import InputError
from lottery.core.records import WITHDRAWAL_GROUNDS, Record
from lottery.core.sealed import SALT_BYTES, SEALED_CONTENT, SEALED_OPTIONAL, seal
from lottery.core.workdays import CalendarDataMissing, WorkCalendar
from lottery.storage.engine import new_session
from lottery.storage.models import InspectionResult, Penalty, Target, Task, TaskReport

from .audit_trail import record_audit
from .calendar import (
    calendar_in,
    load_record,
    load_sealed,
    publish_record,
    published_deadline,
)
from .integrity import stored
from .log import PublicLog
from .org_scope import require_target
from .reports import REPORT_WORKDAYS, ReportError, ReportService
from .result_entry import refuse_author
from .results import ResultError, local_date

PENALTY_WORKDAYS = 7  # section 十一: within 7 working days of the decision
REVOKED_ON = "revoked_on"  # the private row's note of a revocation not yet withdrawn
SEALED_FIELDS = tuple(SEALED_CONTENT["penalty"])  # under the commitment (docs/spec.md §2.1)
# The 双公示 fields, sealed when given (an entry without them seals none: older format).
SEALED_IF_GIVEN = tuple(SEALED_OPTIONAL["penalty"])
FIELDS_ZH = {
    "decision": "处罚决定书文号",
    "target": "当事人统一社会信用代码",
    "decided": "处罚决定日期",
    "facts": "违法事实",
    "basis": "处罚依据",
    "kind": "处罚类别",
    "content": "处罚内容",
    "authority": "处罚机关",
    "amounts": "金额",
    "result": "所依据的检查结果记录编号",
    "publish_until": "公示截止日期",
    "address": "当事人住所（经营场所）",
    "representative": "法定代表人（负责人）",
    "authority_code": "处罚机关统一社会信用代码",
    "violation": "违法行为类型",
    "licence": "暂扣或吊销证照名称及编号",
}
"""The entry's fields as staff name them: a refusal reads ``处罚依据（basis）：不能为空``."""


def _refused(name: str, what: str) -> PenaltyError:
    """A refusal naming the field (in Chinese and by its key) and what is wrong with it."""
    return PenaltyError(f"{FIELDS_ZH[name]}（{name}）：{what}")


DOUBLE_PUBLICITY_LIMITS = {
    "address": 500,
    "representative": 100,
    "violation": 200,
    "licence": 500,
}


class PenaltyError(InputError):
    """A penalty that cannot be entered, approved or withdrawn as asked."""


class PenaltyNotFound(PenaltyError):
    """No such penalty."""


class PenaltyStateError(PenaltyError):
    """The penalty is not in the state the operation needs (e.g. approving one already
    published, withdrawing one not published or already withdrawn): perhaps someone else
    acted first."""


STATUS_ZH = {"entered": "待审核", "published": "已公开", "withdrawn": "已撤回"}
"""A penalty row's ``status`` as staff read it."""


def _in_state(row: Penalty, needed: str, action: str) -> None:
    """Refuse ``action`` on ``row`` unless its status is ``needed``."""
    if row.status != needed:
        status = STATUS_ZH.get(row.status, row.status)
        raise PenaltyStateError(
            f"处罚决定 {row.decision} 当前为“{status}”，"
            f"只有“{STATUS_ZH[needed]}”的处罚决定才能{action}"
        )


@dataclass(frozen=True)
class Amount:
    """An amount of a penalty: integer fen (分), optionally the written form."""

    kind: str  # e.g. 罚款, 没收违法所得
    fen: int
    text: str | None = None


@dataclass(frozen=True)
class PenaltyEntry:
    """A penalty decision as entered by staff."""

    decision: str  # 处罚决定书文号
    target: str  # USCC
    decided: date
    facts: str
    basis: str
    kind: str  # 处罚类型
    content: str
    authority: str
    publish_until: date  # the office's publication period ends after this day
    amounts: Sequence[Amount] = ()
    result: str | None = None  # the inspection-result record it follows from
    # 双公示 (issue #18): blank ones are not sealed.
    address: str = ""  # 住所（经营场所）of the party
    representative: str = ""  # 法定代表人（负责人）; for an individual business, 经营者
    authority_code: str = ""  # 处罚机关统一社会信用代码
    violation: str = ""  # 违法行为类型
    licence: str = ""  # 暂扣或吊销证照名称及编号


def _double_publicity(entry: PenaltyEntry) -> dict[str, str]:
    """The 双公示 fields given (stripped), checked."""
    out: dict[str, str] = {}
    for name, limit in DOUBLE_PUBLICITY_LIMITS.items():
        value = str(getattr(entry, name)).strip()
        if len(value) > limit:
            raise _refused(name, f"最多 {limit} 个字")
        if value:
            out[name] = value
    if entry.authority_code.strip():
        try:
            out["authority_code"] = uscc.validate(entry.authority_code)
        except InputError as exc:
            raise _refused("authority_code", f"不是有效的统一社会信用代码（{exc}）") from None
    return out


def _fields(entry: PenaltyEntry, target: Target, actor: str) -> dict[str, object]:
    for name in ("decision", "facts", "basis", "kind", "content", "authority"):
        if not str(getattr(entry, name)).strip():
            raise _refused(name, "不能为空")
    if len(entry.decision.strip()) > 100:
        raise _refused("decision", "最多 100 个字")
    if entry.publish_until <= entry.decided:
        raise _refused("publish_until", "须晚于处罚决定日期")
    amounts = []
    for a in entry.amounts:
        if isinstance(a.fen, bool) or not isinstance(a.fen, int) or a.fen < 0:
            raise _refused("amounts", f"“{a.kind}”的金额须是以分为单位的非负整数")
        if not a.kind.strip():
            raise _refused("amounts", "须写明金额类别（如 罚款）")
        item: dict[str, object] = {"kind": a.kind.strip(), "fen": a.fen}
        if a.text:
            item["text"] = a.text.strip()
        amounts.append(item)
    fields: dict[str, object] = {
        "decision": entry.decision.strip(),
        "target": target.uscc,
        "entity": target.name,
        "decided": entry.decided.isoformat(),
        "facts": entry.facts.strip(),
        "basis": entry.basis.strip(),
        "kind": entry.kind.strip(),
        "content": entry.content.strip(),
        "amounts": amounts,
        "authority": entry.authority.strip(),
        "result": entry.result,
        "publish_until": entry.publish_until.isoformat(),
        "entered_by": actor,
    }
    return fields | _double_publicity(entry)


def _row(session: Session, penalty_id: int) -> Penalty:
    row = session.get(Penalty, penalty_id)
    if row is None:
        raise PenaltyNotFound(f"没有编号为 {penalty_id} 的处罚决定")
    return row


def _revoked_after_decision(row: Penalty, revoked: date | None) -> None:
    if revoked is not None and revoked < row.decided:
        raise PenaltyError(
            f"撤销日期（revoked）：{revoked.isoformat()} 早于处罚决定日期 {row.decided.isoformat()}"
        )


class PenaltyService:
    """Entering, approving, publishing and withdrawing penalty decisions."""

    def __init__(self, engine: Engine, log: PublicLog) -> None:
        """Use ``engine`` (schema up to date) and the office's log."""
        self.engine = engine
        self.log = log

    def enter(
        self, entry: PenaltyEntry, now: datetime, *, actor: str, remote_addr: str | None = None
    ) -> int:
        """Enter a decision; returns its id.

        Raises:
            PenaltyError: naming the missing or wrong field, a decision date in the future,
                a decision number already entered, or a ``result`` that is not a published
                result of this target.
        """
        if entry.decided > local_date(now):
            raise _refused("decided", f"{entry.decided.isoformat()} 晚于今天")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            require_target(session, actor, entry.target)
            target = session.get(Target, entry.target)
            if target is None:
                raise _refused("target", f"名录中没有 {entry.target} 这个检查对象")
            fields = _fields(entry, target, actor)
            dup = session.exec(
                select(Penalty).where(Penalty.decision == fields["decision"])
            ).first()
            if dup is not None:
                raise _refused("decision", f"{fields['decision']} 已经录入过")
            if entry.result is not None:
                res = session.exec(
                    select(InspectionResult).where(InspectionResult.record_id == entry.result)
                ).one_or_none()
                if res is None or res.target != entry.target:
                    raise _refused(
                        "result", f"{entry.result} 不是 {entry.target} 已公开的检查结果记录"
                    )
            row = Penalty(
                decision=entry.decision.strip(),
                target=entry.target,
                decided=entry.decided,
                publish_until=entry.publish_until,
                fields=fields,
                entered_by=actor,
                created_at=now,
            )
            session.add(row)
            session.flush()
            row_id = stored(row.id, "the id of the penalty just written")
            record_audit(
                session,
                now,
                actor,
                "penalty.enter",
                row.decision,
                {"penalty": row_id},
                remote_addr,
            )
            return row_id

    def approve(
        self, penalty_id: int, now: datetime, *, reviewer: str, remote_addr: str | None = None
    ) -> Record:
        """Approve and publish a decision, with its deadline and whether it was met.

        Raises:
            PenaltyNotFound: for an unknown id.
            PenaltyStateError: when it is not waiting for approval.
            PenaltyError: when the reviewer entered it.
            CalendarDataMissing: when the deadline reaches a year without calendar data.
        """
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            row = _row(session, penalty_id)
            require_target(session, reviewer, row.target)
            _in_state(row, "entered", "审核通过")
            refuse_author(
                reviewer, row.entered_by, PenaltyError, f"penalty {row.decision} was entered"
            )
            due = published_deadline(
                self.log, session, row.decided, PENALTY_WORKDAYS, local_date(now), now
            )
            content = {k: row.fields[k] for k in SEALED_FIELDS}
            content |= {k: row.fields[k] for k in SEALED_IF_GIVEN if row.fields.get(k)}
            blob = seal("penalty", content, secrets.token_bytes(SALT_BYTES))
            sealed_keys = (*SEALED_FIELDS, *SEALED_IF_GIVEN)
            public = {k: v for k, v in row.fields.items() if k not in sealed_keys}
            fields = public | {
                "sealed": self.log.put_blob(session, blob),
                "approved_by": reviewer.strip(),
                "deadline": due.to_dict(),
            }
            record = publish_record(self.log, session, "penalty", fields, now)
            row.status, row.approved_by = "published", reviewer.strip()
            row.record_id, row.published_at = record.id, now
            session.add(row)
            target = session.get(Target, row.target)
            if target is not None:  # a penalty is a bad record for later draws (R4)
                target.bad_records += 1
                session.add(target)
            record_audit(
                session,
                now,
                reviewer,
                "penalty.approve",
                row.decision,
                {"record": record.id},
                remote_addr,
            )
            self.log.sign_checkpoint(session, now)
        return record

    def withdraw(
        self,
        penalty_id: int,
        reason: str,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
        ground: str = "other",
        revoked: date | None = None,
    ) -> Record:
        """Withdraw a published decision with a ``penalty-withdrawal`` record and delete its
        sealed blob (the content leaves the blob table, and so ``/log/blobs/``, the export
        and the site; the penalty record and its hash stay in the log).

        ``ground``: ``expired`` (公示期满), ``revoked`` (决定被撤销、变更、确认违法或无效:
        give ``revoked``, the day of that decision; the withdrawal is due within 3 working
        days and the record says whether that was met), ``repaired`` (信用修复) or ``other``.

        Raises:
            PenaltyNotFound: for an unknown id.
            PenaltyError: for an empty reason, an unknown ground, a revocation day missing,
                given without ground ``revoked``, in the future or before the decision, or
                other than the day noted (:meth:`note_revocation`).
            PenaltyStateError: a penalty that is not published.
            CalendarDataMissing: when a revoked decision's deadline reaches a year without
                calendar data.
        """
        if not reason.strip():
            raise PenaltyError("撤回原因（reason）：不能为空")
        if ground not in WITHDRAWAL_GROUNDS:
            raise PenaltyError(f"撤回依据（ground）：不认识 {ground!r}")
        if (ground == "revoked") != (revoked is not None):
            raise PenaltyError(
                "撤销日期（revoked）：撤回依据为“处罚决定被撤销、变更”（revoked）时须填写，"
                "其他依据不填写"
            )
        if revoked is not None and revoked > local_date(now):
            raise PenaltyError(f"撤销日期（revoked）：{revoked.isoformat()} 晚于今天")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)  # one writer at a time: no double approval
            row = _row(session, penalty_id)
            require_target(session, actor, row.target)
            _in_state(row, "published", "撤回")
            if row.record_id is None:
                raise PenaltyStateError(f"处罚决定 {row.decision} 尚未公开，不能撤回")
            noted = row.fields.get(REVOKED_ON)
            if noted is not None and (revoked is None or revoked.isoformat() != noted):
                raise PenaltyError(
                    f"撤销日期（revoked）：处罚决定 {row.decision} 已登记于 {noted} 被撤销，"
                    f"撤回时撤回依据须为“处罚决定被撤销、变更”（revoked），日期须为 {noted}"
                )
            _revoked_after_decision(row, revoked)
            digest = str(load_record(self.log, session, row.record_id).body["sealed"])
            due = (
                None
                if revoked is None
                else published_deadline(
                    self.log, session, revoked, WITHDRAWAL_WORKDAYS, local_date(now), now
                ).to_dict()
            )
            fields = {
                "penalty": row.record_id,
                "decision": row.decision,
                "sealed": [digest],
                "ground": ground,
                "reason": reason.strip(),
                "revoked": None if revoked is None else revoked.isoformat(),
                "deadline": due,
            }
            record = publish_record(self.log, session, "penalty-withdrawal", fields, now)
            self.log.remove_blob(session, digest, record.id)
            row.status, row.withdrawal_record = "withdrawn", record.id
            session.add(row)
            record_audit(
                session,
                now,
                actor,
                "penalty.withdraw",
                row.decision,
                {"record": record.id, "reason": reason.strip(), "ground": ground},
                remote_addr,
            )
            self.log.sign_checkpoint(session, now)
        return record

    def note_revocation(
        self,
        penalty_id: int,
        revoked: date,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
    ) -> Penalty:
        """Record that a published decision was revoked, changed, or found unlawful or void
        on ``revoked`` (行政处罚法 第四十八条), before its withdrawal is published: from then
        on the withdrawal is due within 3 working days and :func:`pending_deadlines` lists it
        (the 工作台, ``lottery deadlines``, ``GET /api/deadlines``) until it is withdrawn.
        Private: nothing is published (the ``penalty-withdrawal`` says it all).

        Raises:
            PenaltyNotFound: for an unknown id.
            PenaltyError: a day in the future or before the decision.
            PenaltyStateError: a penalty that is not published.
        """
        if revoked > local_date(now):
            raise PenaltyError(f"撤销日期（revoked）：{revoked.isoformat()} 晚于今天")
        with new_session(self.engine) as session, session.begin():
            row = _row(session, penalty_id)
            require_target(session, actor, row.target)
            _in_state(row, "published", "登记被撤销")
            _revoked_after_decision(row, revoked)
            row.fields = row.fields | {REVOKED_ON: revoked.isoformat()}
            session.add(row)
            record_audit(
                session,
                now,
                actor,
                "penalty.revoked",
                row.decision,
                {"revoked": revoked.isoformat()},
                remote_addr,
            )
        return row

    def expired(self, today: date) -> list[Penalty]:
        """The published decisions whose publication period ended before ``today`` (the
        office's date), oldest period first: what :meth:`withdraw_expired` withdraws."""
        query = (
            select(Penalty)
            .where(Penalty.status == "published", col(Penalty.publish_until) < today)
            .order_by(col(Penalty.publish_until), col(Penalty.id))
        )
        with new_session(self.engine) as session:
            return list(session.exec(query))

    def withdraw_expired(
        self, now: datetime, *, actor: str = "system", remote_addr: str | None = None
    ) -> list[Record]:
        """Withdraw every published decision whose publication period has ended (ground
        ``expired``, reason ``公示期满（至…）``), one withdrawal each; a decision withdrawn by
        someone else meanwhile is passed over. Returns the withdrawal records."""
        out = []
        for row in self.expired(local_date(now)):
            reason = f"公示期满（至{row.publish_until.isoformat()}）"
            pid = stored(row.id, "a penalty's id")
            try:
                out.append(
                    self.withdraw(
                        pid, reason, now, actor=actor, remote_addr=remote_addr, ground="expired"
                    )
                )
            except PenaltyError:
                continue  # withdrawn by someone else meanwhile
        return out

    def get(self, penalty_id: int) -> Penalty:
        """The penalty row.

        Raises:
            PenaltyNotFound: when there is none.
        """
        with new_session(self.engine) as session:
            return _row(session, penalty_id)

    def list_penalties(self, status: str | None = None) -> list[Penalty]:
        """Every penalty (or those with ``status``: entered, published, withdrawn), newest
        entry first."""
        query = select(Penalty).order_by(col(Penalty.id).desc())
        if status is not None:
            query = query.where(Penalty.status == status)
        with new_session(self.engine) as session:
            return list(session.exec(query))

    def content(self, record_id: str) -> dict[str, Any] | None:
        """The sealed content of a published penalty (party, facts, basis, kind, content,
        amounts, result), checked against its commitment; None once it is withdrawn.

        Raises:
            LotteryError: when there is no such record.
            VerificationError: when the stored blob does not match the commitment.
        """
        with new_session(self.engine) as session:
            return load_sealed(self.log, session, record_id, "penalty")

    def record(self, record_id: str) -> Record:
        """A published record by id.

        Raises:
            LotteryError: when there is none.
        """
        with new_session(self.engine) as session:
            return load_record(self.log, session, record_id)


@dataclass(frozen=True)
class DueItem:
    """A publication not yet made: what, its deadline, working days left (< 0: overdue).

    ``due`` and ``left`` are None when the deadline reaches a year without calendar data;
    ``problem`` then says which year the office must enter.
    """

    kind: str  # "task-report" | "penalty" | "penalty-withdrawal" (a revoked decision's)
    ref: str  # task id | decision number
    start: date
    due: date | None
    left: int | None
    problem: str | None = None

    @property
    def overdue(self) -> bool:
        """Whether the deadline has passed."""
        return self.left is not None and self.left < 0


def _item(
    cal: WorkCalendar, kind: str, ref: str, start: date, workdays: int, today: date
) -> DueItem:
    try:
        due = cal.add_workdays(start, workdays)
        return DueItem(kind, ref, start, due, cal.workdays_between(today, due))
    except CalendarDataMissing as exc:
        return DueItem(kind, ref, start, None, None, str(exc))


def pending_deadlines(engine: Engine, log: PublicLog, today: date) -> list[DueItem]:
    """Reports and penalties still to publish, and revoked penalties still to withdraw,
    soonest deadline first (unknown ones last).

    A task appears once all its picked targets have published results (its inspections are
    complete); an entered penalty appears at once; both deadlines are 7 working days. A
    published penalty whose revocation was noted (:meth:`PenaltyService.note_revocation`)
    appears until it is withdrawn: 3 working days from the revocation.
    """
    with new_session(engine) as session:
        cal = calendar_in(session)
        penalties = list(session.exec(select(Penalty).where(Penalty.status == "entered")))
        revoked = [
            p
            for p in session.exec(select(Penalty).where(Penalty.status == "published"))
            if p.fields.get(REVOKED_ON)
        ]
        published = set(
            session.exec(select(TaskReport.task).where(TaskReport.status == "published"))
        )
        tasks = [
            t
            for t in session.exec(select(Task.id).where(Task.state == "disclosed"))
            if t not in published
        ]
    items = [
        _item(cal, "penalty", p.decision, p.decided, PENALTY_WORKDAYS, today) for p in penalties
    ]
    items += [
        _item(
            cal,
            "penalty-withdrawal",
            p.decision,
            date.fromisoformat(p.fields[REVOKED_ON]),
            WITHDRAWAL_WORKDAYS,
            today,
        )
        for p in revoked
    ]
    reports = ReportService(engine, log)
    for task in tasks:
        try:
            completed = reports.completed(task)
        except (ReportError, ResultError):
            continue  # inspections not complete yet
        items.append(_item(cal, "task-report", task, completed, REPORT_WORKDAYS, today))
    return sorted(items, key=lambda i: (i.due is None, i.due or i.start, i.kind, i.ref))


__all__ = [
    "Amount",
    "CalendarDataMissing",
    "DueItem",
    "PenaltyEntry",
    "PenaltyError",
    "PenaltyNotFound",
    "PenaltyService",
    "pending_deadlines",
]
