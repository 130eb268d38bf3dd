"""Worker processes for the concurrency tests (importable under the spawn start method)."""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from lottery.demo.recorded import quicknet_round_123
from lottery.service import scheduler as sch
from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from tests import lifecycle as lc


def draw_all(settings: dict[str, Any], tasks: list[str], barrier: Any, results: Any) -> None:
    """For each task: wait for the other process, then both call draw at once."""
    service = Lifecycle.open(get_settings(**settings))
    try:
        for task in tasks:
            barrier.wait(timeout=60)
            record = service.draw(task, lc.beacon()[1], lc.T_DRAW)
            results.put((task, record.id))
    finally:
        service.engine.dispose()


def staff_draws(
    settings: dict[str, Any], tasks: list[str], now: str, barrier: Any, results: Any
) -> None:
    """A staff member clicks "draw" on each drand task, at the moment the job runs."""
    service = Lifecycle.open(get_settings(**settings))
    try:
        for task in tasks:
            barrier.wait(timeout=60)
            record = service.draw(task, quicknet_round_123(), datetime.fromisoformat(now))
            results.put((task, "staff", record.id))
    finally:
        service.engine.dispose()


def scheduler_draws(
    settings: dict[str, Any], tasks: list[str], now: str, barrier: Any, results: Any
) -> None:
    """The scheduler's draw job runs for each task, at the moment staff click."""
    config = get_settings(**settings)
    service = Lifecycle.open(config)
    moment = datetime.fromisoformat(now)
    scheduler = sch.start_scheduler(
        config, service, clock=lambda: moment, fetch=lambda _: quicknet_round_123(), start=False
    )
    scheduler.aps.start(paused=True)  # the test runs the job function itself, on cue
    try:
        for task in tasks:
            sch.schedule_task(scheduler, service.get_task(task))
            barrier.wait(timeout=60)
            sch.run_draw(task, scheduler)
            results.put((task, "scheduler", service.get_task(task).draw_record))
    finally:
        sch.stop_scheduler(scheduler)
        service.engine.dispose()


def serve(settings: dict[str, Any], tasks: list[str], clock_start: str, timeout: float) -> None:
    """One service instance: run the scheduler until every task is disclosed."""
    if os.environ.get("LOTTERY_TEST_WORKER_LOG"):  # debugging aid: the scheduler's log
        fmt = f"%(asctime)s {os.getpid()} %(name)s %(message)s"
        logging.basicConfig(stream=sys.stderr, level=logging.INFO, format=fmt)
    config = get_settings(**settings)
    service = Lifecycle.open(config)
    offset = datetime.fromisoformat(clock_start) - datetime.now(UTC)
    scheduler = sch.start_scheduler(
        config,
        service,
        clock=lambda: datetime.now(UTC) + offset,
        fetch=lambda _: quicknet_round_123(),
        retry=timedelta(seconds=0.3),
        sweep_every=timedelta(seconds=0.5),
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if all(service.get_task(t).state == "disclosed" for t in tasks):
                return
            time.sleep(0.1)
        raise SystemExit(3)
    finally:
        sch.stop_scheduler(scheduler)
        service.engine.dispose()
