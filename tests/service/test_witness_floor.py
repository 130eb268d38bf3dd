"""The fork guard asks the witnesses (docs/operations.md, "Never sign a fork"), on SQLite and
PostgreSQL, with real ``lottery witness serve`` witnesses in threads on loopback ports.

An old backup restored on a server that lost its checkpoint file and its site: only the
witnesses remember how far the public log went. A witness ahead of the database stops the
start and every signing (``lottery recover`` is named); after the recovery the witnesses are
equal or behind and the service starts; a witness that cannot be reached does not block the
start (a warning, and the witness's row says so); a witness that cosigned another tree of the
log is a fork already. Witness keys are TEST-ONLY (fixed seeds).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlmodel import select

from lottery.cli import backup_cmd, service_cmd, task_cmd
from lottery.export.read import file_getter
from lottery.service.fork_guard import LogForkError
from lottery.service.lifecycle import Lifecycle
from lottery.service.witness_client import export_log, request_cosignature
from lottery.service.witness_floor import ask_witnesses
from lottery.service.witness_push import push_once, witness_status
from lottery.settings import Settings
from lottery.storage.checkpoint_file import checkpoint_path
from lottery.storage.models import WitnessStateRow
from tests import lifecycle as lc
from tests.service import results_builder as rb
from tests.service.conftest import CliRun
from tests.service.test_restore_drill import (
    LATER,
    _restore_after_more,
    _size,
    approved_penalty,
)
from tests.service.test_witness_push import NOW
from tests.service.witnesses import NAMES, Running, running_witnesses, witness_configs


@pytest.fixture
def witnesses(service: Lifecycle, tmp_path: Path) -> Iterator[list[Running]]:
    """Three witness servers pinned to the office key (state files in ``tmp_path``)."""
    with running_witnesses(service, tmp_path, 7, lambda: int(NOW.timestamp())) as running:
        yield running


def _with(settings: Settings, running: list[Running], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """``settings`` with the witnesses, also in the environment ``lottery serve`` reads."""
    configs = witness_configs(running)
    monkeypatch.setenv("LOTTERY_WITNESSES", json.dumps([c.model_dump() for c in configs]))
    return settings.model_copy(update={"witnesses": configs})


def _cosign_published(export: Path, running: list[Running]) -> int:
    """Each running witness cosigns the checkpoint published at ``export`` (what the public
    saw): its size."""
    note, tree = export_log(file_getter(export))
    for r in running:
        request_cosignature(r.url, note, tree, witness=r.witness.cosigner.verifier())
    return tree.size


def _served(monkeypatch: pytest.MonkeyPatch) -> list[FastAPI]:
    """``uvicorn.run`` replaced: the apps ``lottery serve`` would have served (their
    connections closed)."""
    apps: list[FastAPI] = []

    def run(app: FastAPI, **_: object) -> None:
        apps.append(app)
        app.state.service.engine.dispose()

    monkeypatch.setattr(uvicorn, "run", run)
    return apps


def test_a_witness_ahead_stops_a_restored_service_until_it_recovers(
    service: Lifecycle,
    settings: Settings,
    run_cli: CliRun,
    witnesses: list[Running],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at_backup, _ = _restore_after_more(service, settings, run_cli, tmp_path)
    published = _cosign_published(settings.site_export, witnesses[:2])  # paper never saw it
    assert published > at_backup
    # The server lost its checkpoint file and its site: no floor but the witnesses.
    checkpoint_path(settings.data_dir).unlink()
    public = tmp_path / "public-copy"
    shutil.move(settings.site_export, public)
    config = _with(settings, witnesses, monkeypatch)
    restored = Lifecycle.open(config)
    try:
        with restored.session() as s:
            assert restored.log.fork_problem(s) is None  # without the witnesses: a fork
        check = ask_witnesses(restored, config, LATER)
        assert [(f.size, f.conflict) for f in check.floors] == [
            (published, None),
            (published, None),
            (at_backup, None),  # paper cosigns the old checkpoint: no floor above it
        ]
        assert check.warnings == []
        with pytest.raises(LogForkError, match="lottery recover") as refused:
            restored.disclose(rb.TASK, lc.T_REVEAL)
        assert "jiwei" in str(refused.value) and f"{published}" in str(refused.value)
        with pytest.raises(LogForkError, match="lottery recover"):
            approved_penalty(restored, "人防罚〔2026〕2号", LATER)
        assert _size(restored) == at_backup  # nothing was signed
        status = {w.name: w for w in witness_status(restored, config, LATER).witnesses}
        assert "larger than" in (status["jiwei"].last_error or "")
    finally:
        restored.engine.dispose()
    # Every command that can sign asks them (review finding 4): nothing is signed.
    code, _, err = run_cli(task_cmd, LATER, "task", "disclose", rb.TASK)
    assert code != 0 and "lottery recover" in err and "jiwei" in err, err
    code, _, err = run_cli(service_cmd, LATER, "export", str(tmp_path / "new-export"))
    assert code != 0 and "jiwei" in err, err
    code, out, err = run_cli(task_cmd, LATER, "task", "list")  # reads only: asks nothing
    assert code == 0 and rb.TASK in out, err
    # `lottery serve` asks them too, and does not start.
    apps = _served(monkeypatch)
    code, _, err = run_cli(service_cmd, LATER, "serve")
    assert code == 2 and "lottery recover" in err and "jiwei" in err and apps == []

    code, _, err = run_cli(backup_cmd, LATER, "recover", "--from", str(public))
    assert code == 0, err
    code, out, err = run_cli(service_cmd, LATER, "serve")
    assert code == 0, err
    assert len(apps) == 1 and "serving on" in out
    recovered = Lifecycle.open(config)
    try:
        check = ask_witnesses(recovered, config, LATER)
        assert {f.size for f in check.floors} == {published} and check.warnings == []
        recovered.disclose("T2026-002", lc.T_REVEAL)  # the log continues
        assert _size(recovered) > published
        done = push_once(recovered, config, LATER)
        assert set(done.values()) == {f"cosigned {_size(recovered)}"}
    finally:
        recovered.engine.dispose()


def test_witnesses_equal_start_and_one_down_warns(
    service: Lifecycle,
    settings: Settings,
    run_cli: CliRun,
    witnesses: list[Running],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rb.drawn_task(service)
    config = _with(settings, witnesses, monkeypatch)
    size = _size(service)
    assert set(push_once(service, config, NOW).values()) == {f"cosigned {size}"}
    check = ask_witnesses(service, config, NOW)
    assert [f.size for f in check.floors] == [size] * 3 and check.warnings == []
    with service.session() as s:
        assert service.log.fork_problem(s) is None

    witnesses[2].stop()
    check = ask_witnesses(service, config, NOW)
    assert [f.size for f in check.floors] == [size] * 2
    assert len(check.warnings) == 1 and "paper" in check.warnings[0]
    down = witness_status(service, config, NOW).witnesses[2]
    assert down.failing_since == NOW and "cannot reach" in (down.last_error or "")
    service.disclose(rb.TASK, lc.T_REVEAL)  # signing goes on
    service.engine.dispose()
    apps = _served(monkeypatch)
    code, _, err = run_cli(service_cmd, NOW, "serve")
    assert code == 0, err
    assert len(apps) == 1 and "warning: witness paper" in err and "警告" in err


def test_a_witness_with_another_tree_is_a_fork(
    service: Lifecycle,
    settings: Settings,
    run_cli: CliRun,
    witnesses: list[Running],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A restored database that went on signing without any floor (the file and the site
    lost, no witness asked) forked the log; once it is longer than what the witness cosigned,
    only the witness's consistency check can tell: it refuses, and nothing more is signed."""
    _restore_after_more(service, settings, run_cli, tmp_path)
    published = _cosign_published(settings.site_export, witnesses[:1])
    checkpoint_path(settings.data_dir).unlink()
    shutil.rmtree(settings.site_export)
    config = settings.model_copy(update={"witnesses": witness_configs(witnesses[:1], NAMES[:1])})
    forked = Lifecycle.open(settings)  # no witness asked: nothing stops it
    try:
        n = 2
        while _size(forked) <= published:
            approved_penalty(forked, f"人防罚〔2026〕{n}号", LATER)
            n += 1
        size = _size(forked)
        check = ask_witnesses(forked, config, LATER)
        assert len(check.floors) == 1 and check.floors[0].conflict is not None
        with pytest.raises(LogForkError, match="分叉"):
            approved_penalty(forked, "人防罚〔2026〕99号", LATER)
        assert _size(forked) == size
    finally:
        forked.engine.dispose()


def test_a_witness_behind_a_wrong_belief_is_asked_again(
    service: Lifecycle,
    settings: Settings,
    witnesses: list[Running],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The witness rows believe a size the witnesses never held (e.g. rows restored from
    another backup): each answers 409 with its own, smaller size; the start asks once more
    from that size, the witnesses cosign the grown log, and nothing is taken for a fork."""
    rb.drawn_task(service)
    config = _with(settings, witnesses, monkeypatch)
    before = _size(service)
    assert set(push_once(service, config, NOW).values()) == {f"cosigned {before}"}
    service.disclose(rb.TASK, lc.T_REVEAL)
    size = _size(service)
    assert size > before
    with service.session() as s, s.begin():
        for row in s.exec(select(WitnessStateRow)):
            row.size = before - 1  # neither 0 nor the witnesses' size
            s.add(row)
    check = ask_witnesses(service, config, NOW)
    assert check.warnings == []
    assert [(f.size, f.conflict) for f in check.floors] == [(size, None)] * 3
    with service.session() as s:
        assert service.log.fork_problem(s) is None
