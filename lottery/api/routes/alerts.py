"""``GET /api/alerts``: what staff must act on that no step will settle by itself.

For now one kind: tasks whose office secret the service cannot open (after ``lottery recover``
or a lost secrets key; lottery/service/lost_secrets.py), which the scheduler skips. The 工作台
shows the same list; the witnesses' state is ``GET /api/witnesses``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from lottery.api.deps import ServiceDep, require
from lottery.api.schemas import ERROR_RESPONSES
from lottery.service import org_scope
from lottery.service.lost_secrets import LostSecret, lost_secret_tasks
from lottery.service.roles import Perm
from lottery.service.users import StaffUser

router = APIRouter(prefix="/api/alerts", tags=["alerts"], responses=ERROR_RESPONSES)
Reader = Annotated[StaffUser, Depends(require(Perm.TASK_READ))]


class SecretLostAlert(BaseModel):
    """A task whose secret cannot be opened: why, the alert in Chinese, and the way out (the
    console page that starts it, and the command lines; none for a draft, deleted instead)."""

    task: str
    title: str
    state: str
    reason: str
    message: str
    console: str
    commands: list[str]

    @classmethod
    def of(cls, lost: LostSecret) -> SecretLostAlert:
        return cls(
            task=lost.task,
            title=lost.title,
            state=lost.state,
            reason=lost.reason,
            message=lost.message,
            console=lost.console_action,
            commands=lost.commands,
        )


class AlertsPublic(BaseModel):
    """Every alert within the caller's org unit (an empty list: nothing to do)."""

    secret_lost: list[SecretLostAlert]


@router.get("", response_model=AlertsPublic)
def alerts(user: Reader, service: ServiceDep) -> AlertsPublic:
    """Tasks whose secret cannot be opened (draft, announced or drawn), within the caller's
    org unit, by id."""
    scope = {t.id for t in org_scope.tasks_for(service, user.name, service.list_tasks())}
    lost = lost_secret_tasks(service, task_ids=scope)
    return AlertsPublic(secret_lost=[SecretLostAlert.of(t) for t in lost])
