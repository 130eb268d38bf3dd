"""Rectification orders (整改) and their re-checks (复查): ordered on a published result with
findings, re-checked by at least two inspectors, approved by another person, published."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require
from lottery.api.routes.results import (
    ID,
    Censor,
    ContentWithdrawal,
    OwnInspector,
    RecordId,
    RulePublic,
)
from lottery.api.schemas import ERROR_RESPONSES, RecordPublic, Strict
from lottery.core.records import RECHECK_OUTCOMES
from lottery.service import org_scope, rectification_review
from lottery.service.rectifications import MAX_TEXT, RectificationService
from lottery.service.result_entry import local_date
from lottery.service.roles import Perm
from lottery.service.users import StaffUser
from lottery.storage.models import Rectification

router = APIRouter(prefix="/api", tags=["rectifications"], responses=ERROR_RESPONSES)
Reader = Annotated[StaffUser, Depends(require(Perm.TASK_READ))]
Enterer = Annotated[StaffUser, Depends(require(Perm.RESULT_ENTER))]
Reviewer = Annotated[StaffUser, Depends(require(Perm.RESULT_REVIEW))]
RowId = Annotated[int, Path(ge=1, le=2**62)]


def _service(service: ServiceDep) -> RectificationService:
    return RectificationService(service.engine, service.log)


Rectifications = Annotated[RectificationService, Depends(_service)]


class OrderBody(Strict):
    """What the party must rectify (sealed) and by when (a date after today)."""

    requirements: str = Field(min_length=1, max_length=MAX_TEXT)
    due: dt.date


class CheckBody(Strict):
    """The re-check: its date, the inspectors present (at least 2), outcome and note."""

    date: dt.date
    inspectors: list[str] = Field(min_length=2, max_length=20)
    outcome: str = Field(description="one of " + "、".join(RECHECK_OUTCOMES))
    note: str = Field(default="", max_length=MAX_TEXT, description="sealed; needed unless 已整改")


class RectificationPublic(BaseModel):
    id: int
    task: str
    target: str
    result_record: str
    due: dt.date
    ordered_by: str
    order_record: str | None
    order_status: str
    check_status: str
    check: dict[str, Any] | None
    check_record: str | None
    overdue: bool

    @classmethod
    def of(cls, row: Rectification, today: dt.date) -> RectificationPublic:
        return cls(
            id=row.id or 0,
            task=row.task,
            target=row.target,
            result_record=row.result_record,
            due=row.due,
            ordered_by=row.ordered_by,
            order_record=row.order_record,
            order_status=row.order_status,
            check_status=row.check_status,
            check=None if row.check_fields is None else dict(row.check_fields),
            check_record=row.check_record,
            overdue=row.check_status != "published" and row.due < today,
        )


@router.get("/rectifications", response_model=list[RectificationPublic])
def open_rectifications(
    user: Reader, service: ServiceDep, rect: Rectifications, now: NowDep
) -> list[RectificationPublic]:
    """Open orders (not re-checked yet) of tasks in the user's org unit and below, the
    earliest due first; ``overdue`` flags those past their due date."""
    today = local_date(now)
    rows = org_scope.rows_for(service, user.name, rect.open_orders(today), lambda o: o.row.task)
    return [RectificationPublic.of(o.row, today) for o in rows]


@router.get("/tasks/{task_id}/rectifications", response_model=list[RectificationPublic])
def task_rectifications(
    task_id: Annotated[str, Path(pattern=ID)],
    user: Reader,
    service: ServiceDep,
    rect: Rectifications,
    now: NowDep,
) -> list[RectificationPublic]:
    """Every order of a task with its re-check, first made first (a task of the user's org
    unit and below)."""
    org_scope.check_task(service, user.name, task_id)
    today = local_date(now)
    return [RectificationPublic.of(r, today) for r in rect.of_task(task_id)]


class PendingPublic(BaseModel):
    """An order (an approved re-check) waiting for the 保密审查 before it is published."""

    id: int
    kind: Literal["order", "check"]
    status: str = "reviewing"
    message: str = "已提交，待保密审查后公开"


@router.post(
    "/results/{record_id}/rectification",
    response_model=RecordPublic | PendingPublic,
    status_code=201,
)
def order_rectification(
    record_id: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    body: OrderBody,
    user: Reviewer,
    rect: Rectifications,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic | PendingPublic:
    """Order rectification on a published result with findings; publishes the order (under
    publication rules for orders: it waits for the 保密审查)."""
    record = rect.order(record_id, body.requirements, body.due, now, actor=user.name,
                        remote_addr=addr)  # fmt: skip
    if record is None:
        return PendingPublic(id=rect.pending_order(record_id).id or 0, kind="order")
    return RecordPublic.of(record)


@router.post("/rectifications/{rectification_id}/check", status_code=204)
def enter_check(
    rectification_id: RowId,
    body: CheckBody,
    user: Enterer,
    inspector: OwnInspector,
    rect: Rectifications,
    now: NowDep,
    addr: RemoteAddr,
) -> None:
    """Enter the re-check of an open order; the account's inspector must be among those
    present (approved later by another person)."""
    rect.enter_check(
        rectification_id,
        body.date,
        body.inspectors,
        body.outcome,
        body.note,
        now,
        actor=user.name,
        remote_addr=addr,
        as_inspector=inspector,
    )


@router.post(
    "/rectifications/{rectification_id}/check/approve",
    response_model=RecordPublic | PendingPublic,
)
def approve_check(
    rectification_id: RowId, user: Reviewer, rect: Rectifications, now: NowDep, addr: RemoteAddr
) -> RecordPublic | PendingPublic:
    """Approve the entered re-check and publish it (another person than who entered it; under
    publication rules for re-checks: it waits for the 保密审查)."""
    record = rect.approve_check(rectification_id, now, reviewer=user.name, remote_addr=addr)
    return (
        PendingPublic(id=rectification_id, kind="check")
        if record is None
        else (RecordPublic.of(record))
    )


class RectificationReviewingPublic(RectificationPublic):
    """An order or re-check waiting for the 保密审查: what it is of, the text as entered (not
    published) and the publication rules that apply."""

    kind: Literal["order", "check"]
    original: dict[str, str]
    rules: list[RulePublic]


class RectificationReviewBody(Strict):
    """The 保密审查 of an order (``requirements``) or re-check (``note``): the general text of
    the field a generalising rule applies to; a withheld note needs nothing."""

    kind: Literal["order", "check"]
    generalised: dict[Literal["requirements", "note"], str] = Field(default_factory=dict)


@router.get("/rectifications/reviewing", response_model=list[RectificationReviewingPublic])
def reviewing_rectifications(
    user: Censor, service: ServiceDep, rect: Rectifications, now: NowDep
) -> list[RectificationReviewingPublic]:
    """Orders and approved re-checks waiting for the 保密审查, oldest order first (tasks
    within the user's org unit), each with the publication rules that apply."""
    today = local_date(now)
    rows = org_scope.rows_for(service, user.name, rect.reviewing(), lambda r: r[0].task)
    out = []
    for row, kind in rows:
        rules = [
            RulePublic(id=r.id, field=r.field, action=r.action, reason=r.reason, words=r.zh())
            for r in rect.publication_rules(row.id or 0, kind)
        ]
        base = RectificationPublic.of(row, today).model_dump()
        original = {k: str(v) for k, v in rectification_review.original(row, kind).items()}
        which: Literal["order", "check"] = "order" if kind == "order" else "check"
        out.append(RectificationReviewingPublic(**base, kind=which, original=original, rules=rules))
    return out


@router.post("/rectifications/{row_id}/publication-review", response_model=RecordPublic)
def review_rectification(
    row_id: RowId,
    body: RectificationReviewBody,
    user: Censor,
    rect: Rectifications,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic:
    """The 保密审查 of an order or approved re-check: the rules in force applied with the
    reviewer's general text; publishes it. Not by who ordered (entered) it."""
    record = rect.review_publication(
        row_id,
        body.kind,
        {str(k): v for k, v in body.generalised.items()},
        now,
        reviewer=user.name,
        remote_addr=addr,
    )
    return RecordPublic.of(record)


@router.post("/rectifications/records/{record_id}/withdraw", response_model=RecordPublic)
def withdraw_rectification(
    record_id: RecordId,
    body: ContentWithdrawal,
    user: Reviewer,
    rect: Rectifications,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic:
    """Withdraw the sealed requirements of a published order, or the note of a published
    re-check, with a ``rectification-withdrawal`` record (as for a result). A task of the
    reviewer's org unit and below."""
    record = rect.withdraw(
        record_id, body.reason, now, actor=user.name, ground=body.ground, remote_addr=addr
    )
    return RecordPublic.of(record)
