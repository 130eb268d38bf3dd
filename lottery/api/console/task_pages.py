"""The 工作台, the task pages, the confirmed transitions and the sealed outcome.

Transitions call the service as the JSON API's routes do (``Lifecycle.announce``,
``draw_task``, ``Lifecycle.disclose``, ``cancellations.request_cancel``) and queue the
scheduler's next step the same way; a refusal by the service is shown in Chinese and changes
nothing. Confirming or rejecting a pending cancellation is :mod:`.cancel_pages`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, schedule
from lottery.core.errors import LotteryError
from lottery.service import cancellations, org_scope
from lottery.service.beacons import same_person
from lottery.service.drawing import draw_task
from lottery.service.lifecycle import Lifecycle, TaskNotFound
from lottery.service.preview import TaskPreview, preview_task
from lottery.service.result_entry import local_date
from lottery.service.roles import Perm
from lottery.service.witness_push import witness_status
from lottery.storage.models import Task

from . import views, words
from .actions import BY_KEY, Action, cancel_effects, offered
from .rectification_pages import open_rectifications
from .render import page, refusal_page
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
MAX_REASON = 1000
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2})+\Z")


def not_found(user: ConsoleUser | None, what: str = "页面") -> HTMLResponse:
    """The Chinese 404 page."""
    return page(
        "message.html",
        user=user,
        status=404,
        heading=f"找不到这个{what}",
        message=f"找不到这个{what}：地址可能有误，或已被删除。",
        back="/console/",
        back_label="返回工作台",
    )


@router.get("/")
def dashboard(user: User, service: ServiceDep, now: NowDep, request: Request) -> HTMLResponse:
    """The 工作台 (with the witnesses' state when witnesses are configured)."""
    require(user, Perm.TASK_READ)
    board = views.dashboard(service, now, user.name)
    rectifications = open_rectifications(service, local_date(now), user.name)
    settings = request.app.state.settings
    witnesses = witness_status(service, settings, now) if settings.witnesses else None
    return page(
        "dashboard.html",
        user=user,
        active="dashboard",
        board=board,
        rectifications=rectifications,
        witnesses=witnesses,
        alert_minutes=settings.witness_alert_after // 60,
    )


@router.get("/tasks")
def task_list(user: User, service: ServiceDep, done: str = "") -> HTMLResponse:
    """Every task, newest first; the wizard's entry for planners."""
    require(user, Perm.TASK_READ)
    return page(
        "tasks.html",
        user=user,
        active="tasks",
        tasks=org_scope.tasks_for(service, user.name, service.list_tasks()),
        can_plan=user.can(Perm.TASK_PLAN),
        done="草稿已删除。" if done == "deleted" else "",
    )


def task_page_response(
    user: ConsoleUser,
    service: Lifecycle,
    task_id: str,
    done: str = "",
    *,
    status: int = 200,
    reject_error: str = "",
    reject_reason: str = "",
) -> Response:
    """The task page; ``reject_error`` goes next to the pending cancellation's reason field."""
    try:
        detail = views.task_detail(service, task_id)
        org_scope.check_task(service, user.name, task_id)
    except TaskNotFound:
        return not_found(user, "抽查任务")
    except org_scope.OutOfScope as exc:
        return refusal_page(user, exc, "/console/tasks", "返回任务列表")
    task = detail.task
    numbers_link = (
        task.state == "announced"
        and (user.can(Perm.BEACON_ENTER) or user.can(Perm.BEACON_CONFIRM))
        and views.numbers_beacon(service, task) is not None
    )
    asked = detail.pending_cancel
    may_cancel = asked is not None and user.can(Perm.TASK_CANCEL)
    mine = asked is not None and same_person(asked.requested_by, user.name)
    asked_lost = asked is not None and cancellations.asked_secret_lost(service, asked)
    actions = [a for a in offered(task, user.can) if not (a.key == "cancel" and asked is not None)]
    return page(
        "task.html",
        user=user,
        active="tasks",
        status=status,
        d=detail,
        done=done,
        actions=actions,
        can_outcome=task.draw_record is not None and user.can(Perm.OUTCOME_READ),
        can_report=task.state in ("disclosed", "closed")
        and (user.can(Perm.REPORT_WRITE) or user.can(Perm.RESULT_REVIEW)),
        numbers_link=numbers_link,
        draft_tools=task.state == "draft" and user.can(Perm.TASK_PLAN),
        cancel_mine=mine,
        cancel_confirm=may_cancel and not mine,
        cancel_reject=may_cancel,
        cancel_effects=cancel_effects(task, secret_lost=asked_lost),
        cancel_secret_lost=asked_lost,
        reject_error=reject_error,
        reject_reason=reject_reason,
    )


_DONE = {
    **{a.key: f"已{a.label}。" for a in BY_KEY.values()},
    "cancel": "已提交取消申请，等待另一位工作人员确认；确认之前任务照常进行。",
    "cancel-confirm": "已确认取消申请，任务已取消。",
    "cancel-reject": "取消申请已撤回或驳回，任务照常进行。",
}


@router.get("/tasks/{task_id}", response_model=None)
def task_page(task_id: str, user: User, service: ServiceDep, done: str = "") -> Response:
    """One task: state, times, items, beacon, public records, the buttons the user may use."""
    require(user, Perm.TASK_READ)
    return task_page_response(user, service, task_id, _DONE.get(done, ""))


def _confirm(
    user: ConsoleUser,
    task: Task,
    action: Action,
    now_explain: list[str],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    reason: str = "",
    signature: str = "",
    error: str = "",
    preview: TaskPreview | None = None,
    lost: str | None = None,
) -> HTMLResponse:
    return page(
        "confirm.html",
        lost=lost,
        user=user,
        active="tasks",
        status=status,
        task=task,
        action=action,
        explain=now_explain,
        errors=errors or {},
        reason=reason,
        signature=signature,
        error=error,
        preview=preview,
    )


def _action_or_none(key: str) -> Action | None:
    return BY_KEY.get(key)


@router.get("/tasks/{task_id}/outcome", response_model=None)
def outcome_page(
    task_id: str, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """The sealed outcome as a table; the read is audited by the service (R6)."""
    require(user, Perm.OUTCOME_READ)
    try:
        task = service.get_task(task_id)
        blob = service.read_sealed_outcome(task_id, user.name, now, remote_addr=addr)
        rows = views.outcome_rows(service, blob)
    except TaskNotFound:
        return not_found(user, "抽查任务")
    except LotteryError as exc:
        return refusal_page(user, exc, f"/console/tasks/{task_id}", "返回任务")
    return page("outcome.html", user=user, active="sealed", task=task, rows=rows, now=now)


@router.get("/tasks/{task_id}/{key}", response_model=None)
def confirm_page(task_id: str, key: str, user: User, service: ServiceDep, now: NowDep) -> Response:
    """The confirmation page of a transition: what will be published, and when."""
    action = _action_or_none(key)
    if action is None:
        return not_found(user)
    require(user, action.perm)
    try:
        task = service.get_task(task_id)
    except TaskNotFound:
        return not_found(user, "抽查任务")
    org_scope.check_task(service, user.name, task_id)  # a refusal: the console's 403 page
    if action not in offered(task, user.can):
        why = f"任务当前的状态是“{words.state_zh(task.state)}”，不能{action.label}。"
        if task.state in action.states:  # only the draw is held back in its state
            why = "此任务用公开开奖号码抽取，须由两人分别录入开奖号码，不能直接抽取。"
        return page(
            "message.html",
            user=user,
            status=409,
            heading=f"不能{action.label}",
            message=why,
            back=f"/console/tasks/{task_id}",
            back_label="返回任务",
        )
    preview = None
    if action.key == "announce" and user.can(Perm.REGISTRY_READ):
        try:  # the same computation as the announcement, nothing written
            preview = preview_task(service, task_id, now)
        except LotteryError:
            preview = None  # the announcement itself will say why
    lost = None
    if action.key == "cancel":  # a secret the service cannot open: docs/operations.md
        lost = cancellations.secret_lost_reason(service, task_id)
    return _confirm(user, task, action, action.explain(task, now), preview=preview, lost=lost)


def _check_form(action: Action, reason: str, signature: str) -> dict[str, str]:
    errors = {}
    if action.key == "cancel":
        if not reason.strip():
            errors["reason"] = "请填写取消原因"
        elif len(reason) > MAX_REASON:
            errors["reason"] = f"取消原因太长：最多 {MAX_REASON} 个字（现为 {len(reason)} 个）"
    if action.key == "draw" and signature.strip() and not _HEX.match(signature.strip()):
        errors["drand_signature"] = "签名须是十六进制字符（0-9、a-f），且为偶数个"
    return errors


def _run(
    request: Request,
    action: Action,
    service: Lifecycle,
    task_id: str,
    user: ConsoleUser,
    now: datetime,
    addr: str | None,
    reason: str,
    signature: str,
    secret_lost: bool = False,
) -> None:
    if action.key == "announce":
        service.announce(task_id, now, actor=user.name, remote_addr=addr)
    elif action.key == "draw":
        sig = bytes.fromhex(signature.strip()) if signature.strip() else None
        draw_task(
            service,
            task_id,
            now,
            actor=user.name,
            signature=sig,
            fetch=request.app.state.fetch_drand,
            remote_addr=addr,
        ).drawn()
    elif action.key == "disclose":
        service.disclose(task_id, now, actor=user.name, remote_addr=addr)
    else:  # a request only: another person confirms it (cancel_pages)
        cancellations.request_cancel(
            service,
            task_id,
            reason.strip(),
            user.name,
            now,
            remote_addr=addr,
            secret_lost=secret_lost,
        )
    schedule(request, task_id=task_id)


@router.post("/tasks/{task_id}/{key}", response_model=None)
def act(
    task_id: str,
    key: str,
    request: Request,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    reason: FormText = "",
    drand_signature: FormText = "",
    secret_lost: FormText = "",
) -> Response:
    """Carry out a confirmed transition, then show the task."""
    action = _action_or_none(key)
    if action is None:
        return not_found(user)
    check_csrf(user, csrf)
    require(user, action.perm)
    try:
        task = service.get_task(task_id)
    except TaskNotFound:
        return not_found(user, "抽查任务")
    org_scope.check_task(service, user.name, task_id)  # a refusal: the console's 403 page
    errors = _check_form(action, reason, drand_signature)
    if errors:
        explain = action.explain(task, now)
        return _confirm(
            user,
            task,
            action,
            explain,
            status=422,
            errors=errors,
            reason=reason,
            signature=drand_signature,
            lost=cancellations.secret_lost_reason(service, task_id)
            if action.key == "cancel"
            else None,
        )
    lost = bool(secret_lost)  # the checkbox, sent only when ticked
    try:
        _run(request, action, service, task_id, user, now, addr, reason, drand_signature, lost)
    except LotteryError as exc:
        return refusal_page(user, exc, f"/console/tasks/{task_id}", "返回任务")
    return RedirectResponse(f"/console/tasks/{task_id}?done={action.key}", status_code=303)


@router.get("/sealed")
def sealed(user: User, service: ServiceDep) -> HTMLResponse:
    """Tasks with an outcome, for the roles that may read it."""
    require(user, Perm.OUTCOME_READ)
    return page(
        "sealed.html", user=user, active="sealed", tasks=views.sealed_tasks(service, user.name)
    )
