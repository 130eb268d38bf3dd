"""Is this instance ready to serve? The checks behind ``GET /readyz`` (docs/operations.md).

Each check answers with a :class:`Check`: a stable English code for machines and a plain
Chinese sentence for people, and nothing else. ``/readyz`` is unauthenticated, so no check
ever reports an exception's text, a path, a URL or a key: the log of the process has those.

- ``database``: the database answers a query and its schema is at the newest migration;
- ``scheduler``: when this instance runs one, it is running and its sweep ran recently;
- ``signer``: the office key file loads (or, with ``LOTTERY_SIGNER_SOCKET``, the signer
  process answers), is the key the log is signed with, and signs;
- ``publication``: with ``LOTTERY_SITE_DIR``, no record has waited for the public site longer
  than ``LOTTERY_PUBLICATION_LAG_LIMIT``; without it, "not configured", which does not fail.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.base import STATE_RUNNING
from sqlmodel import Session, col, func, select

from lottery.core.errors import LotteryError
from lottery.settings import Settings
from lottery.storage.keys import load_signer
from lottery.storage.migrate import head_revision
from lottery.storage.models import LogEntry

from .lifecycle import Lifecycle
from .office_signer import SocketSigner
from .scheduler import Scheduler
from .site_publishing import last_success

logger = logging.getLogger(__name__)

PROBE = b"lottery readiness probe\n"
"""What the signer check signs (never published, never stored)."""
STALLED_SWEEPS = 5
"""The scheduler is stalled when no sweep ended for this many sweep intervals (at least
:data:`STALLED_AT_LEAST`): a sweep that runs long delays the next, it does not skip it."""
STALLED_AT_LEAST = timedelta(minutes=5)


@dataclass(frozen=True)
class Check:
    """One part of readiness: ``ok`` (None: not configured here, which does not fail)."""

    name: str
    ok: bool | None
    code: str
    message: str


@dataclass(frozen=True)
class PublicationLag:
    """The log against the public site: sizes, and the oldest record not yet published."""

    log_size: int
    published_size: int
    oldest_unpublished: datetime | None

    @property
    def records(self) -> int:
        """Records in the log that the published site does not show yet."""
        return max(0, self.log_size - self.published_size)

    def seconds(self, now: datetime) -> float:
        """How long the oldest unpublished record has waited (0 when none waits)."""
        if self.oldest_unpublished is None:
            return 0.0
        return max(0.0, (now - self.oldest_unpublished).total_seconds())


def publication_lag(session: Session) -> PublicationLag:
    """The log's size, the size the last successful publication covers, and the time of the
    first record after it (record times are the service clock's)."""
    size = int(session.exec(select(func.count()).select_from(LogEntry)).one())
    success = last_success(session)
    published = min(size, success.size or 0) if success is not None else 0
    oldest = None
    if published < size:
        oldest = session.exec(
            select(LogEntry.time).where(col(LogEntry.idx) == published)
        ).one_or_none()
    return PublicationLag(size, published, oldest)


def check_database(lc: Lifecycle) -> Check:
    """The database answers, and its schema is the newest this code knows.

    Asked on a plain DBAPI connection: a SQLAlchemy transaction on SQLite starts with
    ``BEGIN IMMEDIATE`` (lottery/storage/engine.py) and would wait behind a long write.
    """
    try:
        raw = lc.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("SELECT version_num FROM alembic_version")
            versions = {str(row[0]) for row in cursor.fetchall()}
            cursor.close()
        finally:
            raw.close()
    except Exception as exc:  # any driver error: the database does not answer usefully
        logger.warning("readiness: database check failed: %s", type(exc).__name__)
        return Check("database", False, "database_unavailable", "数据库无法连接或无法查询")
    if versions != {head_revision()}:
        return Check(
            "database", False, "schema_not_at_head", "数据库结构不是最新版本，请先完成数据库迁移"
        )
    return Check("database", True, "ok", "数据库正常")


def check_scheduler(rt: Scheduler | None) -> Check:
    """This instance's scheduler runs and its sweep ran recently (None: it runs none)."""
    if rt is None:
        return Check("scheduler", None, "not_configured", "本实例不运行定时任务")
    if rt.aps.state != STATE_RUNNING:
        return Check("scheduler", False, "scheduler_stopped", "定时任务已停止")
    limit = max(STALLED_AT_LEAST, rt.sweep_every * STALLED_SWEEPS).total_seconds()
    last = rt.last_sweep if rt.last_sweep is not None else rt.started
    if time.monotonic() - last > limit:
        return Check("scheduler", False, "scheduler_stalled", "定时任务长时间未运行")
    return Check("scheduler", True, "ok", "定时任务正常")


def check_signer(settings: Settings, lc: Lifecycle) -> Check:
    """The office key signs, is the log's key, and its signature verifies: loaded from the
    key file, or, with ``LOTTERY_SIGNER_SOCKET``, asked of the signer process (it answers,
    its key's fingerprint is the log's, and it signs a probe)."""
    if settings.signer_socket is not None:
        return _check_signer_process(settings.signer_socket, settings, lc)
    try:
        signer = load_signer(settings.office_key_file)
        same = (signer.name, signer.key_id) == (lc.log.verifier.name, lc.log.verifier.key_id)
        signs = same and lc.log.verifier.verify(PROBE, signer.sign(PROBE))
    except (LotteryError, OSError) as exc:
        logger.warning("readiness: office key check failed: %s", exc)
        return Check("signer", False, "signer_unavailable", "机关签名密钥无法读取或无法签名")
    if not signs:
        return Check("signer", False, "signer_mismatch", "机关签名密钥与日志使用的密钥不一致")
    return Check("signer", True, "ok", "机关签名密钥正常")


def _check_signer_process(socket: Path, settings: Settings, lc: Lifecycle) -> Check:
    try:
        fresh = SocketSigner(socket, timeout=min(settings.signer_timeout, 5.0))
        same = fresh.verifier.fingerprint == lc.log.verifier.fingerprint
        signs = same and fresh.probe()
    except LotteryError as exc:
        logger.warning("readiness: office signer check failed: %s", exc)
        return Check("signer", False, "signer_unavailable", "机关签名服务无法连接或无法签名")
    if not signs:
        return Check("signer", False, "signer_mismatch", "签名服务持有的密钥与日志使用的密钥不一致")
    return Check("signer", True, "ok", "机关签名服务正常")


def check_publication(settings: Settings, lc: Lifecycle, now: datetime) -> Check:
    """The oldest record not on the public site has not waited past the limit."""
    if settings.site_dir is None:
        return Check("publication", None, "not_configured", "未配置网站自动发布")
    try:
        with lc.session() as session:
            lag = publication_lag(session)
    except Exception as exc:  # the database check says why
        logger.warning("readiness: publication check failed: %s", type(exc).__name__)
        return Check("publication", False, "publication_unknown", "无法读取网站发布情况")
    if lag.seconds(now) > settings.publication_lag_limit:
        minutes = int(lag.seconds(now) // 60)
        return Check(
            "publication",
            False,
            "publication_behind",
            f"公开网站落后于日志：{lag.records} 条记录未发布，最早一条已等待 {minutes} 分钟",
        )
    return Check("publication", True, "ok", "公开网站已及时发布")


def readiness(
    settings: Settings, lc: Lifecycle, scheduler: Scheduler | None, now: datetime
) -> list[Check]:
    """Every check, in a fixed order."""
    return [
        check_database(lc),
        check_scheduler(scheduler),
        check_signer(settings, lc),
        check_publication(settings, lc, now),
    ]
