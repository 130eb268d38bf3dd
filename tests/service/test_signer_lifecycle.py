"""The service with the office key in the signer process (``LOTTERY_SIGNER_SOCKET``), on
SQLite and PostgreSQL: the key file is not in the service's data directory at all, yet tasks
are announced, drawn and disclosed, the export verifies, ``/readyz`` follows the signer, and
``lottery key rotate`` runs inside the signer (docs/deploy.md "The signer")."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.api.errors import status_of
from lottery.cli import key_cmd
from lottery.core.audit import audit_export
from lottery.core.note import NoteVerifier, parse_note
from lottery.export.read import file_getter
from lottery.service import cancellations as cx
from lottery.service import key_rotation
from lottery.service.health import readiness
from lottery.service.lifecycle import Lifecycle, _settle_in_signer
from lottery.service.office_key import rotation_lock
from lottery.service.office_signer import SignerRefused, SignerUnavailable, SocketSigner
from lottery.service.signer_server import OfficeKeyHolder, SignerRefusal
from lottery.settings import Settings
from lottery.storage.checkpoint_file import checkpoint_path
from lottery.storage.keys import generate_keypair
from lottery.storage.models import AuditEvent
from tests import lifecycle as lc
from tests.service.conftest import ITEMS_PUBLISHED
from tests.service.signer_helpers import running_signer

T_ROTATE = lc.T_ANNOUNCE + timedelta(hours=1)


def _move_key_to_signer(settings: Settings, signer_dir: Path) -> None:
    """The key ceremony of docs/operations.md: the key pair and the last signed checkpoint go
    to the signer's directory; nothing of the private key stays with the service."""
    (signer_dir / "keys").mkdir(parents=True, mode=0o700)
    for name in ("office.key", "office.pub"):
        shutil.copy2(settings.keys_dir / name, signer_dir / "keys" / name)
        (settings.keys_dir / name).unlink()
    (signer_dir / "state").mkdir(mode=0o700)
    shutil.copy2(checkpoint_path(settings.data_dir), checkpoint_path(signer_dir))


@pytest.fixture
def signer_dir(tmp_path: Path) -> Path:
    return tmp_path / "signer"


@pytest.fixture
def socket_settings(
    service: Lifecycle, settings: Settings, signer_dir: Path, tmp_path: Path
) -> Iterator[Settings]:
    """The fixture's service moved to a socket signer running in a thread."""
    vkey = service.log.verifier.vkey
    service.engine.dispose()
    _move_key_to_signer(settings, signer_dir)
    path = tmp_path / "s.sock"
    with running_signer(signer_dir, path, admin=tmp_path / "admin.sock") as server:
        assert server.holder.key.vkey == vkey
        yield settings.model_copy(update={"signer_socket": path})


def _admin(settings: Settings) -> Settings:
    """The settings of `lottery key rotate` on the signer host (the admin socket too)."""
    admin = Path(str(settings.signer_socket)).with_name("admin.sock")
    return settings.model_copy(update={"signer_admin_socket": admin})


def test_the_lifecycle_with_the_key_out_of_the_process(
    socket_settings: Settings, signer_dir: Path, tmp_path: Path
) -> None:
    keys = socket_settings.keys_dir
    svc = Lifecycle.open(socket_settings)
    try:
        assert isinstance(svc.log.office, SocketSigner)
        with pytest.raises(SignerRefused, match="held by the signer"):
            svc.log.signer  # noqa: B018 - no private key in this process
        task = "T2026-001"
        svc.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
        svc.announce(task, lc.T_ANNOUNCE, actor="planner")
        svc.draw(task, lc.beacon()[1], lc.T_DRAW)
        svc.disclose(task, lc.T_REVEAL)
        export = tmp_path / "export"
        svc.export_to(export)
        with svc.session() as s:
            size = svc.log.size(s)
    finally:
        svc.engine.dispose()
    # Nothing read or re-created the key in the service's directory.
    assert not (keys / "office.key").exists() and not (keys / "office.pub").exists()
    office = NoteVerifier.from_vkey((signer_dir / "keys" / "office.pub").read_text().strip())
    report = audit_export(file_getter(export), [office], origin=lc.LOG)
    assert report.ok, report.failures
    assert task in report.tasks
    # The signer saw every record and its last checkpoint is the log's.
    lines = [json.loads(line) for line in _audit_lines(signer_dir)]
    types = {x.get("type") for x in lines if x["kind"] == "record"}
    assert {"task-announcement", "task-draw", "task-reveal"} <= types
    assert not [x for x in lines if "refused" in x]
    checkpoint = parse_note(checkpoint_path(signer_dir).read_bytes()).text
    assert checkpoint.split(b"\n")[1] == str(size).encode()


def _audit_lines(signer_dir: Path) -> list[str]:
    return (signer_dir / "state" / "signer-audit.jsonl").read_text("utf-8").splitlines()


def test_readiness_follows_the_signer(
    service: Lifecycle, settings: Settings, signer_dir: Path, tmp_path: Path
) -> None:
    service.engine.dispose()
    _move_key_to_signer(settings, signer_dir)
    path = tmp_path / "s.sock"
    on_socket = settings.model_copy(update={"signer_socket": path})
    now = ITEMS_PUBLISHED + timedelta(minutes=5)
    with running_signer(signer_dir, path):
        svc = Lifecycle.open(on_socket)
        checks = {c.name: c for c in readiness(on_socket, svc, None, now)}
        assert (checks["signer"].ok, checks["signer"].code) == (True, "ok")
    try:
        # The signer stopped: not ready, in plain Chinese, without a path or a key.
        checks = {c.name: c for c in readiness(on_socket, svc, None, now)}
        signer = checks["signer"]
        assert (signer.ok, signer.code) == (False, "signer_unavailable")
        assert str(path) not in signer.message and "签名" in signer.message
        # A write meanwhile changes nothing and is a 503 for the API, not a 500.
        task = "T2026-001"
        svc.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
        with pytest.raises(SignerUnavailable) as refused:
            svc.announce(task, lc.T_ANNOUNCE, actor="planner")
        assert status_of(refused.value) == 503
        with svc.session() as s:
            assert svc.log.size(s) == 1 and svc.log.task_record(s, task, "announce") is None
        # Another key behind the socket: not the log's.
        other = tmp_path / "other"
        generate_keypair(other / "keys", lc.LOG, "office")
        with running_signer(other, path):
            checks = {c.name: c for c in readiness(on_socket, svc, None, now)}
            assert checks["signer"].code == "signer_mismatch"
    finally:
        svc.engine.dispose()


def test_key_rotation_runs_inside_the_signer(
    socket_settings: Settings, signer_dir: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = Lifecycle.open(socket_settings)
    task = "T2026-001"
    old = svc.log.verifier
    try:
        svc.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
        svc.announce(task, lc.T_ANNOUNCE, actor="planner")
    finally:
        svc.engine.dispose()
    monkeypatch.setenv("LOTTERY_SIGNER_SOCKET", str(socket_settings.signer_socket))
    # The service's socket alone cannot rotate (finding 1): one line, nothing changes.
    code, out, err = run_cli(key_cmd, T_ROTATE, "key", "rotate", "--reason", "密钥定期更换")
    assert code != 0 and "LOTTERY_SIGNER_ADMIN_SOCKET" in err and "Traceback" not in err
    assert not list((signer_dir / "keys").glob("office-next*"))
    monkeypatch.setenv(
        "LOTTERY_SIGNER_ADMIN_SOCKET", str(_admin(socket_settings).signer_admin_socket)
    )
    code, out, err = run_cli(key_cmd, T_ROTATE, "key", "rotate", "--reason", "密钥定期更换")
    assert code == 0, err
    new = (signer_dir / "keys" / "office.pub").read_text().strip()
    assert new != old.vkey and new in out
    assert list((signer_dir / "keys" / "archive").glob("office-1-*.key"))
    assert not list(socket_settings.keys_dir.glob("office*"))  # still no key with the service
    again = Lifecycle.open(socket_settings)
    try:
        assert again.log.verifier.vkey == new
        assert [k.vkey for k in again.log.archived] == [old.vkey]
        again.draw(task, lc.beacon()[1], lc.T_DRAW)
        again.disclose(task, lc.T_REVEAL)
        with again.session() as s:
            events = s.exec(select(AuditEvent).where(AuditEvent.action == "office-key.rotate"))
            assert [e.detail["new"] for e in events] == [new]
        export = socket_settings.data_dir / "export-test"
        again.export_to(export)
    finally:
        again.engine.dispose()
    report = audit_export(file_getter(export), [old], origin=lc.LOG)
    assert report.ok, report.failures
    assert "log.key_change" in [c.name for c in report.checks]


def test_a_rotation_the_service_never_committed_is_undone(
    socket_settings: Settings, signer_dir: Path
) -> None:
    svc = Lifecycle.open(socket_settings)
    old = svc.log.verifier.vkey
    admin = _admin(socket_settings)
    office = SocketSigner(Path(str(admin.signer_admin_socket)))
    office.rotate_begin("x", T_ROTATE)  # then the process died before appending anything
    svc.engine.dispose()
    assert list((signer_dir / "keys").glob("office-next*"))
    # Finding 8: no other process settles a rotation that may still be running: neither the
    # service (no admin socket) nor a rotating process while another holds the lock.
    Lifecycle.open(socket_settings).engine.dispose()
    with rotation_lock(admin) as held:
        assert held
        Lifecycle.open(admin).engine.dispose()
    assert list((signer_dir / "keys").glob("office-next*"))
    again = Lifecycle.open(admin)  # settles under the lock: the log names no new key
    try:
        assert again.log.verifier.vkey == old
        assert not list((signer_dir / "keys").glob("office-next*"))
        # A rotation failing before its commit is undone at once, too.
        with pytest.raises(RuntimeError), pytest.MonkeyPatch.context() as patched:

            def crash(*args: object, **kwargs: object) -> None:
                raise RuntimeError("power cut")

            patched.setattr(again.log, "append", crash)
            key_rotation.rotate_office_key(again, admin, "x", T_ROTATE, actor="t")
        assert not list((signer_dir / "keys").glob("office-next*"))
    finally:
        again.engine.dispose()


def test_a_checkpoint_signed_then_rolled_back_needs_the_operator(
    service: Lifecycle, settings: Settings, signer_dir: Path, tmp_path: Path
) -> None:
    """The signer cannot tell a rolled-back transaction from a fork: it refuses, and the
    operator puts back the service's last committed checkpoint (`lottery signer
    reset-state`), keeping the orphaned one for the record."""
    service.engine.dispose()
    _move_key_to_signer(settings, signer_dir)
    path = tmp_path / "s.sock"
    on_socket = settings.model_copy(update={"signer_socket": path})
    task = "T2026-001"
    calendar = {"year": 2026, "holidays": [], "workdays": [], "notice": "", "supersedes": None}
    with running_signer(signer_dir, path):
        svc = Lifecycle.open(on_socket)
        try:
            svc.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="p")
            with svc.session() as s:
                s.begin()
                svc.log.append(s, svc.log.make_record("calendar", lc.T_ANNOUNCE, calendar))
                svc.log.sign_checkpoint(s, lc.T_ANNOUNCE)
                s.rollback()  # the commit failed after the signer signed
            with pytest.raises(SignerRefused, match="does not extend"):
                svc.announce(task, lc.T_ANNOUNCE, actor="planner")
        finally:
            svc.engine.dispose()
    # The operator, with the signer stopped.
    holder = OfficeKeyHolder(signer_dir)
    committed = checkpoint_path(settings.data_dir).read_bytes()
    assert holder.reset_state(committed, "提交失败后的孤立检查点，未公开") == (2, 1)
    assert (signer_dir / "state" / "last-checkpoint.orphaned-2").exists()
    with pytest.raises(SignerRefusal, match="larger"):
        OfficeKeyHolder(signer_dir).reset_state(
            (signer_dir / "state" / "last-checkpoint.orphaned-2").read_bytes(), "x"
        )
    with running_signer(signer_dir, path):
        svc = Lifecycle.open(on_socket)
        try:
            svc.announce(task, lc.T_ANNOUNCE, actor="planner")
        finally:
            svc.engine.dispose()
    resets = [json.loads(x) for x in _audit_lines(signer_dir) if '"reset"' in x]
    assert [(r["size"], r["orphaned"]) for r in resets] == [(1, 2)]


def test_a_rotation_committed_by_its_own_process_is_finished_once(
    socket_settings: Settings, signer_dir: Path
) -> None:
    """Finding 8: a process that opens meanwhile cannot finish the rotation under the rotating
    one (which then failed with "no key rotation is pending"); finishing twice succeeds."""
    admin = _admin(socket_settings)
    svc = Lifecycle.open(admin)
    old = svc.log.verifier.vkey
    opened: list[str] = []
    real_sign = svc.log.sign_checkpoint

    def sign_then_open(*args: object, **kwargs: object) -> bytes:
        note = real_sign(*args, **kwargs)  # type: ignore[arg-type]
        # Another instance starting inside the rotation (Lifecycle.open's settle step).
        opened.append(str(_settle_in_signer(admin, svc.engine)))
        return note

    try:
        with pytest.MonkeyPatch.context() as patched:
            patched.setattr(svc.log, "sign_checkpoint", sign_then_open)
            done = key_rotation.rotate_office_key(svc, admin, "定期更换", T_ROTATE, actor="t")
    finally:
        svc.engine.dispose()
    assert opened == ["None"]  # nothing settled: the rotating process holds the lock
    assert done.old == old
    assert (signer_dir / "keys" / "office.pub").read_text().strip() == done.new
    client = SocketSigner(Path(str(admin.signer_admin_socket)))
    client.rotate_finish(done.new, 0, [])  # already finished: success
    assert client.pending() is None


def test_a_failed_commit_after_the_checkpoint_is_impossible_in_confirm_cancel(
    socket_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 12: the checkpoint is the last statement before the commit, so work that
    fails after the cancellation record no longer leaves a signed checkpoint behind."""
    svc = Lifecycle.open(socket_settings)
    task = "T2026-001"
    try:
        svc.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
        svc.announce(task, lc.T_ANNOUNCE, actor="planner")
        cx.request_cancel(svc, task, "重复立项", "planner-wang", T_ROTATE)

        def failing_audit(
            session: object, now: object, actor: str, action: str, *a: object
        ) -> None:
            if action == "task.cancel.confirm":
                raise RuntimeError("disk full")
            real_audit(session, now, actor, action, *a)  # type: ignore[arg-type]

        real_audit = cx.record_audit
        monkeypatch.setattr(cx, "record_audit", failing_audit)
        with pytest.raises(RuntimeError, match="disk full"):
            cx.confirm_cancel(svc, task, "director-zhao", T_ROTATE)
        monkeypatch.setattr(cx, "record_audit", real_audit)
        # The signer signed nothing for the rolled-back transaction: writes go on.
        later = T_ROTATE + timedelta(minutes=1)  # another record of the same size
        record = cx.confirm_cancel(svc, task, "director-zhao", later)
        assert record.type == "task-cancellation"
    finally:
        svc.engine.dispose()
