"""Every CLI command opens the service through ``lottery.cli.common.open_service``, so a
command that can sign reads the fork guard's floors first and one that never appends to the
log asks nothing (second review, findings 3 and 7; docs/operations.md "Never sign a fork")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lottery.cli.fork_floors as fork_floors
from tests.service.test_calendar import Y2027
from tests.test_cli_service import data, run  # noqa: F401 - the data fixture

CLI = Path(__file__).resolve().parents[1] / "lottery" / "cli"


def test_no_cli_module_but_common_opens_the_service_itself() -> None:
    direct = sorted(
        path.name
        for path in CLI.glob("*.py")
        if path.name != "common.py"
        and re.search(r"\bLifecycle\s*\.\s*open\s*\(", path.read_text(encoding="utf-8"))
    )
    assert direct == [], f"use lottery.cli.common.open_service in {direct}"


@pytest.fixture
def floors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The data directories whose floors were read (nothing is asked of anyone)."""
    asked: list[str] = []
    monkeypatch.setattr(
        fork_floors, "read_floors", lambda service, settings, now: asked.append("asked")
    )
    return asked


def test_read_only_commands_ask_no_floors(
    data: Path,  # noqa: F811
    tmp_path: Path,
    floors: list[str],
) -> None:
    password = {"LOTTERY_USER_PASSWORD": "violet-harbour-lantern-7"}
    run("user", "add", "carol", "--role", "auditor", data=data, **password)
    run("user", "passwd", "carol", data=data, **password)
    run("user", "org-unit", "carol", "-", data=data)
    run("user", "disable", "carol", data=data)
    run("user", "list", data=data)
    run("deadlines", "--today", "2026-04-08", data=data)
    run("site", "status", "--site-dir", str(tmp_path / "site"), data=data)
    run("registry", "risk-rules", data=data)
    run("registry", "withhold", data=data)
    run("registry", "export", "targets", str(tmp_path / "targets.csv"), data=data)
    assert floors == []


def test_commands_that_append_read_the_floors(
    data: Path,  # noqa: F811
    tmp_path: Path,
    floors: list[str],
) -> None:
    year = tmp_path / "2027.yaml"
    year.write_text(Y2027, encoding="utf-8")
    done = run("calendar", "set", "2027", str(year), data=data)
    assert "record " in done.stdout
    assert floors == ["asked"]
