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

A cancellation whose secret is lost (spec §7, "Cancelled, secret lost"; after a restore or the
loss of the secrets key, docs/operations.md) goes the same way with ``secret_lost``: the request
is refused unless the service really cannot open the task's secret (an office must not choose
to hide a secret it has), the choice is kept in the request's audit event, and the confirmer
must make the same choice (checked again when the record is made).

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
from lottery.storage.models import AuditEvent, CancelRequest, Task

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


def _check_secret_choice(lc: Lifecycle, session: Session, task_id: str, secret_lost: bool) -> None:
    """Refuse a lost-secret cancellation of a task whose secret opens, and an ordinary one of
    a task whose secret is lost."""
    lost = lc.secret_lost(session, task_id)
    if secret_lost and lost is None:
        raise InputError(
            f"任务 {task_id} 的秘密值仍可打开：不能以“秘密值遗失”申请取消，取消时须公开秘密值"
        )
    if not secret_lost and lost is not None:
        raise InputError(
            f"任务 {task_id}：{lost}，取消时无法公开秘密值；确认遗失后请以“秘密值遗失”方式申请取消"
            "（命令行 --secret-lost，docs/operations.md）"
        )


def request_secret_lost(session: Session, request: CancelRequest) -> bool:
    """Whether ``request`` was made as a lost-secret cancellation (its audit event says so)."""
    rows = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "task.cancel.request", AuditEvent.object == request.task
        )
    )
    return any(
        row.detail.get("request") == request.id and row.detail.get("secret_lost") is True
        for row in rows
    )


def asked_secret_lost(lc: Lifecycle, request: CancelRequest) -> bool:
    """:func:`request_secret_lost` in its own session (the console's task page)."""
    with lc.session() as session:
        return request_secret_lost(session, request)


def secret_lost_reason(lc: Lifecycle, task_id: str) -> str | None:
    """Why the service cannot open the task's secret, or ``None`` when it can (the console
    offers a lost-secret cancellation only then)."""
    with lc.session() as session:
        return lc.secret_lost(session, task_id)


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
    secret_lost: bool = False,
) -> CancelRequest:
    """First person: ask for the cancellation of an announced or drawn task (pending).

    A pending request the task has moved past is voided first. ``secret_lost``: ask for a
    cancellation that says the secret is lost (module docstring).

    Raises:
        TaskNotFound: for an unknown task.
        StateError: a task that is not announced or drawn, or one with a request already
            pending (nothing changes).
        InputError: an empty or too long reason, or one holding a refused character; a
            ``secret_lost`` request for a task whose secret opens, or an ordinary one for a
            task whose secret is lost.
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
        _check_secret_choice(lc, session, task_id, secret_lost)
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
        detail: dict[str, object] = {"request": request.id, "reason": reason, "state": task.state}
        if secret_lost:
            detail["secret_lost"] = True
        record_audit(session, now, actor, "task.cancel.request", task_id, detail, remote_addr)
    return request


def confirm_cancel(
    lc: Lifecycle,
    task_id: str,
    actor: str,
    now: datetime,
    *,
    remote_addr: str | None = None,
    secret_lost: bool = False,
) -> Record:
    """Second, different person: confirm the pending request; the task is cancelled with its
    reason. Returns the cancellation record (the existing one when a confirmed request
    already cancelled the task: a repeated confirmation cancels nothing twice).
    ``secret_lost`` must be the request's choice (module docstring).

    Raises:
        TaskNotFound: for an unknown task.
        InputError: when nothing is pending.
        SamePerson: the confirmer asked for it (nothing changes).
        StateError: the task left the state the request was made in: the request is now
            void (committed) and a new one is needed.
        InputError: ``secret_lost`` differs from the request's, or does not fit the secret
            (nothing changes).
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
            asked = request_secret_lost(session, request)
            if asked != secret_lost:
                raise InputError(
                    f"任务 {task_id} 的取消申请是按“秘密值遗失”提出的，确认时也须选择“秘密值遗失”"
                    if asked
                    else f"任务 {task_id} 的取消申请不是按“秘密值遗失”提出的，不能按遗失确认"
                )
            extra = {"request": request.id, "requested_by": request.requested_by}
            record = lc.cancel_in(
                session,
                task_id,
                request.reason,
                now,
                actor=actor,
                remote_addr=remote_addr,
                detail=extra,
                secret_lost=secret_lost,
                checkpoint=False,
            )
            request.status, request.decided_by, request.decided_at = "confirmed", actor, now
            session.add(request)
            detail = {"request": request.id, "record": record.id}
            record_audit(session, now, actor, "task.cancel.confirm", task_id, detail, remote_addr)
            session.flush()
            # The last statement before the commit: a signed checkpoint never rolls back.
            lc.log.sign_checkpoint(session, now)
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
