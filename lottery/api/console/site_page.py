"""网站发布: the public site's publication status and "立即重新发布" (docs/site-publishing.md).

The page shows what ``GET /api/site/status`` returns, in words; the button does what
``POST /api/site/publish`` does (same permission, same service call, audited as
``site.publish``). Without ``LOTTERY_SITE_DIR`` the page says so instead of the button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import RemoteAddr, ServiceDep, site_publisher
from lottery.core.errors import LotteryError
from lottery.service.lifecycle import Lifecycle
from lottery.service.roles import Perm
from lottery.service.site_publishing import SitePublisher, SiteStatus, unconfigured_status
from lottery.storage.models import SitePublication

from . import words
from .render import page
from .session import User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
_CJK = re.compile(r"[\u4e00-\u9fff]")
PUBLISH_PERM = Perm.TASK_DISCLOSE
"""The permission of ``POST /api/site/publish`` (lottery/api/routes/site.py)."""


@dataclass(frozen=True)
class RunView:
    """One publication run in words."""

    when: datetime | None
    actor: str
    size: int | None
    pages: int | None
    duration: str
    failed: bool
    error: str


def duration_zh(seconds: float | None) -> str:
    """``12.3`` -> ``12 秒``; ``75`` -> ``1 分 15 秒``; None -> ``—``."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return "不到 1 秒" if seconds < 0.5 else f"{whole} 秒"
    return f"{whole // 60} 分 {whole % 60} 秒"


def error_zh(error: str | None) -> str:
    """A failed run's error in plain Chinese (the recorded text is ``Class: message``, for
    engineers; its message is added only when it is Chinese)."""
    if error is None:
        return ""
    sentence = "生成公开网站时出错，网站仍是上一次成功发布的内容。请联系技术人员查看服务日志。"
    message = error.split(": ", 1)[-1]
    if _CJK.search(message):
        return f"{sentence}（{message}）"
    return sentence


def run_view(run: SitePublication | None) -> RunView | None:
    if run is None:
        return None
    return RunView(
        when=run.finished_at or run.started_at,
        actor=run.actor,
        size=run.size,
        pages=run.pages,
        duration=duration_zh(run.duration_s),
        failed=run.error is not None,
        error=error_zh(run.error),
    )


def _status(site: SitePublisher | None, service: Lifecycle) -> SiteStatus:
    return unconfigured_status(service) if site is None else site.status()


def _page(
    user: User, status: SiteStatus, *, done: str = "", error: str = "", code: int = 200
) -> HTMLResponse:
    return page(
        "site.html",
        user=user,
        active="site",
        status=code,
        s=status,
        last=run_view(status.last),
        good=run_view(status.last_success),
        can_publish=user.can(PUBLISH_PERM),
        done=done,
        error=error,
    )


@router.get("/site")
def site_status(user: User, request: Request, service: ServiceDep, done: int = 0) -> HTMLResponse:
    """The publication status, and the button for those who may republish."""
    require(user, Perm.TASK_READ)
    status = _status(site_publisher(request, service), service)
    message = "已请求重新发布：网站将在几秒到几分钟内更新，请稍后刷新本页查看结果。" if done else ""
    return _page(user, status, done=message)


@router.post("/site/publish", response_model=None)
def publish(
    user: User,
    request: Request,
    service: ServiceDep,
    background: BackgroundTasks,
    addr: RemoteAddr,
    csrf: FormText = "",
) -> Response:
    """Ask for a publication now; without a scheduler it runs after the response."""
    check_csrf(user, csrf)
    require(user, PUBLISH_PERM)
    site = site_publisher(request, service)
    if site is None:
        return _page(
            user,
            unconfigured_status(service),
            error="本服务未配置公开网站目录，不发布公开网站，无法重新发布。",
            code=409,
        )
    try:
        site.request(user.name, addr)
    except LotteryError as exc:
        return _page(user, site.status(), error=words.error_zh(exc), code=409)
    if request.app.state.scheduler is None:
        background.add_task(site.publish_if_due, user.name)
    return RedirectResponse("/console/site?done=1", status_code=303)
