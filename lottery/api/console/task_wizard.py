"""新建抽查任务 (the task wizard), editing and deleting a draft, and the announcement preview.

The wizard's form becomes the body ``POST /api/tasks`` takes (:mod:`.task_form`), checked by
the same model, and the draft is created as the API route creates it
(``Lifecycle.create_task``, then the scheduler is told). Editing and deleting call
:mod:`lottery.service.drafts`, which refuses anything but a never-announced draft. The preview
calls :func:`lottery.service.preview.preview_task`, which writes nothing.

Mounted before :mod:`.task_pages`, whose ``/tasks/{id}`` and ``/tasks/{id}/{key}`` would
otherwise take ``/tasks/new`` and ``/tasks/{id}/preview``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, schedule
from lottery.core.errors import LotteryError
from lottery.service import drafts, org_scope
from lottery.service.lifecycle import Lifecycle, TaskNotFound
from lottery.service.preview import preview_task
from lottery.service.roles import Perm
from lottery.storage.models import Task

from . import task_form, words
from .render import page, refusal_page
from .session import ConsoleUser, User, check_csrf, require
from .task_pages import not_found

router = APIRouter(prefix="/console", include_in_schema=False)


def _wizard(
    user: ConsoleUser,
    ch: task_form.Choices,
    values: dict[str, Any],
    *,
    task: Task | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    return page(
        "wizard.html",
        user=user,
        active="tasks",
        status=status,
        ch=ch,
        v=values,
        task=task,
        errors=errors or {},
        error=error,
        sources=range(1, task_form.SOURCES + 1),
        source_kinds=task_form.SOURCE_KINDS,
    )


def _not_draft(user: ConsoleUser, task: Task, what: str) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        status=409,
        heading=f"不能{what}",
        message=f"任务当前的状态是“{words.state_zh(task.state)}”：只有从未公告的草稿可以{what}，"
        "已公开的内容不能更改。",
        back=f"/console/tasks/{task.id}",
        back_label="返回任务",
    )


@router.get("/tasks/new")
def new_task(user: User, service: ServiceDep) -> HTMLResponse:
    """The empty wizard."""
    require(user, Perm.TASK_PLAN)
    return _wizard(user, task_form.choices(service, actor=user.name), task_form.blank_form())


@router.post("/tasks/new", response_model=None)
async def create_task(
    request: Request, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """Create the draft from the form, as ``POST /api/tasks`` does; then show its preview."""
    form = task_form.multi(await request.form())
    check_csrf(user, str(form.get("csrf", "")))
    require(user, Perm.TASK_PLAN)
    ch = task_form.choices(service)  # every unit: the service names a unit out of scope
    parsed = task_form.definition_from_form(form, ch)
    values = task_form.as_values(form)
    if parsed.definition is None or parsed.params is None:
        return _wizard(user, ch, values, errors=parsed.errors, status=422)
    try:
        existing = service.get_task(parsed.params.task)
    except TaskNotFound:
        existing = None
    if existing is not None:
        errors = {"task": f"编号 {existing.id} 已被任务“{existing.title}”使用，请换一个编号"}
        return _wizard(user, ch, values, errors=errors, status=409)
    try:
        task = service.create_task(
            parsed.params,
            now,
            actor=user.name,
            remote_addr=addr,
            announce_at=parsed.definition.announce_time(),
        )
    except LotteryError as exc:
        if errors := task_form.service_errors(exc):
            return _wizard(user, ch, values, errors=errors, status=422)
        return _wizard(user, ch, values, error=words.error_zh(exc), status=422)
    schedule(request, task_id=task.id)
    return RedirectResponse(f"/console/tasks/{task.id}/preview?done=created", status_code=303)


def _draft(service: Lifecycle, user: ConsoleUser, task_id: str, verb: str) -> Task | HTMLResponse:
    """The draft ``task_id``, or the page saying why it cannot be ``verb``-ed (no such task,
    or no longer a draft)."""
    try:
        task = service.get_task(task_id)
    except TaskNotFound:
        return not_found(user, "抽查任务")
    org_scope.check_task(service, user.name, task_id)  # a refusal: the console's 403 page
    return task if task.state == "draft" else _not_draft(user, task, verb)


@router.get("/tasks/{task_id}/edit", response_model=None)
def edit_form(task_id: str, user: User, service: ServiceDep) -> Response:
    """The wizard filled in with a draft's values."""
    require(user, Perm.TASK_PLAN)
    task = _draft(service, user, task_id, "修改")
    if isinstance(task, HTMLResponse):
        return task
    return _wizard(
        user, task_form.choices(service, task, user.name), task_form.form_from_task(task), task=task
    )


@router.post("/tasks/{task_id}/edit", response_model=None)
async def edit_task(
    task_id: str, request: Request, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """Replace a draft's parameters (the id stays); then show its preview."""
    form = task_form.multi(await request.form())
    check_csrf(user, str(form.get("csrf", "")))
    require(user, Perm.TASK_PLAN)
    task = _draft(service, user, task_id, "修改")
    if isinstance(task, HTMLResponse):
        return task
    form["task"] = task_id  # the id of a draft does not change
    ch = task_form.choices(service, task)  # every unit: the service names one out of scope
    parsed = task_form.definition_from_form(form, ch)
    values = task_form.as_values(form)
    if parsed.definition is None or parsed.params is None:
        return _wizard(user, ch, values, task=task, errors=parsed.errors, status=422)
    try:
        drafts.update_draft(
            service,
            parsed.params,
            now,
            actor=user.name,
            remote_addr=addr,
            announce_at=parsed.definition.announce_time(),
        )
    except LotteryError as exc:
        if errors := task_form.service_errors(exc):
            return _wizard(user, ch, values, task=task, errors=errors, status=422)
        return _wizard(user, ch, values, task=task, error=words.error_zh(exc), status=422)
    schedule(request, task_id=task_id)
    return RedirectResponse(f"/console/tasks/{task_id}/preview?done=edited", status_code=303)


@router.get("/tasks/{task_id}/delete", response_model=None)
def delete_confirm(task_id: str, user: User, service: ServiceDep) -> Response:
    """The confirmation page of deleting a draft."""
    require(user, Perm.TASK_PLAN)
    task = _draft(service, user, task_id, "删除")
    if isinstance(task, HTMLResponse):
        return task
    return page("delete.html", user=user, active="tasks", task=task)


@router.post("/tasks/{task_id}/delete", response_model=None)
async def delete_task(
    task_id: str, request: Request, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """Delete a draft; then the task list."""
    form = await request.form()
    check_csrf(user, str(form.get("csrf", "")))
    require(user, Perm.TASK_PLAN)
    try:
        drafts.delete_draft(service, task_id, now, actor=user.name, remote_addr=addr)
    except TaskNotFound:
        return not_found(user, "抽查任务")
    except LotteryError as exc:
        return refusal_page(user, exc, f"/console/tasks/{task_id}", "返回")
    return RedirectResponse("/console/tasks?done=deleted", status_code=303)


_DONE = {"created": "草稿已保存。", "edited": "草稿已修改。"}


@router.get("/tasks/{task_id}/preview", response_model=None)
def preview_page(
    task_id: str, user: User, service: ServiceDep, now: NowDep, done: str = ""
) -> Response:
    """What announcing the task now would freeze; nothing is written."""
    require(user, Perm.TASK_READ)
    require(user, Perm.REGISTRY_READ)
    task = _draft(service, user, task_id, "预览公告")
    if isinstance(task, HTMLResponse):
        return task
    try:
        preview = preview_task(service, task_id, now)
    except LotteryError as exc:
        return refusal_page(user, exc, f"/console/tasks/{task_id}", "返回")
    return page(
        "preview.html",
        user=user,
        active="tasks",
        task=task,
        p=preview,
        done=_DONE.get(done, ""),
        can_plan=user.can(Perm.TASK_PLAN),
    )
