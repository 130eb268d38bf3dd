"""The second step of a cancellation: confirm or reject a pending request (task.cancel).

The task page shows the pending request (who asked, when, why) with these two forms; the
request itself is the ``cancel`` transition of :mod:`.task_pages`. Both call the service as
the JSON API does (``cancellations.confirm_cancel`` / ``reject_cancel``); the service refuses
the person who asked confirming it, and a request the task has moved past, in Chinese. A
request made as a lost-secret cancellation (docs/operations.md) is shown as such and its
confirmation form carries that choice (the confirmer sees it before pressing the button).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, schedule
from lottery.core.errors import LotteryError
from lottery.service import cancellations
from lottery.service.lifecycle import TaskNotFound
from lottery.service.roles import Perm

from .render import refusal_page
from .session import User, check_csrf, require
from .task_pages import not_found, task_page_response

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]


@router.post("/tasks/{task_id}/cancel/{step}", response_model=None)
def decide(
    task_id: str,
    step: str,
    request: Request,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    reason: FormText = "",
    secret_lost: FormText = "",
) -> Response:
    """Confirm (``step`` confirm: the task is cancelled) or reject (``step`` reject, with a
    reason: the author withdraws it, another person refuses it) the pending request."""
    if step not in {"confirm", "reject"}:
        return not_found(user)
    check_csrf(user, csrf)
    require(user, Perm.TASK_CANCEL)
    back = f"/console/tasks/{task_id}"
    if step == "reject":
        error = ""
        if not reason.strip():
            error = "请填写撤回或驳回的原因"
        elif len(reason) > cancellations.MAX_REASON:
            error = f"原因太长：最多 {cancellations.MAX_REASON} 个字（现为 {len(reason)} 个）"
        if error:
            return task_page_response(
                user, service, task_id, status=422, reject_error=error, reject_reason=reason
            )
    try:
        if step == "confirm":
            cancellations.confirm_cancel(
                service,
                task_id,
                user.name,
                now,
                remote_addr=addr,
                secret_lost=bool(secret_lost),
            )
        else:
            cancellations.reject_cancel(
                service, task_id, user.name, reason.strip(), now, remote_addr=addr
            )
    except TaskNotFound:
        return not_found(user, "抽查任务")
    except LotteryError as exc:
        return refusal_page(user, exc, back, "返回任务")
    if step == "confirm":
        schedule(request, task_id=task_id)  # as after any transition: nothing left to run
    return RedirectResponse(f"{back}?done=cancel-{step}", status_code=303)
