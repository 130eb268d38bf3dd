"""The restore drill (docs/operations.md), on SQLite and PostgreSQL: back up, publish more (a
disclosure, a result, a penalty, a second task drawn), restore the old backup, start: signing
is refused; recover from the published export: the log continues, `lottery verify` passes on
the new export, and a checkpoint kept from before the restore is consistent with it.

Also: the published export alone (without the service's checkpoint file) stops a fork, and a
recovery refuses a published log that does not verify."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.cli import backup_cmd, main, service_cmd, task_cmd
from lottery.core.checkpoint import check_checkpoint_successor, open_checkpoint
from lottery.core.merkle import MerkleTree
from lottery.core.tiles import entries_from_bundles, entries_path
from lottery.export.read import file_getter
from lottery.service.calendar import publish_builtin_years
from lottery.service.fork_guard import LogForkError
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import Amount, PenaltyEntry, PenaltyService
from lottery.service.recovery import RecoveryError, recover_from
from lottery.settings import Settings
from lottery.storage.checkpoint_file import checkpoint_path
from lottery.storage.models import Target, Task
from tests import lifecycle as lc
from tests.service import results_builder as rb
from tests.service.conftest import CliRun

AFTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)  # published after the backup
LATER = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)  # after the recovery


def approved_penalty(
    service: Lifecycle, number: str, when: datetime, target: str | None = None
) -> int:
    """A penalty numbered ``number``, decided ``when`` against ``target`` (default: the first
    target by USCC), entered and approved (so published); its id."""
    if target is None:
        with service.session() as s:
            target = s.exec(select(Target.uscc).order_by(Target.uscc)).first() or ""
    penalties = PenaltyService(service.engine, service.log)
    entry = PenaltyEntry(
        decision=number,
        target=target,
        decided=when.date(),
        facts="擅自改变人防工程主体结构",
        basis="《中华人民共和国人民防空法》第四十九条",
        kind="罚款",
        content="责令限期改正，并处罚款",
        authority="市人民防空办公室",
        publish_until=date(2027, 6, 30),
        amounts=[Amount("罚款", 500_000, "人民币伍仟元整")],
    )
    pid = penalties.enter(entry, when, actor="clerk-chen")
    penalties.approve(pid, when, reviewer="director-zhao")
    return pid


def _size(service: Lifecycle) -> int:
    with service.session() as s:
        return service.log.size(s)


def _restore_after_more(
    service: Lifecycle, settings: Settings, run_cli: CliRun, tmp_path: Path
) -> tuple[int, bytes]:
    """Back up a drawn task, publish more and export it, restore: (size at backup, the
    checkpoint the public held before the restore)."""
    outcome = rb.drawn_task(service)
    # Announced before the backup, drawn after it: its secret is in the backup.
    service.create_task(lc.params(lc.small_registries(), "T2026-002"), lc.T_ANNOUNCE, actor="p")
    service.announce("T2026-002", lc.T_ANNOUNCE)
    export = settings.site_export
    service.export_to(export)
    backup = tmp_path / "backups" / "lottery.backup"
    backup.parent.mkdir()
    code, out, err = run_cli(backup_cmd, AFTER, "backup", str(backup))
    assert code == 0, err
    assert not (backup.parent / "office.key").exists()  # keys never beside the backup
    at_backup = _size(service)
    # Published after the backup: the disclosure, a result, a penalty, a draw, and a third
    # task announced and drawn.
    service.disclose(rb.TASK, lc.T_REVEAL)
    rb.publish(service, rb.entry(outcome, 0), AFTER)
    approved_penalty(service, "人防罚〔2026〕1号", AFTER)
    service.draw("T2026-002", lc.beacon()[1], lc.T_DRAW)
    rb.drawn_task(service, "T2026-003")
    service.export_to(export)
    kept = (export / "checkpoint").read_bytes()
    service.engine.dispose()
    code, out, err = run_cli(backup_cmd, AFTER, "restore", str(backup))
    assert code == 0, err
    assert "lottery recover" in out
    return at_backup, kept


def test_restore_drill(
    service: Lifecycle,
    settings: Settings,
    run_cli: CliRun,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    office = service.log.verifier
    at_backup, kept = _restore_after_more(service, settings, run_cli, tmp_path)
    restored = Lifecycle.open(settings)
    try:
        assert _size(restored) == at_backup
        with restored.session() as s:
            assert restored.log.fork_problem(s) is not None
        # Start: signing is refused, whatever would sign, and nothing changes.
        with pytest.raises(LogForkError, match="lottery recover"):
            restored.disclose(rb.TASK, lc.T_REVEAL)
        with pytest.raises(LogForkError, match="lottery recover"):
            approved_penalty(restored, "人防罚〔2026〕2号", LATER)
        assert _size(restored) == at_backup
        # `lottery serve` does not even start.
        code, _, err = run_cli(backup_cmd, LATER, "serve")
        assert code != 0 and "lottery recover" in err
    finally:
        restored.engine.dispose()

    code, out, err = run_cli(backup_cmd, LATER, "recover", "--from", str(settings.site_export))
    assert code == 0, err
    public = open_checkpoint(kept, [office], origin=lc.LOG)
    assert f"({at_backup} -> {public.size})" in out
    # The third task was announced and drawn after the backup: its secrets are gone.
    assert "T2026-003" in out and "office secret" in out and "sealed outcome" in out
    # ... and the list names the way out: a cancellation that says the secret is lost.
    assert "lottery task cancel T2026-003 --secret-lost" in out
    assert rb.TASK + ":" not in out  # disclosed: nothing confidential was left to lose
    assert "T2026-002:" not in out  # its outcome, re-drawn from the secret, is sealed again

    recovered = Lifecycle.open(settings)
    try:
        with recovered.session() as s:
            assert recovered.log.fork_problem(s) is None
            task = s.get(Task, rb.TASK)
            assert task is not None and task.state == "disclosed"
        approved_penalty(recovered, "人防罚〔2026〕3号", LATER)  # the log continues
        recovered.disclose("T2026-002", lc.T_REVEAL)  # with the outcome sealed again
        assert _size(recovered) > public.size
        # T2026-003's row came back from its announcement; its secret did not.
        task3 = recovered.get_task("T2026-003")
        assert task3.state == "drawn" and task3.created_by == "lottery recover"
    finally:
        recovered.engine.dispose()

    # The office cancels the task that lost its secret, two people, with --secret-lost: the
    # ordinary cancellation is refused (it would have to reveal a secret the service lacks).
    reason = ("--reason", "数据库从备份恢复后，本任务的秘密值已遗失，依法取消")
    code, _, err = run_cli(task_cmd, LATER, "task", "cancel", "T2026-003", *reason)
    assert code != 0 and "--secret-lost" in err
    code, out, err = run_cli(
        task_cmd, LATER, "task", "cancel", "T2026-003", *reason, "--secret-lost", "--actor", "a"
    )
    assert code == 0 and "cancel-confirm --secret-lost" in out, err
    code, out, err = run_cli(
        task_cmd, LATER, "task", "cancel-confirm", "T2026-003", "--secret-lost", "--actor", "b"
    )
    assert code == 0 and "secret lost" in out, err
    recovered = Lifecycle.open(settings)
    try:
        assert recovered.get_task("T2026-003").state == "cancelled"
        recovered.export_to(settings.site_export)
    finally:
        recovered.engine.dispose()

    # `lottery verify` passes on the new export, with the lost-secret task counted as a warning.
    with pytest.raises(SystemExit) as verified:
        main(["verify", str(settings.site_export), "--workers", "1", "--key", office.vkey])
    assert verified.value.code in (0, None)
    said = capsys.readouterr().out
    assert "WARN  [T2026-003] cancel.secret_lost" in said
    assert "VERIFIED:" in said and "WARNING: 1 task(s) cancelled with the secret lost" in said
    # The checkpoint kept from before the restore is consistent with the new one.
    get = file_getter(settings.site_export)
    new = open_checkpoint(get("checkpoint"), [office], origin=lc.LOG)
    tree = MerkleTree.from_entries(entries_from_bundles(new.size, get))
    check_checkpoint_successor(public, new, tree.consistency_proof(public.size))


def test_published_export_alone_stops_a_fork(
    service: Lifecycle,
    settings: Settings,
    run_cli: CliRun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _restore_after_more(service, settings, run_cli, tmp_path)
    checkpoint_path(settings.data_dir).unlink()  # lost with the server: the site remains
    restored = Lifecycle.open(settings)
    try:
        with pytest.raises(LogForkError, match="site-export"):
            restored.disclose(rb.TASK, lc.T_REVEAL)
        # A recovery from an export whose entries were altered is refused, nothing written.
        bad = tmp_path / "bad"
        shutil.copytree(settings.site_export, bad)
        size = open_checkpoint(
            (bad / "checkpoint").read_bytes(), [restored.log.verifier], origin=lc.LOG
        ).size
        bundle = bad / entries_path(0, size)  # the small log's one (partial) bundle
        data = bytearray(bundle.read_bytes())
        data[-3] ^= 1
        bundle.write_bytes(bytes(data))
        before = _size(restored)
        with restored.session() as s, pytest.raises(RecoveryError), s.begin():
            recover_from(restored.log, s, file_getter(bad), LATER)
        assert _size(restored) == before
    finally:
        restored.engine.dispose()
    # The server lost its site export too: the public copy at LOTTERY_PUBLISHED (a directory
    # here, a URL in production) is read by `lottery serve` at start and still stops the fork.
    public = tmp_path / "public-copy"
    shutil.move(settings.site_export, public)
    monkeypatch.setenv("LOTTERY_PUBLISHED", str(public))
    # Every command that can sign reads it, not only `lottery serve` (review finding 4).
    code, _, err = run_cli(task_cmd, LATER, "task", "disclose", rb.TASK)
    assert code != 0 and "lottery recover" in err, err
    code, _, err = run_cli(service_cmd, LATER, "export", str(tmp_path / "new-export"))
    assert code != 0 and "lottery recover" in err, err
    assert not (tmp_path / "new-export" / "checkpoint").exists()
    checkpoint_path(settings.data_dir).unlink()  # the file the commands above wrote
    code, _, err = run_cli(backup_cmd, LATER, "serve")
    assert code == 2 and "lottery recover" in err
    assert checkpoint_path(settings.data_dir).read_bytes() == (public / "checkpoint").read_bytes()


def test_the_checkpoint_file_follows_commits_not_rollbacks(
    service: Lifecycle, settings: Settings
) -> None:
    path = checkpoint_path(settings.data_dir)
    rb.drawn_task(service)
    with service.session() as s:
        assert path.read_bytes() == service.log.latest_checkpoint(s)
    before = path.read_bytes()
    with service.session() as s, pytest.raises(RuntimeError), s.begin():
        assert publish_builtin_years(service.log, s, [2025], LATER)  # a new record
        signed = service.log.sign_checkpoint(s, LATER)
        assert signed != before
        raise RuntimeError("rolled back")
    assert path.read_bytes() == before  # a checkpoint never committed is not kept


def test_backup_and_restore_refusals(
    service: Lifecycle, settings: Settings, run_cli: CliRun, tmp_path: Path
) -> None:
    out = tmp_path / "b"
    code, _, err = run_cli(backup_cmd, AFTER, "backup", str(out / "x"), "--keys-to", str(out))
    assert code == 2 and "--keys-to" in err and not out.exists()
    out.mkdir()
    (out / "x").write_bytes(b"old")
    code, _, err = run_cli(backup_cmd, AFTER, "backup", str(out / "x"))
    assert code == 2 and "already exists" in err
    assert (out / "x").read_bytes() == b"old"
    code, _, err = run_cli(backup_cmd, AFTER, "restore", str(out / "x"))
    assert code == 2 and "is not a" in err and "\n" not in err.strip()
    with service.session() as s:
        assert service.log.size(s) > 0  # nothing changed


def test_the_api_answers_a_fork_refusal_with_503() -> None:
    from lottery.api.errors import status_of

    assert status_of(LogForkError("behind the published log")) == 503
