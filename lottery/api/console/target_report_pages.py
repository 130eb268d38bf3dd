"""各检查对象抽查报告: each target's four-part report (drafted from its published result),
edited by a report writer; the task report's draft takes them in when drafted again."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, ServiceDep
from lottery.core.errors import LotteryError
from lottery.service import org_scope
from lottery.service.lifecycle import TaskNotFound
from lottery.service.roles import Perm
from lottery.service.target_reports import PARTS, TargetReportService

from . import words
from .render import page, refusal_status
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]


def _page(
    user: ConsoleUser, service: ServiceDep, task_id: str, done: str = "",
    errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    try:
        task = service.get_task(task_id)
    except TaskNotFound:
        return page("message.html", user=user, status=404, heading="找不到这个抽查任务",
                    message="找不到这个抽查任务：地址可能有误。", back="/console/tasks",
                    back_label="返回抽查任务")  # fmt: skip
    return page(
        "target_reports.html",
        user=user,
        active="tasks",
        status=status,
        task=task,
        views=TargetReportService(service.engine).of_task(task_id),
        parts=PARTS,
        done=done,
        errors=errors or {},
        can_write=user.can(Perm.REPORT_WRITE),
    )


@router.get("/tasks/{task_id}/target-reports", response_model=None)
def target_reports(task_id: str, user: User, service: ServiceDep, done: str = "") -> Response:
    """Every target's report, with an edit form for report writers."""
    require(user, Perm.TASK_READ)
    org_scope.check_task(service, user.name, task_id)  # a refusal: the console's 403 page
    return _page(
        user, service, task_id, done="已保存。请重新生成抽查报告草稿以载入。" if done else ""
    )


@router.post("/tasks/{task_id}/target-reports/{target}", response_model=None)
def edit(
    task_id: str,
    target: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    csrf: FormText = "",
    text: FormText = "",
) -> Response | HTMLResponse:
    """Save a target's edited report (the four parts kept, in order)."""
    check_csrf(user, csrf)
    require(user, Perm.REPORT_WRITE)
    try:
        TargetReportService(service.engine).edit(task_id, target, text, now, actor=user.name)
    except LotteryError as exc:
        errors = {target: words.error_zh(exc)}
        return _page(user, service, task_id, errors=errors, status=refusal_status(exc))
    return RedirectResponse(
        f"/console/tasks/{quote(task_id)}/target-reports?done=1#t-{quote(target)}", status_code=303
    )
