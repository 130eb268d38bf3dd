"""Administrative penalty decisions (行政处罚): entered, approved, published, withdrawn."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require
from lottery.api.schemas import ERROR_RESPONSES, RecordPublic, Strict
from lottery.service.penalties import Amount, PenaltyEntry, PenaltyService
from lottery.service.roles import Perm
from lottery.service.users import StaffUser

router = APIRouter(prefix="/api/penalties", tags=["penalties"], responses=ERROR_RESPONSES)
Writer = Annotated[StaffUser, Depends(require(Perm.PENALTY_WRITE))]
Reviewer = Annotated[StaffUser, Depends(require(Perm.RESULT_REVIEW))]
PenaltyId = Annotated[int, Path(ge=1, le=2**62)]


class AmountBody(Strict):
    kind: str = Field(min_length=1, max_length=50)
    fen: int = Field(ge=0, le=10**15, description="amount in fen (分)")
    text: str | None = Field(default=None, max_length=200)


class PenaltyBody(Strict):
    decision: str = Field(min_length=1, max_length=100, description="处罚决定书文号")
    target: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$", description="USCC")
    decided: dt.date
    facts: str = Field(min_length=1, max_length=20_000)
    basis: str = Field(min_length=1, max_length=5_000)
    kind: str = Field(min_length=1, max_length=100)
    content: str = Field(min_length=1, max_length=5_000)
    authority: str = Field(min_length=1, max_length=200)
    publish_until: dt.date
    amounts: list[AmountBody] = Field(default_factory=list, max_length=10)
    result: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    # 双公示 (issue #18): sealed with the content; blank: not given.
    address: str = Field(default="", max_length=500, description="当事人住所（经营场所）")
    representative: str = Field(default="", max_length=100, description="法定代表人（负责人）")
    authority_code: str = Field(
        default="", max_length=18, description="处罚机关统一社会信用代码 (checked)"
    )
    violation: str = Field(default="", max_length=200, description="违法行为类型")
    licence: str = Field(default="", max_length=500, description="暂扣或吊销证照名称及编号")

    def entry(self) -> PenaltyEntry:
        data = self.model_dump()
        data["amounts"] = [Amount(**a) for a in data["amounts"]]
        return PenaltyEntry(**data)


class Withdrawal(Strict):
    reason: str = Field(min_length=1, max_length=2000)
    ground: Literal["expired", "revoked", "repaired", "other"] = Field(
        default="other",
        description="expired 公示期满, revoked 决定被撤销/变更/确认违法或无效, repaired 信用修复",
    )
    revoked: dt.date | None = Field(
        default=None, description="the day the decision was revoked (ground revoked only)"
    )


class Revocation(Strict):
    revoked: dt.date = Field(
        description="the day the decision was revoked, changed or found unlawful"
    )


class Created(BaseModel):
    id: int


class Noted(BaseModel):
    id: int
    decision: str
    revoked: dt.date


def _penalties(service: ServiceDep) -> PenaltyService:
    return PenaltyService(service.engine, service.log)


Penalties = Annotated[PenaltyService, Depends(_penalties)]


@router.post("", response_model=Created, status_code=201)
def enter_penalty(
    body: PenaltyBody, user: Writer, penalties: Penalties, now: NowDep, addr: RemoteAddr
) -> Created:
    """Enter a decision (published once a reviewer approves it)."""
    return Created(id=penalties.enter(body.entry(), now, actor=user.name, remote_addr=addr))


@router.post("/withdraw-expired", response_model=list[RecordPublic])
def withdraw_expired_penalties(
    user: Writer, penalties: Penalties, now: NowDep, addr: RemoteAddr
) -> list[RecordPublic]:
    """Withdraw every published decision whose publication period has ended (公示期满), as
    the scheduler's sweep does: one ``penalty-withdrawal`` record each (ground ``expired``),
    returned oldest period first; none due: an empty list."""
    records = penalties.withdraw_expired(now, actor=user.name, remote_addr=addr)
    return [RecordPublic.of(record) for record in records]


@router.post("/{penalty_id}/approve", response_model=RecordPublic)
def approve_penalty(
    penalty_id: PenaltyId, user: Reviewer, penalties: Penalties, now: NowDep, addr: RemoteAddr
) -> RecordPublic:
    """Approve and publish, with the deadline and whether it was met."""
    record = penalties.approve(penalty_id, now, reviewer=user.name, remote_addr=addr)
    return RecordPublic.of(record)


@router.post("/{penalty_id}/withdraw", response_model=RecordPublic)
def withdraw_penalty(
    penalty_id: PenaltyId,
    body: Withdrawal,
    user: Writer,
    penalties: Penalties,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic:
    """Withdraw a published decision: its sealed content is deleted everywhere (the log keeps
    the record and its hash); a revoked decision's withdrawal is due in 3 working days."""
    record = penalties.withdraw(
        penalty_id,
        body.reason,
        now,
        actor=user.name,
        remote_addr=addr,
        ground=body.ground,
        revoked=body.revoked,
    )
    return RecordPublic.of(record)


@router.post("/{penalty_id}/revoked", response_model=Noted)
def note_revocation(
    penalty_id: PenaltyId,
    body: Revocation,
    user: Writer,
    penalties: Penalties,
    now: NowDep,
    addr: RemoteAddr,
) -> Noted:
    """Note that a published decision was revoked (行政处罚法 第四十八条) before withdrawing
    it: the withdrawal is then due within 3 working days and listed by ``GET /api/deadlines``
    until it is made (with ground ``revoked`` and this day). Nothing is published."""
    row = penalties.note_revocation(
        penalty_id, body.revoked, now, actor=user.name, remote_addr=addr
    )
    return Noted(id=penalty_id, decision=row.decision, revoked=body.revoked)
