"""检查结果告知书 owed and not issued yet, issued after the fact (docs/documents.md).

The disclosure publishes a task's held results without rendering anything (it must not fail
for a missing font or a Typst error): a held result whose 告知书 could not be rendered at its
approval is published with the trace of its 通知书 and 笔录 only, and is *owed* its 告知书.
:func:`issue_owed` issues what is owed, one result per transaction under the log's writer
lock (so two instances never give one result two numbers), each audited ``document.issue``
like any issue. It runs right after a disclosure commits and at every scheduler sweep, so a
notice that could not be rendered appears once rendering works again. It is idempotent: a
result that has its 告知书 is not owed, and issuing the same data again returns the same
document.

Owed: a held or published result whose target has a current 通知书 issued before the result
was published (a notice issued later does not reach back to an older result) and that has no
告知书 linked to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, exists, or_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from lottery.core.errors import LotteryError
from lottery.documents.render import DocumentError
from lottery.storage.engine import new_session
from lottery.storage.models import Document, InspectionResult

from . import document_issue
from .log import PublicLog

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Told:
    """What :func:`issue_owed` did: documents issued, results known to be still owed, and
    why it stopped (None: it went through every result owed)."""

    issued: int = 0
    owed: int = 0
    error: str | None = None


def owed(session: Session, task: str | None = None, result_id: int | None = None) -> list[int]:
    """The ids of the results owed a 告知书 (oldest first), of one task or all (or whether
    the result ``result_id`` is)."""
    notice = aliased(Document)
    told = aliased(Document)
    result = InspectionResult
    query = (
        select(result.id)
        .join(
            notice,
            and_(
                col(notice.kind) == "notice",
                col(notice.status) == "current",
                col(notice.task) == col(result.task),
                col(notice.target) == col(result.target),
            ),
        )
        .where(
            col(result.status).in_(["held", "published"]),
            or_(
                col(result.published_at).is_(None),
                col(notice.issued_at) <= col(result.published_at),
            ),
            ~exists().where(
                col(told.task) == col(result.task),  # the task's index: a small scan
                col(told.kind) == "result",
                col(told.result) == col(result.id),
            ),
        )
        .order_by(col(result.id))
    )
    if task is not None:
        query = query.where(col(result.task) == task)
    if result_id is not None:
        query = query.where(col(result.id) == result_id)
    return [int(i) for i in session.exec(query) if i is not None]


def issue_owed(
    engine: Engine,
    log: PublicLog,
    now: datetime,
    *,
    actor: str = "system",
    task: str | None = None,
) -> Told:
    """Issue the 告知书 owed (of one task, or all). Stops at the first rendering failure (the
    next run retries); a result whose data cannot be gathered is logged and skipped; a
    database failure is logged and reported as owed (it runs after a commit, which must not
    look failed)."""
    try:
        return _issue_owed(engine, log, now, actor=actor, task=task)
    except SQLAlchemyError as exc:
        logger.error("result notices owed not issued: %s", exc)  # noqa: TRY400 - retried
        return Told(error=f"数据库暂时不可用（{type(exc).__name__}）")


def _issue_owed(
    engine: Engine, log: PublicLog, now: datetime, *, actor: str, task: str | None
) -> Told:
    with new_session(engine) as session:
        ids = owed(session, task)
    issued = skipped = 0
    for done, result_id in enumerate(ids):
        try:
            with new_session(engine) as session, session.begin():
                log.lock(session)  # one issuer at a time: one number per result
                if not owed(session, result_id=result_id):
                    continue  # another instance issued it meanwhile
                row = session.get(InspectionResult, result_id)
                if row is None:
                    continue
                fields = document_issue.approved_fields(row)
                doc = document_issue.tell(session, row, fields, now, actor)
                issued += doc is not None and doc.result == result_id
        except DocumentError as exc:
            left = len(ids) - done + skipped
            logger.warning("result notices owed: %d, not rendered: %s", left, exc)
            return Told(issued, left, str(exc))
        except LotteryError as exc:
            skipped += 1
            logger.error("result notice of result %d not issued: %s", result_id, exc)  # noqa: TRY400
    return Told(issued, skipped)
