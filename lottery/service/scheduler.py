"""The scheduler: announce, draw and disclose each task on time, with APScheduler 3.

Jobs are module-level functions taking the running :class:`Scheduler` and a task id (only
the id is stored), stored in a persistent SQLAlchemy job
store (table ``scheduler_job``) on the service database: ``announce:<task>`` at the planned
announce time, ``draw:<task>`` at the drand round's time plus a small delay (fetch, verify,
draw; or declare the announced fallback once the relays say "not yet" past the deadline: both
decided by :func:`lottery.service.drawing.draw_task`, as for a staff draw), and
``disclose:<task>`` at the disclosure time. Each repeats every ``retry`` until its step is
done, then removes itself and schedules the next step; missed runs coalesce into one. A sweep
of task states (at start and periodically) schedules whatever is due, so nothing depends on
the job store alone. Every step is a :class:`Lifecycle` call, exactly once however many
instances run it. With ``settings.site_dir``, a ``site`` job publishes the public site when
the log has grown (docs/site-publishing.md). Time comes from an injectable clock. See
docs/scheduler.md.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from lottery.core.beacon import DrandBeacon
from lottery.core.canonical import parse_time
from lottery.core.errors import InputError, LotteryError, VerificationError
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, Task

from .audit_trail import record_audit
from .beacons import fallback_declared
from .drand_client import DrandClient
from .drawing import DrawStatus, Fetch, PublicNumbersDraw, draw_task
from .jobstore import SharedJobStore
from .lifecycle import Lifecycle, StateError, TaskNotFound
from .lost_secrets import task_secret_lost
from .params import params_from_task
from .penalties import PenaltyService
from .result_notices import issue_owed
from .site_publishing import SitePublisher
from .witness_client import Post, httpx_post
from .witness_push import push_once

logger = logging.getLogger(__name__)

ACTOR = "scheduler"
DRAW_DELAY = timedelta(seconds=5)
"""After a round's time: relays usually publish within a second or two."""
RETRY = timedelta(seconds=30)
SWEEP_EVERY = timedelta(seconds=60)
PUBLISH_EVERY = timedelta(seconds=5)
"""How often the ``site`` job compares the log with the published site (docs/site-publishing.md)."""
PUSH_EVERY = timedelta(seconds=5)
"""How often the ``witness`` job looks for a checkpoint a witness has not cosigned yet."""
JOB_TABLE = "scheduler_job"
FAILED_ACTION = "schedule.failed"

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Scheduler:
    """One running scheduler: APScheduler and what its jobs use (the lifecycle, the clock, the
    beacon source, the timings), and the count of jobs running, for :func:`stop_scheduler`.

    Nothing of it is global: the jobs stored in the database name a module-level function and
    a task id; :class:`_Executor` hands each run the scheduler that runs it (``rt=``), so a
    process may run several schedulers and a test may call a job directly.
    """

    lc: Lifecycle
    aps: BackgroundScheduler
    clock: Clock
    fetch: Fetch
    draw_delay: timedelta
    retry: timedelta
    client: DrandClient | None = None
    site: SitePublisher | None = None
    settings: Settings | None = None
    witness_post: Post | None = None
    running: int = 0
    idle: threading.Condition = field(default_factory=threading.Condition)
    sweep_every: timedelta = SWEEP_EVERY
    started: float = field(default_factory=time.monotonic)
    last_sweep: float | None = None
    """When the last sweep ended (``time.monotonic``): the heartbeat /readyz reads."""
    lost_logged: set[str] = field(default_factory=set)
    """Tasks skipped for a secret the service cannot open, already logged by this process
    (:func:`_skip_lost`): logged once, not at every sweep."""

    def wall_time(self, moment: datetime) -> datetime:
        """When APScheduler (on the wall clock) must fire for ``moment`` on our clock."""
        return _utc_now() + (moment - self.clock())


class _WithScheduler:
    """A stored job as :func:`apscheduler.executors.base.run_job` sees it, with its function
    given the scheduler that runs it (``rt=``)."""

    def __init__(self, job: Job, scheduler: Scheduler) -> None:
        self._job = job
        self.func = functools.partial(job.func, rt=scheduler)

    def __getattr__(self, name: str) -> object:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


class _Executor(ThreadPoolExecutor):  # type: ignore[misc]
    """APScheduler's thread pool, running each job with its :class:`Scheduler`."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers)
        self.scheduler: Scheduler | None = None

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        if self.scheduler is None:  # set by start_scheduler before APScheduler starts
            raise LotteryError("the scheduler's executor was not given its scheduler")
        super()._do_submit_job(_WithScheduler(job, self.scheduler), run_times)


Outcome = str
"""How a job run ended, for the metrics (lottery/service/metrics.py, ``JOB_OUTCOMES``)."""


def _run(rt: Scheduler | None, kind: str, step: Callable[[Scheduler], Outcome]) -> None:
    """Run a job's ``step`` on ``rt``, counted so :func:`stop_scheduler` can wait for it, and
    counted by outcome in the service's metrics (a step that raises: ``failed``).

    Raises:
        LotteryError: when the job was called without its scheduler.
    """
    if rt is None:
        raise LotteryError("a scheduler job was run without its scheduler (rt=)")
    with rt.idle:
        rt.running += 1
    outcome = "failed"
    try:
        outcome = step(rt)
    finally:
        if rt.lc.metrics is not None:
            rt.lc.metrics.job(kind, outcome)
        with rt.idle:
            rt.running -= 1
            rt.idle.notify_all()


def start_scheduler(
    settings: Settings,
    lc: Lifecycle,
    *,
    clock: Clock | None = None,
    fetch: Fetch | None = None,
    draw_delay: timedelta = DRAW_DELAY,
    retry: timedelta = RETRY,
    sweep_every: timedelta = SWEEP_EVERY,
    publish_every: timedelta = PUBLISH_EVERY,
    push_every: timedelta = PUSH_EVERY,
    witness_post: Post | None = None,
    start: bool = True,
) -> Scheduler:
    """Create (and start) a scheduler on ``lc``'s database.

    Args:
        settings: the service settings (``drand_relays``).
        lc: the open lifecycle (its engine holds the job store).
        clock: the time source for lifecycle steps (tests inject one); default: UTC now.
        fetch: how a drand round is obtained; default: a :class:`DrandClient` on the relays.
        draw_delay: how long after a round's time the draw job first runs.
        retry: how often a job whose step is not done yet runs again.
        sweep_every: how often task states are swept for steps to schedule.
        publish_every: how often the ``site`` job runs (only with ``settings.site_dir``).
        push_every: how often the ``witness`` job runs (only with ``settings.witnesses``).
        witness_post: how the pusher posts to a witness (tests); default: ``httpx``.
        start: start the scheduler thread (the sweep runs at once).
    """
    clock = clock or _utc_now
    executor = _Executor(4)
    aps = BackgroundScheduler(
        jobstores={
            "default": SharedJobStore(engine=lc.engine, tablename=JOB_TABLE),
            "local": MemoryJobStore(),
        },
        executors={"default": executor},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=UTC,
    )
    client = None
    if fetch is None:
        client = DrandClient(settings.drand_relays, clock=clock)
        fetch = client.fetch_for
    site = SitePublisher.from_settings(settings, lc, clock)
    if witness_post is None and settings.witnesses:
        witness_post = httpx_post()  # one keep-alive client for every push of this process
    scheduler = Scheduler(
        lc,
        aps,
        clock,
        fetch,
        draw_delay,
        retry,
        client,
        site,
        settings,
        witness_post,
        sweep_every=sweep_every,
    )
    executor.scheduler = scheduler
    if settings.witnesses:
        # In the memory store, like ``site``: the witness_state table says what each witness
        # has cosigned and when to try again, so a restart loses nothing.
        aps.add_job(
            run_witness_push,
            IntervalTrigger(seconds=push_every.total_seconds(), timezone=UTC),
            id="witness",
            jobstore="local",
            next_run_time=_utc_now(),
            replace_existing=True,
        )
    if site is not None:
        # In the memory store: the log and the site_publication table say what is due, so
        # nothing is lost at a restart; the job's first run catches up at once. A run during
        # a build finds the lease taken and returns at once (max_instances=2: no "skipped"
        # warning every interval while a large site builds).
        aps.add_job(
            run_site_publish,
            IntervalTrigger(seconds=publish_every.total_seconds(), timezone=UTC),
            id="site",
            jobstore="local",
            next_run_time=_utc_now(),
            replace_existing=True,
            max_instances=2,
        )
    aps.add_job(
        run_sweep,
        IntervalTrigger(seconds=sweep_every.total_seconds(), timezone=UTC),
        id="sweep",
        jobstore="local",
        next_run_time=_utc_now(),
        replace_existing=True,
    )
    if start:
        aps.start()
    return scheduler


def _job_id(step: str, task_id: str) -> str:
    return f"{step}:{task_id}"


def next_step(task: Task, *, fallback: bool, draw_delay: timedelta) -> tuple[str, datetime] | None:
    """The scheduled step a task waits for, and when (on the service clock); None if none.

    ``fallback``: the drand fallback was declared (staff enter the numbers; no draw job).

    Raises:
        EncodingError: when the stored parameters are malformed.
    """
    if task.state == "draft":
        at = task.params.get("announce_at")
        return ("announce", parse_time(at)) if at else None
    if task.state == "announced":
        primary = params_from_task(task).beacon.primary
        if isinstance(primary, DrandBeacon) and not fallback:
            return "draw", primary.due_time() + draw_delay
        return None
    if task.state == "drawn":
        return "disclose", parse_time(task.params["disclosure"])
    return None


def schedule_task(rt: Scheduler, task: Task) -> str | None:
    """Add the job of the task's next scheduled step unless it is already stored.

    Call after creating, announcing or drawing a task (the sweep does it too, within
    ``sweep_every``). Returns the id of the job added, or None.
    """
    with rt.lc.session() as session:
        declared = task.state == "announced" and fallback_declared(session, task.id)
        refused = _refused_steps(session, task.id)
        step = next_step(task, fallback=declared, draw_delay=rt.draw_delay)
        if step is None or step[0] in refused:
            return None  # nothing to schedule, or staff must act (see the audit trail)
        lost = task_secret_lost(rt.lc, session, task)
    if lost is not None:
        _skip_lost(rt, task.id, lost)
        return None  # staff cancel it (the 工作台 says how); a restored key resumes it
    rt.lost_logged.discard(task.id)
    name, at = step
    job_id = _job_id(name, task.id)
    if rt.aps.get_job(job_id) is not None:
        return None
    start = max(rt.wall_time(at), _utc_now())  # never make APScheduler replay past intervals
    try:
        rt.aps.add_job(
            _JOBS[name],
            IntervalTrigger(seconds=rt.retry.total_seconds(), start_date=start, timezone=UTC),
            args=[task.id],
            id=job_id,
            name=job_id,
            jobstore="default",
            replace_existing=False,
        )
    except ConflictingIdError:
        return None  # another instance stored it first
    return job_id


def _skip_lost(rt: Scheduler, task_id: str, reason: str) -> None:
    """Log once per process that ``task_id`` is skipped: its secret cannot be opened."""
    if task_id in rt.lost_logged:
        return
    rt.lost_logged.add(task_id)
    logger.error(
        "task %s skipped: its office secret cannot be opened (%s); staff must cancel it as "
        "secret lost (lottery task cancel %s --secret-lost; docs/operations.md)",
        task_id,
        reason,
        task_id,
    )


def _lost(rt: Scheduler, step: str, task_id: str) -> bool:
    """Whether the task's secret cannot be opened; then its ``step`` job is removed (the sweep
    schedules it again once the secret opens again, e.g. the key file restored)."""
    with rt.lc.session() as session:
        task = session.get(Task, task_id)
        lost = None if task is None else task_secret_lost(rt.lc, session, task)
    if lost is None:
        return False
    _skip_lost(rt, task_id, lost)
    with contextlib.suppress(JobLookupError):
        rt.aps.remove_job(_job_id(step, task_id), "default")
    return True


def _refused_steps(session: Session, task_id: str) -> set[str]:
    """Steps the lifecycle refused for this task: never scheduled again (staff act)."""
    events = session.exec(
        select(AuditEvent.detail).where(
            AuditEvent.action == FAILED_ACTION, AuditEvent.object == task_id
        )
    )
    return {str(detail.get("step")) for detail in events}


def _finish(rt: Scheduler, step: str, task_id: str) -> None:
    """The step is done (or impossible): drop its job and schedule the next one."""
    # JobLookupError: another instance (or the run before a crash) removed it.
    with contextlib.suppress(JobLookupError):
        rt.aps.remove_job(_job_id(step, task_id), "default")
    try:
        task = rt.lc.get_task(task_id)
    except TaskNotFound:
        return
    schedule_task(rt, task)


def _later(rt: Scheduler, step: str, task_id: str, at: datetime) -> None:
    """Fire the step's job again at ``at`` (service clock) instead of after ``retry``."""
    with contextlib.suppress(JobLookupError):
        rt.aps.modify_job(_job_id(step, task_id), "default", next_run_time=rt.wall_time(at))


def _give_up(rt: Scheduler, step: str, task_id: str, now: datetime, exc: LotteryError) -> None:
    """A step the lifecycle refuses will not succeed by retrying: tell staff, stop the job."""
    logger.error("scheduled %s of %s refused: %s", step, task_id, exc)
    with rt.lc.session() as session, session.begin():
        record_audit(
            session, now, ACTOR, "schedule.failed", task_id, {"step": step, "error": str(exc)}
        )
    _finish(rt, step, task_id)


def _load(rt: Scheduler, step: str, task_id: str, state: str) -> Task | None:
    """The task when it is still in ``state``; otherwise finish the step and return None."""
    try:
        task = rt.lc.get_task(task_id)
    except TaskNotFound:
        _finish(rt, step, task_id)
        return None
    if task.state != state:
        _finish(rt, step, task_id)
        return None
    return task


def run_announce(task_id: str, rt: Scheduler | None = None) -> None:
    """Job: announce ``task_id`` at its planned time."""
    _run(rt, "announce", lambda bound: _announce(bound, task_id))


def _at_planned_time(
    rt: Scheduler,
    step: str,
    task_id: str,
    state: str,
    planned: str,
    run: Callable[[datetime], object],
) -> Outcome:
    """``run(now)`` once the time in the task's ``planned`` parameter has come, while the task
    is still in ``state``; before it, the job comes back then. A task that moved on meanwhile
    (another instance, staff, a cancellation) ends the job; any other refusal (a round already
    due, infeasible pools...) is for staff: audited, and the job ends."""
    task = _load(rt, step, task_id, state)
    if task is None:
        return "done"
    now = rt.clock()
    at = parse_time(task.params[planned])
    if now < at:
        _later(rt, step, task_id, at)
        return "waiting"
    if _lost(rt, step, task_id):
        return "skipped"
    try:
        run(now)
    except StateError:  # moved on meanwhile
        _finish(rt, step, task_id)
        return "done"
    except InputError as exc:  # staff must act
        _give_up(rt, step, task_id, now, exc)
        return "refused"
    _finish(rt, step, task_id)
    return "done"


def _announce(rt: Scheduler, task_id: str) -> Outcome:
    return _at_planned_time(
        rt,
        "announce",
        task_id,
        "draft",
        "announce_at",
        lambda now: rt.lc.announce(task_id, now, actor=ACTOR),
    )


def run_draw(task_id: str, rt: Scheduler | None = None) -> None:
    """Job: at the round's time, draw through :func:`draw_task` (which fetches the round, or
    declares the fallback); retry while the round is not out or the relays are down."""
    _run(rt, "draw", lambda bound: _draw(bound, task_id))


def _draw(rt: Scheduler, task_id: str) -> Outcome:
    task = _load(rt, "draw", task_id, "announced")
    if task is None:
        return "done"
    now = rt.clock()
    primary = params_from_task(task).beacon.primary
    if isinstance(primary, DrandBeacon) and now < primary.due_time() + rt.draw_delay:
        _later(rt, "draw", task_id, primary.due_time() + rt.draw_delay)
        return "waiting"
    if _lost(rt, "draw", task_id):
        return "skipped"
    try:
        outcome = draw_task(rt.lc, task_id, now, actor=ACTOR, fetch=rt.fetch, clock=rt.clock)
    except (TaskNotFound, StateError, PublicNumbersDraw):
        # Moved on meanwhile (another instance, staff, a cancellation), or staff enter the
        # public numbers: nothing for this job to do.
        _finish(rt, "draw", task_id)
        return "done"
    except (InputError, VerificationError) as exc:
        _give_up(rt, "draw", task_id, now, exc)
        return "refused"
    if outcome.status is DrawStatus.NOT_YET:
        logger.info("drand round for %s not out yet: %s", task_id, outcome.error)
        return "waiting"
    if outcome.status is DrawStatus.RELAYS_DOWN:
        logger.warning("drand relays unavailable for %s: %s", task_id, outcome.error)
        return "waiting"
    _finish(rt, "draw", task_id)  # drawn, or the fallback declared: staff enter its numbers
    return "done"


def run_disclose(task_id: str, rt: Scheduler | None = None) -> None:
    """Job: reveal ``task_id``'s secret and outcome at the disclosure time."""
    _run(rt, "disclose", lambda bound: _disclose(bound, task_id))


def _disclose(rt: Scheduler, task_id: str) -> Outcome:
    return _at_planned_time(
        rt,
        "disclose",
        task_id,
        "drawn",
        "disclosure",
        lambda now: rt.lc.disclose(task_id, now, actor=ACTOR),
    )


def run_sweep(rt: Scheduler | None = None) -> None:
    """Job: schedule the next step of every task that has one (at start, then periodically),
    withdraw every penalty whose publication period has ended (its sealed content is
    deleted: docs/results.md), and issue the 检查结果告知书 still owed (docs/documents.md)."""
    _run(rt, "sweep", _sweep)


def _sweep(rt: Scheduler) -> Outcome:
    with rt.lc.session() as session:
        tasks = list(
            session.exec(select(Task).where(col(Task.state).in_(["draft", "announced", "drawn"])))
        )
    outcome = "done"
    for task in tasks:
        try:
            schedule_task(rt, task)
        except LotteryError as exc:
            logger.error("cannot schedule %s: %s", task.id, exc)  # noqa: TRY400 - expected
            outcome = "failed"
    try:
        PenaltyService(rt.lc.engine, rt.lc.log).withdraw_expired(rt.clock())
    except (LotteryError, SQLAlchemyError) as exc:
        logger.error("cannot withdraw expired penalties: %s", exc)  # noqa: TRY400 - retried
        outcome = "failed"
    issue_owed(rt.lc.engine, rt.lc.log, rt.clock(), actor=ACTOR)  # logs its own failures
    rt.last_sweep = time.monotonic()
    return outcome


def run_site_publish(rt: Scheduler | None = None) -> None:
    """Job: publish the public site when the log has grown past the last publication (or
    staff asked); one build at a time across instances (the lease in ``site_lease``)."""
    _run(rt, "site", _publish_site)


def _publish_site(rt: Scheduler) -> Outcome:
    if rt.site is None:
        return "idle"
    try:
        run = rt.site.publish_if_due(ACTOR)
    except (LotteryError, SQLAlchemyError) as exc:  # the database away...: the next run retries
        logger.error("site publication not started: %s", exc)  # noqa: TRY400 - expected
        return "failed"
    if run is None:
        return "idle"  # not due, or another instance is publishing
    return "done" if run.error is None else "failed"


def run_witness_push(rt: Scheduler | None = None) -> None:
    """Job: push the latest checkpoint to every configured witness that has not cosigned it
    (docs/witness.md, "The pusher")."""
    _run(rt, "witness", _push_witnesses)


def _push_witnesses(rt: Scheduler) -> Outcome:
    if rt.settings is None:
        return "idle"
    try:
        push_once(rt.lc, rt.settings, rt.clock(), post=rt.witness_post)
    except (LotteryError, SQLAlchemyError) as exc:  # the database away...: the next run retries
        logger.error("witness push not done: %s", exc)  # noqa: TRY400 - expected
        return "failed"
    return "done"


def stop_scheduler(rt: Scheduler, *, wait: bool = True, timeout: float = 30.0) -> None:
    """Shut ``rt`` down, then (with ``wait``) let running jobs finish.

    Never ``scheduler.shutdown(wait=True)``: APScheduler holds its job-store lock while it
    waits for running jobs, and our jobs take that lock to remove themselves, so it would
    deadlock. Jobs that finish after the shutdown leave their stored job in place; it runs
    again (and does nothing) at the next start.
    """
    rt.aps.shutdown(wait=False)
    with rt.idle:
        if wait:
            rt.idle.wait_for(lambda: rt.running == 0, timeout=timeout)
        if rt.running:
            return  # jobs still running keep the relay client
    if rt.client is not None:
        rt.client.close()


_JOBS: dict[str, Callable[[str, Scheduler | None], None]] = {
    "announce": run_announce,
    "draw": run_draw,
    "disclose": run_disclose,
}
