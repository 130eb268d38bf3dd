"""Request and response bodies of the staff API (internal columns never leak)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lottery.core.records import Record
from lottery.service.registries import ImportCheck, ImportRejected, ImportResult
from lottery.service.roles import Role
from lottery.storage.models import AuditEvent, Task, User


class ErrorBody(BaseModel):
    """Every error: a message naming what is wrong, and the error class."""

    detail: str | list[Any]
    error: str | None = None


# The media types of the CSV and XLSX files the API and the console hand out.
SPREADSHEET_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in [
        (401, "not logged in"),
        (403, "no role that allows this"),
        (404, "no such resource"),
        (409, "not allowed in the current state, or exists already"),
        (422, "invalid input (the message names the field)"),
        (503, "an external source (drand relays) is unavailable"),
    ]
}


class Strict(BaseModel):
    """Request bodies reject unknown fields."""

    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class LoginResponse(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_at: datetime
    user: str
    roles: list[str]
    must_change_password: bool = False  # true: only POST /api/auth/password is open until then


class Me(BaseModel):
    name: str
    roles: list[str]
    permissions: list[str]
    must_change_password: bool = False
    org_unit: str | None = None  # None: the whole office


class UserCreate(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    password: str = Field(min_length=10, max_length=1000)
    roles: list[Role] = Field(min_length=1, max_length=5)
    # The org unit the account acts within (null: the whole office; only whole-office admins).
    org_unit: str | None = Field(default=None, max_length=64)


class UserPublic(BaseModel):
    name: str
    roles: list[str]
    active: bool
    created_at: datetime
    inspector_id: str | None = None
    org_unit: str | None = None

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(
            name=user.name,
            roles=list(user.roles),
            active=user.active,
            created_at=user.created_at,
            inspector_id=user.inspector_id,
            org_unit=user.org_unit,
        )


class UserActive(Strict):
    active: bool


class UserRoles(Strict):
    roles: list[Role] = Field(min_length=1, max_length=5)


class TaskPublic(BaseModel):
    """A task as staff see it (parameters, state, the records it published)."""

    id: str
    title: str
    state: str
    params: dict[str, Any]
    announcement_record: str | None
    draw_record: str | None
    closing_record: str | None
    cancel_reason: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    warnings: list[str] = Field(
        default_factory=list,
        description="what announcing now would refuse because of the clock (drafts only)",
    )

    @classmethod
    def of(cls, task: Task, warnings: list[str] | None = None) -> TaskPublic:
        return cls(
            warnings=warnings or [],
            id=task.id,
            title=task.title,
            state=task.state,
            params=dict(task.params),
            announcement_record=task.announcement_record,
            draw_record=task.draw_record,
            closing_record=task.closing_record,
            cancel_reason=task.cancel_reason,
            created_by=task.created_by,
            created_at=task.created_at,
            updated_at=task.updated_at,
        )


class RecordPublic(BaseModel):
    """A published record: its id, type and body (the signed note is at /log/records/{id})."""

    id: str
    type: str
    body: dict[str, Any]

    @classmethod
    def of(cls, record: Record) -> RecordPublic:
        return cls(id=record.id, type=record.type, body=dict(record.body))


class DrawRequest(Strict):
    """A drand round's signature (hex) for the announced round; omitted: fetched from relays."""

    drand_signature: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{96}$")
    fallback: bool = False


class NumbersRequest(Strict):
    """Public numbers as drawn, one list per announced source, e.g. [[408], [2, 7, 11]]."""

    values: list[list[int]] = Field(min_length=1, max_length=20)


class CancelRequest(Strict):
    """Why the task is to be cancelled (published once confirmed), or why a pending request
    is withdrawn or refused (kept in the audit trail)."""

    reason: str = Field(min_length=1, max_length=2000)


class CancelAsk(CancelRequest):
    """A cancellation request; ``secret_lost``: the service cannot open the task's secret
    (docs/operations.md), so the cancellation will publish none (refused when it opens)."""

    secret_lost: bool = False


class CancelRequestPublic(BaseModel):
    """A cancellation request: ``pending`` until a second person confirms it (``confirmed``),
    or ``rejected`` (withdrawn or refused) or ``void`` (the task changed state meanwhile)."""

    task: str
    reason: str
    status: str
    task_state: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


class AuditEventPublic(BaseModel):
    id: int
    time: datetime
    actor: str
    action: str
    object: str
    detail: dict[str, Any]
    remote_addr: str | None

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventPublic:
        return cls(
            id=event.id or 0,
            time=event.time,
            actor=event.actor,
            action=event.action,
            object=event.object,
            detail=dict(event.detail),
            remote_addr=event.remote_addr,
        )


class NumbersEntryPublic(BaseModel):
    """A pending public-numbers entry, waiting for a second person."""

    task: str
    numbers: list[list[int]]
    fallback: bool
    status: str
    entered_by: str
    entered_at: datetime


class ImportCountsBody(BaseModel):
    """The counts both import answers carry (``registries.ImportCounts``)."""

    kind: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    removed: int
    format: str
    encoding: str | None


class ImportSummary(ImportCountsBody):
    """A registry import that was written."""

    version: int | None
    record: str | None
    summary: str

    @classmethod
    def of(cls, result: ImportResult) -> ImportSummary:
        return cls(
            **result.counts(),
            version=result.version,
            record=result.record,
            summary=result.summary(),
        )


class ImportCheckSummary(ImportCountsBody):
    """What importing a file would change now (a dry run: nothing was written). For items the
    counts are items added, changed, unchanged and removed against the current version."""

    file_sha256: str

    @classmethod
    def of(cls, check: ImportCheck) -> ImportCheckSummary:
        return cls(**check.counts(), file_sha256=check.file_sha256)


class ImportRowError(BaseModel):
    """One bad row of a rejected import (row 1 is the header; 0 is the whole file)."""

    row: int
    column: str
    value: str
    code: str
    message: str


class ImportRejectedBody(BaseModel):
    """A rejected import: nothing was written; every bad row is listed."""

    detail: str
    error: str = "ImportRejected"
    rows: list[ImportRowError]


def rejected_import(exc: ImportRejected) -> JSONResponse:
    """The 422 answer to a rejected import or plan file: its message and its bad rows."""
    rows = [
        ImportRowError(
            row=e.row_number, column=e.column, value=e.value, code=e.code, message=e.message
        )
        for e in exc.errors
    ]
    body = ImportRejectedBody(detail=str(exc), rows=rows)
    return JSONResponse(body.model_dump(), status_code=422)
