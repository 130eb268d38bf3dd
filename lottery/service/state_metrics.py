"""What the database knows, read when Prometheus scrapes (docs/operations.md).

:class:`StateCollector` is registered in the app's registry beside the service's own
counters (:mod:`lottery.service.metrics`). Each scrape reads the log's size and records by
type, the publication lag (when the service publishes the site), each witness's last
cosigned size and the tasks whose secret cannot be opened; and this instance's scheduler
state. Every instance on one database reports the same database values; alerts use ``max``
over instances.

A scrape while the database is down yields ``lottery_database_up 0`` and nothing else from
the database, never an error page (Prometheus would drop every metric of the scrape).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from apscheduler.schedulers.base import STATE_RUNNING
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlmodel import Session, col, func, select

from lottery.storage.models import CosignatureRow, LogEntry

from .health import publication_lag
from .lifecycle import Lifecycle
from .lost_secrets import BLOCKED_STATES, lost_secrets
from .scheduler import Scheduler

logger = logging.getLogger(__name__)


class StateCollector(Collector):
    """Gauges computed at scrape time from the database and this instance's scheduler."""

    def __init__(
        self,
        lc: Lifecycle,
        *,
        publishes_site: bool,
        scheduler: Callable[[], Scheduler | None],
        clock: Callable[[], datetime],
    ) -> None:
        """``publishes_site``: ``LOTTERY_SITE_DIR`` is set (else no publication lag);
        ``scheduler``: this instance's scheduler now (None: it runs none); ``clock``: the
        service clock (record times are on it)."""
        self.lc = lc
        self.publishes_site = publishes_site
        self.scheduler = scheduler
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        """The metrics of one scrape."""
        yield from self._scheduler()
        up = GaugeMetricFamily(
            "lottery_database_up", "1 when the database answered this scrape's queries."
        )
        try:
            with self.lc.session() as session:
                found = list(self._database(session))
        except Exception as exc:  # the database away: say so, keep the process's metrics
            logger.warning("metrics: database not readable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from found

    def _scheduler(self) -> Iterator[Metric]:
        rt = self.scheduler()
        running = GaugeMetricFamily(
            "lottery_scheduler_running", "1 when this instance's scheduler is running."
        )
        running.add_metric([], 1 if rt is not None and rt.aps.state == STATE_RUNNING else 0)
        yield running
        if rt is None:
            return
        # On the process's wall clock (time.time), so Prometheus's time() compares with it.
        ended = rt.last_sweep if rt.last_sweep is not None else rt.started
        heartbeat = GaugeMetricFamily(
            "lottery_scheduler_last_sweep_timestamp_seconds",
            "When this instance's scheduler last finished its sweep (its start before the first).",
        )
        heartbeat.add_metric([], time.time() - (time.monotonic() - ended))
        yield heartbeat

    def _database(self, session: Session) -> Iterator[Metric]:
        records = CounterMetricFamily(
            "lottery_log_records",
            "Records in the public log, by record type (appended by any instance).",
            labels=["type"],
        )
        by_type = session.exec(
            select(LogEntry.type, func.count()).group_by(col(LogEntry.type))
        ).all()
        for kind, count in sorted(by_type):
            records.add_metric([kind], count)
        yield records
        lag = publication_lag(session)
        size = GaugeMetricFamily("lottery_log_size", "Entries in the public log.")
        size.add_metric([], lag.log_size)
        yield size
        if self.publishes_site:
            published = GaugeMetricFamily(
                "lottery_site_published_size",
                "Log entries the last successful site publication covers.",
            )
            published.add_metric([], lag.published_size)
            behind = GaugeMetricFamily(
                "lottery_publication_lag_records",
                "Log entries the public site does not show yet.",
            )
            behind.add_metric([], lag.records)
            waited = GaugeMetricFamily(
                "lottery_publication_lag_seconds",
                "How long the oldest record not on the public site has waited (0: none).",
            )
            waited.add_metric([], lag.seconds(self.clock()))
            yield from (published, behind, waited)
        yield from _witnesses(session, lag.log_size)
        yield _lost_secrets(self.lc, session)


def _lost_secrets(lc: Lifecycle, session: Session) -> Metric:
    lost = GaugeMetricFamily(
        "lottery_tasks_secret_lost",
        "Draft, announced or drawn tasks whose office secret cannot be opened (staff cancel "
        "or delete them: the 工作台 says how), by state.",
        labels=["state"],
    )
    found = lost_secrets(lc, session)
    for state in BLOCKED_STATES:
        lost.add_metric([state], sum(1 for t in found if t.state == state))
    return lost


def _witnesses(session: Session, log_size: int) -> Iterator[Metric]:
    rows = session.exec(
        select(
            CosignatureRow.name, func.max(CosignatureRow.size), func.max(CosignatureRow.created_at)
        ).group_by(col(CosignatureRow.name))
    ).all()
    lag = GaugeMetricFamily(
        "lottery_witness_lag_records",
        "Log entries after the newest checkpoint each witness cosigned.",
        labels=["witness"],
    )
    last = GaugeMetricFamily(
        "lottery_witness_last_cosignature_timestamp_seconds",
        "When the office stored each witness's newest cosignature.",
        labels=["witness"],
    )
    for name, size, stored in sorted(rows):
        lag.add_metric([name], max(0, log_size - int(size)))
        last.add_metric([name], stored.timestamp())
    yield lag
    yield last
