"""Several OS processes trigger the same step at the same moment: exactly one, every time.

- two processes draw the same task at once, for many tasks in a row;
- a staff call races the scheduler's draw job;
- two service instances run their schedulers on one database (PostgreSQL in production;
  SQLite here too) and take every task through draw and disclosure.
"""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from lottery.core.audit import audit_export
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, LogEntry, SealedOutcome
from tests import lifecycle as lc
from tests.service import drand_tasks as dt
from tests.service.race_worker import draw_all, scheduler_draws, serve, staff_draws

ROUNDS = 12
RACES = 6
INSTANCES_TASKS = 4


def _kwargs(settings: Settings) -> dict[str, Any]:
    return {
        "data_dir": str(settings.data_dir),
        "database_url": settings.database_url,
        "log_origin": settings.log_origin,
    }


def _run(procs: list[Any]) -> None:
    for p in procs:
        p.start()


def _join(procs: list[Any]) -> None:
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0


def _check_once(service: Lifecycle, tasks: list[str], tmp_path: Path, steps: set[str]) -> None:
    """One record per (task, step), one sealed outcome and draw audit per task, a clean log."""
    with service.session() as s:
        counts = s.exec(
            select(LogEntry.task, LogEntry.step, func.count())
            .where(LogEntry.task.in_(tasks))  # type: ignore[union-attr]
            .group_by(LogEntry.task, LogEntry.step)
        ).all()
        sealed = s.exec(select(func.count()).select_from(SealedOutcome)).one()
        audited = s.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task.draw")
        ).one()
        indexes = list(s.exec(select(LogEntry.idx).order_by(LogEntry.idx)))
    assert sorted(counts) == sorted((t, step, 1) for t in tasks for step in steps)
    assert sealed == len(tasks)
    assert audited == len(tasks)
    assert indexes == list(range(len(indexes)))  # no gaps, no duplicates
    service.export_to(tmp_path / "export")
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures


@pytest.mark.slow
def test_two_processes_draw_once(service: Lifecycle, settings: Settings, tmp_path: Path) -> None:
    tasks = [f"T2026-R{i:02d}" for i in range(ROUNDS)]
    for task in tasks:
        service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="p")
        service.announce(task, lc.T_ANNOUNCE)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=draw_all, args=(_kwargs(settings), tasks, barrier, results))
        for _ in "ab"
    ]
    _run(procs)
    got = [results.get(timeout=120) for _ in range(2 * ROUNDS)]
    _join(procs)
    # Both callers of each round got the same, single draw record.
    by_task: dict[str, set[str]] = {}
    for task, record_id in got:
        by_task.setdefault(task, set()).add(record_id)
    assert all(len(ids) == 1 for ids in by_task.values())
    assert set(by_task) == set(tasks)
    _check_once(service, tasks, tmp_path, {"announce", "draw"})


def _drand_tasks(
    service: Lifecycle, prefix: str, n: int, *, announce: bool = True, **kw: Any
) -> list[str]:
    """Drand tasks, announced now or (``announce=False``) planned for the scheduler."""
    tasks = [f"{prefix}{i:02d}" for i in range(n)]
    announce_at = dt.ROUND_DUE - timedelta(seconds=5)
    for task in tasks:
        planned = None if announce else announce_at
        params = dt.drand_params(task, **kw)
        service.create_task(params, announce_at, actor="planner", announce_at=planned)
        if announce:
            service.announce(task, announce_at)
    return tasks


@pytest.mark.slow
def test_staff_click_races_the_scheduler_job(
    service: Lifecycle, settings: Settings, tmp_path: Path
) -> None:
    tasks = _drand_tasks(service, "T-RACE-", RACES)
    now = (dt.ROUND_DUE + timedelta(seconds=10)).isoformat()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    args = (_kwargs(settings), tasks, now, barrier, results)
    procs = [
        ctx.Process(target=staff_draws, args=args),
        ctx.Process(target=scheduler_draws, args=args),
    ]
    _run(procs)
    got = [results.get(timeout=120) for _ in range(2 * RACES)]
    _join(procs)
    by_task: dict[str, set[str]] = {}
    for task, _who, record_id in got:
        by_task.setdefault(task, set()).add(record_id)
    assert set(by_task) == set(tasks)
    assert all(len(ids) == 1 for ids in by_task.values())  # staff and job saw one draw
    _check_once(service, tasks, tmp_path, {"announce", "draw"})
    with service.session() as s:
        refused = s.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "schedule.failed")
        ).one()
    assert refused == 0  # losing the race is not a failure


@pytest.mark.slow
def test_two_instances_share_the_job_store(
    service: Lifecycle, settings: Settings, tmp_path: Path
) -> None:
    # Both instances announce (racing to create each office secret), draw and disclose.
    tasks = _drand_tasks(
        service,
        "T-INST-",
        INSTANCES_TASKS,
        announce=False,
        disclosure=dt.ROUND_DUE + timedelta(seconds=1),
    )
    # The service clock starts 8 s before the round: both instances must announce all tasks
    # before it (a later announcement is refused, as it must be), even on a loaded machine.
    start = (dt.ROUND_DUE - timedelta(seconds=8)).isoformat()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=serve, args=(_kwargs(settings), tasks, start, 60.0)) for _ in "ab"]
    _run(procs)
    _join(procs)
    _check_once(service, tasks, tmp_path, {"announce", "draw", "reveal"})
    with service.session() as s:
        secrets = s.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "secret.create")
        ).one()
    assert secrets == len(tasks)  # one office secret per task, however many instances
