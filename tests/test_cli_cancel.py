"""``lottery task cancel`` asks; ``cancel-confirm`` by another ``--actor`` cancels, the same
actor is refused in one line; ``cancel-reject`` voids a request (an initialised data
directory, SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_service import _task_file, data, run  # noqa: F401 - the data fixture


def _state(data: Path) -> str:  # noqa: F811 - the fixture's name
    return str(json.loads(run("task", "show", "T-cli", data=data).stdout)["state"])


def test_a_cancellation_on_the_command_line_takes_two_people(
    data: Path,  # noqa: F811 - fixture
    tmp_path: Path,
) -> None:
    run("task", "create", str(_task_file(tmp_path)), data=data)
    run("task", "announce", "T-cli", "--actor", "alice", data=data)
    asked = run("task", "cancel", "T-cli", "--reason", "计划调整", "--actor", "alice", data=data)
    assert "pending" in asked.stdout and "cancel-confirm" in asked.stdout
    assert _state(data) == "announced"
    same = run("task", "cancel-confirm", "T-cli", "--actor", "Alice", data=data, ok=False)
    assert same.returncode != 0 and "两人" in same.stderr
    assert len(same.stderr.strip().splitlines()) == 1 and "Traceback" not in same.stderr
    assert _state(data) == "announced"
    voided = run(
        "task", "cancel-reject", "T-cli", "--reason", "先不取消", "--actor", "bob", data=data
    )
    assert "alice" in voided.stdout and _state(data) == "announced"
    run("task", "cancel", "T-cli", "--reason", "计划调整", "--actor", "alice", data=data)
    done = run("task", "cancel-confirm", "T-cli", "--actor", "bob", data=data)
    assert "cancelled: record" in done.stdout
    assert _state(data) == "cancelled"


def test_secret_lost_is_refused_while_the_secret_opens(
    data: Path,  # noqa: F811 - fixture
    tmp_path: Path,
) -> None:
    """An office must not choose to hide a secret it has (docs/operations.md): one line, a
    non-zero exit, nothing asked; the ordinary request still works afterwards."""
    run("task", "create", str(_task_file(tmp_path)), data=data)
    run("task", "announce", "T-cli", "--actor", "alice", data=data)
    args = ("task", "cancel", "T-cli", "--reason", "计划调整", "--actor", "alice")
    refused = run(*args, "--secret-lost", data=data, ok=False)
    assert refused.returncode != 0 and "仍可打开" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    asked = run(*args, data=data)
    assert "pending" in asked.stdout and "--secret-lost" not in asked.stdout
    wrong = run(
        "task", "cancel-confirm", "T-cli", "--secret-lost", "--actor", "bob", data=data, ok=False
    )
    assert wrong.returncode != 0 and "不是按" in wrong.stderr
    assert _state(data) == "announced"
