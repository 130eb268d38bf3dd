"""名录管理: the registries at a glance, and a file import in two steps (check, then confirm).

The upload is checked first by :func:`registries.check_registry` (the import's own validation,
writing nothing): the page lists the bad rows in Chinese, or says what the import would change.
A file without errors is kept on the server under its SHA-256 (:mod:`.upload_store`); the
confirmation imports that kept file with :func:`registries.import_registry`, the function
``POST /api/registries/{kind}/import`` calls, which validates it again. Both steps need
``registry.write``, the API's permission for imports; the size limits are the API's
(:class:`UploadLimitRoute`, with a Chinese page instead of JSON).

A large file does not hold up other requests: the handlers are plain functions, which the
server runs in its worker threads while it keeps answering others, and the file is parsed as a
stream from a temporary file, never read whole. The page shows the outcome when it is done.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from lottery import registry_io as rio
from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.api.upload_limit import UploadLimitRoute
from lottery.core.errors import InputError
from lottery.registry_io.limits import KIND_NAMES, size_text
from lottery.service import item_list, registries, registry_browse
from lottery.service.lifecycle import Lifecycle
from lottery.service.roles import Perm

from . import upload_store
from .render import page
from .session import ConsoleUser, User, check_csrf, require
from .words import error_zh

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
StoreDir = Annotated[Path, Depends(upload_store.store_dir)]
ORDER = ("org-units", "targets", "inspectors", "conflicts", "history", "items")
#: What an import of each kind does, for the upload page.
EFFECT = {
    "targets": "文件即完整名录：按统一社会信用代码新增或更新；"
    "数据库中有而文件中没有的对象标为“移出名录”，不再参与抽取。",
    "inspectors": "文件即完整名录：按人员编号新增或更新；"
    "数据库中有而文件中没有的人员标为“移出名录”，不再参与抽取。",
    "org-units": "按机构代码新增或更新；文件中没有的机构保留不变。",
    "conflicts": "文件替换全部已登记的回避关系。",
    "history": "按（对象、日期、任务）新增或更新检查记录；不删除已有记录。",
    "items": "文件即抽查事项清单的新版本，确认后立即作为新版本公开发布。",
}


def too_large_page(user: ConsoleUser | None, kind: str, size: int | None) -> HTMLResponse:
    """The Chinese 413 page of a file over its kind's size limit."""
    return page(
        "message.html",
        user=user,
        status=413,
        heading="文件过大",
        message=rio.too_large_message(kind, size) + "。未导入任何数据。",
        back=f"/console/registries/{kind}/import",
        back_label="重新选择文件",
    )


class ConsoleUploadRoute(UploadLimitRoute):
    """The API's upload limits, refused with a Chinese page (413) while the body arrives
    (before the session is read, so the page has no navigation)."""

    @staticmethod
    def refuse(kind: str, size: int | None) -> Response:
        return too_large_page(None, kind, size)


def _kind_or_none(kind: str) -> str | None:
    return kind if kind in registries.KINDS else None


def _not_found(user: ConsoleUser) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        status=404,
        heading="找不到这个名录",
        message="找不到这个名录：地址可能有误。",
        back="/console/registries",
        back_label="返回名录管理",
    )


@router.get("/registries")
def overview(user: User, service: ServiceDep) -> HTMLResponse:
    """Each registry: its size and (for registry.write) the import link."""
    require(user, Perm.REGISTRY_READ)
    counts = registry_browse.registry_counts(service)
    current = item_list.current_item_list(service)
    return page(
        "registries.html",
        user=user,
        active="registries",
        kinds=[(k, KIND_NAMES[k]) for k in ORDER],
        counts=counts,
        items_version=current.version if current else None,
        items_count=len(current.items) if current else 0,
        can_write=user.can(Perm.REGISTRY_WRITE),
        effect=EFFECT,
    )


def _upload_page(
    user: ConsoleUser, kind: str, *, status: int = 200, error: str = ""
) -> HTMLResponse:
    return page(
        "registry_upload.html",
        user=user,
        active="registries",
        status=status,
        kind=kind,
        kind_name=KIND_NAMES[kind],
        effect=EFFECT[kind],
        limit=size_text(rio.limits_for(kind).max_bytes),
        max_rows=rio.limits_for(kind).max_rows,
        error=error,
    )


@router.get("/registries/{kind}/import")
def upload_form(kind: str, user: User) -> HTMLResponse:
    """The upload form of one registry."""
    require(user, Perm.REGISTRY_WRITE)
    if _kind_or_none(kind) is None:
        return _not_found(user)
    return _upload_page(user, kind)


def _rejected_page(
    user: ConsoleUser, kind: str, exc: registries.ImportRejected, *, confirming: bool = False
) -> HTMLResponse:
    return page(
        "registry_check.html",
        user=user,
        active="registries",
        status=422,
        kind=kind,
        kind_name=KIND_NAMES[kind],
        rejected=exc.result,
        check=None,
        digest="",
        confirming=confirming,
    )


def check_upload(
    kind: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    folder: StoreDir,
    csrf: FormText = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Check an uploaded file (nothing written); keep it for the confirmation when it passes."""
    check_csrf(user, csrf)
    require(user, Perm.REGISTRY_WRITE)
    if _kind_or_none(kind) is None:
        return _not_found(user)
    if file is None or not file.filename:
        return _upload_page(user, kind, status=422, error="请选择要导入的文件")
    size = file.size if file.size is not None else file.file.seek(0, os.SEEK_END)
    if size > rio.limits_for(kind).max_bytes:
        return too_large_page(user, kind, size)
    digest, path = upload_store.keep(folder, file.file)
    try:
        check = registries.check_registry(service, kind, path, now=now)
    except registries.ImportRejected as exc:
        upload_store.discard(path)
        return _rejected_page(user, kind, exc)
    return page(
        "registry_check.html",
        user=user,
        active="registries",
        kind=kind,
        kind_name=KIND_NAMES[kind],
        rejected=None,
        check=check,
        digest=digest,
        confirming=False,
        next_version=_next_version(service),
    )


def _next_version(service: Lifecycle) -> int:
    current = item_list.current_item_list(service)
    return 1 if current is None else current.version + 1


router.add_api_route(
    "/registries/{kind}/check",
    check_upload,
    methods=["POST"],
    response_model=None,
    route_class_override=ConsoleUploadRoute,
)


@router.post("/registries/{kind}/confirm", response_model=None)
def confirm_import(
    kind: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    folder: StoreDir,
    csrf: FormText = "",
    digest: FormText = "",
) -> Response:
    """Import the kept file the check accepted (validated again; all or nothing)."""
    check_csrf(user, csrf)
    require(user, Perm.REGISTRY_WRITE)
    if _kind_or_none(kind) is None:
        return _not_found(user)
    path = upload_store.kept(folder, digest)
    if path is None:
        return page(
            "message.html",
            user=user,
            status=409,
            heading="找不到已检查的文件",
            message="找不到已检查的文件：它可能已经导入，或检查后超过 24 小时已被清除。"
            "未导入任何数据，请重新上传。",
            back=f"/console/registries/{kind}/import",
            back_label="重新上传",
        )
    try:
        result = registries.import_registry(
            service, kind, path, actor=user.name, now=now, remote_addr=addr
        )
    except registries.ImportRejected as exc:
        upload_store.discard(path)
        return _rejected_page(user, kind, exc, confirming=True)
    except InputError as exc:
        return page(
            "message.html",
            user=user,
            status=409,
            heading="未能导入",
            message=error_zh(exc),
            back=f"/console/registries/{kind}/import",
            back_label="返回",
        )
    upload_store.discard(path)
    return page(
        "registry_done.html",
        user=user,
        active="registries",
        kind=kind,
        kind_name=KIND_NAMES[kind],
        result=result,
    )
