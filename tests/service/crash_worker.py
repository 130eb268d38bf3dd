"""A service process for the crash tests: Lifecycle + scheduler, as ``lottery serve`` runs them.

Usage: ``python -m tests.service.crash_worker CONFIG_JSON``, or :func:`run` in a
``multiprocessing`` child (the tests use a forkserver that has imported the service, so a
restart costs milliseconds instead of a second of imports). CONFIG holds the settings
(data_dir, database_url, log_origin, drand_relays), the task id and ``clock_start``: the
service clock starts there when the scheduler starts and then runs at wall-clock speed.

Fault injection (test only): ``LOTTERY_TEST_CRASH_AT=<step>:<point>`` makes the process
SIGKILL itself, where step is announce, draw or disclose and point is

- ``secret-committed``: (announce only) the office secret is committed, nothing published;
- ``before-commit``: inside the step's transaction, after its record and checkpoint are
  written, before the commit;
- ``committed``: right after the step's transaction committed, before its job is removed
  and the next step is scheduled.

The hooks wrap the service's methods from outside; the product code has no crash switch.
Exit status: 0 once the task is disclosed and has no job left; 3 on timeout.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from lottery.service import scheduler as sch
from lottery.service.lifecycle import Lifecycle
from lottery.service.log import PublicLog
from lottery.settings import get_settings
from lottery.storage.models import SchedulerJob

_step = threading.local()


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install_crash_hooks(point: str) -> None:
    """Make the process kill itself at ``point`` (see the module docstring)."""
    step, _, where = point.partition(":")

    def around(name: str) -> None:
        original = getattr(Lifecycle, name)

        @functools.wraps(original)
        def wrapper(self: Lifecycle, *args: Any, **kwargs: Any) -> Any:
            _step.name = name
            try:
                result = original(self, *args, **kwargs)
            finally:
                _step.name = None
            if name == step and where == "committed":
                _die()
            return result

        setattr(Lifecycle, name, wrapper)

    for name in ("announce", "draw", "disclose"):
        around(name)

    sign = PublicLog.sign_checkpoint

    @functools.wraps(sign)
    def sign_then_maybe_die(self: PublicLog, *args: Any, **kwargs: Any) -> Any:
        result = sign(self, *args, **kwargs)
        if where == "before-commit" and getattr(_step, "name", None) == step:
            _die()  # the step's transaction is still open
        return result

    PublicLog.sign_checkpoint = sign_then_maybe_die  # type: ignore[method-assign]

    ensure = Lifecycle.ensure_secret

    @functools.wraps(ensure)
    def ensure_then_maybe_die(self: Lifecycle, *args: Any, **kwargs: Any) -> None:
        ensure(self, *args, **kwargs)
        if point == "announce:secret-committed":
            _die()

    Lifecycle.ensure_secret = ensure_then_maybe_die  # type: ignore[method-assign]


def main(config: dict[str, Any]) -> int:
    point = os.environ.get("LOTTERY_TEST_CRASH_AT")
    if point:
        install_crash_hooks(point)
    settings = get_settings(**config["settings"])
    service = Lifecycle.open(settings)
    task = config["task"]
    offset = datetime.fromisoformat(config["clock_start"]) - datetime.now(UTC)

    def clock() -> datetime:
        return datetime.now(UTC) + offset

    scheduler = sch.start_scheduler(settings, service, clock=clock, **_durations(config))
    deadline = time.monotonic() + config.get("timeout", 20)
    try:
        while time.monotonic() < deadline:
            if service.get_task(task).state == "disclosed" and not _jobs_of(service, task):
                return 0
            time.sleep(0.05)
        return 3
    finally:
        sch.stop_scheduler(scheduler, wait=False)


def _durations(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "draw_delay": timedelta(seconds=config.get("draw_delay", 0.2)),
        "retry": timedelta(seconds=config.get("retry", 0.3)),
    }


def _jobs_of(service: Lifecycle, task: str) -> list[str]:
    with service.session() as s:
        return list(
            s.exec(select(SchedulerJob.id).where(col(SchedulerJob.id).endswith(f":{task}")))
        )


def run(config: dict[str, Any], crash: str | None) -> None:
    """Entry point of a ``multiprocessing`` child (forked from a preloaded forkserver)."""
    if crash:
        os.environ["LOTTERY_TEST_CRASH_AT"] = crash
    else:
        os.environ.pop("LOTTERY_TEST_CRASH_AT", None)
    sys.exit(main(config))


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
