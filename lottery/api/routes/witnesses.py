"""The witnesses: what the pusher knows of each (admin, auditor) and the published policy.

``GET /api/witnesses`` is what the console's 工作台 shows; ``POST /api/witnesses/policy``
publishes the configured witnesses and quorum as a ``witness-policy`` record (admins only,
audited as ``witness.policy``; docs/witness.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require
from lottery.api.schemas import ERROR_RESPONSES
from lottery.service.roles import Perm
from lottery.service.users import StaffUser
from lottery.service.witness_policy import publish_policy
from lottery.service.witness_push import QuorumStatus, witness_status

router = APIRouter(prefix="/api/witnesses", tags=["witnesses"], responses=ERROR_RESPONSES)
Auditor = Annotated[StaffUser, Depends(require(Perm.AUDIT_READ))]
Admin = Annotated[StaffUser, Depends(require(Perm.USERS_MANAGE))]


class WitnessPublic(BaseModel):
    """One witness: ``unreachable`` once it has failed for longer than the configured time."""

    name: str
    url: str
    size: int
    behind: bool
    last_success: datetime | None
    last_error: str | None
    failing_since: datetime | None
    next_attempt: datetime | None
    unreachable: bool


class WitnessesPublic(BaseModel):
    """Every configured witness, the quorum, the latest checkpoint's size and the largest
    one the quorum has cosigned; ``met`` when that is the latest."""

    witnesses: list[WitnessPublic]
    quorum: int
    latest: int
    cosigned: int | None
    met: bool

    @classmethod
    def of(cls, status: QuorumStatus) -> WitnessesPublic:
        return cls(
            witnesses=[
                WitnessPublic(
                    name=w.name,
                    url=w.url,
                    size=w.size,
                    behind=w.behind,
                    last_success=w.last_success,
                    last_error=w.last_error,
                    failing_since=w.failing_since,
                    next_attempt=w.next_attempt,
                    unreachable=w.unreachable,
                )
                for w in status.witnesses
            ],
            quorum=status.quorum,
            latest=status.latest,
            cosigned=status.cosigned,
            met=status.met,
        )


class PolicyPublished(BaseModel):
    """The published ``witness-policy`` record."""

    record: str
    witnesses: list[str]
    quorum: int
    margin: int


@router.get("", response_model=WitnessesPublic)
def witnesses(_: Auditor, service: ServiceDep, request: Request, now: NowDep) -> WitnessesPublic:
    """Each configured witness's state and whether the quorum cosigned the latest checkpoint."""
    return WitnessesPublic.of(witness_status(service, request.app.state.settings, now))


@router.post("/policy", response_model=PolicyPublished, status_code=201)
def publish(
    user: Admin, service: ServiceDep, request: Request, now: NowDep, addr: RemoteAddr
) -> PolicyPublished:
    """Publish the configured witnesses, quorum and margin as a signed record."""
    record = publish_policy(
        service,
        request.app.state.settings,
        actor=user.name,
        now=now,
        remote_addr=addr,
        require_admin=False,  # the route's guard
    )
    body = record.body
    return PolicyPublished(
        record=record.id,
        witnesses=[w["name"] for w in body["witnesses"]],
        quorum=body["quorum"],
        margin=body["margin"],
    )
