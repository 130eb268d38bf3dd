"""行政处罚: the list (waiting for approval with their deadlines, published, withdrawn), the
entry form, approval by a different person, withdrawal.

Each action calls what ``/api/penalties`` calls (:meth:`PenaltyService.enter`,
:meth:`PenaltyService.approve`, :meth:`PenaltyService.withdraw`); the due dates come from
:func:`pending_deadlines`, as on the 工作台. The service refuses an approval by the person
who entered the decision; the page says so in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.api.digits import ascii_int, row_id
from lottery.core.errors import LotteryError
from lottery.core.workdays import CalendarDataMissing
from lottery.service.integrity import stored
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import (
    REVOKED_ON,
    STATUS_ZH,
    PenaltyError,
    PenaltyNotFound,
    PenaltyService,
    PenaltyStateError,
    pending_deadlines,
)
from lottery.service.results import DIFFERENT_REVIEWER, local_date, same_person
from lottery.service.roles import Perm
from lottery.storage.models import Penalty

from . import words
from .penalty_form import DATE_FIELDS, FORM_KEYS, TEXT_FIELDS, place_refusal, read_form
from .render import page, redirect_done, refusal_status
from .session import ConsoleUser, Refused, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
MAX_REASON = 2000
DONE = {
    "enter": "已录入处罚决定 {ref}，等待另一人审核通过后公开。",
    "approve": "处罚决定 {ref} 已审核通过并公开。",
    "withdraw": "处罚决定 {ref} 已撤回：其内容已从公开网站、导出文件和日志服务中删除。",
    "revoked": "已登记处罚决定 {ref} 被撤销：须在 3 个工作日内撤回其公示，已列入工作台的待办期限。",
}
MAX_COUNT_DIGITS = 6  # the count of a bulk withdrawal in the address after it


class PenaltyFormData(BaseModel):
    """The entry form as posted (every field text; checked by :func:`read_form`)."""

    csrf: str = ""
    decision: str = ""
    target: str = ""
    decided: str = ""
    facts: str = ""
    basis: str = ""
    kind: str = ""
    content: str = ""
    authority: str = ""
    publish_until: str = ""
    amount_kind: str = "罚款"
    amount_yuan: str = ""
    amount_text: str = ""
    result: str = ""
    address: str = ""
    representative: str = ""
    authority_code: str = ""
    violation: str = ""
    licence: str = ""


def _service(service: Lifecycle) -> PenaltyService:
    return PenaltyService(service.engine, service.log)


def _require_any(user: ConsoleUser, first: Perm, second: Perm) -> None:
    if not (user.can(first) or user.can(second)):
        raise Refused(user, first)


def _message(user: ConsoleUser, status: int, heading: str, message: str) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        active="penalties",
        status=status,
        heading=heading,
        message=message,
        back="/console/penalties",
        back_label="返回行政处罚",
    )


def _not_found(user: ConsoleUser) -> HTMLResponse:
    return _message(user, 404, "找不到这项处罚决定", "找不到这项处罚决定：地址可能有误。")


def _refusal(user: ConsoleUser, exc: LotteryError, reviewer: str | None = None) -> HTMLResponse:
    if DIFFERENT_REVIEWER in str(exc):
        entered_by = str(exc).split(" was entered by ", 1)[-1].split(":", 1)[0]
        text = (
            f"这项处罚决定由 {entered_by} 录入，须由录入人以外的另一人审核通过。"
            f"{reviewer or '您'}不能审核自己录入的处罚决定，未作任何更改。"
        )
        return _message(user, 403, "不能审核自己录入的处罚决定", text)
    if isinstance(exc, CalendarDataMissing):
        return _message(
            user, 409, "无法计算公示期限", words.calendar_missing_zh(exc.year) + "未作任何更改。"
        )
    if isinstance(exc, PenaltyStateError):
        text = "这项处罚决定当前的状态不允许这项操作（可能已由他人处理），未作任何更改。"
        return _message(user, 409, "操作未完成", text)
    status = refusal_status(exc)
    return _message(user, status, "操作未完成", words.error_zh(exc))


def _get(penalties: PenaltyService, penalty_id: str) -> Penalty | None:
    """The penalty of an address's id (None for a malformed or unknown one)."""
    number = row_id(penalty_id)
    if number is None:
        return None
    try:
        return penalties.get(number)
    except PenaltyNotFound:
        return None


def _posted(
    user: ConsoleUser, service: Lifecycle, penalty_id: str, csrf: str, perm: Perm
) -> Penalty | HTMLResponse:
    """The decision a form post acts on (the form token and ``perm`` checked first), or the
    page saying there is none."""
    check_csrf(user, csrf)
    require(user, perm)
    row = _get(_service(service), penalty_id)
    return _not_found(user) if row is None or row.id is None else row


def _done(kind: str, penalty_id: int) -> RedirectResponse:
    return redirect_done("/console/penalties", done=kind, penalty=penalty_id)


def _expired_done(count: str) -> str:
    """The notice after a bulk withdrawal of ``count`` decisions ("" for a bad count)."""
    number = ascii_int(count, MAX_COUNT_DIGITS)
    if number is None:
        return ""
    if number == 0:
        return "没有需要撤回的处罚决定（可能已由他人或系统撤回），未作任何更改。"
    return f"已撤回 {number} 项公示期满的处罚决定：其内容已从公开网站、导出文件和日志服务中删除。"


@router.get("/penalties")
def penalty_list(
    user: User,
    service: ServiceDep,
    now: NowDep,
    done: str = "",
    penalty: str = "",
    count: str = "",
) -> HTMLResponse:
    """Decisions waiting for approval (with their deadlines), published (with how many are
    past their publication period), withdrawn."""
    _require_any(user, Perm.PENALTY_WRITE, Perm.RESULT_REVIEW)
    penalties = _service(service)
    rows = penalties.list_penalties()
    today = local_date(now)
    pending = pending_deadlines(service.engine, service.log, today)
    due = {i.ref: i for i in pending if i.kind == "penalty"}
    withdraw_due = {i.ref: i for i in pending if i.kind == "penalty-withdrawal"}
    message = ""
    known = {str(p.id): p for p in rows}
    if done in DONE and penalty in known:
        message = DONE[done].format(ref=known[penalty].decision)
    elif done == "withdraw-expired":
        message = _expired_done(count)
    return page(
        "penalties.html",
        user=user,
        active="penalties",
        done=message,
        entered=[p for p in rows if p.status == "entered"],
        published=[p for p in rows if p.status == "published"],
        withdrawn=[p for p in rows if p.status == "withdrawn"],
        expired=sum(1 for p in rows if p.status == "published" and p.publish_until < today),
        due=due,
        withdraw_due=withdraw_due,
        today=today,
        can_enter=user.can(Perm.PENALTY_WRITE),
        can_review=user.can(Perm.RESULT_REVIEW),
    )


def _form_page(
    user: ConsoleUser, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return page(
        "penalty_new.html",
        user=user,
        active="penalties",
        status=status,
        values=values,
        errors=errors,
        error=errors.get("", ""),
        text_fields={name: (label, limit) for name, label, limit, _ in TEXT_FIELDS},
        date_fields=dict(DATE_FIELDS),
    )


@router.get("/penalties/new")
def penalty_new(user: User) -> HTMLResponse:
    """The entry form."""
    require(user, Perm.PENALTY_WRITE)
    values = dict.fromkeys(FORM_KEYS, "")
    values["amount_kind"] = "罚款"
    return _form_page(user, values, {})


@router.post("/penalties/new", response_model=None)
def penalty_enter(
    data: Annotated[PenaltyFormData, Form()],
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> Response:
    """Enter a decision (published once another person approves it)."""
    check_csrf(user, data.csrf)
    require(user, Perm.PENALTY_WRITE)
    form, entry = read_form(data.model_dump())
    if entry is not None:
        try:
            penalty_id = _service(service).enter(entry, now, actor=user.name, remote_addr=addr)
        except PenaltyError as exc:
            if not place_refusal(form, exc):
                form.errors[""] = words.error_zh(exc)
        else:
            return _done("enter", penalty_id)
    return _form_page(user, form.values, form.errors, status=422)


@router.get("/penalties/{penalty_id}/approve", response_model=None)
def approve_form(penalty_id: str, user: User, service: ServiceDep) -> Response:
    """The confirmation page: the decision as it will be published."""
    require(user, Perm.RESULT_REVIEW)
    row = _get(_service(service), penalty_id)
    if row is None:
        return _not_found(user)
    return page(
        "penalty_approve.html",
        user=user,
        active="penalties",
        p=row,
        own=same_person(user.name, row.entered_by),
        status_zh=STATUS_ZH,
    )


@router.post("/penalties/{penalty_id}/approve", response_model=None)
def approve(
    penalty_id: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
) -> Response:
    """Approve and publish (the service refuses the person who entered it)."""
    row = _posted(user, service, penalty_id, csrf, Perm.RESULT_REVIEW)
    if not isinstance(row, Penalty):
        return row
    try:
        _service(service).approve(row.id or 0, now, reviewer=user.name, remote_addr=addr)
    except LotteryError as exc:
        return _refusal(user, exc, user.name)
    return _done("approve", row.id or 0)


GROUNDS_ZH = {
    "expired": "公示期满",
    "revoked": "处罚决定被撤销、变更，或被确认违法、无效",
    "repaired": "信用修复",
    "other": "其他原因",
}


@dataclass
class WithdrawalForm:
    """The withdrawal form as sent: ground, the day of a revocation, the reason."""

    ground: str = ""
    revoked: str = ""
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def check(self) -> date | None:
        """Fill ``errors`` (next to each field); the revocation day when there is one."""
        if self.ground not in GROUNDS_ZH:
            self.errors["ground"] = "请选择撤回的依据"
        if not self.reason.strip():
            self.errors["reason"] = "请写明撤回的原因（将公开）"
        elif len(self.reason.strip()) > MAX_REASON:
            self.errors["reason"] = f"原因太长：最多 {MAX_REASON} 个字"
        if self.ground != "revoked":
            return None
        try:
            return date.fromisoformat(self.revoked.strip())
        except ValueError:
            self.errors["revoked"] = "请填写撤销（变更）决定作出的日期，格式如 2026-10-09"
            return None


def _withdraw_page(
    user: ConsoleUser, row: Penalty, form: WithdrawalForm, status: int = 200
) -> HTMLResponse:
    return page(
        "penalty_withdraw.html",
        user=user,
        active="penalties",
        status=status,
        p=row,
        form=form,
        grounds=GROUNDS_ZH,
        errors=form.errors,
    )


@router.get("/penalties/{penalty_id}/withdraw", response_model=None)
def withdraw_form(penalty_id: str, user: User, service: ServiceDep, now: NowDep) -> Response:
    """The confirmation page: what the withdrawal publishes and what stays in the log."""
    require(user, Perm.PENALTY_WRITE)
    row = _get(_service(service), penalty_id)
    if row is None:
        return _not_found(user)
    noted = row.fields.get(REVOKED_ON)
    if noted:
        form = WithdrawalForm("revoked", str(noted), "")
    elif row.publish_until < local_date(now):
        form = WithdrawalForm("expired", "", f"公示期满（至{row.publish_until.isoformat()}）")
    else:
        form = WithdrawalForm()
    return _withdraw_page(user, row, form)


@router.post("/penalties/{penalty_id}/withdraw", response_model=None)
def withdraw(
    penalty_id: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    ground: FormText = "",
    revoked: FormText = "",
    reason: FormText = "",
) -> Response:
    """Publish the withdrawal with its ground and reason (a revoked decision: its day too)."""
    row = _posted(user, service, penalty_id, csrf, Perm.PENALTY_WRITE)
    if not isinstance(row, Penalty):
        return row
    form = WithdrawalForm(ground, revoked[:20], reason[:MAX_REASON])
    day = form.check()
    if form.errors:
        return _withdraw_page(user, row, form, 422)
    try:
        _service(service).withdraw(
            row.id or 0, reason, now, actor=user.name, remote_addr=addr, ground=ground, revoked=day
        )
    except PenaltyStateError as exc:  # withdrawn meanwhile, perhaps by someone else
        return _refusal(user, exc)
    except PenaltyError as exc:  # e.g. a revocation day in the future or before the decision
        if day is not None:
            form.errors["revoked"] = "撤销（变更）决定的日期不能晚于今天，也不能早于处罚决定日期"
        else:
            form.errors["reason"] = words.error_zh(exc)
        return _withdraw_page(user, row, form, 422)
    except LotteryError as exc:
        return _refusal(user, exc)
    return _done("withdraw", row.id or 0)


@router.get("/penalties/withdraw-expired")
def withdraw_expired_form(user: User, service: ServiceDep, now: NowDep) -> HTMLResponse:
    """The confirmation page: every decision past its publication period, and what
    withdrawing them publishes and deletes."""
    require(user, Perm.PENALTY_WRITE)
    today = local_date(now)
    return page(
        "penalty_withdraw_expired.html",
        user=user,
        active="penalties",
        expired=_service(service).expired(today),
        today=today,
    )


@router.post("/penalties/withdraw-expired", response_model=None)
def withdraw_expired(
    user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr, csrf: FormText = ""
) -> Response:
    """Withdraw every decision past its publication period (:meth:`PenaltyService.
    withdraw_expired`, as ``POST /api/penalties/withdraw-expired``)."""
    check_csrf(user, csrf)
    require(user, Perm.PENALTY_WRITE)
    try:
        records = _service(service).withdraw_expired(now, actor=user.name, remote_addr=addr)
    except LotteryError as exc:
        return _refusal(user, exc)
    return redirect_done("/console/penalties", done="withdraw-expired", count=len(records))


@router.post("/penalties/{penalty_id}/revoked", response_model=None)
def note_revocation(
    penalty_id: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    revoked_on: FormText = "",
) -> Response:
    """Note the day a published decision was revoked (its withdrawal is then due within 3
    working days and on the 工作台), as ``POST /api/penalties/{id}/revoked``."""
    row = _posted(user, service, penalty_id, csrf, Perm.PENALTY_WRITE)
    if isinstance(row, HTMLResponse):
        return row
    try:
        day = date.fromisoformat(revoked_on.strip())
    except ValueError:
        form = WithdrawalForm()
        form.errors["revoked_on"] = "请填写撤销（变更）决定作出的日期，格式如 2026-10-09"
        return _withdraw_page(user, row, form, status=422)
    try:
        _service(service).note_revocation(
            stored(row.id, "a penalty's id"), day, now, actor=user.name, remote_addr=addr
        )
    except LotteryError as exc:
        return _refusal(user, exc)
    return _done("revoked", stored(row.id, "a penalty's id"))
