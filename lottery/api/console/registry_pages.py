"""名录管理: the registries at a glance, and a file import in two steps (check, then confirm).

The upload is checked first by :func:`registries.check_registry` (the import's own validation,
writing nothing): the page lists the bad rows in Chinese, or says what the import would change.
A file without errors is kept on the server under its SHA-256 (:mod:`.upload_store`); the
confirmation imports that kept file with :func:`registries.import_registry`, the function
``POST /api/registries/{kind}/import`` calls, which validates it again. Both steps need
``registry.write``, the API's permission for imports; the size limits are the API's
(:class:`UploadLimitRoute`, with a Chinese page instead of JSON).

A large file holds up neither the page nor other requests: the check and the import run in a
background thread (:mod:`.import_jobs`), the file parsed as a stream from the kept copy, never
read whole. The request waits a moment (a small file's outcome shows at once), then sends the
browser to the job's page, which shows the progress (bytes read of the file, then the last
phase) and refreshes itself (a small script, ``static/import_progress.js``; without script a
``<noscript>`` refresh) until it shows the same outcome page as before.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from lottery import registry_io as rio
from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.api.upload_limit import UploadLimitRoute
from lottery.core.errors import LotteryError
from lottery.registry_io.limits import KIND_NAMES, size_text
from lottery.service import item_list, registries, registry_browse
from lottery.service.lifecycle import Lifecycle
from lottery.service.roles import Perm

from . import import_jobs, upload_store
from .render import page
from .session import ConsoleUser, User, check_csrf, require
from .words import error_zh

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
StoreDir = Annotated[Path, Depends(upload_store.store_dir)]
JobsDep = Annotated[import_jobs.ImportJobs, Depends(import_jobs.jobs_of)]
UNEXPECTED = "检查或导入时发生意外错误，未导入任何数据。请稍后重试；如仍失败，请联系系统管理员。"
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
    jobs: JobsDep,
    csrf: FormText = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Keep an uploaded file and check it in the background (nothing written); then the
    job's page, which shows the outcome once the check is done."""
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

    def work(fh: BinaryIO) -> registries.ImportCheck:
        try:
            return registries.check_registry(service, kind, fh, now=now)
        except registries.ImportRejected:
            upload_store.discard(path)
            raise

    return _started(jobs.start(kind, "check", digest, path, user.name, work), jobs)


def _started(job: import_jobs.ImportJob, jobs: import_jobs.ImportJobs) -> Response:
    """Wait a moment for a quick job, then go to its page (its outcome, or its progress)."""
    job.done.wait(jobs.grace)
    return RedirectResponse(f"/console/registries/{job.kind}/jobs/{job.id}", status_code=303)


def _outcome(user: ConsoleUser, service: Lifecycle, job: import_jobs.ImportJob) -> HTMLResponse:
    """The page of a finished job: what the synchronous check or import showed."""
    kind, exc = job.kind, job.error
    if isinstance(exc, registries.ImportRejected):
        return _rejected_page(user, kind, exc, confirming=job.step == "confirm")
    if exc is not None:
        message = error_zh(exc) if isinstance(exc, LotteryError) else UNEXPECTED
        return page(
            "message.html",
            user=user,
            status=409 if isinstance(exc, LotteryError) else 500,
            heading="未能检查" if job.step == "check" else "未能导入",
            message=message,
            back=f"/console/registries/{kind}/import",
            back_label="返回",
        )
    if job.step == "check":
        return page(
            "registry_check.html",
            user=user,
            active="registries",
            kind=kind,
            kind_name=KIND_NAMES[kind],
            rejected=None,
            check=job.outcome,
            digest=job.digest,
            confirming=False,
            next_version=_next_version(service),
        )
    return page(
        "registry_done.html",
        user=user,
        active="registries",
        kind=kind,
        kind_name=KIND_NAMES[kind],
        result=job.outcome,
    )


def _job(jobs: import_jobs.ImportJobs, kind: str, job_id: str) -> import_jobs.ImportJob | None:
    job = jobs.get(job_id)
    return job if job is not None and job.kind == kind else None


def _gone(user: ConsoleUser, kind: str) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        status=404,
        heading="找不到这次检查或导入",
        message="找不到这次检查或导入：地址可能有误，或它已结束超过一小时、记录已清除。"
        "导入是否完成，可在名录管理和审计记录中查看。",
        back=f"/console/registries/{kind}/import"
        if kind in registries.KINDS
        else "/console/registries",
        back_label="返回",
    )


@router.get("/registries/{kind}/jobs/{job_id}", response_model=None)
def job_page(kind: str, job_id: str, user: User, service: ServiceDep, jobs: JobsDep) -> Response:
    """A running job's progress (refreshing itself), or its outcome once done."""
    require(user, Perm.REGISTRY_WRITE)
    job = _job(jobs, kind, job_id)
    if job is None:
        return _gone(user, kind)
    if not job.running:
        return _outcome(user, service, job)
    return page(
        "registry_progress.html",
        user=user,
        active="registries",
        kind=kind,
        kind_name=KIND_NAMES[kind],
        job=job,
        progress=progress_zh(job),
        size_text=size_text,
    )


@router.get("/registries/{kind}/jobs/{job_id}/status", response_model=None)
def job_status(kind: str, job_id: str, user: User, jobs: JobsDep) -> Response:
    """The job's progress for the status page's script: running, bytes read, the sentence."""
    require(user, Perm.REGISTRY_WRITE)
    job = _job(jobs, kind, job_id)
    if job is None:
        return JSONResponse({"running": False}, status_code=404)
    return JSONResponse(
        {
            "running": job.running,
            "read": job.position(),
            "size": job.size,
            "percent": job.percent(),
            "text": progress_zh(job),
        },
        headers={"Cache-Control": "no-store"},
    )


def progress_zh(job: import_jobs.ImportJob) -> str:
    """Where the job is, in a sentence: reading (percent of the file) or its last phase."""
    if not job.running:
        return "已完成，正在显示结果。"
    percent = job.percent()
    if percent < 100:
        done = size_text(job.position())
        return f"正在读取并检查文件：已读取 {percent}%（{done} / {size_text(job.size)}）。"
    if job.step == "check":
        return "文件已读完，正在与现有名录比对。"
    return "文件已读完并通过检查，正在写入数据库。"


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
    jobs: JobsDep,
    csrf: FormText = "",
    digest: FormText = "",
) -> Response:
    """Import the kept file the check accepted (validated again; all or nothing), in the
    background; then the job's page. A second confirmation while it runs joins it."""
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

    def work(fh: BinaryIO) -> registries.ImportResult:
        try:
            result = registries.import_registry(
                service, kind, fh, actor=user.name, now=now, remote_addr=addr
            )
        except registries.ImportRejected:
            upload_store.discard(path)
            raise
        upload_store.discard(path)
        return result

    return _started(jobs.start(kind, "confirm", digest, path, user.name, work), jobs)
