"""Two-person cancellation: one staff member asks, a different one confirms.

Cancelling a task publishes its secret (and its outcome once drawn), ends it for good and, after
a draw, throws away an outcome someone may have disliked; so one person must not be able to do
it alone (issue #15). As for public numbers (:mod:`lottery.service.beacons`):

- :func:`request_cancel` stores a *pending* request (reason, who, when, and the task's state at
  that moment). Nothing is published and the task's state does not change.
- :func:`confirm_cancel` by a **different** staff member cancels the task
  (:meth:`Lifecycle.cancel_in`, in the same transaction that marks the request confirmed) with
  the requested reason. The published record is the usual ``task-cancellation``: it names
  nobody; the audit trail names both people (``task.cancel`` by the confirmer, with
  ``requested_by``).
- :func:`reject_cancel`, by the request's author (a withdrawal) or by another staff member (a
  refusal), voids it with a reason.

One pending request per task. A request is bound to the state it was asked in: when the task
moves on before anyone confirms (the scheduler draws or discloses it), the request is *void*
and confirming it fails, even where cancelling in the new state would still be lawful: a
cancellation after the draw discards a sealed outcome, which the two people did not decide on.
A new request is needed. The scheduler never calls this module.

Who may call these (task.cancel) is the caller's job (API and console). Staff read these
messages in the console, so they are in Chinese.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from lottery.core.errors import InputError
from lottery.core.records import Record
from lottery.storage.models import CancelRequest, Task

from .audit_trail import record_audit
from .beacons import lock_task, same_person
from .lifecycle import Lifecycle, StateError
from .org_scope import require_task
from .text_input import refuse_unsafe_text

MAX_REASON = 2000
"""The longest reason, for a request or a rejection (as the API's cancel body allows)."""
CANCELLABLE = ("announced", "drawn")
_STATE_ZH = {
    "draft": "草稿",
    "announced": "已公告",
    "drawn": "已抽取",
    "disclosed": "已公开",
    "closed": "已办结",
    "cancelled": "已取消",
}


class SamePerson(InputError):
    """The confirmer is the person who asked for the cancellation (HTTP 403)."""


def _state(state: str) -> str:
    return _STATE_ZH.get(state, state)


def _check_reason(reason: str, what: str) -> None:
    if not reason.strip():
        raise InputError(f"{what}需要说明原因")
    if len(reason) > MAX_REASON:
        raise InputError(f"{what}的原因不能超过 {MAX_REASON} 个字符")
    refuse_unsafe_text({"reason": reason})


def _pending(session: Session, task_id: str) -> CancelRequest | None:
    return session.exec(
        select(CancelRequest)
        .where(CancelRequest.task == task_id, CancelRequest.status == "pending")
        .order_by(col(CancelRequest.id).desc())
    ).first()


def _void(
    session: Session, request: CancelRequest, task: Task, now: datetime, remote_addr: str | None
) -> None:
    """Mark a request whose task left its state void (the system's act, audited)."""
    request.status, request.decided_by, request.decided_at = "void", "system", now
    session.add(request)
    detail = {"request": request.id, "requested_in": request.task_state, "now": task.state}
    record_audit(session, now, "system", "task.cancel.void", task.id, detail, remote_addr)


def pending_request(lc: Lifecycle, task_id: str) -> CancelRequest | None:
    """The request waiting for a second person, if any (one asked in the task's current
    state; one the task has moved past is void, though not yet marked so)."""
    with lc.session() as session:
        request = _pending(session, task_id)
        task = session.get(Task, task_id)
        if request is None or task is None or task.state != request.task_state:
            return None
        return request


def pending_requests(lc: Lifecycle) -> list[tuple[Task, CancelRequest]]:
    """Every live pending request with its task, oldest first (the 工作台)."""
    with lc.session() as session:
        rows = session.exec(
            select(Task, CancelRequest)
            .join(CancelRequest, col(CancelRequest.task) == col(Task.id))
            .where(
                CancelRequest.status == "pending",
                col(CancelRequest.task_state) == col(Task.state),
            )
            .order_by(col(CancelRequest.requested_at), col(CancelRequest.id))
        )
        return [(task, request) for task, request in rows]


def request_cancel(
    lc: Lifecycle,
    task_id: str,
    reason: str,
    actor: str,
    now: datetime,
    *,
    remote_addr: str | None = None,
) -> CancelRequest:
    """First person: ask for the cancellation of an announced or drawn task (pending).

    A pending request the task has moved past is voided first.

    Raises:
        TaskNotFound: for an unknown task.
        StateError: a task that is not announced or drawn, or one with a request already
            pending (nothing changes).
        InputError: an empty or too long reason, or one holding a refused character.
    """
    _check_reason(reason, "申请取消")
    with lc.session() as session, session.begin():
        require_task(session, actor, task_id)
        task = lock_task(session, task_id)
        if task.state not in CANCELLABLE:
            raise StateError(
                f"任务 {task_id} 的状态是“{_state(task.state)}”，只有已公告或已抽取的任务可以取消"
            )
        waiting = _pending(session, task_id)
        if waiting is not None and waiting.task_state == task.state:
            raise StateError(
                f"任务 {task_id} 已有 {waiting.requested_by} 提出的取消申请等待确认，"
                "请由另一人确认或驳回"
            )
        if waiting is not None:
            _void(session, waiting, task, now, remote_addr)
        request = CancelRequest(
            task=task_id,
            reason=reason,
            task_state=task.state,
            requested_by=actor,
            requested_at=now,
        )
        session.add(request)
        session.flush()
        detail = {"request": request.id, "reason": reason, "state": task.state}
        record_audit(session, now, actor, "task.cancel.request", task_id, detail, remote_addr)
    return request


def confirm_cancel(
    lc: Lifecycle,
    task_id: str,
    actor: str,
    now: datetime,
    *,
    remote_addr: str | None = None,
) -> Record:
    """Second, different person: confirm the pending request; the task is cancelled with its
    reason. Returns the cancellation record (the existing one when a confirmed request
    already cancelled the task: a repeated confirmation cancels nothing twice).

    Raises:
        TaskNotFound: for an unknown task.
        InputError: when nothing is pending.
        SamePerson: the confirmer asked for it (nothing changes).
        StateError: the task left the state the request was made in: the request is now
            void (committed) and a new one is needed.
    """
    voided: str | None = None
    with lc.session() as session, session.begin():
        require_task(session, actor, task_id)
        task = lock_task(session, task_id)
        request = _pending(session, task_id)
        if request is None:
            done = _confirmed_cancellation(lc, session, task)
            if done is not None:
                return done
            raise InputError(f"任务 {task_id} 没有待确认的取消申请")
        if same_person(request.requested_by, actor):
            raise SamePerson("取消任务须由两人完成：申请人不能确认自己的取消申请")
        if task.state != request.task_state:
            _void(session, request, task, now, remote_addr)
            voided = (
                f"任务 {task_id} 在申请取消后已从“{_state(request.task_state)}”变为"
                f"“{_state(task.state)}”，这份取消申请已作废；如仍需取消，请重新申请"
            )
        else:
            extra = {"request": request.id, "requested_by": request.requested_by}
            record = lc.cancel_in(
                session,
                task_id,
                request.reason,
                now,
                actor=actor,
                remote_addr=remote_addr,
                detail=extra,
            )
            request.status, request.decided_by, request.decided_at = "confirmed", actor, now
            session.add(request)
            detail = {"request": request.id, "record": record.id}
            record_audit(session, now, actor, "task.cancel.confirm", task_id, detail, remote_addr)
    if voided is not None:
        raise StateError(voided)
    return record


def reject_cancel(
    lc: Lifecycle,
    task_id: str,
    actor: str,
    reason: str,
    now: datetime,
    *,
    remote_addr: str | None = None,
) -> CancelRequest:
    """Void the pending request with a reason: its author withdraws it, or another staff
    member refuses it. Nothing is published; the task stays as it is.

    Raises:
        TaskNotFound: for an unknown task.
        InputError: when nothing is pending, or the reason is empty, too long or holds a
            refused character (nothing changes).
    """
    _check_reason(reason, "撤回或驳回取消申请")
    with lc.session() as session, session.begin():
        require_task(session, actor, task_id)
        task = lock_task(session, task_id)
        request = _pending(session, task_id)
        if request is None or request.task_state != task.state:
            raise InputError(f"任务 {task_id} 没有待确认的取消申请")
        request.status, request.decided_by, request.decided_at = "rejected", actor, now
        request.decision_reason = reason
        session.add(request)
        detail = {
            "request": request.id,
            "reason": reason,
            "withdrawn": same_person(request.requested_by, actor),
        }
        record_audit(session, now, actor, "task.cancel.reject", task_id, detail, remote_addr)
    return request


def _confirmed_cancellation(lc: Lifecycle, session: Session, task: Task) -> Record | None:
    """The cancellation record when a confirmed request cancelled ``task``."""
    if task.state != "cancelled":
        return None
    confirmed = session.exec(
        select(CancelRequest.id).where(
            CancelRequest.task == task.id, CancelRequest.status == "confirmed"
        )
    ).first()
    if confirmed is None:
        return None
    return lc.log.task_record(session, task.id, "cancel")
