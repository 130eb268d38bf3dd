"""The scheduler on SQLite and PostgreSQL: jobs, retries, the fallback, misfires, the sweep.

Tasks use the recorded quicknet round 123 (due 2023-08-23T15:15:33Z); the service clock is
an injected clock a few seconds before that, running at wall-clock speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import col, func, select

from lottery.core.beacon import DrandBeacon, DrandValue
from lottery.recorded import quicknet_round_123
from lottery.service import scheduler as sch
from lottery.service.beacons import fallback_declared
from lottery.service.drand_client import BeaconNotYetAvailable, RelaysUnavailable
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, LogEntry, SchedulerJob
from tests.service import drand_tasks as dt

FAST = {"draw_delay": timedelta(seconds=0.2), "retry": timedelta(seconds=0.3)}


class Clock:
    """Service time = wall time + a settable offset."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


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
def started() -> Iterator[list[BackgroundScheduler]]:
    schedulers: list[BackgroundScheduler] = []
    yield schedulers
    for s in schedulers:
        if s.running:
            sch.stop_scheduler(s, wait=True)


def _wait(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
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
    service: Lifecycle, settings: Settings, started: list[BackgroundScheduler]
) -> None:
    relay = dt.LocalRelay("ok")
    try:
        clock = Clock(dt.ROUND_DUE - timedelta(seconds=2.5))
        task = "T-S01"
        _create(service, task, announce_at=dt.ROUND_DUE - timedelta(seconds=2))
        relays = settings.model_copy(update={"drand_relays": [relay.url]})
        started.append(sch.start_scheduler(relays, service, clock=clock, **FAST))
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
    service: Lifecycle, settings: Settings, started: list[BackgroundScheduler]
) -> None:
    task = "T-S02"
    announce_at = dt.ROUND_DUE - timedelta(seconds=5)
    _create(service, task)
    service.announce(task, announce_at)
    clock = Clock(dt.ROUND_DUE - timedelta(seconds=0.2))
    fetch = Fetch()
    first = sch.start_scheduler(settings, service, clock=clock, fetch=fetch, start=False, **FAST)
    first.start(paused=True)  # the job is stored, then the service goes down before it runs
    started.append(first)
    assert sch.schedule_task(first, service.get_task(task)) == f"draw:{task}"
    assert _jobs(service) == [f"draw:{task}"]
    sch.stop_scheduler(first)
    time.sleep(1.5)  # downtime: about five retry intervals are missed
    second = sch.start_scheduler(settings, service, clock=clock, fetch=fetch, **FAST)
    started.append(second)
    _wait(lambda: service.get_task(task).state == "drawn")
    time.sleep(0.5)
    assert fetch.calls == 1  # the missed runs coalesced into one
    assert _steps(service, task) == ["announce", "draw"]
    assert _jobs(service) == [f"disclose:{task}"]


def test_sweep_recovers_without_the_job_store(
    service: Lifecycle, settings: Settings, started: list[BackgroundScheduler]
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
) -> BackgroundScheduler:
    scheduler = sch.start_scheduler(settings, service, clock=clock, fetch=fetch, start=False)
    scheduler.start(paused=True)  # jobs are called by the test, one run at a time
    started.append(scheduler)
    return scheduler


def test_not_yet_available_retries_then_the_fallback_rule(
    service: Lifecycle, settings: Settings, started: list[BackgroundScheduler]
) -> None:
    task = "T-S05"
    _create(service, task)
    service.announce(task, dt.ROUND_DUE - timedelta(seconds=5))
    clock, fetch = Clock(dt.ROUND_DUE + timedelta(minutes=5)), Fetch()
    scheduler = _paused(settings, service, clock, fetch, started)
    job = sch.schedule_task(scheduler, service.get_task(task))
    assert job == f"draw:{task}"
    fetch.error = BeaconNotYetAvailable("round 123 not out")
    sch.run_draw(task)  # before the deadline: keep waiting
    assert scheduler.get_job(job) is not None
    fetch.error = RelaysUnavailable("all relays down")
    clock.set(dt.DEADLINE + timedelta(minutes=1))
    sch.run_draw(task)  # relays down says nothing about the round: never the fallback
    assert scheduler.get_job(job) is not None
    with service.session() as s:
        assert not fallback_declared(s, task)
    fetch.error = BeaconNotYetAvailable("round 123 not out")
    sch.run_draw(task)  # past the deadline and the relays say "not yet": the fallback applies
    assert scheduler.get_job(job) is None
    assert service.get_task(task).state == "announced"  # staff now enter the fallback numbers
    with service.session() as s:
        assert fallback_declared(s, task)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "beacon.fallback")).one()
    assert event.actor == "scheduler" and event.detail["round"] == 123
    assert sch.schedule_task(scheduler, service.get_task(task)) is None  # no new draw job
    assert _steps(service, task) == ["announce"]


def test_refused_step_is_reported_not_retried(
    service: Lifecycle, settings: Settings, started: list[BackgroundScheduler]
) -> None:
    task = "T-S06"
    _create(service, task, announce_at=dt.ROUND_DUE - timedelta(seconds=2))
    # The service was down until after the round was due: announcing now would commit to a
    # round that already exists, which the lifecycle refuses.
    clock = Clock(dt.ROUND_DUE + timedelta(seconds=1))
    scheduler = _paused(settings, service, clock, Fetch(), started)
    assert sch.schedule_task(scheduler, service.get_task(task)) == f"announce:{task}"
    sch.run_announce(task)
    assert service.get_task(task).state == "draft"
    assert scheduler.get_job(f"announce:{task}") is None
    with service.session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "schedule.failed")).one()
        assert s.exec(select(func.count()).select_from(LogEntry)).one() == 0
    assert "not in the future" in event.detail["error"]
    sch.run_sweep()  # the sweep does not bring a refused step back: staff decide
    assert scheduler.get_job(f"announce:{task}") is None


def test_jobs_do_nothing_early_and_finish_when_staff_were_first(
    service: Lifecycle, settings: Settings, started: list[BackgroundScheduler]
) -> None:
    task = "T-S07"
    _create(service, task)
    service.announce(task, dt.ROUND_DUE - timedelta(seconds=5))
    clock, fetch = Clock(dt.ROUND_DUE - timedelta(seconds=3)), Fetch()
    scheduler = _paused(settings, service, clock, fetch, started)
    sch.schedule_task(scheduler, service.get_task(task))
    sch.run_draw(task)  # the round is not due by the service clock: no fetch, no draw
    assert fetch.calls == 0 and service.get_task(task).state == "announced"
    staff = service.draw(task, quicknet_round_123(), dt.ROUND_DUE, actor="staff")
    clock.set(dt.ROUND_DUE + timedelta(seconds=1))
    sch.run_draw(task)
    assert _steps(service, task) == ["announce", "draw"]
    assert service.get_task(task).draw_record == staff.id
    assert scheduler.get_job(f"draw:{task}") is None
    assert scheduler.get_job(f"disclose:{task}") is not None
    # Early disclosure: nothing happens; at the time it does.
    clock.set(dt.ROUND_DUE + timedelta(seconds=2))
    sch.run_disclose(task)
    assert service.get_task(task).state == "drawn"
    clock.set(dt.ROUND_DUE + timedelta(seconds=4))
    sch.run_disclose(task)
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
    service: Lifecycle, settings: Settings, started: list[BackgroundScheduler]
) -> None:
    # APScheduler's shutdown(wait=True) holds its job-store lock while waiting for jobs, and a
    # finishing job takes that lock to remove itself: stop_scheduler must not deadlock there.
    import threading

    task = "T-S08"
    _create(service, task)
    service.announce(task, dt.ROUND_DUE - timedelta(seconds=5))
    in_fetch, release = threading.Event(), threading.Event()

    def slow_fetch(beacon: DrandBeacon) -> DrandValue:
        in_fetch.set()
        release.wait(10)
        return quicknet_round_123()

    clock = Clock(dt.ROUND_DUE + timedelta(seconds=1))
    scheduler = sch.start_scheduler(settings, service, clock=clock, fetch=slow_fetch, **FAST)
    started.append(scheduler)
    assert in_fetch.wait(10)
    stopper = threading.Thread(target=sch.stop_scheduler, args=(scheduler,), kwargs={"wait": True})
    stopper.start()
    time.sleep(0.2)
    release.set()
    stopper.join(timeout=15)
    assert not stopper.is_alive(), "stop_scheduler deadlocked"
    assert service.get_task(task).state == "drawn"  # the running job finished its step
