"""The exchange with the national platforms: export files in their layouts, and the log of
what was sent when (docs/exchange.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import BaseModel, Field

from lottery.api.deps import NowDep, RemoteAddr, exchange_service, require
from lottery.api.schemas import ERROR_RESPONSES, SPREADSHEET_MEDIA, Strict
from lottery.service.exchange import ExchangeService
from lottery.service.exchange_layouts import MAX_YEAR, MIN_YEAR
from lottery.service.roles import Perm
from lottery.service.users import StaffUser
from lottery.storage.models import ExchangeExport

router = APIRouter(prefix="/api/exchange", tags=["exchange"], responses=ERROR_RESPONSES)
Reader = Annotated[StaffUser, Depends(require(Perm.TASK_READ))]
Writer = Annotated[StaffUser, Depends(require(Perm.REPORT_WRITE))]
ExportId = Annotated[int, Path(ge=1, le=2**62)]


class ExportRequest(Strict):
    format: Literal["national", "credit"] = Field(
        description="national 全国双随机、一公开监管工作平台, credit 国家企业信用信息公示系统"
    )
    kind: Literal["tasks", "picks", "results"]
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR, description="the year of the inspection dates")
    file_type: Literal["csv", "xlsx"] = "xlsx"


class SentBody(Strict):
    date: dt.date = Field(description="the day the file was sent (报送日期)")


class ExportPublic(BaseModel):
    id: int
    format: str
    kind: str
    year: int
    file_type: str
    rows: int
    sha256: str
    size: int
    made_by: str
    made_at: dt.datetime
    sent_on: dt.date | None
    sent_by: str | None

    @classmethod
    def of(cls, row: ExchangeExport) -> ExportPublic:
        return cls.model_validate(row, from_attributes=True)


Exchange = Annotated[ExchangeService, Depends(exchange_service)]


@router.get("/exports", response_model=list[ExportPublic])
def list_exports(user: Reader, exchange: Exchange) -> list[ExportPublic]:
    """Every export made, newest first, with its SHA-256 and the day it was sent (if so)."""
    return [ExportPublic.of(row) for row in exchange.list_exports()]


@router.post(
    "/exports",
    response_class=Response,
    responses={200: {"content": {SPREADSHEET_MEDIA["csv"]: {}, SPREADSHEET_MEDIA["xlsx"]: {}}}},
)
def make_export(
    body: ExportRequest, user: Writer, exchange: Exchange, now: NowDep, addr: RemoteAddr
) -> Response:
    """Make and log one export of published data; the answer is the file (its log number
    and SHA-256 in ``X-Lottery-Export`` and ``X-Lottery-SHA256``)."""
    made = exchange.export(
        body.format, body.kind, body.year, body.file_type, now, actor=user.name, remote_addr=addr
    )
    return Response(
        made.data,
        media_type=SPREADSHEET_MEDIA[made.row.file_type],
        headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "X-Lottery-Export": str(made.row.id),
            "X-Lottery-SHA256": made.row.sha256,
        },
    )


@router.post("/exports/{export_id}/sent", response_model=ExportPublic)
def mark_sent(
    export_id: ExportId,
    body: SentBody,
    user: Writer,
    exchange: Exchange,
    now: NowDep,
    addr: RemoteAddr,
) -> ExportPublic:
    """Mark an export sent (报送) on ``date``: not in the future, not before it was made."""
    row = exchange.mark_sent(export_id, body.date, now, actor=user.name, remote_addr=addr)
    return ExportPublic.of(row)
