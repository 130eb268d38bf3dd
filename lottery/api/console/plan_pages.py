"""年度抽查计划 (the annual plan, docs/plans.md): each year's plan in force against its
execution, every version, the export for filing with the level above, and a new version
from a file.

Reading needs ``registry.read``; publishing ``registry.write`` (the API's permission for
plan versions, as for item-list versions). Publishing is :func:`plans.publish_plan`, which
writes the public ``plan`` record; a rejected file lists its bad rows and writes nothing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.api.digits import MAX_ID, ascii_int
from lottery.api.schemas import SPREADSHEET_MEDIA
from lottery.core.errors import LotteryError
from lottery.service import plans, registries
from lottery.service.lifecycle import Lifecycle
from lottery.service.roles import Perm

from .render import page
from .session import ConsoleUser, User, check_csrf, require
from .words import error_zh

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]


def _years(service: Lifecycle) -> list[dict[str, object]]:
    """Per year (newest first): the plan in force with its execution, and every version."""
    versions = plans.plan_versions(service)
    out: list[dict[str, object]] = []
    for year in sorted({v.year for v in versions}, reverse=True):
        mine = [v for v in versions if v.year == year]
        out.append(
            {
                "year": year,
                "current": mine[0],
                "rows": [
                    {
                        "cells": plans.entry_cells(p.entry),
                        "announced": p.announced,
                        "completed": p.completed,
                    }
                    for p in plans.progress(service, year)
                ],
                "versions": mine,
            }
        )
    return out


def _page(
    user: ConsoleUser,
    service: Lifecycle,
    *,
    status: int = 200,
    done: str = "",
    error: str = "",
    rows: list[str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        "plans.html",
        user=user,
        active="plans",
        status=status,
        years=_years(service),
        can_write=user.can(Perm.REGISTRY_WRITE),
        done=done,
        error=error,
        rows=rows or [],
        form=form or {},
    )


@router.get("/plans")
def plans_page(user: User, service: ServiceDep, published: str = "") -> HTMLResponse:
    """The annual plans: the plan in force against its execution, and every version."""
    require(user, Perm.REGISTRY_READ)
    done = ""
    year, _, version = published.partition("-")
    year_no, version_no = ascii_int(year, 4), ascii_int(version, 9)
    if year_no is not None and version_no is not None:
        done = f"已发布 {year_no} 年度抽查计划第 {version_no} 版。"
    return _page(user, service, done=done)


@router.post("/plans/import")
def import_plan(
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    year: FormText = "",
    reason: FormText = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Publish a plan file as the next version of the year's plan."""
    check_csrf(user, csrf)
    require(user, Perm.REGISTRY_WRITE)
    form = {"year": year, "reason": reason}

    def refused(message: str, rows: list[str] | None = None) -> HTMLResponse:
        return _page(user, service, status=422, error=message, rows=rows, form=form)

    year_no = ascii_int(year.strip(), 4)
    if year_no is None or not 2000 <= year_no <= 9999:
        return refused("计划年度：请填写四位数的年份，如 2026")
    if file is None or not file.filename:
        return refused("计划文件：请选择要导入的文件")
    data = file.file.read(plans.MAX_PLAN_BYTES + 1)
    if len(data) > plans.MAX_PLAN_BYTES:
        return refused("计划文件：文件超过 5 MB")
    try:
        _, file_reason, entries = plans.read_plan_file(data, name=file.filename)
        record = plans.publish_plan(
            service,
            year_no,
            entries,
            actor=user.name,
            now=now,
            reason=reason or file_reason,
            remote_addr=addr,
        )
    except registries.ImportRejected as exc:
        lines = [registries.error_line(e) for e in exc.errors]
        return refused(f"计划文件{exc.result.error_summary()}，未发布任何计划", lines)
    except LotteryError as exc:
        return refused(error_zh(exc))
    body = record.body
    return RedirectResponse(
        f"/console/plans?published={body['year']}-{body['version']}", status_code=303
    )


@router.get("/plans/{year}/export")
def export_plan(
    year: Annotated[int, PathParam(ge=2000, le=9999)],
    user: User,
    service: ServiceDep,
    version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    format: Literal["csv", "xlsx"] = "xlsx",
) -> Response:
    """Download a version of the plan with Chinese column headers (报上级备案)."""
    require(user, Perm.REGISTRY_READ)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"plan.{format}"
            plan = plans.export_plan(service, year, out, version)
            data = out.read_bytes()
    except LotteryError as exc:
        return _page(user, service, status=404, error=error_zh(exc))
    name = f"plan-{year}-v{plan.version}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type=SPREADSHEET_MEDIA[format], headers=headers)
