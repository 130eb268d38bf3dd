"""Objections (异议) of inspected parties to published results (docs/objections.md, issue #18).

The party of a published inspection result may object within the office's period (default 20
working days from the Beijing day the result was published; ``LOTTERY_OBJECTION_WORKDAYS``).
Staff record the objection: which result, the day it was received and what the party wrote.
That text is the party's own statement (often its business details, names, sometimes trade
secrets) and is **never published**: not in a record, not in a sealed blob. Another person
(result.review) decides it:

- **upheld** (异议成立): the result is corrected through the usual correction (entered and
  approved like any result, ``ResultsService.correct``); the outcome names that correction;
- **dismissed** (异议不成立): the office's reason, written for publication like a
  correction's reason.

The decision is published as an ``objection-outcome`` record naming the result, the received
and decided days, the period and the outcome. Each public method is one transaction; bad
input raises :class:`ObjectionError` (a Chinese message naming the field) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from lottery.core.canonical import beijing_date
from lottery.core.records import Record
from lottery.core.workdays import CalendarDataMissing
from lottery.storage.engine import new_session
from lottery.storage.models import InspectionResult, Objection

from .audit_trail import record_audit
from .calendar import calendar_in, load_record, publish_builtin_years, publish_record
from .log import PublicLog
from .org_scope import require_task
from .result_entry import ResultError, ResultNotFound, ReviewError, local_date, published_result
from .result_entry import refuse_author as _refuse_author

MAX_TEXT = 10_000
MAX_REASON = 2_000
DEFAULT_WORKDAYS = 20
OUTCOME_WORDS = {"upheld": "异议成立", "dismissed": "异议不成立"}
"""How the site and the console name an outcome."""


class ObjectionError(ResultError):
    """An objection that cannot be recorded or decided as asked (HTTP 422)."""


class ObjectionNotFound(ResultNotFound):
    """No such objection, or no published result to object to (HTTP 404)."""


@dataclass(frozen=True)
class Period:
    """The objection period of a result: ``workdays`` working days after ``start``."""

    start: date
    workdays: int
    due: date


class ObjectionService:
    """Recording objections, deciding them, listing them."""

    def __init__(self, engine: Engine, log: PublicLog, workdays: int = DEFAULT_WORKDAYS) -> None:
        """Use ``engine`` (schema up to date), the office's log and its objection period."""
        if workdays < 1:
            raise ValueError("the objection period needs at least 1 working day")
        self.engine = engine
        self.log = log
        self.workdays = workdays

    def _period(self, session: Session, result: InspectionResult) -> Period:
        record = load_record(self.log, session, result.record_id or "")
        start = beijing_date(record.body["time"])
        try:
            due = calendar_in(session).add_workdays(start, self.workdays)
        except CalendarDataMissing as exc:
            raise ObjectionError(
                f"收到日期（received）：{exc.year} 年的节假日安排尚未录入，无法计算异议期限"
            ) from exc
        return Period(start, self.workdays, due)

    def record(
        self,
        result_record: str,
        received: date,
        text: str,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
    ) -> Objection:
        """Record an objection to the published result ``result_record``, received on
        ``received``; ``text`` (what the party wrote) is kept private. Publishes nothing.

        Raises:
            ObjectionNotFound: when ``result_record`` is not a published inspection result.
            ObjectionError: for an empty or too long text, a received day in the future,
                before the result was published, or after the objection period.
        """
        body = text.strip()
        if not body:
            raise ObjectionError("异议内容（text）：不能为空")
        if len(body) > MAX_TEXT:
            raise ObjectionError(f"异议内容（text）：最多 {MAX_TEXT} 个字")
        if received > local_date(now):
            raise ObjectionError("收到日期（received）：不能晚于今天")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)
            result = published_result(session, result_record)
            if result is None:
                raise ObjectionNotFound(
                    f"检查结果（result）：{result_record[:16]} 不是已公开的检查结果"
                )
            require_task(session, actor, result.task)
            period = self._period(session, result)
            if received < period.start:
                raise ObjectionError(
                    f"收到日期（received）：不能早于检查结果公开之日（{period.start.isoformat()}）"
                )
            if received > period.due:
                raise ObjectionError(
                    f"收到日期（received）：已超过异议期限（自 {period.start.isoformat()} 起 "
                    f"{period.workdays} 个工作日，至 {period.due.isoformat()}）"
                )
            row = Objection(
                task=result.task,
                target=result.target,
                result_record=result_record,
                received=received,
                text=body,
                period_start=period.start,
                period_workdays=period.workdays,
                period_due=period.due,
                recorded_by=actor.strip(),
                recorded_at=now,
            )
            session.add(row)
            session.flush()
            record_audit(
                session,
                now,
                actor,
                "objection.record",
                f"{result.task}/{result.target}",
                {"objection": row.id, "result": result_record, "received": received.isoformat()},
                remote_addr,
            )
            session.expunge(row)
        return row

    def decide(
        self,
        objection_id: int,
        outcome: str,
        now: datetime,
        *,
        reviewer: str,
        correction: str | None = None,
        reason: str = "",
        remote_addr: str | None = None,
    ) -> Record:
        """Decide a recorded objection and publish its ``objection-outcome`` record.

        ``upheld`` needs ``correction``: the published correction of the result objected to
        (make it first, as any correction); ``dismissed`` needs ``reason`` (published).

        Raises:
            ObjectionNotFound: for an unknown objection.
            ReviewError: when the reviewer recorded it.
            ObjectionError: naming the field that is wrong, or when it is already decided.
        """
        if outcome not in OUTCOME_WORDS:
            raise ObjectionError(
                f"处理结果（outcome）：须是 upheld 或 dismissed，填写的是 {outcome!r}"
            )
        why = reason.strip()
        if outcome == "dismissed":
            if not why:
                raise ObjectionError("不予采纳的理由（reason）：异议不成立时必须填写，将随结果公开")
            if len(why) > MAX_REASON:
                raise ObjectionError(f"不予采纳的理由（reason）：最多 {MAX_REASON} 个字")
            if correction:
                raise ObjectionError("更正记录（correction）：异议不成立时不能填写")
        elif not correction:
            raise ObjectionError("更正记录（correction）：异议成立时须填写更正后的检查结果记录编号")
        with new_session(self.engine) as session, session.begin():
            self.log.lock(session)
            row = self._row(session, objection_id)
            require_task(session, reviewer, row.task)
            if row.status != "received":
                raise ObjectionError(f"异议 {objection_id} 已处理，不能再处理")
            _refuse_author(
                reviewer, row.recorded_by, ReviewError, f"objection {objection_id} was recorded"
            )
            if outcome == "upheld":
                fixed = published_result(session, correction or "")
                if fixed is None:
                    raise ObjectionError(
                        f"更正记录（correction）：{(correction or '')[:16]} 不是已公开的检查结果"
                    )
                original = session.exec(
                    select(InspectionResult.id).where(
                        InspectionResult.record_id == row.result_record
                    )
                ).one()
                if fixed.supersedes != original:
                    raise ObjectionError(
                        f"更正记录（correction）：{(correction or '')[:16]} 不是对被提出异议的"
                        "检查结果的更正"
                    )
            fix = correction if outcome == "upheld" else None
            answer = why if outcome == "dismissed" else None
            fields: dict[str, Any] = {
                "task": row.task,
                "target": row.target,
                "result": row.result_record,
                "received": row.received.isoformat(),
                "decided": local_date(now).isoformat(),
                "period": {
                    "start": row.period_start.isoformat(),
                    "workdays": row.period_workdays,
                    "due": row.period_due.isoformat(),
                },
                "outcome": outcome,
                "correction": fix,
                "reason": answer,
                "recorded_by": row.recorded_by,
                "decided_by": reviewer.strip(),
            }
            # The period was counted with these years: they go to the log first (workdays.md).
            years = range(row.period_start.year, row.period_due.year + 1)
            publish_builtin_years(self.log, session, years, now)
            record = publish_record(self.log, session, "objection-outcome", fields, now)
            row.status, row.outcome = "decided", outcome
            row.correction_record, row.reason = fix, answer
            row.decided_by, row.decided_at, row.outcome_record = reviewer.strip(), now, record.id
            session.add(row)
            record_audit(
                session,
                now,
                reviewer,
                "objection.decide",
                f"{row.task}/{row.target}",
                {"objection": objection_id, "decision": outcome, "record": record.id},
                remote_addr,
            )
            self.log.sign_checkpoint(session, now)
        return record

    # -- reading ----------------------------------------------------------------------------

    def _row(self, session: Session, objection_id: int) -> Objection:
        row = session.get(Objection, objection_id)
        if row is None:
            raise ObjectionNotFound(f"没有编号为 {objection_id} 的异议")
        return row

    def get(self, objection_id: int) -> Objection:
        """One objection.

        Raises:
            ObjectionNotFound: when there is none.
        """
        with new_session(self.engine) as session:
            return self._row(session, objection_id)

    def listing(self, *, undecided: bool = False, task: str | None = None) -> list[Objection]:
        """Objections, first received first (only those not decided yet with ``undecided``;
        only one task's with ``task``)."""
        with new_session(self.engine) as session:
            query = select(Objection).order_by(col(Objection.received), col(Objection.id))
            if undecided:
                query = query.where(Objection.status == "received")
            if task is not None:
                query = query.where(Objection.task == task)
            return list(session.exec(query))

    def corrections_of(self, result_record: str) -> list[str]:
        """The published corrections of ``result_record`` (record ids), for the console."""
        with new_session(self.engine) as session:
            original = select(InspectionResult.id).where(
                InspectionResult.record_id == result_record
            )
            rows = session.exec(
                select(InspectionResult.record_id).where(
                    col(InspectionResult.supersedes).in_(original.scalar_subquery()),
                    col(InspectionResult.status).in_(("published", "superseded")),
                )
            )
            return [r for r in rows if r is not None]


__all__ = [
    "DEFAULT_WORKDAYS",
    "OUTCOME_WORDS",
    "ObjectionError",
    "ObjectionNotFound",
    "ObjectionService",
]
