"""The annual plan (年度抽查计划, docs/plans.md): versions, a new version from JSON or a file,
the plan against its execution, and the export for filing with the level above."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require
from lottery.api.digits import MAX_ID
from lottery.api.schemas import (
    ERROR_RESPONSES,
    SPREADSHEET_MEDIA,
    ErrorBody,
    ImportRejectedBody,
    RecordPublic,
    rejected_import,
)
from lottery.service import plans, registries
from lottery.service.roles import Perm
from lottery.service.users import StaffUser

router = APIRouter(prefix="/api/plans", tags=["plans"], responses=ERROR_RESPONSES)
Reader = Annotated[StaffUser, Depends(require(Perm.REGISTRY_READ))]
Writer = Annotated[StaffUser, Depends(require(Perm.REGISTRY_WRITE))]
Year = Annotated[int, Path(ge=2000, le=9999, description="the plan's year")]
Version = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="the version (default: the one in force)")
]
REJECTED: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "the file is over 5 MB"},
    422: {
        "model": ImportRejectedBody | ErrorBody,
        "description": "rejected: the first bad rows, or a field named in the message",
    },
}


class PlanBody(BaseModel):
    """A new version of the year's plan: its entries (fields as the JSON plan file's,
    docs/plans.md) and, from version 2 on, why it changes."""

    model_config = {"extra": "forbid"}

    reason: str = Field(default="", max_length=2000)
    entries: list[dict[str, Any]] = Field(min_length=1, max_length=2000)


class VersionSummary(BaseModel):
    """One published version of a year's plan."""

    year: int
    version: int
    record: str
    reason: str
    entries: int


class EntryView(BaseModel):
    """An entry of the plan in force and its execution (已公告 / 已完成: task ids)."""

    entry: dict[str, Any]
    planned: int
    announced: list[str]
    completed: list[str]


class PlanView(BaseModel):
    """A version of the plan; for the one in force, each entry with its execution."""

    year: int
    version: int
    record: str
    reason: str
    in_force: bool
    entries: list[EntryView]


def _publish(
    data: bytes,
    name: str,
    year: int,
    reason: str,
    user: StaffUser,
    service: Any,
    now: Any,
    addr: Any,
) -> RecordPublic | JSONResponse:
    try:
        _, file_reason, rows = plans.read_plan_file(data, name=name)
    except registries.ImportRejected as exc:
        return rejected_import(exc)
    record = plans.publish_plan(
        service,
        year,
        rows,
        actor=user.name,
        now=now,
        reason=reason or file_reason,
        remote_addr=addr,
    )
    return RecordPublic.of(record)


@router.get("", response_model=list[VersionSummary])
def list_versions(_: Reader, service: ServiceDep) -> list[VersionSummary]:
    """Every published version of every year's plan, newest first."""
    return [
        VersionSummary(
            year=p.year,
            version=p.version,
            record=p.record_id,
            reason=p.reason,
            entries=len(p.entries),
        )
        for p in plans.plan_versions(service)
    ]


@router.get("/{year}", response_model=PlanView)
def show(year: Year, _: Reader, service: ServiceDep, version: Version = None) -> PlanView:
    """A version of the year's plan (default: in force); the one in force with its execution."""
    plan = plans.plan_version(service, year, version)
    latest = plans.plan_versions(service, year)[0].version
    if plan.version == latest:
        entries = [
            EntryView(
                entry=p.entry, planned=p.planned, announced=p.announced, completed=p.completed
            )
            for p in plans.progress(service, year)
        ]
    else:
        entries = [
            EntryView(entry=e, planned=e["tasks"], announced=[], completed=[]) for e in plan.entries
        ]
    return PlanView(
        year=year,
        version=plan.version,
        record=plan.record_id,
        reason=plan.reason,
        in_force=plan.version == latest,
        entries=entries,
    )


@router.post("/{year}", response_model=RecordPublic)
def publish(
    year: Year, body: PlanBody, user: Writer, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> RecordPublic | JSONResponse:
    """Publish the next version of the year's plan (a signed ``plan`` record)."""
    data = json.dumps({"entries": body.entries}, ensure_ascii=False).encode("utf-8")
    return _publish(data, "plan.json", year, body.reason, user, service, now, addr)


@router.post("/{year}/import", response_model=RecordPublic, responses=REJECTED)
def import_file(
    year: Year,
    file: Annotated[UploadFile, File(description="JSON, CSV (UTF-8, BOM, GBK) or XLSX")],
    user: Writer,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    reason: str = "",
) -> RecordPublic | JSONResponse:
    """Publish a plan file as the next version of the year's plan."""
    data = file.file.read(plans.MAX_PLAN_BYTES + 1)
    if len(data) > plans.MAX_PLAN_BYTES:
        body = ErrorBody(detail="年度计划文件超过 5 MB", error="TooLarge")
        return JSONResponse(body.model_dump(), status_code=413)
    return _publish(data, file.filename or "", year, reason, user, service, now, addr)


@router.get(
    "/{year}/export",
    response_class=Response,
    responses={200: {"content": {SPREADSHEET_MEDIA["csv"]: {}, SPREADSHEET_MEDIA["xlsx"]: {}}}},
)
def export(
    year: Year,
    _: Reader,
    service: ServiceDep,
    version: Version = None,
    format: Literal["csv", "xlsx"] = "xlsx",
) -> Response:
    """Download a version of the plan with Chinese column headers (报上级备案)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = FsPath(tmp) / f"plan-{year}.{format}"
        plan = plans.export_plan(service, year, out, version)
        data = out.read_bytes()
    name = f"plan-{year}-v{plan.version}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type=SPREADSHEET_MEDIA[format], headers=headers)
