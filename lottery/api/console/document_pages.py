"""执法文书 of one picked target in the console (docs/documents.md): the list, issuing the
通知书 and the 现场检查笔录, downloading a PDF.

The rules are the service's (:class:`lottery.service.documents.DocumentsService`): staff with
``task.draw`` reach every target; another holder of ``outcome.read`` acts as the inspector
linked to the account, for the targets of their own team only. Downloads are audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.api.digits import row_id
from lottery.core.errors import LotteryError
from lottery.service import users
from lottery.service.document_issue import DocumentConfig
from lottery.service.documents import DocumentsService
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import NotAssigned, ResultNotFound
from lottery.service.roles import Perm

from .download import download_response
from .render import page
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
KIND_ZH = {"notice": "行政检查通知书", "record": "现场检查笔录", "result": "检查结果告知书"}
STATUS_ZH = {"current": "有效", "superseded": "已被新版本取代"}


def _reader(service: Lifecycle, user: ConsoleUser) -> tuple[bool, str | None]:
    """(allowed at all, the inspector id to act as: None for staff who may draw)."""
    require(user, Perm.OUTCOME_READ)
    if user.can(Perm.TASK_DRAW):
        return True, None
    inspector = users.inspector_of(service, user.name)
    return inspector is not None, inspector


def _documents(request: Request, service: Lifecycle) -> DocumentsService:
    return DocumentsService(service, DocumentConfig.from_settings(request.app.state.settings))


def _message(user: ConsoleUser, status: int, message: str) -> Response:
    return page(
        "message.html",
        user=user,
        status=status,
        heading="不能查看执法文书",
        message=message,
        back="/console/my",
        back_label="返回",
    )


@router.get("/documents/{task_id}/{target}", response_model=None)
def documents_page(
    task_id: str,
    target: str,
    request: Request,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    error: str = "",
) -> Response:
    """The target's documents, with the forms that issue the notice and the record."""
    allowed, inspector = _reader(service, user)
    if not allowed:
        return _message(user, 403, "您的账号尚未关联执法检查人员编号，不能查看执法文书。")
    try:
        docs = _documents(request, service).list(
            task_id, target=target, as_inspector=inspector, actor=user.name, now=now,
            remote_addr=addr,
        )  # fmt: skip
    except NotAssigned:
        return _message(user, 403, "这个检查对象不属于您所在的检查组，不能查看它的执法文书。")
    except ResultNotFound:
        return _message(user, 404, "找不到这个抽查任务或检查对象。")
    return page(
        "documents.html",
        user=user,
        task_id=task_id,
        target=target,
        docs=docs,
        kind_zh=KIND_ZH,
        status_zh=STATUS_ZH,
        error=error,
    )


@router.post("/documents/{task_id}/{target}", response_model=None)
def issue_document(
    task_id: str,
    target: str,
    request: Request,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
) -> Response:
    """Issue the notice or the on-site record (the same one again if nothing changed)."""
    check_csrf(user, csrf)
    allowed, inspector = _reader(service, user)
    if not allowed:
        return _message(user, 403, "您的账号尚未关联执法检查人员编号，不能出具执法文书。")
    try:
        _documents(request, service).issue(
            task_id, target, kind, now, actor=user.name, as_inspector=inspector, remote_addr=addr
        )
    except NotAssigned:
        return _message(user, 403, "这个检查对象不属于您所在的检查组，不能出具它的执法文书。")
    except LotteryError as exc:
        return documents_page(task_id, target, request, user, service, now, addr, error=str(exc))
    return RedirectResponse(f"/console/documents/{task_id}/{target}", status_code=303)


@router.get("/document-files/{doc_id}", response_model=None)
def download(
    doc_id: str,
    request: Request,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> Response:
    """One document's PDF, as an attachment; audited ``document.download``."""
    allowed, inspector = _reader(service, user)
    if not allowed:
        return _message(user, 403, "您的账号尚未关联执法检查人员编号，不能下载执法文书。")
    number = row_id(doc_id)
    if number is None:
        return _message(user, 404, "找不到这份执法文书。")
    try:
        doc = _documents(request, service).download(
            number, now, actor=user.name, as_inspector=inspector, remote_addr=addr
        )
    except NotAssigned:
        return _message(user, 403, "这份执法文书不属于您所在的检查组。")
    except ResultNotFound:
        return _message(user, 404, "找不到这份执法文书。")
    return download_response(f"{doc.number}.pdf", doc.pdf)
