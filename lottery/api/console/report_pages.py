"""抽查报告 of a task: generate the draft, complete its text in a form, approve and publish.

Each action calls what the ``/api/tasks/{id}/report`` routes call (:meth:`ReportService.
draft`, :meth:`ReportService.edit`, :meth:`ReportService.approve`). The service refuses an
approval by the person who drafted or last edited the report; the page says so in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, ServiceDep
from lottery.core.errors import LotteryError
from lottery.core.workdays import CalendarDataMissing, Deadline
from lottery.service.lifecycle import Lifecycle, TaskNotFound
from lottery.service.reports import PLACEHOLDER, ReportError, ReportService
from lottery.service.results import DIFFERENT_REVIEWER, ResultError, same_person
from lottery.service.roles import Perm
from lottery.storage.models import Task

from . import words
from .render import page, refusal_status
from .session import ConsoleUser, Refused, User, check_csrf, require
from .task_pages import not_found

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
MAX_TEXT = 100_000
DONE = {
    "draft": "已生成报告草稿。请补全“评价和处理意见”等内容后保存。",
    "edit": "已保存报告内容。",
    "approve": "抽查报告已审核通过并公开，任务已办结。",
}


def _reports(service: Lifecycle) -> ReportService:
    return ReportService(service.engine, service.log)


def _href(task_id: str) -> str:
    return f"/console/tasks/{quote(task_id, safe='')}/report"


def _task(service: Lifecycle, task_id: str) -> Task | None:
    try:
        return service.get_task(task_id)
    except TaskNotFound:
        return None


def _message(user: ConsoleUser, task_id: str, status: int, heading: str, text: str) -> Response:
    return page(
        "message.html",
        user=user,
        status=status,
        heading=heading,
        message=text,
        back=f"/console/tasks/{quote(task_id, safe='')}",
        back_label="返回任务",
    )


def _refusal(user: ConsoleUser, task_id: str, exc: LotteryError) -> Response:
    if DIFFERENT_REVIEWER in str(exc):
        text = (
            "这份报告由您起草或最后修改，须由另一人审核通过。"
            "不能审核自己起草或修改的报告，未作任何更改。"
        )
        return _message(user, task_id, 403, "不能审核自己起草的报告", text)
    if isinstance(exc, CalendarDataMissing):
        return _message(
            user,
            task_id,
            409,
            "无法计算公示期限",
            words.calendar_missing_zh(exc.year) + "未作任何更改。",
        )
    if isinstance(exc, ReportError) and "no published result" in str(exc):
        text = "还有抽中的检查对象没有已公开的检查结果，全部结果审核公开后才能生成报告。"
        return _message(user, task_id, 409, "暂时不能生成报告", text)
    if isinstance(exc, ReportError) and "changed" in str(exc):
        text = "起草以后检查结果有了变化（例如更正），请重新生成草稿后再审核。未作任何更改。"
        return _message(user, task_id, 409, "检查结果已变化", text)
    if isinstance(exc, ReportError) and "placeholder" in str(exc):
        text = f"报告正文里还有“{PLACEHOLDER}”，请先补写完整再审核。未作任何更改。"
        return _message(user, task_id, 409, "报告尚未写完", text)
    if isinstance(exc, ResultError):
        text = "这项任务的报告当前不能进行这项操作（任务尚未公开抽取结果、报告不存在或已公开）。"
        return _message(user, task_id, 409, "操作未完成", text)
    return _message(user, task_id, refusal_status(exc), "操作未完成", words.error_zh(exc))


def _readiness(reports: ReportService, task_id: str) -> tuple[Deadline | None, str]:
    """The report's deadline, or why there is none yet (in Chinese)."""
    try:
        return reports.due(task_id), ""
    except CalendarDataMissing as exc:
        return None, words.calendar_missing_zh(exc.year)
    except ReportError:
        return None, "还有抽中的检查对象没有已公开的检查结果：全部结果审核公开后才能生成报告。"
    except ResultError:
        return None, "任务尚未公开抽取结果，还不能编写报告。"


def _report_page(
    user: ConsoleUser,
    service: Lifecycle,
    task: Task,
    *,
    done: str = "",
    text: str | None = None,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    reports = _reports(service)
    row = reports.get(task.id)
    due, problem = _readiness(reports, task.id)
    return page(
        "report.html",
        user=user,
        active="tasks",
        status=status,
        task=task,
        report=row,
        due=due,
        problem=problem,
        done=done,
        text=row.text if text is None and row is not None else (text or ""),
        errors={"text": error} if error else {},
        can_write=user.can(Perm.REPORT_WRITE),
        can_review=user.can(Perm.RESULT_REVIEW),
        own=row is not None and same_person(user.name, row.drafted_by),
        unfinished=row is not None and PLACEHOLDER in row.text,
        placeholder=PLACEHOLDER,
        href=_href(task.id),
    )


def _may_read(user: ConsoleUser) -> None:
    if not (user.can(Perm.REPORT_WRITE) or user.can(Perm.RESULT_REVIEW)):
        raise Refused(user, Perm.REPORT_WRITE)


def _not_found(user: ConsoleUser) -> Response:
    return not_found(user, "抽查任务")


@router.get("/tasks/{task_id}/report", response_model=None)
def report(task_id: str, user: User, service: ServiceDep, done: str = "") -> Response:
    """The report: its state, figures, text (a form for writers) and the next step."""
    _may_read(user)
    task = _task(service, task_id)
    if task is None:
        return _not_found(user)
    return _report_page(user, service, task, done=DONE.get(done, ""))


def _run(
    user: ConsoleUser,
    service: Lifecycle,
    task_id: str,
    done: str,
    call: Callable[[ReportService], object],
) -> Response:
    """``call`` the report service, then back to the report saying ``done``; a refusal in
    Chinese (nothing changed)."""
    try:
        call(_reports(service))
    except LotteryError as exc:
        return _refusal(user, task_id, exc)
    return RedirectResponse(f"{_href(task_id)}?done={done}", status_code=303)


def _posted(
    user: ConsoleUser, service: Lifecycle, task_id: str, csrf: str, perm: Perm
) -> Task | Response:
    """The task a form post acts on, the form token and ``perm`` checked first; or the page
    saying there is no such task."""
    check_csrf(user, csrf)
    require(user, perm)
    task = _task(service, task_id)
    return _not_found(user) if task is None else task


@router.post("/tasks/{task_id}/report/draft", response_model=None)
def draft(
    task_id: str, user: User, service: ServiceDep, now: NowDep, csrf: FormText = ""
) -> Response:
    """Generate (or regenerate) the draft from the published results."""
    task = _posted(user, service, task_id, csrf, Perm.REPORT_WRITE)
    if not isinstance(task, Task):
        return task
    return _run(user, service, task_id, "draft", lambda r: r.draft(task_id, now, actor=user.name))


@router.post("/tasks/{task_id}/report", response_model=None)
def edit(
    task_id: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    csrf: FormText = "",
    text: FormText = "",
) -> Response:
    """Save the completed text of the draft."""
    task = _posted(user, service, task_id, csrf, Perm.REPORT_WRITE)
    if not isinstance(task, Task):
        return task
    if not text.strip():
        return _report_page(user, service, task, text=text, error="报告内容不能为空", status=422)
    if len(text) > MAX_TEXT:
        error = f"报告太长：最多 {MAX_TEXT} 个字"
        return _report_page(user, service, task, text=text[:MAX_TEXT], error=error, status=422)
    return _run(
        user, service, task_id, "edit", lambda r: r.edit(task_id, text, now, actor=user.name)
    )


@router.get("/tasks/{task_id}/report/approve", response_model=None)
def approve_form(task_id: str, user: User, service: ServiceDep) -> Response:
    """The confirmation page: what is published, and that it closes the task."""
    require(user, Perm.RESULT_REVIEW)
    task = _task(service, task_id)
    if task is None:
        return _not_found(user)
    reports = _reports(service)
    row = reports.get(task_id)
    due, problem = _readiness(reports, task_id)
    return page(
        "report_approve.html",
        user=user,
        active="tasks",
        task=task,
        report=row,
        due=due,
        problem=problem,
        own=row is not None and same_person(user.name, row.drafted_by),
        unfinished=row is not None and PLACEHOLDER in row.text,
        placeholder=PLACEHOLDER,
        href=_href(task_id),
    )


@router.post("/tasks/{task_id}/report/approve", response_model=None)
def approve(
    task_id: str, user: User, service: ServiceDep, now: NowDep, csrf: FormText = ""
) -> Response:
    """Approve and publish (the service refuses the report's author)."""
    task = _posted(user, service, task_id, csrf, Perm.RESULT_REVIEW)
    if not isinstance(task, Task):
        return task
    return _run(
        user, service, task_id, "approve", lambda r: r.approve(task_id, now, reviewer=user.name)
    )
