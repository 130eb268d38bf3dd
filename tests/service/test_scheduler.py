"""The scheduler on SQLite and PostgreSQL: jobs, retries, the fallback, misfires, the sweep.

Tasks use the recorded quicknet round 123 (due 2023-08-23T15:15:33Z); the service clock is
an injected clock a few seconds before that, running at wall-clock speed (APScheduler fires on
the wall clock) or set by the test. No test measures how long anything took: they wait for
states and events, with a generous timeout only as a guard against a hang.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from sqlmodel import col, func, select

from lottery.core.beacon import DrandBeacon, DrandValue
from lottery.demo.recorded import quicknet_round_123
from lottery.service import scheduler as sch
from lottery.service.beacons import fallback_declared
from lottery.service.drand_client import BeaconNotYetAvailable, RelaysUnavailable
from lottery.service.jobstore import SharedJobStore
from lottery.service.lifecycle import Lifecycle
from lottery.service.metrics import ServiceMetrics
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, LogEntry, SchedulerJob
from tests.service import drand_tasks as dt

FAST = {"draw_delay": timedelta(seconds=0.2), "retry": timedelta(seconds=0.3)}


class Clock:
    """Service time = wall time + a settable offset, held below ``ceiling`` while one is set
    (so that a slow machine cannot move the service past a moment before the test lets it)."""

    def __init__(self, start: datetime, ceiling: datetime | None = None) -> None:
        self.ceiling = ceiling
        self.set(start)

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)

    def __call__(self) -> datetime:
        now = datetime.now(UTC) + self.offset
        return now if self.ceiling is None else min(now, self.ceiling)


class Fetch:
    """A drand fetch stub: counts calls; raises ``error`` when set, else the recorded round."""

    def __init__(self) -> None:
        self.calls = 0
        self.error: Exception | None = None

    def __call__(self, beacon: DrandBeacon) -> DrandValue:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return quicknet_round_123()


@pytest.fixture
def started() -> Iterator[list[sch.Scheduler]]:
    schedulers: list[sch.Scheduler] = []
    yield schedulers
    for s in schedulers:
        if s.aps.running:
            sch.stop_scheduler(s, wait=True)


def _wait(condition: Callable[[], bool], guard: float = 60.0) -> None:
    """Wait until ``condition()``; ``guard`` seconds only stop a hang (never a measurement)."""
    deadline = time.monotonic() + guard
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {guard} s"
        time.sleep(0.05)


def _steps(service: Lifecycle, task: str) -> list[str]:
    with service.session() as s:
        rows = s.exec(select(LogEntry.step).where(LogEntry.task == task).order_by(LogEntry.idx))
        return [r or "" for r in rows]


def _jobs(service: Lifecycle) -> list[str]:
    with service.session() as s:
        return sorted(s.exec(select(SchedulerJob.id)))


def _create(service: Lifecycle, task: str, announce_at: datetime | None = None) -> None:
    service.create_task(
        dt.drand_params(task), announce_at or dt.ROUND_DUE, actor="planner", announce_at=announce_at
    )


def test_announce_draw_disclose_on_time_with_a_real_relay(
    service: Lifecycle, settings: Settings, started: list[sch.Scheduler]
) -> None:
    relay = dt.LocalRelay("ok")
    try:
        # Held a second before the round is due until the task is announced: announcing
        # later would be refused, and that must not depend on how busy the machine is.
        clock = Clock(
            dt.ROUND_DUE - timedelta(seconds=2.5), ceiling=dt.ROUND_DUE - timedelta(seconds=1)
        )
        task = "T-S01"
        _create(service, task, announce_at=dt.ROUND_DUE - timedelta(seconds=2))
        relays = settings.model_copy(update={"drand_relays": [relay.url]})
        started.append(sch.start_scheduler(relays, service, clock=clock, **FAST))
        _wait(lambda: service.get_task(task).state != "draft")
        clock.ceiling = None
        _wait(lambda: service.get_task(task).state == "disclosed")
    finally:
        relay.close()
    assert _steps(service, task) == ["announce", "draw", "reveal"]
    with service.session() as s:
        draw = service.log.task_record(s, task, "draw")
        actors = list(
            s.exec(
                select(AuditEvent.actor)
                .where(col(AuditEvent.action).startswith("task."), AuditEvent.object == task)
                .order_by(AuditEvent.id)
            )
        )
    assert draw is not None and draw.body["beacon_value"] == quicknet_round_123().to_dict()
    assert draw.body["fallback"] is False
    assert actors == ["planner", "scheduler", "scheduler", "scheduler"]
    assert relay.requests >= 1
    _wait(lambda: _jobs(service) == [])  # every step removed its job


def test_missed_jobs_run_once_after_downtime(
    service: Lifecycle, settings: Settings, started: list[sch.Scheduler]
) -> None:
    task = "T-S02"
    announce_at = dt.ROUND_DUE - timedelta(seconds=5)
    _create(service, task)
    service.announce(task, announce_at)
    clock = Clock(dt.ROUND_DUE - timedelta(seconds=0.2))
    fetch = Fetch()
    first = sch.start_scheduler(settings, service, clock=clock, fetch=fetch, start=False, **FAST)
    first.aps.start(paused=True)  # the job is stored, then the service goes down before it runs
    started.append(first)
    job = f"draw:{task}"
    assert sch.schedule_task(first, service.get_task(task)) == job
    assert _jobs(service) == [job]
    sch.stop_scheduler(first)
    second = sch.start_scheduler(settings, service, clock=clock, fetch=fetch, start=False, **FAST)
    # Downtime of ten retry intervals past the job's time, without waiting for it: the stored
    # run time goes back ten intervals on the wall clock (APScheduler's), the service clock on.
    downtime = 10 * FAST["retry"]
    store = SharedJobStore(engine=service.engine, tablename=sch.JOB_TABLE)
    store.start(second.aps, "default")  # a store reads jobs for a scheduler (its time zone)
    stored = store.lookup_job(job)
    stored.next_run_time = datetime.now(UTC) - downtime
    store.update_job(stored)
    clock.set(dt.ROUND_DUE + FAST["draw_delay"] + downtime)
    submitted: list[int] = []  # per submission of the draw job: the runs it stands for

    def on_submit(event: JobSubmissionEvent) -> None:
        if event.job_id == job:
            submitted.append(len(event.scheduled_run_times))

    second.aps.add_listener(on_submit, EVENT_JOB_SUBMITTED)
    second.aps.start()
    started.append(second)
    # The draw job removes itself once the task is drawn; until then it is running or
    # waiting for its next interval, so once it is gone there is nothing more to count.
    _wait(lambda: _jobs(service) == [f"disclose:{task}"])
    assert submitted == [1]  # the missed runs coalesced into one, submitted once
    assert fetch.calls == 1
    assert _steps(service, task) == ["announce", "draw"]


def test_sweep_recovers_without_the_job_store(
    service: Lifecycle, settings: Settings, started: list[sch.Scheduler]
) -> None:
    tasks = ["T-S03", "T-S04"]
    for task in tasks:
        _create(service, task)
        service.announce(task, dt.ROUND_DUE - timedelta(seconds=5))
    service.draw(tasks[1], quicknet_round_123(), dt.ROUND_DUE)
    assert _jobs(service) == []  # nothing stored: e.g. a crash between a step and its job
    clock = Clock(dt.ROUND_DUE + timedelta(seconds=10))  # past the disclosure time too
    started.append(sch.start_scheduler(settings, service, clock=clock, fetch=Fetch(), **FAST))
    _wait(lambda: all(service.get_task(t).state == "disclosed" for t in tasks))
    assert [_steps(service, t) for t in tasks] == [["announce", "draw", "reveal"]] * 2


def _paused(
    settings: Settings, service: Lifecycle, clock: Clock, fetch: Fetch, started: list
) -> sch.Scheduler:
    scheduler = sch.start_scheduler(settings, service, clock=clock, fetch=fetch, start=False)
    scheduler.aps.start(paused=True)  # jobs are called by the test, one run at a time
    started.append(scheduler)
    return scheduler


def test_not_yet_available_retries_then_the_fallback_rule(
    service: Lifecycle, settings: Settings, started: list[sch.Scheduler]
) -> None:
    task = "T-S05"
    _create(service, task)
    service.announce(task, dt.ROUND_DUE - timedelta(seconds=5))
    clock, fetch = Clock(dt.ROUND_DUE + timedelta(minutes=5)), Fetch()
    service.metrics = ServiceMetrics()  # each run is counted by outcome (docs/operations.md)
    scheduler = _paused(settings, service, clock, fetch, started)
    job = sch.schedule_task(scheduler, service.get_task(task))
    assert job == f"draw:{task}"
    fetch.error = BeaconNotYetAvailable("round 123 not out")
    sch.run_draw(task, scheduler)  # before the deadline: keep waiting
    assert scheduler.aps.get_job(job) is not None
    fetch.error = RelaysUnavailable("all relays down")
    clock.set(dt.DEADLINE + timedelta(minutes=1))
    sch.run_draw(task, scheduler)  # relays down says nothing about the round: never the fallback
    assert scheduler.aps.get_job(job) is not None
    with service.session() as s:
        assert not fallback_declared(s, task)
    fetch.error = BeaconNotYetAvailable("round 123 not out")
    # Past the deadline and the relays say "not yet": the fallback applies.
    sch.run_draw(task, scheduler)
    assert scheduler.aps.get_job(job) is None
    assert service.get_task(task).state == "announced"  # staff now enter the fallback numbers
    with service.session() as s:
        assert fallback_declared(s, task)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "beacon.fallback")).one()
    assert event.actor == "scheduler" and event.detail["round"] == 123
    assert sch.schedule_task(scheduler, service.get_task(task)) is None  # no new draw job
    assert _steps(service, task) == ["announce"]
    runs = service.metrics.registry.get_sample_value
    assert runs("lottery_scheduler_jobs_total", {"job": "draw", "outcome": "waiting"}) == 2
    assert runs("lottery_scheduler_jobs_total", {"job": "draw", "outcome": "done"}) == 1


def test_refused_step_is_reported_not_retried(
    service: Lifecycle, settings: Settings, started: list[sch.Scheduler]
) -> None:
    task = "T-S06"
    _create(service, task, announce_at=dt.ROUND_DUE - timedelta(seconds=2))
    # The service was down until after the round was due: announcing now would commit to a
    # round that already exists, which the lifecycle refuses.
    clock = Clock(dt.ROUND_DUE + timedelta(seconds=1))
    scheduler = _paused(settings, service, clock, Fetch(), started)
    service.metrics = ServiceMetrics()
    assert sch.schedule_task(scheduler, service.get_task(task)) == f"announce:{task}"
    sch.run_announce(task, scheduler)
    refused = {"job": "announce", "outcome": "refused"}
    assert service.metrics.registry.get_sample_value("lottery_scheduler_jobs_total", refused) == 1
    # Every job the scheduler runs shows from the start, the witness pusher's included.
    pushed = {"job": "witness", "outcome": "done"}
    assert service.metrics.registry.get_sample_value("lottery_scheduler_jobs_total", pushed) == 0
    assert service.get_task(task).state == "draft"
    assert scheduler.aps.get_job(f"announce:{task}") is None
    with service.session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "schedule.failed")).one()
        # Nothing but the item list the fixture published before the task.
        assert s.exec(select(func.count()).select_from(LogEntry)).one() == 1
    assert "not in the future" in event.detail["error"]
    sch.run_sweep(scheduler)  # the sweep does not bring a refused step back: staff decide
    assert scheduler.aps.get_job(f"announce:{task}") is None


def test_jobs_do_nothing_early_and_finish_when_staff_were_first(
    service: Lifecycle, settings: Settings, started: list[sch.Scheduler]
) -> None:
    task = "T-S07"
    _create(service, task)
    service.announce(task, dt.ROUND_DUE - timedelta(seconds=5))
    clock, fetch = Clock(dt.ROUND_DUE - timedelta(seconds=3)), Fetch()
    scheduler = _paused(settings, service, clock, fetch, started)
    sch.schedule_task(scheduler, service.get_task(task))
    sch.run_draw(task, scheduler)  # the round is not due by the service clock: no fetch, no draw
    assert fetch.calls == 0 and service.get_task(task).state == "announced"
    staff = service.draw(task, quicknet_round_123(), dt.ROUND_DUE, actor="staff")
    clock.set(dt.ROUND_DUE + timedelta(seconds=1))
    sch.run_draw(task, scheduler)
    assert _steps(service, task) == ["announce", "draw"]
    assert service.get_task(task).draw_record == staff.id
    assert scheduler.aps.get_job(f"draw:{task}") is None
    assert scheduler.aps.get_job(f"disclose:{task}") is not None
    # Early disclosure: nothing happens; at the time it does.
    clock.set(dt.ROUND_DUE + timedelta(seconds=2))
    sch.run_disclose(task, scheduler)
    assert service.get_task(task).state == "drawn"
    clock.set(dt.ROUND_DUE + timedelta(seconds=4))
    sch.run_disclose(task, scheduler)
    assert service.get_task(task).state == "disclosed"
    with service.session() as s:
        assert (
            s.exec(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "schedule.failed")
            ).one()
            == 0
        )


def test_stop_waits_for_a_running_job_without_deadlock(
    service: Lifecycle, settings: Settings, started: list[sch.Scheduler]
) -> None:
    # APScheduler's shutdown(wait=True) holds its job-store lock while waiting for jobs, and a
    # finishing job takes that lock to remove itself: stop_scheduler must not deadlock there.
    task = "T-S08"
    _create(service, task)
    service.announce(task, dt.ROUND_DUE - timedelta(seconds=5))
    in_fetch, release = threading.Event(), threading.Event()

    def slow_fetch(beacon: DrandBeacon) -> DrandValue:
        in_fetch.set()
        release.wait(60)  # a guard: the test releases it
        return quicknet_round_123()

    clock = Clock(dt.ROUND_DUE + timedelta(seconds=1))
    scheduler = sch.start_scheduler(settings, service, clock=clock, fetch=slow_fetch, **FAST)
    started.append(scheduler)
    assert in_fetch.wait(60)
    # A daemon: when it deadlocks, the test fails and the session can still end.
    stopper = threading.Thread(
        target=sch.stop_scheduler, args=(scheduler,), kwargs={"wait": True}, daemon=True
    )
    stopper.start()
    # Shutting down has begun (the scheduler no longer runs) before the job may finish; the
    # job then still draws (a database write) before it takes the job-store lock.
    _wait(lambda: not scheduler.aps.running)
    release.set()
    stopper.join(timeout=60)  # a guard: a deadlock never ends
    assert not stopper.is_alive(), "stop_scheduler deadlocked"
    assert service.get_task(task).state == "drawn"  # the running job finished its step


def test_the_sweep_withdraws_penalties_whose_period_ended(
    service: Lifecycle, settings: Settings, started: list[sch.Scheduler]
) -> None:
    """Issue #24: the scheduled job withdraws at the end of each publication period."""
    from datetime import date

    from lottery.service.penalties import Amount, PenaltyEntry, PenaltyService
    from lottery.storage.models import Blob, Penalty, Target

    penalties = PenaltyService(service.engine, service.log)
    with service.session() as s:
        target = s.exec(select(Target.uscc).order_by(Target.uscc)).first() or ""
    entry = PenaltyEntry(
        decision="武人防罚〔2026〕8号",
        target=target,
        decided=date(2026, 9, 30),
        facts="未按规定维护人防工程",
        basis="《人民防空法》第四十九条",
        kind="罚款",
        content="罚款",
        authority="武冈市人民防空办公室",
        publish_until=date(2026, 11, 30),
        amounts=[Amount("罚款", 100_000)],
    )
    at = datetime(2026, 10, 9, 2, tzinfo=UTC)
    record = penalties.approve(penalties.enter(entry, at, actor="c"), at, reviewer="r")
    clock = Clock(datetime(2026, 11, 30, 2, tzinfo=UTC))  # the last day: still published
    scheduler = _paused(settings, service, clock, Fetch(), started)
    sch.run_sweep(scheduler)
    with service.session() as s:
        assert s.exec(select(Penalty.status)).one() == "published"
    clock.set(datetime(2026, 12, 1, 2, tzinfo=UTC))
    sch.run_sweep(scheduler)
    with service.session() as s:
        assert s.exec(select(Penalty.status)).one() == "withdrawn"
        assert s.get(Blob, record.body["sealed"]) is None
