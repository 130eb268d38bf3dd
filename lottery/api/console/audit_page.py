"""审计记录: the audit trail, filtered and paginated, and its CSV export (Perm.AUDIT_READ).

Both read only; the filter is a GET form (:mod:`.audit_query`), the names of the actions
and the detail's label: value pairs come from :mod:`.audit_words`, the CSV (the detail as
its stored JSON) from :mod:`.audit_csv`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from lottery.api.deps import NowDep, ServiceDep
from lottery.api.digits import ascii_int
from lottery.service.audit_masking import sealed_tasks
from lottery.service.result_entry import CST
from lottery.service.roles import Perm

from . import audit_csv, audit_query
from .audit_words import action_zh, detail_pairs
from .render import page
from .session import ConsoleUser, User, require

router = APIRouter(prefix="/console", include_in_schema=False)


def _page_number(raw: str) -> int:
    """The ``page`` field: a positive number; anything else is the first page."""
    value = ascii_int(raw, 6)
    return value if value else 1


@dataclass(frozen=True)
class FilterForm:
    """The filter fields as sent (``raw_dates`` to refill the form), checked."""

    wanted: audit_query.AuditFilter
    errors: dict[str, str]
    raw_dates: dict[str, str]


def filter_form(
    user_name: Annotated[str, Query(alias="user")] = "",
    action: str = "",
    obj: Annotated[str, Query(alias="object")] = "",
    start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "",
) -> FilterForm:
    """The GET form's filter fields, checked by :func:`audit_query.parse_filter`."""
    wanted, errors = audit_query.parse_filter(user_name, action, obj, start, end)
    return FilterForm(wanted, errors, {"from": start, "to": end})


FilterDep = Annotated[FilterForm, Depends(filter_form)]


@router.get("/audit")
def audit_page(
    user: User,
    service: ServiceDep,
    form: FilterDep,
    page_raw: Annotated[str, Query(alias="page")] = "",
) -> HTMLResponse:
    """The events that match the filter, newest first, :data:`PAGE_SIZE` a page."""
    require(user, Perm.AUDIT_READ)
    page_no = _page_number(page_raw)
    wanted, errors = form.wanted, form.errors
    with service.session() as session:
        choices = sorted(
            set(audit_query.known_actions(session)) | {wanted.action} - {""},
            key=lambda code: (action_zh(code) == code, action_zh(code), code),
        )
        total, rows = 0, []
        sealed = _sealed_for(user, session)
        if not errors:
            total = audit_query.count(session, wanted, sealed)
            offset = (page_no - 1) * audit_query.PAGE_SIZE
            rows = list(audit_query.events(session, wanted, offset=offset, sealed=sealed))
    pages = max(1, -(-total // audit_query.PAGE_SIZE))
    query = wanted.query_string()

    def link(number: int) -> str:
        return "/console/audit?" + urlencode({**query, "page": str(number)})

    return page(
        "audit.html",
        user=user,
        active="audit",
        status=422 if errors else 200,
        f=wanted,
        raw=form.raw_dates,
        errors=errors,
        choices=[(code, action_zh(code)) for code in choices],
        rows=rows,
        total=total,
        page_no=page_no,
        pages=pages,
        prev_link=link(page_no - 1) if page_no > 1 else "",
        next_link=link(page_no + 1) if page_no < pages else "",
        csv_link="/console/audit.csv" + ("?" + urlencode(query) if query else ""),
        action_zh=action_zh,
        detail_pairs=detail_pairs,
    )


def _sealed_for(user: ConsoleUser, session: Session) -> frozenset[str] | None:
    """The sealed tasks whose picks ``user`` may not see in the trail (None: may see all)."""
    return None if user.can(Perm.OUTCOME_READ) else sealed_tasks(session)


@router.get("/audit.csv", response_model=None)
def audit_csv_export(
    user: User,
    service: ServiceDep,
    now: NowDep,
    form: FilterDep,
) -> Response:
    """The filtered events (all pages, newest first, at most :data:`CSV_LIMIT`) as CSV."""
    require(user, Perm.AUDIT_READ)
    wanted, errors = form.wanted, form.errors
    if errors:
        return page(
            "message.html",
            user=user,
            status=422,
            heading="无法导出",
            message="筛选条件有误：" + "；".join(errors.values()) + "。",
            back="/console/audit",
            back_label="返回审计记录",
        )
    with service.session() as session:
        sealed = _sealed_for(user, session)
        events = audit_query.events(session, wanted, limit=audit_query.CSV_LIMIT, sealed=sealed)
        text = "".join(audit_csv.lines(events))
    stamp = now.astimezone(CST).strftime("%Y%m%d-%H%M")
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
