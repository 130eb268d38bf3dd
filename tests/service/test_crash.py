"""Crash safety: SIGKILL the service at each lifecycle step, restart it, check everything.

Each chain runs the service (``tests/service/crash_worker.py``: Lifecycle + scheduler, as
``lottery serve`` runs them) in a subprocess that kills itself at a fault-injection point;
the next run is the restart, which may itself be killed at a later point; the last run ends
with the task disclosed. Then: one secret, and the commitment published at announcement
matches the secret revealed; one record per step; the outcome revealed is the one sealed
at draw time; the log has no gaps and its export verifies; no job is left behind.

The task uses the recorded quicknet round 123, served by a relay on 127.0.0.1, with the
service clock placed a few seconds before that round was due.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import signal
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from lottery.core.audit import audit_export
from lottery.core.canonical import parse_time, sha256_hex
from lottery.core.seed import commitment
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, Blob, LogEntry, SchedulerJob, TaskSecret
from tests import lifecycle as lc
from tests.service import crash_worker
from tests.service import drand_tasks as dt

DUE = dt.ROUND_DUE

# (service clock at start, relative to the round's time; where the run kills itself)
CHAINS = {
    "secret-draw-disclose": [
        (-2.5, "announce:secret-committed"),
        (-2.1, "draw:before-commit"),
        (0.5, "disclose:before-commit"),
        (1.5, None),
    ],
    "announce-and-after-commits": [
        (-2.5, "announce:before-commit"),
        (-2.1, "announce:committed"),
        (-1.7, "draw:committed"),
        (0.5, "disclose:committed"),
        (1.5, None),
    ],
}
# The log step of each lifecycle step.
LOG_STEP = {"announce": "announce", "draw": "draw", "disclose": "reveal"}


def _context() -> multiprocessing.context.ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    # Children fork from a server that has already imported the service and py-ecc.
    ctx.set_forkserver_preload(["tests.service.crash_preload"])
    return ctx


def _not_before(service: Lifecycle, task: str, clock: float) -> datetime:
    """Where a restarted worker's clock starts: the planned point, but never before the task's
    last committed record (a real clock does not go back; under load a run can finish a step
    later than planned, and the next run's planned start would then date its record earlier)."""
    start = DUE + timedelta(seconds=clock)
    with service.session() as s:
        for step in LOG_STEP.values():
            record = service.log.task_record(s, task, step)
            if record is not None:  # times are whole seconds: the next one is free
                start = max(start, parse_time(record.body["time"]) + timedelta(seconds=1))
    return start


def _run(settings: Settings, relay: str, task: str, start: datetime, crash: str | None) -> int:
    config = {
        "settings": {
            "data_dir": str(settings.data_dir),
            "database_url": settings.database_url,
            "log_origin": settings.log_origin,
            "drand_relays": [relay],
        },
        "task": task,
        "clock_start": start.isoformat(),
    }
    proc = _context().Process(target=crash_worker.run, args=(config, crash))
    proc.start()
    proc.join(timeout=60)
    if proc.exitcode is None:
        proc.kill()
        pytest.fail(f"worker hung at {crash}")
    if proc.exitcode not in (0, -signal.SIGKILL):
        pytest.fail(f"worker exited {proc.exitcode} (crash point {crash})")
    return proc.exitcode


def _jobs(service: Lifecycle) -> list[str]:
    with service.session() as s:
        return sorted(s.exec(select(SchedulerJob.id)))


@pytest.mark.slow
@pytest.mark.parametrize("chain", sorted(CHAINS))
def test_kill_at_each_step_and_restart(
    service: Lifecycle, settings: Settings, tmp_path: Path, chain: str
) -> None:
    task = f"T-CRASH-{chain[:6]}"
    service.create_task(
        # Disclosure 2 s after the round: the restart that redraws (or the run that draws) may
        # take over a second on a loaded machine or under coverage; the reveal must not be
        # dated before it (the log stores whole seconds).
        dt.drand_params(task, disclosure=DUE + timedelta(seconds=2)),
        DUE - timedelta(minutes=1),
        actor="planner",
        announce_at=DUE - timedelta(seconds=2.5),
    )
    relay = dt.LocalRelay("ok")
    try:
        for clock, crash in CHAINS[chain]:
            start = _not_before(service, task, clock)
            code = _run(settings, relay.url, task, start, crash)
            if crash is None:
                assert code == 0
                continue
            assert code == -signal.SIGKILL, f"the worker did not reach {crash}"
            _check_killed_at(service, task, crash)
    finally:
        relay.close()
    _check_consistent(service, task, tmp_path / "export")


def _check_killed_at(service: Lifecycle, task: str, crash: str) -> None:
    """The kill happened where asked: the step committed or not; its job is still stored."""
    step, _, where = crash.partition(":")
    with service.session() as s:
        published = service.log.task_record(s, task, LOG_STEP[step]) is not None
        secret = s.get(TaskSecret, task) is not None
    assert published == (where == "committed"), crash
    if where == "secret-committed":
        assert secret  # durable before anything that depends on it is published
    # The interrupted step's job is still there: it resumes on restart.
    assert f"{step}:{task}" in _jobs(service), crash


def _check_consistent(service: Lifecycle, task: str, export: Path) -> None:
    assert service.get_task(task).state == "disclosed"
    with service.session() as s:
        steps = list(s.exec(select(LogEntry.step).where(LogEntry.task == task)))
        secrets = s.exec(select(func.count()).select_from(TaskSecret)).one()
        created = s.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "secret.create")
        ).one()
        ann = service.log.task_record(s, task, "announce")
        draw = service.log.task_record(s, task, "draw")
        reveal = service.log.task_record(s, task, "reveal")
        indexes = list(s.exec(select(LogEntry.idx).order_by(LogEntry.idx)))
        assert ann is not None and draw is not None and reveal is not None
        outcome = s.get(Blob, reveal.body["outcome"])
    assert sorted(steps) == ["announce", "draw", "reveal"]  # nothing twice
    assert (secrets, created) == (1, 1)  # one secret, never replaced
    # No secret lost: the secret revealed is the one committed to before the draw.
    assert commitment(bytes.fromhex(reveal.body["secret"])).hex() == ann.body["commit"]
    assert draw.body["outcome"] == reveal.body["outcome"]
    assert outcome is not None and sha256_hex(outcome.data) == draw.body["outcome"]
    assert indexes == list(range(len(indexes)))
    assert _jobs(service) == []
    service.export_to(export)
    report = audit_export(file_getter(export), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
