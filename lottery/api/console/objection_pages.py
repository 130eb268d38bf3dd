"""异议: objections of inspected parties to published results; the form to record one, and the
decision (upheld with the correction, or dismissed with a reason) by another person.

Each action calls what ``/api/objections`` calls (:class:`ObjectionService`); the service's
refusals are Chinese and name the field; deciding one's own record is refused in Chinese.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, objection_service
from lottery.api.digits import MAX_ID
from lottery.core.errors import LotteryError
from lottery.service import org_scope
from lottery.service.lifecycle import Lifecycle
from lottery.service.objections import OUTCOME_WORDS
from lottery.service.roles import Perm

from . import words
from .render import page, redirect_done, refusal_status
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
DONE = {
    "record": "异议已登记（异议内容不公开），等待另一人处理。",
    "decide": "异议处理结果已公开。",
}
OWN_RECORD = "异议须由登记人以外的另一人处理，您不能处理自己登记的异议，未作任何更改。"


def _page(
    request: Request, user: ConsoleUser, service: Lifecycle, done: str = "", error: str = "",
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    objections = objection_service(request, service)
    rows = org_scope.rows_for(service, user.name, objections.listing(), lambda r: r.task)
    waiting = [r for r in rows if r.status == "received"]
    return page(
        "objections.html",
        user=user,
        active="objections",
        status=status,
        done=done,
        error=error,
        waiting=waiting,
        decided=[r for r in rows if r.status != "received"],
        corrections={r.id: objections.corrections_of(r.result_record) for r in waiting},
        outcome_words=OUTCOME_WORDS,
        workdays=objections.workdays,
        can_act=user.can(Perm.RESULT_REVIEW),
    )


def _refused(
    request: Request, user: ConsoleUser, service: Lifecycle, exc: LotteryError
) -> HTMLResponse:
    text = words.own_record_zh(exc, OWN_RECORD)
    return _page(request, user, service, error=text, status=refusal_status(exc))


def _done(kind: str) -> RedirectResponse:
    return redirect_done("/console/objections", done=kind)


@router.get("/objections")
def objection_list(
    request: Request, user: User, service: ServiceDep, done: str = ""
) -> HTMLResponse:
    """Objections waiting for a decision, those decided, and the form to record one."""
    require(user, Perm.TASK_READ)
    return _page(request, user, service, done=DONE.get(done, ""))


@router.post("/objections/record", response_model=None)
def record(
    request: Request,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    result: FormText = "",
    received: FormText = "",
    text: FormText = "",
) -> Response:
    """Record an objection to a published result (publishes nothing yet)."""
    check_csrf(user, csrf)
    require(user, Perm.RESULT_REVIEW)
    try:
        day = date.fromisoformat(received.strip())
    except ValueError:
        return _page(request, user, service, error="收到日期：请填写日期", status=422)
    try:
        objection_service(request, service).record(
            result.strip(), day, text, now, actor=user.name, remote_addr=addr
        )
    except LotteryError as exc:
        return _refused(request, user, service, exc)
    return _done("record")


@router.post("/objections/{number}/decide", response_model=None)
def decide(
    number: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    outcome: FormText = "",
    correction: FormText = "",
    reason: FormText = "",
) -> Response:
    """Decide an objection and publish the outcome (another person than who recorded it)."""
    check_csrf(user, csrf)
    require(user, Perm.RESULT_REVIEW)
    try:
        objection_service(request, service).decide(
            number, outcome, now, reviewer=user.name, correction=correction.strip() or None,
            reason=reason, remote_addr=addr,
        )  # fmt: skip
    except LotteryError as exc:
        return _refused(request, user, service, exc)
    return _done("decide")


__all__ = ["router"]
