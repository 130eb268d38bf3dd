"""平台报送: export files for the national platforms, and marking each one sent.

The page lists what ``GET /api/exchange/exports`` lists; its forms do what
``POST /api/exchange/exports`` and ``POST /api/exchange/exports/{id}/sent`` do (same
permission, same service calls, same audit events). See docs/exchange.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, exchange_service
from lottery.api.schemas import SPREADSHEET_MEDIA
from lottery.service.exchange import ExchangeError, ExchangeService
from lottery.service.exchange_layouts import FORMAT_ZH, HEADERS, KIND_ZH
from lottery.service.results import local_date
from lottery.service.roles import Perm

from . import words
from .render import page, redirect_done, refusal_status
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]


def _year(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ExchangeError(f"年份（year）须是四位数字，填写的是 {text!r}")
    return int(text)


def _sent_args(export_id: str, sent_on: str) -> tuple[int, date]:
    if not (export_id.isascii() and export_id.isdigit() and len(export_id) < 19):
        raise ExchangeError("导出编号有误")
    try:
        return int(export_id), date.fromisoformat(sent_on)
    except ValueError:
        raise ExchangeError(
            f"报送日期（date）须是 YYYY-MM-DD 格式的日期，填写的是 {sent_on!r}"
        ) from None


def _page(
    user: ConsoleUser,
    exchange: ExchangeService,
    today: date,
    *,
    done: str = "",
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    return page(
        "exchange.html",
        user=user,
        active="exchange",
        status=status,
        done=done,
        error=error,
        exports=exchange.list_exports(),
        choices=[(f"{f}/{k}", f"{FORMAT_ZH[f]}：{KIND_ZH[k]}") for f, k in HEADERS],
        format_zh=FORMAT_ZH,
        kind_zh=KIND_ZH,
        year=today.year,
        today=today.isoformat(),
        can_export=user.can(Perm.REPORT_WRITE),
    )


@router.get("/exchange")
def exchange_list(
    request: Request, user: User, service: ServiceDep, now: NowDep, done: str = ""
) -> HTMLResponse:
    """The exports made (newest first) with their SHA-256 and sent day, and the export form."""
    require(user, Perm.TASK_READ)
    message = ""
    if done.isascii() and done.isdigit() and len(done) < 19:
        message = f"导出 {int(done)} 已标记为已报送。"
    return _page(user, exchange_service(request, service), local_date(now), done=message)


@router.post("/exchange/export", response_model=None)
def exchange_export(
    request: Request,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    layout: FormText = "",
    year: FormText = "",
    file_type: FormText = "xlsx",
) -> Response:
    """Make, log and download one export."""
    check_csrf(user, csrf)
    require(user, Perm.REPORT_WRITE)
    exchange = exchange_service(request, service)
    fmt, _, kind = layout.partition("/")
    try:
        made = exchange.export(
            fmt, kind, _year(year), file_type, now, actor=user.name, remote_addr=addr
        )
    except ExchangeError as exc:
        return _page(user, exchange, local_date(now), error=words.error_zh(exc), status=422)
    return Response(
        made.data,
        media_type=SPREADSHEET_MEDIA[made.row.file_type],
        headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/exchange/{export_id}/sent", response_model=None)
def exchange_sent(
    export_id: str,
    request: Request,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    sent_on: FormText = "",
) -> Response:
    """Mark an export sent on a day."""
    check_csrf(user, csrf)
    require(user, Perm.REPORT_WRITE)
    exchange = exchange_service(request, service)
    today = local_date(now)
    try:
        number, day = _sent_args(export_id, sent_on)
        row = exchange.mark_sent(number, day, now, actor=user.name, remote_addr=addr)
    except ExchangeError as exc:
        return _page(user, exchange, today, error=words.error_zh(exc), status=refusal_status(exc))
    return redirect_done("/console/exchange", done=row.id)
