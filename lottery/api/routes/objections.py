"""Objections (异议) of inspected parties to published results: recorded by staff (the text is
never published), decided by another person, published as ``objection-outcome`` records
(docs/objections.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, objection_service, require
from lottery.api.routes.results import RecordId
from lottery.api.schemas import ERROR_RESPONSES, RecordPublic, Strict
from lottery.service import org_scope
from lottery.service.objections import MAX_REASON, MAX_TEXT, ObjectionService
from lottery.service.roles import Perm
from lottery.service.users import StaffUser
from lottery.storage.models import Objection

router = APIRouter(prefix="/api", tags=["objections"], responses=ERROR_RESPONSES)
Reader = Annotated[StaffUser, Depends(require(Perm.TASK_READ))]
Reviewer = Annotated[StaffUser, Depends(require(Perm.RESULT_REVIEW))]
RowId = Annotated[int, Path(ge=1, le=2**62)]


Objections = Annotated[ObjectionService, Depends(objection_service)]


class RecordBody(Strict):
    """The day the objection was received and what the party wrote (kept private)."""

    received: dt.date
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="never published")


class DecideBody(Strict):
    """Upheld with the correction's record id, or dismissed with a reason (published)."""

    outcome: Literal["upheld", "dismissed"]
    correction: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    reason: str = Field(default="", max_length=MAX_REASON)


class ObjectionPublic(BaseModel):
    id: int
    task: str
    target: str
    result_record: str
    received: dt.date
    text: str
    period_start: dt.date
    period_workdays: int
    period_due: dt.date
    recorded_by: str
    status: str
    outcome: str | None
    correction_record: str | None
    reason: str | None
    decided_by: str | None
    outcome_record: str | None

    @classmethod
    def of(cls, row: Objection) -> ObjectionPublic:
        return cls.model_validate(row, from_attributes=True)


@router.get("/objections", response_model=list[ObjectionPublic])
def list_objections(
    user: Reader, service: ServiceDep, objections: Objections, undecided: bool = False
) -> list[ObjectionPublic]:
    """Objections of tasks in the user's org unit and below, first received first
    (``undecided=true``: only those waiting for a decision)."""
    rows = org_scope.rows_for(
        service, user.name, objections.listing(undecided=undecided), lambda r: r.task
    )
    return [ObjectionPublic.of(r) for r in rows]


@router.post("/results/{record_id}/objections", response_model=ObjectionPublic, status_code=201)
def record_objection(
    record_id: RecordId,
    body: RecordBody,
    user: Reviewer,
    objections: Objections,
    now: NowDep,
    addr: RemoteAddr,
) -> ObjectionPublic:
    """Record an objection to a published result, received within the period."""
    row = objections.record(
        record_id, body.received, body.text, now, actor=user.name, remote_addr=addr
    )
    return ObjectionPublic.of(row)


@router.post("/objections/{objection_id}/decide", response_model=RecordPublic)
def decide_objection(
    objection_id: RowId,
    body: DecideBody,
    user: Reviewer,
    objections: Objections,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic:
    """Decide an objection (another person than who recorded it); publishes the outcome."""
    record = objections.decide(
        objection_id,
        body.outcome,
        now,
        reviewer=user.name,
        correction=body.correction,
        reason=body.reason,
        remote_addr=addr,
    )
    return RecordPublic.of(record)
