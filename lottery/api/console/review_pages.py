"""结果审核 (result.review): the results waiting for a reviewer, approve or send back with a
reason; and a target's result history (every version), for result.enter or result.review.

Approving calls ``ResultsService.approve`` (publishes), sending back ``send_back`` (status
``returned``, audited), as the JSON API does; the reviewer must not be the author.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.api.digits import row_id
from lottery.core.errors import LotteryError
from lottery.service import org_scope
from lottery.service.held_results import audit_sealed_reads
from lottery.service.lifecycle import Lifecycle
from lottery.service.result_entry import SEALED_STATES, same_person
from lottery.service.result_evidence import may_read
from lottery.service.results import (
    DIFFERENT_REVIEWER,
    HELD_ZH,
    MAX_NOTE,
    ResultNotFound,
    ResultsService,
)
from lottery.service.roles import Perm
from lottery.storage.models import InspectionResult

from . import words
from .evidence_pages import reader_inspector
from .inspector_views import names_of, status_zh, target_name
from .render import page
from .session import ConsoleUser, Refused, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
DONE = {
    "approve": "已审核通过并公开。",
    "held": f"{HELD_ZH}：抽取结果公开时随之公开。",
    "send-back": "已退回录入人。",
}


def _results(service: Lifecycle) -> ResultsService:
    return ResultsService(service.engine, service.log, service.keeper)


@router.get("/review")
def queue(
    user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr, done: str = ""
) -> HTMLResponse:
    """Every result waiting for a reviewer, oldest first (a sealed task's: audited)."""
    require(user, Perm.RESULT_REVIEW)
    waiting = org_scope.rows_for(service, user.name, _results(service).waiting(), lambda r: r.task)
    audit_sealed_reads(service.engine, waiting, now, actor=user.name, remote_addr=addr)
    rows = [(r, target_name(service, r.target)) for r in waiting]
    return page("review.html", user=user, active="review", rows=rows, done=DONE.get(done, ""))


def _missing(user: ConsoleUser) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        status=404,
        heading="找不到这条检查结果",
        message="找不到这条检查结果：地址可能有误。",
        back="/console/review",
        back_label="返回结果审核",
    )


def _detail(
    user: ConsoleUser,
    service: Lifecycle,
    row: InspectionResult,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    error: str = "",
    reason: str = "",
) -> HTMLResponse:
    people = names_of(service, [p["id"] for p in row.fields.get("inspectors", [])])
    return page(
        "review_one.html",
        user=user,
        active="review",
        status=status,
        r=row,
        f=row.fields,
        name=target_name(service, row.target),
        people=people,
        own=same_person(user.name, row.entered_by),
        sealed=service.get_task(row.task).state in SEALED_STATES,
        status_zh=status_zh,
        errors=errors or {},
        error=error,
        reason=reason,
        max_note=MAX_NOTE,
    )


def _load(service: Lifecycle, result_id: str) -> InspectionResult | None:
    number = row_id(result_id)
    if number is None:
        return None
    try:
        return _results(service).get(number)
    except ResultNotFound:
        return None


def _waiting(
    user: ConsoleUser, service: Lifecycle, result_id: str, csrf: str
) -> InspectionResult | HTMLResponse:
    """The result a reviewer's post acts on (the form token and result.review checked first),
    or the page saying there is none."""
    check_csrf(user, csrf)
    require(user, Perm.RESULT_REVIEW)
    row = _load(service, result_id)
    if row is None:
        return _missing(user)
    org_scope.check_task(service, user.name, row.task)  # a refusal: the console's 403 page
    return row


@router.get("/review/{result_id}", response_model=None)
def review_one(
    result_id: str, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """One result in full, with the approve and send-back forms while it waits (of a
    still-sealed task: audited)."""
    require(user, Perm.RESULT_REVIEW)
    row = _load(service, result_id)
    if row is None:
        return _missing(user)
    org_scope.check_task(service, user.name, row.task)  # a refusal: the console's 403 page
    audit_sealed_reads(service.engine, [row], now, actor=user.name, remote_addr=addr)
    return _detail(user, service, row)


@router.post("/review/{result_id}/approve", response_model=None)
def approve(
    result_id: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
) -> Response:
    """Approve and publish (another person than the author)."""
    row = _waiting(user, service, result_id, csrf)
    if isinstance(row, HTMLResponse):
        return row
    try:
        record = _results(service).approve(row.id or 0, now, reviewer=user.name, remote_addr=addr)
    except org_scope.OutOfScope:
        raise
    except LotteryError as exc:
        return _detail(user, service, row, status=409, error=_why(exc))
    done = "approve" if record is not None else "held"
    return RedirectResponse(f"/console/review?done={done}", status_code=303)


def _why(exc: LotteryError) -> str:
    if DIFFERENT_REVIEWER in str(exc):
        return "您是这条结果的录入人，须由另一名审核人员审核。未作任何更改。"
    if "not waiting for approval" in str(exc):
        return "这条结果已不在等待审核（可能已由他人审核或退回）。未作任何更改。"
    return words.error_zh(exc)


@router.post("/review/{result_id}/send-back", response_model=None)
def send_back(
    result_id: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    reason: FormText = "",
) -> Response:
    """Send the result back to its author with a reason (nothing is published)."""
    row = _waiting(user, service, result_id, csrf)
    if isinstance(row, HTMLResponse):
        return row
    if not reason.strip():
        errors = {"reason": "请填写退回原因，录入人会看到它"}
    elif len(reason.strip()) > MAX_NOTE:
        errors = {"reason": f"退回原因太长：最多 {MAX_NOTE} 个字（现为 {len(reason.strip())} 个）"}
    else:
        try:
            _results(service).send_back(
                row.id or 0, reason, now, reviewer=user.name, remote_addr=addr
            )
        except org_scope.OutOfScope:
            raise
        except LotteryError as exc:
            return _detail(user, service, row, status=409, error=_why(exc), reason=reason)
        return RedirectResponse("/console/review?done=send-back", status_code=303)
    return _detail(user, service, row, status=422, errors=errors, reason=reason[: MAX_NOTE + 100])


@router.get("/history/{task_id}/{target}", response_model=None)
def history(
    task_id: str, target: str, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """Every version of a target's result in a task: corrections, send-backs, what is public
    (of a still-sealed task: audited)."""
    if not (user.can(Perm.RESULT_ENTER) or user.can(Perm.RESULT_REVIEW)):
        raise Refused(user, Perm.RESULT_ENTER)
    everyone, inspector = reader_inspector(service, user)
    if everyone:
        org_scope.check_task(service, user.name, task_id)  # a refusal: the console's 403 page
    versions = _results(service).versions(task_id, target)
    readable = {
        v.id
        for v in versions
        if everyone or (inspector is not None and may_read(v.fields, inspector))
    }
    if not everyone and not readable:
        # An inspector sees only their own team's targets: that another target has a result
        # (so was picked, maybe in a task still sealed) is not theirs to learn.
        versions = []
    audit_sealed_reads(service.engine, versions, now, actor=user.name, remote_addr=addr)
    if not versions:
        return page(
            "message.html",
            user=user,
            status=404,
            heading="没有检查结果",
            message="这个检查对象在该任务中还没有录入过检查结果。",
            back="/console/my" if user.can(Perm.RESULT_ENTER) else "/console/review",
            back_label="返回",
        )
    return page(
        "history.html",
        user=user,
        active="review" if user.can(Perm.RESULT_REVIEW) else "my",
        versions=versions,
        task_id=task_id,
        target=target,
        name=target_name(service, target),
        status_zh=status_zh,
        can_review=user.can(Perm.RESULT_REVIEW),
        readable=readable,
    )
