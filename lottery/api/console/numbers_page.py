"""录入和复核开奖号码: the two-person entry of a public-numbers beacon (docs/beacons.md).

One staff member enters the numbers (``beacons.enter_numbers``); a **different** one types
them again (``beacons.confirm_numbers``), and only matching numbers draw the task. The page
never shows the pending numbers, so the second entry is typed from the public draw, not
copied. Either may void a pending entry with a reason (``beacons.reject_numbers``). The
service refuses the same person confirming, in Chinese; the page shows its words.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, schedule
from lottery.api.digits import ascii_int
from lottery.core.beacon import PublicNumbersBeacon
from lottery.core.errors import LotteryError
from lottery.service import beacons
from lottery.service.lifecycle import Lifecycle, TaskNotFound
from lottery.service.roles import Perm
from lottery.storage.models import Task

from . import views, words
from .render import page, refusal_page
from .session import ConsoleUser, Refused, User, check_csrf, require
from .task_pages import not_found

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
_SPLIT = re.compile(r"[\s,，、;；]+")
MAX_NUMBER = 10**9
_DONE = {"entered": "号码已录入，等待另一人复核。", "rejected": "待复核的号码已作废，请重新录入。"}


def _either(user: ConsoleUser) -> None:
    if not (user.can(Perm.BEACON_ENTER) or user.can(Perm.BEACON_CONFIRM)):
        raise Refused(user, Perm.BEACON_ENTER)


def parse_numbers(
    beacon: PublicNumbersBeacon, fields: list[str]
) -> tuple[list[list[int]], dict[str, str]]:
    """The numbers typed per source (spaces or commas between them), or errors by field."""
    values: list[list[int]] = []
    errors: dict[str, str] = {}
    for i, (source, text) in enumerate(zip(beacon.sources, fields, strict=True), start=1):
        parts = [p for p in _SPLIT.split(text.strip()) if p]
        numbers = [ascii_int(p, 9) for p in parts]
        if None in numbers:
            errors[f"n{i}"] = "只能填写非负整数，用空格或逗号隔开"
        elif len(parts) != source.count:
            errors[f"n{i}"] = f"须填写 {source.count} 个号码（现为 {len(parts)} 个）"
        values.append([n for n in numbers if n is not None])
    return values, errors


def _page(
    user: ConsoleUser,
    service: Lifecycle,
    task: Task,
    beacon: PublicNumbersBeacon,
    *,
    errors: dict[str, str] | None = None,
    typed: list[str] | None = None,
    reason: str = "",
    done: str = "",
    status: int = 200,
) -> HTMLResponse:
    pending = beacons.pending_entry(service, task.id)
    mine = pending is not None and beacons.same_person(pending.entered_by, user.name)
    return page(
        "numbers.html",
        user=user,
        active="tasks",
        status=status,
        task=task,
        beacon=beacon,
        pending=pending,
        mine=mine,
        can_enter=pending is None and user.can(Perm.BEACON_ENTER),
        can_confirm=pending is not None and not mine and user.can(Perm.BEACON_CONFIRM),
        errors=errors or {},
        typed=typed or [""] * len(beacon.sources),
        reason=reason,
        done=done,
    )


def _load(
    user: ConsoleUser, service: Lifecycle, task_id: str
) -> tuple[Task, PublicNumbersBeacon] | Response:
    try:
        task = service.get_task(task_id)
    except TaskNotFound:
        return not_found(user, "抽查任务")
    beacon = views.numbers_beacon(service, task)
    if beacon is None:
        return page(
            "message.html",
            user=user,
            status=409,
            heading="无需录入开奖号码",
            message=f"任务当前的状态是“{words.state_zh(task.state)}”，"
            "或它用 drand 公共随机数抽取（备用号码尚未启用）：现在没有要录入的开奖号码。",
            back=f"/console/tasks/{task_id}",
            back_label="返回任务",
        )
    return task, beacon


@router.get("/tasks/{task_id}/numbers", response_model=None)
def numbers_form(task_id: str, user: User, service: ServiceDep, done: str = "") -> Response:
    """The beacon's sources, the pending entry (who and when, not the numbers) and the form
    this user may use: enter, or confirm (when someone else entered), and void."""
    _either(user)
    loaded = _load(user, service, task_id)
    if isinstance(loaded, Response):
        return loaded
    task, beacon = loaded
    return _page(user, service, task, beacon, done=_DONE.get(done, ""))


@router.post("/tasks/{task_id}/numbers/{step}", response_model=None)
async def numbers_post(
    task_id: str,
    step: str,
    request: Request,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> Response:
    """Enter, confirm or void (``step``: enter, confirm, reject)."""
    if step not in {"enter", "confirm", "reject"}:
        return not_found(user)
    form = await request.form()
    check_csrf(user, str(form.get("csrf", "")))
    require(user, Perm.BEACON_ENTER if step == "enter" else Perm.BEACON_CONFIRM)
    loaded = _load(user, service, task_id)
    if isinstance(loaded, Response):
        return loaded
    task, beacon = loaded
    if step == "reject":
        reason = str(form.get("reason", ""))
        if not reason.strip() or len(reason) > beacons.MAX_REASON:
            error = "请填写作废的原因" if not reason.strip() else "原因太长"
            return _page(user, service, task, beacon, errors={"reason": error}, status=422)
        try:
            beacons.reject_numbers(service, task_id, user.name, reason, now, remote_addr=addr)
        except LotteryError as exc:
            return refusal_page(user, exc, f"/console/tasks/{task_id}/numbers", "返回开奖号码页面")
        return RedirectResponse(f"/console/tasks/{task_id}/numbers?done=rejected", 303)
    typed = [str(form.get(f"n{i}", "")) for i in range(1, len(beacon.sources) + 1)]
    values, errors = parse_numbers(beacon, typed)
    if errors:
        return _page(user, service, task, beacon, errors=errors, typed=typed, status=422)
    try:
        if step == "enter":
            beacons.enter_numbers(service, task_id, values, user.name, now, remote_addr=addr)
        else:
            beacons.confirm_numbers(service, task_id, values, user.name, now, remote_addr=addr)
    except LotteryError as exc:
        return refusal_page(user, exc, f"/console/tasks/{task_id}/numbers", "返回开奖号码页面")
    if step == "enter":
        return RedirectResponse(f"/console/tasks/{task_id}/numbers?done=entered", 303)
    schedule(request, task_id=task_id)
    return RedirectResponse(f"/console/tasks/{task_id}?done=draw", 303)
