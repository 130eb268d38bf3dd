"""The law's documents of a drawn target (docs/documents.md): issue, list, download (PDF).

One permission, ``outcome.read`` (a document names a pick of a possibly still sealed task).
Staff who may draw (``task.draw``) reach every target; any other holder acts as the inspector
linked to the account, for the targets of their own team only (403 otherwise). Downloads are
audited ``document.download``; documents are never part of the public site.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require
from lottery.api.schemas import ERROR_RESPONSES, Strict
from lottery.service import users
from lottery.service.document_issue import DocumentConfig
from lottery.service.documents import DocumentsService
from lottery.service.roles import Perm
from lottery.service.users import Forbidden, StaffUser
from lottery.storage.models import Document

router = APIRouter(prefix="/api", tags=["documents"], responses=ERROR_RESPONSES)
ID = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$"
TaskId = Annotated[str, Path(pattern=ID)]
Reader = Annotated[StaffUser, Depends(require(Perm.OUTCOME_READ))]


def reader_inspector(service: ServiceDep, user: Reader) -> str | None:
    """None for staff who may draw (every target); else the account's inspector id.

    Raises:
        Forbidden: an account with neither ``task.draw`` nor a linked inspector.
    """
    if user.can(Perm.TASK_DRAW):
        return None
    inspector = users.inspector_of(service, user.name)
    if inspector is None:
        raise Forbidden(
            f"account {user.name} is not linked to an inspector: it reads only its team's"
            " documents (PUT /api/users/{name}/inspector)"
        )
    return inspector


AsInspector = Annotated[str | None, Depends(reader_inspector)]


def _documents(request: Request, service: ServiceDep) -> DocumentsService:
    """The documents service with the app's settings (office name, prefixes, fonts)."""
    return DocumentsService(service, DocumentConfig.from_settings(request.app.state.settings))


Documents = Annotated[DocumentsService, Depends(_documents)]


class IssueBody(Strict):
    """Which document to issue for which picked target."""

    target: str = Field(pattern=ID, description="the picked target's USCC")
    kind: Literal["notice", "record"] = Field(
        description="notice: 行政检查通知书; record: 现场检查笔录 (the 检查结果告知书 is issued"
        " when the result is approved)"
    )


class DocumentPublic(BaseModel):
    id: int
    kind: str
    task: str
    target: str
    number: str
    status: str
    sha256: str
    size: int
    issued_at: dt.datetime
    issued_by: str

    @classmethod
    def of(cls, d: Document) -> DocumentPublic:
        return cls(
            id=d.id or 0,
            kind=d.kind,
            task=d.task,
            target=d.target,
            number=d.number,
            status=d.status,
            sha256=d.sha256,
            size=d.size,
            issued_at=d.issued_at,
            issued_by=d.issued_by,
        )


@router.post("/tasks/{task_id}/documents", response_model=DocumentPublic, status_code=201)
def issue_document(
    task_id: TaskId,
    body: IssueBody,
    user: Reader,
    inspector: AsInspector,
    documents: Documents,
    now: NowDep,
    addr: RemoteAddr,
) -> DocumentPublic:
    """Issue the notice or on-site record of a picked target (the same one again if its
    data did not change)."""
    doc = documents.issue(
        task_id,
        body.target,
        body.kind,
        now,
        actor=user.name,
        as_inspector=inspector,
        remote_addr=addr,
    )
    return DocumentPublic.of(doc)


@router.get("/tasks/{task_id}/documents", response_model=list[DocumentPublic])
def list_documents(
    task_id: TaskId,
    user: Reader,
    inspector: AsInspector,
    documents: Documents,
    now: NowDep,
    addr: RemoteAddr,
    target: Annotated[str | None, Query(pattern=ID)] = None,
) -> list[DocumentPublic]:
    """A task's documents (an inspector: of one target of their team, ``?target=``); staff
    see the tasks of their org unit; a listing of a still-sealed task is audited."""
    docs = documents.list(
        task_id, target=target, as_inspector=inspector, actor=user.name, now=now, remote_addr=addr
    )
    return [DocumentPublic.of(d) for d in docs]


@router.get(
    "/documents/{doc_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def download_document(
    doc_id: Annotated[int, Path(ge=1, le=2**62)],
    user: Reader,
    inspector: AsInspector,
    documents: Documents,
    now: NowDep,
    addr: RemoteAddr,
) -> Response:
    """The document's PDF (audited ``document.download``)."""
    doc = documents.download(doc_id, now, actor=user.name, as_inspector=inspector, remote_addr=addr)
    return Response(
        doc.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="document-{doc.id}.pdf"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
