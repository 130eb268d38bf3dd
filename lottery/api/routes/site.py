"""The public site's publication: its status, and "republish now" (docs/site-publishing.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from pydantic import BaseModel

from lottery.api.deps import RemoteAddr, ServiceDep, require, site_publisher
from lottery.api.schemas import ERROR_RESPONSES
from lottery.service.roles import Perm
from lottery.service.site_publishing import (
    SiteNotConfigured,
    SitePublisher,
    SiteStatus,
    unconfigured_status,
)
from lottery.service.users import StaffUser
from lottery.storage.models import SitePublication

router = APIRouter(prefix="/api/site", tags=["site"], responses=ERROR_RESPONSES)
Reader = Annotated[StaffUser, Depends(require(Perm.TASK_READ))]
Publisher = Annotated[StaffUser, Depends(require(Perm.TASK_DISCLOSE))]
NOT_CONFIGURED = "未配置公开网站目录（LOTTERY_SITE_DIR），本服务不发布公开网站"


class PublicationPublic(BaseModel):
    """One publication run: ``finished_at`` empty while it runs; ``error`` if it failed."""

    id: int
    actor: str
    started_at: datetime
    finished_at: datetime | None
    size: int | None
    pages: int | None
    duration_s: float | None
    error: str | None

    @classmethod
    def of(cls, run: SitePublication | None) -> PublicationPublic | None:
        if run is None or run.id is None:
            return None
        return cls(
            id=run.id,
            actor=run.actor,
            started_at=run.started_at,
            finished_at=run.finished_at,
            size=run.size,
            pages=run.pages,
            duration_s=run.duration_s,
            error=run.error,
        )


class SiteStatusPublic(BaseModel):
    """The log against the site: ``up_to_date`` when the last good run published it all."""

    configured: bool
    log_size: int
    published_size: int | None
    up_to_date: bool
    waiting_for_witnesses: bool
    running: bool
    requested: bool
    last: PublicationPublic | None
    last_success: PublicationPublic | None

    @classmethod
    def of(cls, status: SiteStatus) -> SiteStatusPublic:
        return cls(
            configured=status.configured,
            log_size=status.log_size,
            published_size=status.published_size,
            up_to_date=status.up_to_date,
            waiting_for_witnesses=status.waiting_for_witnesses,
            running=status.running,
            requested=status.requested,
            last=PublicationPublic.of(status.last),
            last_success=PublicationPublic.of(status.last_success),
        )


SiteDep = Annotated[SitePublisher | None, Depends(site_publisher)]


@router.get("/status", response_model=SiteStatusPublic)
def site_status(_: Reader, site: SiteDep, service: ServiceDep) -> SiteStatusPublic:
    """The log's size, the last publication and the last good one, and whether one runs."""
    if site is None:
        return SiteStatusPublic.of(unconfigured_status(service))
    return SiteStatusPublic.of(site.status())


@router.post("/publish", response_model=SiteStatusPublic, status_code=202)
def publish_now(
    user: Publisher,
    site: SiteDep,
    request: Request,
    background: BackgroundTasks,
    addr: RemoteAddr,
) -> SiteStatusPublic:
    """Republish now: queued at once (202); the build runs in the background, on whichever
    instance's job takes it first (or, without a scheduler, after this response)."""
    if site is None:
        raise SiteNotConfigured(NOT_CONFIGURED)
    site.request(user.name, addr)
    if request.app.state.scheduler is None:
        background.add_task(site.publish_if_due, user.name)
    return SiteStatusPublic.of(site.status())
