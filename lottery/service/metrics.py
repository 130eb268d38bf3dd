"""The service's own Prometheus counters and histograms (docs/operations.md).

One :class:`ServiceMetrics` per service (``Lifecycle.metrics``), each in its own
``CollectorRegistry``: never the library's global default registry, so the many apps and
services a test process builds never collide on a metric name. The app factory gives the
service its metrics (:func:`lottery.api.app.create_app`); a service without them (a command
line) measures nothing, and every call site checks ``lc.metrics is not None``.

What is counted here happens in this process: scheduler job runs, draws, site publications,
failed logins. What the database knows (the log's size, records by type, publication and
witness lag) is read at scrape time by :mod:`lottery.service.state_metrics`, so every instance
on one database reports the same values.

Login failures are counted by reason only, never by account name or address (those are in the
audit trail, for staff; a metric label would keep every guessed name forever).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

JOB_KINDS = ("announce", "draw", "disclose", "sweep", "site", "witness")
"""The scheduler's jobs (docs/scheduler.md)."""
JOB_OUTCOMES = ("done", "idle", "waiting", "refused", "skipped", "failed")
"""``done``: the job's work happened (or was found done); ``idle``: nothing to do (the site
job when the site is up to date); ``waiting``: not due yet, the beacon not out or the relays
down, retried; ``refused``: the lifecycle refused the step (audited as ``schedule.failed``,
staff act); ``skipped``: the task's secret cannot be opened, the step was not tried and its job
removed (lottery/service/lost_secrets.py, staff cancel the task); ``failed``: the job raised or
logged an error."""
LOGIN_FAILURES = (
    "wrong_password",
    "unknown_account",
    "disabled_account",
    "wrong_old_password",
    "locked",
    "busy",
)
"""Why a login (or a password change's old password) failed: a wrong password for an active
account, an account that does not exist, a disabled account, a wrong current password when
changing it, refused while the account or address is locked, refused for lack of a hashing
slot."""
PUBLICATION_OUTCOMES = ("ok", "failed")

DRAW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
PUBLICATION_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


class ServiceMetrics:
    """The counters and histograms of one service, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.jobs = Counter(
            "lottery_scheduler_jobs",
            "Scheduler job runs in this process, by job kind and outcome.",
            ["job", "outcome"],
            registry=self.registry,
        )
        self.draw_seconds = Histogram(
            "lottery_draw_duration_seconds",
            "Time to draw a task (verify the beacon, draw, seal, publish the draw record).",
            buckets=DRAW_BUCKETS,
            registry=self.registry,
        )
        self.publication_seconds = Histogram(
            "lottery_site_publication_duration_seconds",
            "Time of a site publication run (export, build, swap), by outcome.",
            ["outcome"],
            buckets=PUBLICATION_BUCKETS,
            registry=self.registry,
        )
        self.login_failures = Counter(
            "lottery_login_failures",
            "Failed logins and password checks in this process, by reason (never by name).",
            ["reason"],
            registry=self.registry,
        )
        # Every known label shows from the start (as 0), so rates and alerts see it.
        for kind in JOB_KINDS:
            for outcome in JOB_OUTCOMES:
                self.jobs.labels(kind, outcome)
        for outcome in PUBLICATION_OUTCOMES:
            self.publication_seconds.labels(outcome)
        for reason in LOGIN_FAILURES:
            self.login_failures.labels(reason)

    def job(self, kind: str, outcome: str) -> None:
        """Count one run of the scheduler job ``kind`` that ended with ``outcome``."""
        self.jobs.labels(kind, outcome).inc()

    def drew(self, seconds: float) -> None:
        """Record the duration of one draw."""
        self.draw_seconds.observe(seconds)

    def published(self, seconds: float, *, ok: bool) -> None:
        """Record the duration of one site publication run."""
        self.publication_seconds.labels("ok" if ok else "failed").observe(seconds)

    def login_failed(self, reason: str) -> None:
        """Count one failed login or password check (``reason`` from :data:`LOGIN_FAILURES`)."""
        self.login_failures.labels(reason).inc()
