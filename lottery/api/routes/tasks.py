"""Tasks: plan, announce, draw, disclose, cancel, the sealed outcome (R6), public numbers."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import Field

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require, schedule
from lottery.api.schemas import (
    ERROR_RESPONSES,
    CancelAsk,
    CancelRequest,
    CancelRequestPublic,
    DrawRequest,
    NumbersEntryPublic,
    NumbersRequest,
    RecordPublic,
    Strict,
    TaskPublic,
)
from lottery.core.errors import InputError
from lottery.service import beacons, cancellations, drafts, org_scope
from lottery.service.drawing import draw_task
from lottery.service.roles import Perm
from lottery.service.taskfile import TaskDefinition
from lottery.service.users import StaffUser
from lottery.storage.models import BeaconEntry
from lottery.storage.models import CancelRequest as CancelRow

router = APIRouter(prefix="/api/tasks", tags=["tasks"], responses=ERROR_RESPONSES)
TaskId = Annotated[str, Path(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")]


Reader = Annotated[StaffUser, Depends(require(Perm.TASK_READ))]
Planner = Annotated[StaffUser, Depends(require(Perm.TASK_PLAN))]
Drawer = Annotated[StaffUser, Depends(require(Perm.TASK_DRAW))]
Discloser = Annotated[StaffUser, Depends(require(Perm.TASK_DISCLOSE))]
Canceller = Annotated[StaffUser, Depends(require(Perm.TASK_CANCEL))]
OutcomeReader = Annotated[StaffUser, Depends(require(Perm.OUTCOME_READ))]
NumbersEnterer = Annotated[StaffUser, Depends(require(Perm.BEACON_ENTER))]
NumbersConfirmer = Annotated[StaffUser, Depends(require(Perm.BEACON_CONFIRM))]
# Voiding an entry draws nothing and a confirmer could void it anyway (by typing other
# numbers); every role that may enter numbers may also confirm them, so the entry's author
# can void their own typo too.
NumbersRejecter = NumbersConfirmer


class RejectNumbersRequest(Strict):
    """Why the pending public-numbers entry is voided (kept in the audit trail)."""

    reason: str = Field(min_length=1, max_length=beacons.MAX_REASON)


@router.get("", response_model=list[TaskPublic])
def list_tasks(user: Reader, service: ServiceDep) -> list[TaskPublic]:
    """Every task within the caller's org unit, newest first."""
    tasks = org_scope.tasks_for(service, user.name, service.list_tasks())
    return [TaskPublic.of(t) for t in tasks]


@router.post("", response_model=TaskPublic, status_code=201)
def create_task(
    body: TaskDefinition,
    request: Request,
    user: Planner,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> TaskPublic:
    """Plan a task (a draft; idempotent for the same id and parameters).

    The draft is checked as announcing checks it; what only the clock would refuse (a beacon
    round already past) comes back in ``warnings``.
    """
    params = body.to_params()
    task = service.create_task(
        params, now, actor=user.name, remote_addr=addr, announce_at=body.announce_time()
    )
    schedule(request, task_id=task.id)
    return TaskPublic.of(task, service.draft_warnings(params, now))


@router.get("/{task_id}", response_model=TaskPublic)
def get_task(task_id: TaskId, user: Reader, service: ServiceDep) -> TaskPublic:
    """One task (403 when it lies outside the caller's org unit)."""
    task = service.get_task(task_id)
    org_scope.check_task(service, user.name, task_id)
    return TaskPublic.of(task)


@router.put("/{task_id}", response_model=TaskPublic)
def update_draft(
    task_id: TaskId,
    body: TaskDefinition,
    request: Request,
    user: Planner,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> TaskPublic:
    """Replace a draft's title and parameters (only a draft never announced; 409 otherwise).

    The body is the task definition of ``POST /api/tasks``; its ``task`` must be the id.
    """
    if body.task != task_id:
        raise InputError(f"task: the body names {body.task}, the address {task_id}")
    params = body.to_params()
    task = drafts.update_draft(
        service, params, now, actor=user.name, remote_addr=addr, announce_at=body.announce_time()
    )
    schedule(request, task_id=task.id)
    return TaskPublic.of(task, service.draft_warnings(params, now))


@router.delete("/{task_id}", status_code=204)
def delete_draft(
    task_id: TaskId, user: Planner, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """Delete a draft never announced (409 otherwise); nothing public changes."""
    drafts.delete_draft(service, task_id, now, actor=user.name, remote_addr=addr)
    return Response(status_code=204)


@router.post("/{task_id}/announce", response_model=RecordPublic)
def announce(
    task_id: TaskId,
    request: Request,
    user: Planner,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic:
    """Freeze the pools and publish the commitment (idempotent)."""
    record = service.announce(task_id, now, actor=user.name, remote_addr=addr)
    schedule(request, task_id=task_id)
    return RecordPublic.of(record)


@router.post("/{task_id}/draw", response_model=RecordPublic)
def draw(
    task_id: TaskId,
    body: DrawRequest,
    request: Request,
    user: Drawer,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic:
    """Draw with the announced drand round (given, or fetched from the relays); sealed.

    :func:`draw_task` decides; not drawn yet is 409 (round not out, or the fallback declared)
    or 503 (relays down). Public-numbers beacons are drawn through the two-person entry
    (``/numbers``).
    """
    signature = None if body.drand_signature is None else bytes.fromhex(body.drand_signature)
    outcome = draw_task(
        service,
        task_id,
        now,
        actor=user.name,
        signature=signature,
        fetch=request.app.state.fetch_drand,
        use_fallback=body.fallback,
        remote_addr=addr,
    )
    record = outcome.drawn()
    schedule(request, task_id=task_id)
    return RecordPublic.of(record)


@router.post("/{task_id}/disclose", response_model=RecordPublic)
def disclose(
    task_id: TaskId, user: Discloser, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> RecordPublic:
    """Reveal the secret and the outcome (at or after the announced disclosure time)."""
    return RecordPublic.of(service.disclose(task_id, now, actor=user.name, remote_addr=addr))


@router.post("/{task_id}/cancel", response_model=CancelRequestPublic, status_code=202)
def cancel(
    task_id: TaskId,
    body: CancelAsk,
    user: Canceller,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> CancelRequestPublic:
    """First person: ask for the cancellation of an announced or drawn task (``pending``).

    Nothing is published and the task does not change until a different staff member holding
    task.cancel confirms (``/cancel/confirm``). 409 when a request is already pending.
    ``secret_lost``: the service cannot open the task's secret (docs/operations.md); 422
    when it can.
    """
    request = cancellations.request_cancel(
        service,
        task_id,
        body.reason,
        user.name,
        now,
        remote_addr=addr,
        secret_lost=body.secret_lost,
    )
    return _request_public(request)


@router.post("/{task_id}/cancel/confirm", response_model=RecordPublic)
def confirm_cancel(
    task_id: TaskId,
    user: Canceller,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    secret_lost: bool = False,
) -> RecordPublic:
    """Second, different person: cancel the task with the requested reason; its secret (and
    outcome) are revealed. 403 for the person who asked; 409 when the task changed state since
    the request (the request is then void). ``?secret_lost=true`` exactly when the request
    said the secret is lost: nothing is revealed (422 otherwise)."""
    record = cancellations.confirm_cancel(
        service, task_id, user.name, now, remote_addr=addr, secret_lost=secret_lost
    )
    return RecordPublic.of(record)


@router.post("/{task_id}/cancel/reject", response_model=CancelRequestPublic)
def reject_cancel(
    task_id: TaskId,
    body: CancelRequest,
    user: Canceller,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> CancelRequestPublic:
    """Withdraw (its author) or refuse (another staff member) the pending request, with a
    reason (audited). Nothing is published."""
    request = cancellations.reject_cancel(
        service, task_id, user.name, body.reason, now, remote_addr=addr
    )
    return _request_public(request)


@router.get("/{task_id}/outcome", response_model=dict[str, Any])
def outcome(
    task_id: TaskId, user: OutcomeReader, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> dict[str, Any]:
    """The picked targets and teams, sealed until disclosure; every read is audited (R6)."""
    blob = service.read_sealed_outcome(task_id, user.name, now, remote_addr=addr)
    decoded: dict[str, Any] = json.loads(blob)
    return decoded


@router.post("/{task_id}/numbers", response_model=NumbersEntryPublic, status_code=201)
def enter_numbers(
    task_id: TaskId,
    body: NumbersRequest,
    user: NumbersEnterer,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> NumbersEntryPublic:
    """First person: enter the public numbers as drawn; a second person must confirm."""
    entry = beacons.enter_numbers(service, task_id, body.values, user.name, now, remote_addr=addr)
    return _entry_public(entry)


@router.post("/{task_id}/numbers/confirm", response_model=RecordPublic)
def confirm_numbers(
    task_id: TaskId,
    body: NumbersRequest,
    request: Request,
    user: NumbersConfirmer,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic:
    """Second, different person: type the numbers again; when they match, the task is drawn."""
    record = beacons.confirm_numbers(
        service, task_id, body.values, user.name, now, remote_addr=addr
    )
    schedule(request, task_id=task_id)
    return RecordPublic.of(record)


@router.post("/{task_id}/numbers/reject", response_model=NumbersEntryPublic)
def reject_numbers(
    task_id: TaskId,
    body: RejectNumbersRequest,
    user: NumbersRejecter,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> NumbersEntryPublic:
    """Void the pending entry (its author, or another staff member, saw it is wrong).

    Nothing is drawn; the numbers must be entered again. Audited with the reason.
    """
    entry = beacons.reject_numbers(service, task_id, user.name, body.reason, now, remote_addr=addr)
    return _entry_public(entry)


def _entry_public(entry: BeaconEntry) -> NumbersEntryPublic:
    return NumbersEntryPublic(
        task=entry.task,
        numbers=entry.numbers,
        fallback=entry.fallback,
        status=entry.status,
        entered_by=entry.entered_by,
        entered_at=entry.entered_at,
    )


def _request_public(request: CancelRow) -> CancelRequestPublic:
    return CancelRequestPublic(
        task=request.task,
        reason=request.reason,
        status=request.status,
        task_state=request.task_state,
        requested_by=request.requested_by,
        requested_at=request.requested_at,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        decision_reason=request.decision_reason,
    )
