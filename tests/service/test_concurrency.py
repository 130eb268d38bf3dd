"""Two OS processes draw the same task at the same moment: exactly one draw, every time."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlmodel import func, select

from lottery.core.audit import audit_export
from lottery.export import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, LogEntry, SealedOutcome
from tests import lifecycle as lc
from tests.service.race_worker import draw_all

ROUNDS = 10


@pytest.mark.slow
def test_two_processes_draw_once(service: Lifecycle, settings: Settings, tmp_path: Path) -> None:
    tasks = [f"T2026-R{i:02d}" for i in range(ROUNDS)]
    for task in tasks:
        service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="p")
        service.announce(task, lc.T_ANNOUNCE)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    kwargs = {
        "data_dir": str(settings.data_dir),
        "database_url": settings.database_url,
        "log_origin": settings.log_origin,
    }
    procs = [ctx.Process(target=draw_all, args=(kwargs, tasks, barrier, results)) for _ in "ab"]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in range(2 * ROUNDS)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    # Both callers of each round got the same, single draw record.
    by_task: dict[str, set[str]] = {}
    for task, record_id in got:
        by_task.setdefault(task, set()).add(record_id)
    assert all(len(ids) == 1 for ids in by_task.values())
    assert set(by_task) == set(tasks)
    with service.session() as s:
        draws = s.exec(
            select(LogEntry.task, func.count())
            .where(LogEntry.step == "draw")
            .group_by(LogEntry.task)
        ).all()
        assert sorted(draws) == [(t, 1) for t in tasks]
        sealed = s.exec(select(func.count()).select_from(SealedOutcome)).one()
        audited = s.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task.draw")
        ).one()
        indexes = list(s.exec(select(LogEntry.idx).order_by(LogEntry.idx)))
    assert sealed == ROUNDS
    assert audited == ROUNDS
    assert indexes == list(range(len(indexes)))  # no gaps, no duplicates
    service.export_to(tmp_path / "export")
    report = audit_export(file_getter(tmp_path / "export"), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
