"""整改和复查: open orders (overdue flagged), the order form on a published result, the
re-check form and its approval by another person.

Each action calls what ``/api/rectifications`` calls (:class:`RectificationService`); the
service's refusals are Chinese and name the field; a reviewer approving their own entry is
told so in Chinese.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.api.digits import MAX_ID
from lottery.core.errors import LotteryError
from lottery.core.records import RECHECK_OUTCOMES
from lottery.service import org_scope, users
from lottery.service.lifecycle import Lifecycle
from lottery.service.rectifications import OpenRectification, RectificationService
from lottery.service.results import local_date
from lottery.service.roles import Perm

from . import words
from .render import page, redirect_done, refusal_status
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
RowNumber = Annotated[int, Path(ge=1, le=MAX_ID)]
DONE = {
    "order": "整改要求已下达并公开。",
    "check": "复查结果已录入，等待另一人审核通过后公开。",
    "approve": "复查结果已审核通过并公开。",
    "order-review": "整改要求已下达，须经保密审查后公开。",
    "approve-review": "复查结果已审核通过，须经保密审查后公开。",
}
OWN_RECORD = "复查结果须由录入人以外的另一人审核通过，您不能审核自己录入的复查结果，未作任何更改。"


def _service(service: Lifecycle) -> RectificationService:
    return RectificationService(service.engine, service.log)


def open_rectifications(service: Lifecycle, today: date, actor: str) -> list[OpenRectification]:
    """Open orders for the 工作台 and this page, the earliest due first: those of tasks in
    the user's org unit and below."""
    rows = _service(service).open_orders(today)
    return org_scope.rows_for(service, actor, rows, lambda o: o.row.task)


def _page(
    user: ConsoleUser, service: Lifecycle, today: date, done: str = "", error: str = "",
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    return page(
        "rectifications.html",
        user=user,
        active="rectifications",
        status=status,
        done=done,
        error=error,
        rows=open_rectifications(service, today, user.name),
        outcomes=RECHECK_OUTCOMES,
        can_order=user.can(Perm.RESULT_REVIEW),
        can_enter=user.can(Perm.RESULT_ENTER),
    )


def _refused(user: ConsoleUser, service: Lifecycle, today: date, exc: LotteryError) -> HTMLResponse:
    text = words.own_record_zh(exc, OWN_RECORD)
    return _page(user, service, today, error=text, status=refusal_status(exc))


def _done(kind: str) -> RedirectResponse:
    return redirect_done("/console/rectifications", done=kind)


@router.get("/rectifications")
def rectification_list(
    user: User, service: ServiceDep, now: NowDep, done: str = ""
) -> HTMLResponse:
    """Open orders with their due dates and the forms to act on them."""
    require(user, Perm.TASK_READ)
    return _page(user, service, local_date(now), done=DONE.get(done, ""))


@router.post("/rectifications/order", response_model=None)
def order(
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    result: FormText = "",
    requirements: FormText = "",
    due: FormText = "",
) -> Response:
    """Order rectification on a published result (published at once, or after the 保密审查
    under publication rules for orders)."""
    check_csrf(user, csrf)
    require(user, Perm.RESULT_REVIEW)
    today = local_date(now)
    try:
        due_date = date.fromisoformat(due.strip())
    except ValueError:
        return _page(user, service, today, error="整改期限：请填写日期", status=422)
    try:
        record = _service(service).order(
            result.strip(), requirements, due_date, now, actor=user.name, remote_addr=addr
        )
    except LotteryError as exc:
        return _refused(user, service, today, exc)
    return _done("order" if record is not None else "order-review")


@router.post("/rectifications/{number}/check", response_model=None)
def check(
    number: RowNumber,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    day: FormText = "",
    inspectors: FormText = "",
    outcome: FormText = "",
    note: FormText = "",
) -> Response:
    """Enter a re-check (the account's inspector must be among those present)."""
    check_csrf(user, csrf)
    require(user, Perm.RESULT_ENTER)
    today = local_date(now)
    own = users.inspector_of(service, user.name)
    if own is None:
        text = "您的账号未关联执法检查人员，不能录入复查结果。"
        return _page(user, service, today, error=text, status=403)
    try:
        on = date.fromisoformat(day.strip())
    except ValueError:
        return _page(user, service, today, error="复查日期：请填写日期", status=422)
    present = [p for p in inspectors.replace("，", ",").replace("、", ",").split(",") if p.strip()]
    try:
        _service(service).enter_check(
            number, on, present, outcome, note, now, actor=user.name, remote_addr=addr,
            as_inspector=own,
        )  # fmt: skip
    except LotteryError as exc:
        return _refused(user, service, today, exc)
    return _done("check")


@router.post("/rectifications/{number}/approve", response_model=None)
def approve(
    number: RowNumber, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr,
    csrf: FormText = "",
) -> Response:  # fmt: skip
    """Approve an entered re-check and publish it (another person than who entered it)."""
    check_csrf(user, csrf)
    require(user, Perm.RESULT_REVIEW)
    try:
        record = _service(service).approve_check(number, now, reviewer=user.name, remote_addr=addr)
    except LotteryError as exc:
        return _refused(user, service, local_date(now), exc)
    return _done("approve" if record is not None else "approve-review")
