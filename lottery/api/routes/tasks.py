"""Tasks: plan, announce, draw, disclose, cancel, and the sealed outcome (R6)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require, schedule
from lottery.api.schemas import (
    ERROR_RESPONSES,
    CancelRequest,
    DrawRequest,
    NumbersEntryPublic,
    NumbersRequest,
    RecordPublic,
    TaskPublic,
)
from lottery.core.beacon import BeaconSpec, DrandBeacon, DrandValue
from lottery.core.errors import InputError
from lottery.service import beacons
from lottery.service.roles import Perm
from lottery.service.taskfile import TaskDefinition
from lottery.service.users import StaffUser

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


@router.get("", response_model=list[TaskPublic])
def list_tasks(_: Reader, service: ServiceDep) -> list[TaskPublic]:
    """Every task, newest first."""
    return [TaskPublic.of(t) for t in service.list_tasks()]


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
def get_task(task_id: TaskId, _: Reader, service: ServiceDep) -> TaskPublic:
    """One task."""
    return TaskPublic.of(service.get_task(task_id))


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

    Public-numbers beacons are drawn through the two-person entry (``/numbers``).
    """
    task = service.get_task(task_id)
    if task.state != "announced":  # answered without fetching anything
        return RecordPublic.of(service.published_or_refuse(task_id, "draw", "draw"))
    spec = BeaconSpec.from_dict(task.params["beacon"])
    primary = spec.primary
    if not isinstance(primary, DrandBeacon) or body.fallback:
        raise InputError(
            "this draw uses public numbers: enter them at /numbers and have a second person confirm"
        )
    if body.drand_signature is not None:
        value = DrandValue.from_signature(
            primary.chain, primary.round, bytes.fromhex(body.drand_signature)
        )
    else:
        value = request.app.state.fetch_drand(primary)
    record = service.draw(task_id, value, now, actor=user.name, remote_addr=addr)
    schedule(request, task_id=task_id)
    return RecordPublic.of(record)


@router.post("/{task_id}/disclose", response_model=RecordPublic)
def disclose(
    task_id: TaskId, user: Discloser, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> RecordPublic:
    """Reveal the secret and the outcome (at or after the announced disclosure time)."""
    return RecordPublic.of(service.disclose(task_id, now, actor=user.name, remote_addr=addr))


@router.post("/{task_id}/cancel", response_model=RecordPublic)
def cancel(
    task_id: TaskId,
    body: CancelRequest,
    user: Canceller,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic:
    """Cancel an announced or drawn task; its secret (and outcome) are revealed."""
    record = service.cancel(task_id, body.reason, now, actor=user.name, remote_addr=addr)
    return RecordPublic.of(record)


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
    return NumbersEntryPublic(
        task=entry.task,
        numbers=entry.numbers,
        fallback=entry.fallback,
        status=entry.status,
        entered_by=entry.entered_by,
        entered_at=entry.entered_at,
    )


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
