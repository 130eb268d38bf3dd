"""The staff console's routes (简体中文, server-rendered; docs/console.md).

The pages live in :mod:`lottery.api.console`; this module mounts them, serves the stylesheet,
and turns the console's own outcomes (login needed, password change first, refusal, bad CSRF
token) into redirects and Chinese pages. The JSON API's errors are untouched.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from lottery.api.console import (
    audit_page,
    auth_pages,
    browse_pages,
    calendar_pages,
    cancel_pages,
    conflict_pages,
    document_pages,
    evidence_pages,
    exchange_pages,
    item_pages,
    my_pages,
    numbers_page,
    objection_pages,
    penalty_pages,
    plan_pages,
    publication_pages,
    rectification_pages,
    rectification_review_pages,
    registry_pages,
    report_pages,
    review_pages,
    risk_pages,
    sheet_pages,
    site_page,
    snapshot_pages,
    target_report_pages,
    task_pages,
    task_wizard,
    user_pages,
    withheld_pages,
    words,
)
from lottery.api.console.render import page
from lottery.api.console.session import (
    BadCsrf,
    LoginRequired,
    PasswordChangeFirst,
    Refused,
)
from lottery.api.console.words import refusal_zh
from lottery.core.errors import LotteryError
from lottery.service.org_scope import OutOfScope

router = APIRouter(include_in_schema=False)
router.include_router(auth_pages.router)
router.include_router(report_pages.router)  # before the task pages' /tasks/{id}/{action}
router.include_router(target_report_pages.router)  # also before the task pages
router.include_router(task_wizard.router)  # before task_pages: /tasks/new, /tasks/{id}/edit
router.include_router(numbers_page.router)
router.include_router(cancel_pages.router)
router.include_router(task_pages.router)
router.include_router(site_page.router)
router.include_router(audit_page.router)
router.include_router(user_pages.router)
router.include_router(penalty_pages.router)
router.include_router(exchange_pages.router)
router.include_router(rectification_pages.router)
router.include_router(objection_pages.router)
router.include_router(calendar_pages.router)
router.include_router(snapshot_pages.router)
router.include_router(sheet_pages.router)
router.include_router(my_pages.router)
router.include_router(review_pages.router)
router.include_router(publication_pages.router)
router.include_router(rectification_review_pages.router)
router.include_router(evidence_pages.router)
router.include_router(document_pages.router)
router.include_router(registry_pages.router)
router.include_router(withheld_pages.router)  # before browse_pages' /targets
router.include_router(browse_pages.router)
router.include_router(conflict_pages.router)
router.include_router(risk_pages.router)  # before item_pages: /items/risk-rules
router.include_router(item_pages.router)
router.include_router(plan_pages.router)
_STYLESHEET = files("lottery.api.console") / "static" / "console.css"
_PROGRESS_SCRIPT = files("lottery.api.console") / "static" / "import_progress.js"


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/console")
def console_root() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/console/static/console.css")
def stylesheet() -> Response:
    return Response(
        _STYLESHEET.read_text(encoding="utf-8"),
        media_type="text/css",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/console/static/import_progress.js")
def progress_script() -> Response:
    """The registry import status page's script (the console's only one)."""
    return Response(
        _PROGRESS_SCRIPT.read_text(encoding="utf-8"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.api_route("/console/{rest:path}", methods=["GET", "POST"])
def unknown_page(rest: str) -> HTMLResponse:
    """Any other console address: a Chinese 404 (after every real page)."""
    return task_pages.not_found(None)


def install(app: FastAPI) -> None:
    """Register the console's handlers on ``app`` (after its routers are included)."""

    async def on_login_required(request: Request, exc: Exception) -> Response:
        expired = isinstance(exc, LoginRequired) and exc.expired
        return RedirectResponse(
            "/console/login?expired=1" if expired else "/console/login", status_code=303
        )

    async def on_password_first(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/console/password", status_code=303)

    async def on_refused(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, Refused):  # pragma: no cover - registered for Refused only
            raise exc
        what, holders = refusal_zh(exc.perm)
        return page("refused.html", user=exc.user, status=403, what=what, holders=holders)

    async def on_bad_csrf(request: Request, exc: Exception) -> Response:
        return page(
            "message.html",
            user=None,
            status=403,
            heading="表单已失效",
            message="这个表单已失效或不是从本系统的页面提交的，未作任何更改。"
            "请回到上一页，刷新后重新提交。",
            back="/console/",
            back_label="返回工作台",
        )

    async def on_out_of_scope(request: Request, exc: Exception) -> Response:
        # A console page that let the service's scope refusal through: a Chinese page (the
        # JSON API keeps its JSON body, errors.install's handler).
        if not request.url.path.startswith("/console"):
            body = {"detail": str(exc), "error": type(exc).__name__}
            return JSONResponse(body, status_code=403)
        message = words.error_zh(exc) if isinstance(exc, LotteryError) else str(exc)
        return page(
            "message.html",
            user=None,
            status=403,
            heading="超出本账号所属单位的范围",
            message=message,
            back="/console/",
            back_label="返回工作台",
        )

    app.add_exception_handler(OutOfScope, on_out_of_scope)
    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(PasswordChangeFirst, on_password_first)
    app.add_exception_handler(Refused, on_refused)
    app.add_exception_handler(BadCsrf, on_bad_csrf)
