"""Registries: all-or-nothing uploads, staff exports, public snapshots (R1-R3)."""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path, UploadFile
from fastapi.responses import JSONResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require
from lottery.api.schemas import (
    ERROR_RESPONSES,
    ImportRejectedBody,
    ImportRowError,
    ImportSummary,
    RecordPublic,
)
from lottery.core.errors import InputError
from lottery.service import registries, registry_view
from lottery.service.roles import Perm
from lottery.service.users import StaffUser

router = APIRouter(prefix="/api/registries", tags=["registries"], responses=ERROR_RESPONSES)
Reader = Annotated[StaffUser, Depends(require(Perm.REGISTRY_READ))]
Writer = Annotated[StaffUser, Depends(require(Perm.REGISTRY_WRITE))]
Kind = Annotated[
    Literal["targets", "inspectors", "items", "org-units", "conflicts", "history"], Path()
]
SnapshotKind = Annotated[Literal["targets", "inspectors", "org-units"], Path()]
MAX_UPLOAD = 512 * 1024 * 1024
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.post(
    "/{kind}/import",
    response_model=ImportSummary,
    responses={422: {"model": ImportRejectedBody, "description": "rejected: every bad row"}},
)
def import_file(
    kind: Kind,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8 BOM, GBK) or XLSX")],
    user: Writer,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> ImportSummary | JSONResponse:
    """Import a registry file: every row is written, or nothing and every bad row listed."""
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InputError(f"the upload is larger than {MAX_UPLOAD // (1024 * 1024)} MiB")
    try:
        result = registries.import_registry(
            service, kind, data, actor=user.name, now=now, remote_addr=addr
        )
    except registries.ImportRejected as exc:
        rows = [
            ImportRowError(
                row=e.row_number, column=e.column, value=e.value, code=e.code, message=e.message
            )
            for e in exc.errors
        ]
        body = ImportRejectedBody(detail=str(exc), rows=rows)
        return JSONResponse(body.model_dump(), status_code=422)
    return ImportSummary(
        kind=result.kind,
        rows=result.rows,
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        removed=result.removed,
        format=result.format,
        encoding=result.encoding,
        version=result.version,
        record=result.record,
        summary=result.summary(),
    )


@router.get(
    "/{kind}/export",
    response_class=Response,
    responses={200: {"content": {MEDIA["csv"]: {}, MEDIA["xlsx"]: {}}}},
)
def export_file(
    kind: Kind, _: Reader, service: ServiceDep, format: Literal["csv", "xlsx"] = "xlsx"
) -> Response:
    """Download a registry (with private columns, for staff) as CSV or XLSX."""
    with tempfile.TemporaryDirectory() as tmp:
        out = FsPath(tmp) / f"{kind}.{format}"
        registry_view.export_registry(service, kind, out)
        data = out.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="{kind}.{format}"'}
    return Response(data, media_type=MEDIA[format], headers=headers)


@router.post("/{registry}/snapshot", response_model=RecordPublic)
def publish_snapshot(
    registry: SnapshotKind, user: Writer, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> RecordPublic:
    """Publish the registry's public fields (a blob and a record; unchanged: the last one)."""
    record = registry_view.publish_snapshot(
        service, registry, actor=user.name, now=now, remote_addr=addr
    )
    return RecordPublic.of(record)
