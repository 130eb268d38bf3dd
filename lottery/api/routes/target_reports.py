"""Per-target 抽查报告 (the four parts), drafted from each published result and editable by
staff; aggregated into the task report's draft (lottery.service.target_reports)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from lottery.api.deps import NowDep, ServiceDep, require
from lottery.api.routes.results import ID
from lottery.api.schemas import ERROR_RESPONSES, Strict
from lottery.service import org_scope
from lottery.service.roles import Perm
from lottery.service.target_reports import MAX_TEXT, TargetReportService
from lottery.service.users import StaffUser

router = APIRouter(prefix="/api", tags=["results"], responses=ERROR_RESPONSES)
Reader = Annotated[StaffUser, Depends(require(Perm.TASK_READ))]
Writer = Annotated[StaffUser, Depends(require(Perm.REPORT_WRITE))]
TaskId = Annotated[str, Path(pattern=ID)]


def _service(service: ServiceDep) -> TargetReportService:
    return TargetReportService(service.engine)


Reports = Annotated[TargetReportService, Depends(_service)]


class TargetReportPublic(BaseModel):
    target: str
    name: str
    result_record: str
    text: str
    edited_by: str | None


class TargetReportText(Strict):
    """The four parts (一、检查时间和内容 … 四、处理意见), in order."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)


@router.get("/tasks/{task_id}/target-reports", response_model=list[TargetReportPublic])
def list_target_reports(
    task_id: TaskId, user: Reader, service: ServiceDep, reports: Reports
) -> list[TargetReportPublic]:
    """Each target's report (staff's edit for its current result, else the draft); a task
    of the user's org unit and below."""
    org_scope.check_task(service, user.name, task_id)
    return [
        TargetReportPublic(
            target=v.target,
            name=v.name,
            result_record=v.result_record,
            text=v.text,
            edited_by=v.edited_by,
        )
        for v in reports.of_task(task_id)
    ]


@router.put("/tasks/{task_id}/target-reports/{target}", status_code=204)
def edit_target_report(
    task_id: TaskId,
    target: Annotated[str, Path(pattern=ID)],
    body: TargetReportText,
    user: Writer,
    reports: Reports,
    now: NowDep,
) -> None:
    """Replace a target's report (it must keep the four parts); draft the task report again
    to take it in."""
    reports.edit(task_id, target, body.text, now, actor=user.name)
