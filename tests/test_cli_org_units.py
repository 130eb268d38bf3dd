"""Org units of accounts from the operator's shell (issue #16): `lottery user add --org-unit`,
`lottery user org-unit` and `lottery user list`; a bad unit is one Chinese line naming the field,
and an `--actor` naming a county account is held to its county."""

from __future__ import annotations

from pathlib import Path

import pytest

from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from lottery.storage.models import OrgUnit
from tests import lifecycle as lc
from tests.test_cli_service import copy_data, run

NEW = "violet-harbour-lantern-7"  # a test-only password that follows the policy


@pytest.fixture
def data(tmp_path: Path, cli_initialised: Path) -> Path:
    data = copy_data(cli_initialised, tmp_path)  # after `lottery init --admin boss`
    svc = Lifecycle.open(get_settings(data_dir=data, log_origin=lc.LOG))
    try:
        with svc.session() as s, s.begin():
            s.add(OrgUnit(code="city", name="市人防办", level="city"))
            s.flush()
            s.add(OrgUnit(code="county-1", name="某县人防办", level="county", parent="city"))
    finally:
        svc.engine.dispose()
    return data


def _units(data: Path) -> dict[str, str | None]:
    svc = Lifecycle.open(get_settings(data_dir=data, log_origin=lc.LOG))
    try:
        return {u.name: u.org_unit for u in users.list_users(svc)}
    finally:
        svc.engine.dispose()


def test_accounts_get_and_change_units(data: Path) -> None:
    added = run(
        "user", "add", "clerk", "--role", "admin", "--org-unit", "county-1", "--no-must-change",
        data=data, LOTTERY_USER_PASSWORD=NEW,
    )  # fmt: skip
    assert "in org unit county-1" in added.stdout
    assert "clerk\tadmin\tactive\tcounty-1" in run("user", "list", data=data).stdout

    bad = run(
        "user", "add", "x", "--role", "planner", "--org-unit", "nope",
        data=data, ok=False, LOTTERY_USER_PASSWORD=NEW,
    )  # fmt: skip
    assert bad.returncode != 0 and "org_unit" in bad.stderr and "nope" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    assert "x" not in _units(data)

    # The county admin, named as the actor, cannot move the whole office's admin.
    out = run("user", "org-unit", "boss", "county-1", "--actor", "clerk", data=data, ok=False)
    assert out.returncode != 0 and "「某县人防办」" in out.stderr and "超出其范围" in out.stderr
    assert _units(data)["boss"] is None

    run("user", "org-unit", "clerk", "-", data=data)
    assert _units(data)["clerk"] is None
