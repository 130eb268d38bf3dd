"""检查任务单 (outcome.read): one sheet per team, printable, and its CSV export.

Every view and every export reads the outcome through ``Lifecycle.read_sealed_outcome``, so
each is an ``outcome.read`` audit event, exactly as the outcome page (R6).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.core.errors import LotteryError
from lottery.service.lifecycle import Lifecycle, TaskNotFound
from lottery.service.roles import Perm
from lottery.storage.models import Task

from . import words
from .render import page
from .session import ConsoleUser, User, require
from .sheets import Sheet, csv_text, period, sheets_of

router = APIRouter(prefix="/console", include_in_schema=False)


def _missing(user: ConsoleUser) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        status=404,
        heading="找不到这个抽查任务",
        message="找不到这个抽查任务：地址可能有误，或已被删除。",
        back="/console/sealed",
        back_label="返回封存结果",
    )


def _refused(user: ConsoleUser, exc: LotteryError, task_id: str) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        status=409,
        heading="没有检查任务单",
        message=words.error_zh(exc) + "（任务抽取之后才有检查任务单。）",
        back=f"/console/tasks/{task_id}",
        back_label="返回任务",
    )


def _open(
    task_id: str, user: ConsoleUser, service: Lifecycle, now: datetime, addr: str | None
) -> tuple[Task, list[Sheet]] | HTMLResponse:
    """The task and its sheets, read through the audited outcome (OUTCOME_READ), or the page
    saying why not."""
    require(user, Perm.OUTCOME_READ)
    try:
        task = service.get_task(task_id)
        blob = service.read_sealed_outcome(task_id, user.name, now, remote_addr=addr)
    except TaskNotFound:
        return _missing(user)
    except LotteryError as exc:
        return _refused(user, exc, task_id)
    return task, sheets_of(service, blob)


@router.get("/sheets/{task_id}", response_model=None)
def sheets_page(
    task_id: str, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """Every team's 检查任务单, one printed page each; the view is audited."""
    opened = _open(task_id, user, service, now, addr)
    if isinstance(opened, HTMLResponse):
        return opened
    task, sheets = opened
    return page(
        "sheets.html",
        user=user,
        active="sealed",
        task=task,
        sheets=sheets,
        period=period(task),
        now=now,
    )


@router.get("/sheets/{task_id}/csv", response_model=None)
def sheets_csv(
    task_id: str, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """The sheets as CSV (every team, one row per target); the export is audited."""
    opened = _open(task_id, user, service, now, addr)
    if isinstance(opened, HTMLResponse):
        return opened
    task, sheets = opened
    text = csv_text(task, sheets)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="task-sheets-{task.id}.csv"',
        },
    )
