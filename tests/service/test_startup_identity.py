"""The service refuses to start with a log origin or an office key that differ from the stored
log's, saying which setting differs (it used to start and fail only at its first write)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lottery.service.lifecycle import Lifecycle
from lottery.service.log import LogIdentityError
from lottery.settings import Settings, get_settings
from lottery.storage.keys import generate_keypair
from tests import lifecycle as lc


def _announce_one(service: Lifecycle) -> None:
    service.create_task(lc.params(lc.small_registries()), lc.T_ANNOUNCE, actor="planner")
    service.announce("T2026-001", lc.T_ANNOUNCE, actor="planner")


def _reopen(settings: Settings, **changes: object) -> Lifecycle:
    return Lifecycle.open(settings.model_copy(update=changes))


def test_an_empty_log_opens_under_any_origin(settings: Settings) -> None:
    Lifecycle.open(settings).engine.dispose()  # a new office: nothing published yet
    _reopen(settings, log_origin="other.example/log").engine.dispose()


def test_the_same_settings_reopen(service: Lifecycle, settings: Settings) -> None:
    _announce_one(service)
    _reopen(settings).engine.dispose()


def test_another_origin_is_refused_by_name(service: Lifecycle, settings: Settings) -> None:
    _announce_one(service)
    with pytest.raises(LogIdentityError) as refused:
        _reopen(settings, log_origin="other.example/log")
    message = str(refused.value)
    assert "LOTTERY_LOG_ORIGIN" in message
    assert "'other.example/log'" in message and f"'{lc.LOG}'" in message


def test_another_office_key_is_refused(service: Lifecycle, settings: Settings) -> None:
    _announce_one(service)
    keys = settings.keys_dir
    (keys / "office.key").unlink()
    (keys / "office.pub").unlink(missing_ok=True)
    other = generate_keypair(keys, lc.LOG, "office")
    with pytest.raises(LogIdentityError) as refused:
        _reopen(settings)
    message = str(refused.value)
    assert other.key_id.hex() in message  # the key in the settings
    assert service.log.signer.key_id.hex() in message  # the key that signed the log
    assert "office.key" in message


def test_a_log_with_records_but_no_checkpoint_is_checked_too(settings: Settings) -> None:
    from lottery.core.records import make_record

    service = Lifecycle.open(settings)  # a new office: no item list, no checkpoint yet

    note = make_record(
        "calendar",
        lc.LOG,
        lc.T_ANNOUNCE,
        {"year": 2027, "holidays": [], "workdays": [], "notice": "", "supersedes": None},
        [service.log.signer],
    )
    with service.session() as s, s.begin():
        service.log.append(s, note)  # appended; no checkpoint signed yet
        assert service.log.latest_checkpoint(s) is None
    service.engine.dispose()
    with pytest.raises(LogIdentityError, match="LOTTERY_LOG_ORIGIN"):
        _reopen(settings, log_origin="other.example/log")


def test_lottery_serve_refuses_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = get_settings(data_dir=data, log_origin=lc.LOG)
    service = Lifecycle.open(settings)
    from tests.service.conftest import load_registries

    load_registries(service, lc.small_registries())
    _announce_one(service)
    service.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTTERY_")}
    env["LOTTERY_LOG_ORIGIN"] = "other.example/log"
    result = subprocess.run(
        [sys.executable, "-m", "lottery", "serve", "--data-dir", str(data), "--port", "1"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "LOTTERY_LOG_ORIGIN" in lines[0], result.stderr
