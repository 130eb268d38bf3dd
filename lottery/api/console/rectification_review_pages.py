"""保密审查 (publication.review) of rectification orders and approved re-checks: one waiting
order (its requirements) or re-check (its note), with the publication rules that apply and the
general text the reviewer writes (docs/results.md, "The publication review"). They are listed
on the 保密审查 queue (``publication_pages.py``) after the results.

Reviewing calls ``RectificationService.review_publication`` (publishes the record, audited), as
the JSON API does; the person who made the order (entered the re-check) may not review it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.core.errors import LotteryError
from lottery.service import org_scope
from lottery.service.lifecycle import Lifecycle
from lottery.service.rectification_review import KINDS, WHAT, original, status
from lottery.service.rectifications import RectificationNotFound, RectificationService
from lottery.service.result_entry import DIFFERENT_REVIEWER, same_person
from lottery.service.roles import Perm
from lottery.storage.models import Rectification

from . import words
from .inspector_views import target_name
from .publication_pages import BASE, decided_fields
from .render import page
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]


def _service(service: Lifecycle) -> RectificationService:
    return RectificationService(service.engine, service.log)


def _author(row: Rectification, kind: str) -> str:
    return row.ordered_by if kind == "order" else row.check_entered_by or ""


def _load(user: ConsoleUser, service: Lifecycle, kind: str, number: str) -> Rectification | None:
    if kind not in KINDS or not number.isdigit() or len(number) > 18:
        return None
    try:
        row = _service(service).get(int(number))
    except RectificationNotFound:
        return None
    if status(row, kind) != "reviewing":
        return None
    org_scope.check_task(service, user.name, row.task)  # a refusal: the console's 403 page
    return row


def _detail(
    user: ConsoleUser,
    service: Lifecycle,
    row: Rectification,
    kind: str,
    *,
    status_code: int = 200,
    error: str = "",
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    rules = _service(service).publication_rules(row.id or 0, kind)
    return page(
        "publication_review_rectification.html",
        user=user,
        active="publication",
        status=status_code,
        r=row,
        kind=kind,
        what=WHAT[kind],
        name=target_name(service, row.target),
        author=_author(row, kind),
        rules=[{"id": x.id, "words": x.zh(), "reason": x.reason} for x in rules],
        fields=decided_fields(original(row, kind), rules),
        own=same_person(user.name, _author(row, kind)),
        error=error,
        values=values or {},
    )


def _missing(user: ConsoleUser) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        status=404,
        heading="找不到待保密审查的整改通知或复查结果",
        message="找不到这条待保密审查的整改通知或复查结果：地址可能有误，或已由他人审查。",
        back=BASE,
        back_label="返回保密审查",
    )


@router.get("/publication-review/rectification/{kind}/{number}", response_model=None)
def review_one(kind: str, number: str, user: User, service: ServiceDep) -> Response:
    """One order or re-check waiting for the 保密审查, with the rules and the form."""
    require(user, Perm.PUBLICATION_REVIEW)
    row = _load(user, service, kind, number)
    if row is None:
        return _missing(user)
    return _detail(user, service, row, kind)


@router.post("/publication-review/rectification/{kind}/{number}", response_model=None)
def review(
    kind: str,
    number: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    requirements: FormText = "",
    note: FormText = "",
) -> Response:
    """Apply the rules with the general text and publish (not by the author)."""
    check_csrf(user, csrf)
    require(user, Perm.PUBLICATION_REVIEW)
    row = _load(user, service, kind, number)
    if row is None:
        return _missing(user)
    rules = _service(service).publication_rules(row.id or 0, kind)
    wanted = {f["name"] for f in decided_fields(original(row, kind), rules) if f["write"]}
    given = {"requirements": requirements, "note": note}
    texts = {k: v for k, v in given.items() if k in wanted}
    try:
        _service(service).review_publication(
            row.id or 0, kind, texts, now, reviewer=user.name, remote_addr=addr
        )
    except org_scope.OutOfScope:
        raise
    except LotteryError as exc:
        why = (
            f"您是这条{WHAT[kind]}的{'下达' if kind == 'order' else '录入'}人，"
            "须由另一名人员进行保密审查。未作任何更改。"
            if DIFFERENT_REVIEWER in str(exc)
            else words.error_zh(exc)
        )
        return _detail(user, service, row, kind, status_code=409, error=why, values=texts)
    return RedirectResponse(f"{BASE}?done=published", status_code=303)
