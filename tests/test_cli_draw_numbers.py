"""``lottery task draw`` (through ``draw_task``) and ``lottery beacon reject-numbers``, end to
end on an initialised data directory (SQLite). Relays are on 127.0.0.1; never the internet."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.demo.recorded import QUICKNET_SIGNATURE
from lottery.service import beacons
from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from lottery.storage.models import BeaconEntry
from tests import lifecycle as lc
from tests.service import drand_tasks as dt
from tests.service.test_drawing import _events
from tests.test_cli_service import _task_file, data, run  # noqa: F401 - the data fixture

DRAND_TASK = "T-cli-drand"
OFFLINE_RELAY = "http://127.0.0.1:9"  # discard port: nothing answers, and never the internet


@pytest.fixture
def service(data: Path) -> Iterator[Lifecycle]:  # noqa: F811 - the imported fixture
    svc = Lifecycle.open(get_settings(data_dir=data, log_origin=lc.LOG))
    yield svc
    svc.engine.dispose()


def _one_line_error(proc: subprocess.CompletedProcess[str], words: str) -> None:
    err = proc.stderr
    assert proc.returncode != 0 and words in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_task_draw_declares_the_fallback_then_draws_with_a_signature(
    data: Path,  # noqa: F811 - fixture
    service: Lifecycle,
) -> None:
    at = dt.ROUND_DUE - timedelta(seconds=10)
    service.create_task(dt.drand_params(DRAND_TASK), at, actor="planner")
    service.announce(DRAND_TASK, at)
    bad = run("task", "draw", DRAND_TASK, "--drand-signature", "zz", data=data, ok=False)
    _one_line_error(bad, "--drand-signature must be hex")
    # Today is long past the 2023 deadline and the relay says "not yet": the fallback applies.
    relay = dt.LocalRelay("not-yet")
    try:
        relays = json.dumps([relay.url])
        missing = run(
            "task", "draw", DRAND_TASK, "--actor", "clerk-li",
            data=data, ok=False, LOTTERY_DRAND_RELAYS=relays,
        )  # fmt: skip
    finally:
        relay.close()
    _one_line_error(missing, "备用信标")
    assert relay.requests >= 1
    assert [e.actor for e in _events(service, DRAND_TASK, "beacon.fallback")] == ["clerk-li"]
    assert service.get_task(DRAND_TASK).state == "announced"
    # The round itself, given by hand, still draws: the primary applies once it exists.
    sig = QUICKNET_SIGNATURE.hex()
    drawn = run("task", "draw", DRAND_TASK, "--drand-signature", sig, "--actor", "a", data=data)
    assert f"task {DRAND_TASK} drawn (sealed)" in drawn.stdout
    assert service.get_task(DRAND_TASK).state == "drawn"
    offline = json.dumps([OFFLINE_RELAY])  # drawn already: answered without asking a relay
    again = run("task", "draw", DRAND_TASK, "--actor", "b", data=data, LOTTERY_DRAND_RELAYS=offline)
    assert drawn.stdout == again.stdout


def test_task_draw_of_public_numbers_is_refused(data: Path, tmp_path: Path) -> None:  # noqa: F811
    run("task", "create", str(_task_file(tmp_path)), data=data)
    run("task", "announce", "T-cli", data=data)
    _one_line_error(run("task", "draw", "T-cli", data=data, ok=False), "公开号码")
    _one_line_error(run("task", "draw", "NOPE", data=data, ok=False), "no task NOPE")


def test_reject_numbers_voids_the_pending_entry(
    data: Path,  # noqa: F811 - fixture
    tmp_path: Path,
    service: Lifecycle,
) -> None:
    run("task", "create", str(_task_file(tmp_path)), data=data)
    run("task", "announce", "T-cli", data=data)
    draw_day = datetime.now(UTC) + timedelta(days=1)  # the task's public draw is tomorrow
    beacons.enter_numbers(service, "T-cli", [[1], [1, 2, 3, 4, 5, 7]], "clerk-wang", draw_day)
    out = run(
        "beacon",
        "reject-numbers",
        "T-cli",
        "--reason",
        "红球录错",
        "--actor",
        "clerk-li",
        data=data,
    )
    assert "已作废" in out.stdout and "clerk-wang" in out.stdout
    with service.session() as s:
        [entry] = s.exec(select(BeaconEntry).where(BeaconEntry.task == "T-cli"))
    assert (entry.status, entry.decided_by) == ("rejected", "clerk-li")
    [event] = _events(service, "T-cli", "beacon.numbers.reject")
    assert (event.actor, event.detail["reason"]) == ("clerk-li", "红球录错")
    again = run("beacon", "reject-numbers", "T-cli", "--reason", "x", data=data, ok=False)
    _one_line_error(again, "没有待确认")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("beacon", "reject-numbers", "T-cli", "--reason", "  "), "原因"),
        (("beacon", "reject-numbers", "NOPE", "--reason", "x"), "no task NOPE"),
        (("beacon", "reject-numbers", "T-cli"), "--reason"),
    ],
)
def test_reject_numbers_bad_input_is_one_line(
    data: Path,  # noqa: F811 - fixture
    tmp_path: Path,
    service: Lifecycle,
    args: tuple[str, ...],
    words: str,
) -> None:
    run("task", "create", str(_task_file(tmp_path)), data=data)
    run("task", "announce", "T-cli", data=data)
    draw_day = datetime.now(UTC) + timedelta(days=1)
    beacons.enter_numbers(service, "T-cli", [[1], [1, 2, 3, 4, 5, 6]], "clerk-wang", draw_day)
    _one_line_error(run(*args, data=data, ok=False), words)
    with service.session() as s:
        assert [e.status for e in s.exec(select(BeaconEntry))] == ["pending"]
