"""Tasks whose office secret the service cannot open (after ``lottery recover`` or a lost
secrets key; lottery/service/lost_secrets.py), on SQLite and PostgreSQL: the scheduler skips
them and says so once, not at every run; staff get the list with the way out; the metric
counts them; a task whose secret opens again is scheduled again."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from lottery.demo.recorded import quicknet_round_123
from lottery.service import scheduler as sch
from lottery.service.lifecycle import NO_SECRET_ROW, SECRET_DOES_NOT_OPEN, Lifecycle
from lottery.service.lost_secrets import lost_secret_tasks
from lottery.service.metrics import ServiceMetrics
from lottery.service.secrets import SecretKeeper
from lottery.service.state_metrics import StateCollector
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, TaskSecret
from tests.service import drand_tasks as dt
from tests.service.test_scheduler import Clock, Fetch, _create, _jobs, _paused, started  # noqa: F401

LOST_ROW, LOST_KEY, FINE, DRAFT = "T-L01", "T-L02", "T-L03", "T-L04"
ANNOUNCED = dt.ROUND_DUE - timedelta(seconds=5)


def _skipped_lines(caplog: pytest.LogCaptureFixture, task: str) -> int:
    return sum(
        1
        for r in caplog.records
        if r.name == sch.__name__ and r.getMessage().startswith(f"task {task} skipped")
    )


def _lose_row(service: Lifecycle, task: str) -> None:
    with service.session() as s, s.begin():
        row = s.get(TaskSecret, task)
        assert row is not None
        s.delete(row)


def test_the_scheduler_skips_lost_secrets_says_so_once_and_resumes_when_they_open(
    service: Lifecycle,
    settings: Settings,
    started: list[sch.Scheduler],  # noqa: F811 - fixture
    caplog: pytest.LogCaptureFixture,
) -> None:
    for task in (LOST_ROW, LOST_KEY):
        _create(service, task)
        service.announce(task, ANNOUNCED)
    service.draw(LOST_KEY, quicknet_round_123(), dt.ROUND_DUE)  # waits for its disclosure
    _create(service, DRAFT, announce_at=dt.ROUND_DUE - timedelta(seconds=2))
    service.ensure_secret(DRAFT, ANNOUNCED)  # a draft with a secret row (made at announcing)
    # Past every planned time: without the skip, each job would run its step now.
    clock, fetch = Clock(dt.ROUND_DUE + timedelta(seconds=10)), Fetch()
    service.metrics = ServiceMetrics()
    scheduler = _paused(settings, service, clock, fetch, started)
    stored = sch.schedule_task(scheduler, service.get_task(LOST_ROW))
    assert stored == f"draw:{LOST_ROW}"  # stored before the loss (a restore keeps the job table)

    _lose_row(service, LOST_ROW)  # as `lottery recover` leaves it
    original = service.keeper
    service.keeper = SecretKeeper(os.urandom(32))  # the secrets key lost: another key now
    _create(service, FINE)
    service.announce(FINE, ANNOUNCED)  # a new task gets a secret under the new key

    caplog.set_level(logging.ERROR, logger=sch.__name__)
    sch.run_draw(LOST_ROW, scheduler)
    assert fetch.calls == 0 and scheduler.aps.get_job(stored) is None
    for _ in range(3):
        sch.run_sweep(scheduler)
    assert _jobs(service) == [f"draw:{FINE}"]
    for task in (LOST_ROW, LOST_KEY, DRAFT):
        assert _skipped_lines(caplog, task) == 1, task  # once per process, not every sweep
    assert _skipped_lines(caplog, FINE) == 0
    runs = service.metrics.registry.get_sample_value
    assert runs("lottery_scheduler_jobs_total", {"job": "draw", "outcome": "skipped"}) == 1
    assert runs("lottery_scheduler_jobs_total", {"job": "sweep", "outcome": "done"}) == 3
    assert runs("lottery_scheduler_jobs_total", {"job": "sweep", "outcome": "failed"}) == 0
    with service.session() as s:
        refused = select(func.count()).where(col(AuditEvent.action) == sch.FAILED_ACTION)
        assert s.exec(refused).one() == 0  # nothing for the audit trail: staff see the 工作台

    # The new key serves new tasks: the healthy task is drawn as usual.
    sch.run_draw(FINE, scheduler)
    assert service.get_task(FINE).state == "drawn" and fetch.calls == 1

    # Staff see each, with the way out; within an org unit's tasks only those.
    lost = lost_secret_tasks(service)
    assert [(t.task, t.state, t.reason) for t in lost] == [
        (LOST_ROW, "announced", NO_SECRET_ROW),
        (LOST_KEY, "drawn", SECRET_DOES_NOT_OPEN),
        (DRAFT, "draft", SECRET_DOES_NOT_OPEN),
    ]
    assert "秘密值遗失" in lost[0].message and "无法抽取或公开" in lost[0].message
    assert lost[1].commands[0].startswith(f"lottery task cancel {LOST_KEY} --secret-lost")
    assert lost[1].console_action == f"/console/tasks/{LOST_KEY}/cancel"
    assert lost[2].commands == [] and lost[2].console_action.endswith("/delete")
    assert [t.task for t in lost_secret_tasks(service, task_ids={LOST_KEY, FINE})] == [LOST_KEY]
    gauge = {
        s.labels["state"]: s.value
        for m in StateCollector(
            service, publishes_site=False, scheduler=lambda: None, clock=clock
        ).collect()
        if m.name == "lottery_tasks_secret_lost"
        for s in m.samples
    }
    assert gauge == {"draft": 1, "announced": 1, "drawn": 1}

    # The key file found again (a restart with it): the drawn task and the draft resume;
    # the task sealed under the interim key is now the lost one (its job, stored meanwhile,
    # ends at its first run, as the draw job above did).
    service.keeper = original
    sch.run_sweep(scheduler)
    assert _jobs(service) == sorted(
        [f"disclose:{FINE}", f"disclose:{LOST_KEY}", f"announce:{DRAFT}"]
    )
    assert [t.task for t in lost_secret_tasks(service)] == [LOST_ROW, FINE]
