"""The public site publishes itself: export the log, rebuild the site, swap it in.

:class:`SitePublisher` is called by the scheduler's ``site`` job every few seconds
(:func:`lottery.service.scheduler.run_site_publish`), by ``lottery site publish`` and by
``POST /api/site/publish``. A run is due when the log is larger than the last checkpoint
published (so a burst of records makes one build, and a restart catches up), when staff asked
for one, or when the site path is missing. Only one run at a time across every instance on
the database: the ``site_lease`` row, taken in a short transaction and held until
``expires_at``. Each run is a ``site_publication`` row: start, end, checkpoint size, pages,
duration and the error if it failed; a failed run leaves the served site as it was
(:mod:`lottery.service.site_swap`). See docs/site-publishing.md.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from lottery.settings import Settings
from lottery.storage.models import SiteLease, SitePublication

from . import site_swap
from .audit_trail import record_audit
from .witness_push import quorum_size

if TYPE_CHECKING:
    from publisher.office import Office
from .lifecycle import Lifecycle, StateError

logger = logging.getLogger(__name__)

LEASE = "site"
LEASE_TIME = timedelta(minutes=30)
"""Longer than any build (1,000 tasks build in about a minute): a crashed builder's lease
lapses after this, and the next instance takes over."""
RETRY_AFTER_FAILURE = timedelta(minutes=2)
"""A failed run is not retried by the job before this (unless the log grows or staff ask)."""
ERROR_LIMIT = 2000
REQUEST_ACTION = "site.publish"

Clock = Callable[[], datetime]
Build = Callable[[Path, Path, Path], int]
"""``build(export, out, work) -> pages``: :func:`build_site` in production."""


class SiteNotConfigured(StateError):
    """``LOTTERY_SITE_DIR`` is not set: the service publishes no site (HTTP 409)."""


class PublicationBusy(StateError):
    """Another run holds the lease (HTTP 409)."""


class LeaseLost(StateError):
    """This run's lease expired and another instance took it: its build is discarded."""


def build_site(export: Path, out: Path, work: Path, settings: Settings | None = None) -> int:
    """The publisher's :func:`publisher.build.build_site` (audit, pages, MkDocs), the office
    that runs the site as ``settings`` name it (:func:`office_from_settings`), with the
    verified-state cache ``<site>.cache`` beside the site path (an incremental build:
    docs/site-publishing.md) when ``settings`` name one."""
    from publisher.build import build_site as build
    from publisher.site_cache import cache_for

    office = office_from_settings(settings) if settings is not None else None
    site_dir = settings.site_dir if settings is not None else None
    cache = cache_for(Path(site_dir).absolute()) if site_dir is not None else None
    return build(export, out, work=work, office=office, cache=cache)


def office_from_settings(settings: Settings) -> Office:
    """Who runs the public site and how to reach them, from ``LOTTERY_OFFICE_*``."""
    from publisher.office import Office

    return Office(
        name=settings.office_name,
        address=settings.office_address,
        phone=settings.office_phone,
        email=settings.office_email,
        hours=settings.office_hours,
        rules=settings.office_rules,
    )


@dataclass(frozen=True)
class SiteStatus:
    """What staff see: the log, the last run, the last good run, whether one runs."""

    configured: bool
    log_size: int
    published_size: int | None
    up_to_date: bool
    running: bool
    requested: bool
    last: SitePublication | None
    last_success: SitePublication | None
    waiting_for_witnesses: bool = False
    """The log's latest checkpoint lacks the witness quorum: the job does not publish yet."""


def unconfigured_status(lc: Lifecycle) -> SiteStatus:
    """The status without ``LOTTERY_SITE_DIR``: the log's size, nothing published."""
    with lc.session() as session:
        size = lc.log.size(session)
    return SiteStatus(False, size, None, False, False, False, None, None)


class SitePublisher:
    """Publishes ``lc``'s log as the static site at ``site_dir`` (see the module docstring)."""

    def __init__(
        self,
        lc: Lifecycle,
        site_dir: Path,
        export_dir: Path,
        *,
        clock: Clock,
        build: Build = build_site,
        lease_time: timedelta = LEASE_TIME,
        retry_after_failure: timedelta = RETRY_AFTER_FAILURE,
        witnesses: Settings | None = None,
    ) -> None:
        self.lc = lc
        self.site_dir = Path(site_dir).absolute()
        self.export_dir = Path(export_dir).absolute()
        self.clock = clock
        self.build = build
        self.lease_time = lease_time
        self.retry_after_failure = retry_after_failure
        self.witnesses = witnesses if witnesses is not None and witnesses.witnesses else None

    @classmethod
    def from_settings(cls, settings: Settings, lc: Lifecycle, clock: Clock) -> SitePublisher | None:
        """The publisher ``settings`` configure, or None without ``LOTTERY_SITE_DIR``."""
        if settings.site_dir is None:
            return None
        return cls(
            lc,
            settings.site_dir,
            settings.site_export,
            clock=clock,
            build=lambda export, out, work: build_site(export, out, work, settings),
            witnesses=settings,
        )

    # -- reading --------------------------------------------------------------------------

    def status(self) -> SiteStatus:
        """The log's size against the last publication, and the run in progress if any."""
        now = self.clock()
        with self.lc.session() as session:
            size = self.lc.log.size(session)
            lease = _lease(session)
            last = session.exec(
                select(SitePublication).order_by(col(SitePublication.id).desc()).limit(1)
            ).first()
            success = last_success(session)
        published = success.size if success is not None else None
        return SiteStatus(
            configured=True,
            log_size=size,
            published_size=published,
            up_to_date=published is not None and published >= size,
            running=lease.holder is not None and _after(lease.expires_at, now),
            requested=lease.requested_at is not None,
            last=last,
            last_success=success,
            waiting_for_witnesses=not self._quorum_met(size),
        )

    def _quorum_met(self, size: int) -> bool:
        """Whether the checkpoint of ``size`` carries the configured witness quorum (always,
        without witnesses)."""
        if self.witnesses is None or size == 0:
            return True
        return quorum_size(self.lc, self.witnesses) == size

    def due(self) -> bool:
        """Whether the job should publish now."""
        now = self.clock()
        with self.lc.session() as session:
            size = self.lc.log.size(session)
            lease = _lease(session)
            success = last_success(session)
            last = session.exec(
                select(SitePublication)
                .where(col(SitePublication.finished_at).is_not(None))
                .order_by(col(SitePublication.id).desc())
                .limit(1)
            ).first()
        if lease.requested_at is not None:
            return True
        if size == 0:
            return False  # nothing to show yet: an empty log is no site
        behind = success is None or (success.size or 0) < size
        if not behind and (self.site_dir / "index.html").is_file():
            return False
        if behind and not self._quorum_met(size):
            return False  # the witnesses have not cosigned it yet (docs/witness.md)
        recent_failure = (
            last is not None
            and last.error is not None
            and (last.size is None or last.size >= size)
            and last.finished_at is not None
            and now < last.finished_at + self.retry_after_failure
        )
        return not recent_failure

    # -- writing --------------------------------------------------------------------------

    def request(self, actor: str, remote_addr: str | None = None) -> None:
        """Ask for a publication now (the job runs it within seconds, on any instance);
        audited as ``site.publish``."""
        now = self.clock()
        with self.lc.session() as session, session.begin():
            lease = _lease(session, lock=True)
            lease.requested_at, lease.requested_by = now, actor[:64]
            session.add(lease)
            record_audit(session, now, actor, REQUEST_ACTION, LEASE, None, remote_addr)

    def publish_if_due(self, actor: str = "scheduler") -> SitePublication | None:
        """The job's step: publish when :meth:`due`; None when not due or another runs."""
        if not self.due():
            return None
        try:
            return self.publish(actor)
        except PublicationBusy:
            return None

    def publish(self, actor: str) -> SitePublication:
        """Export, build beside, swap in; the run's record (its ``error`` set if it failed).

        Raises:
            PublicationBusy: when another run (this or another instance) holds the lease.
        """
        holder = uuid.uuid4().hex
        run = self._acquire(holder, actor)
        started = time.perf_counter()
        partial = work = site_swap.builds_dir(self.site_dir) / f"{run.id:06d}{site_swap.PARTIAL}"
        try:
            checkpoint = self.lc.export_to(self.export_dir)
            run.size = checkpoint.size
            partial, work = site_swap.prepare(self.site_dir, f"{run.id:06d}-{checkpoint.size}")
            run.pages = self.build(self.export_dir, partial, work)
            site_swap.discard(work)
            self._renew(holder)
            final, previous = site_swap.swap_in(self.site_dir, partial)
            run.build = final.name
            site_swap.prune(self.site_dir, final, previous, lambda old: self._spare(old, final))
        except Exception as exc:  # any failure is recorded; the site served stays as it was
            logger.exception("site publication %s failed", run.id)
            site_swap.discard(partial, work)
            run.error = f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
        run.duration_s = time.perf_counter() - started
        self._release(holder, run)
        if self.lc.metrics is not None:
            self.lc.metrics.published(run.duration_s, ok=run.error is None)
        return run

    def _spare(self, old: Path, served: Path) -> None:
        """A build no longer served becomes the verified-state cache's spare tree, brought up
        to date with ``served`` (the next build renames it in and changes only what
        changed: docs/site-publishing.md); without a cache it is removed."""
        from publisher.site_cache import adopt, cache_for

        adopt(cache_for(self.site_dir), old, served)

    def _acquire(self, holder: str, actor: str) -> SitePublication:
        now = self.clock()
        with self.lc.session() as session, session.begin():
            lease = _lease(session, lock=True, skip_locked=True)
            if lease.holder is not None and _after(lease.expires_at, now):
                raise PublicationBusy("网站正在由另一进程发布，请稍后再试")
            lease.holder, lease.expires_at = holder, now + self.lease_time
            if lease.requested_at is not None and lease.requested_at <= now:
                lease.requested_at, lease.requested_by = None, None  # this run answers it
            session.add(lease)
            run = SitePublication(holder=holder, actor=actor[:64], started_at=now)
            session.add(run)
            session.flush()
            return run

    def _renew(self, holder: str) -> None:
        """Before the swap: the lease must still be ours (and runs on for the swap)."""
        now = self.clock()
        with self.lc.session() as session, session.begin():
            lease = _lease(session, lock=True)
            if lease.holder != holder:
                raise LeaseLost("发布用时超过租约期限，另一进程已接手；本次构建作废")
            lease.expires_at = now + self.lease_time
            session.add(lease)

    def _release(self, holder: str, run: SitePublication) -> None:
        run.finished_at = self.clock()
        with self.lc.session() as session, session.begin():
            lease = _lease(session, lock=True)
            if lease.holder == holder:
                lease.holder, lease.expires_at = None, None
                session.add(lease)
            session.merge(run)
        if run.error is None:
            logger.info("site published: checkpoint %s, %s pages", run.size, run.pages)


def _lease(session: Session, *, lock: bool = False, skip_locked: bool = False) -> SiteLease:
    query = select(SiteLease).where(SiteLease.name == LEASE)
    if lock:
        query = query.with_for_update(skip_locked=skip_locked)
    lease = session.exec(query).first()
    if lease is None:
        if skip_locked:  # PostgreSQL: another transaction holds the row right now
            raise PublicationBusy("网站正在由另一进程发布，请稍后再试")
        raise StateError("the site_lease row is missing: run the migrations")
    return lease


def last_success(session: Session) -> SitePublication | None:
    """The newest publication that finished and swapped a build in (None: never)."""
    return session.exec(
        select(SitePublication)
        .where(col(SitePublication.error).is_(None), col(SitePublication.build).is_not(None))
        .order_by(col(SitePublication.id).desc())
        .limit(1)
    ).first()


def _after(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment > now
