"""``lottery key rotate`` and ``lottery secrets rotate`` on SQLite and PostgreSQL
(docs/spec.md §2 "Key changes", docs/operations.md "Key ceremony", docs/secrets.md).

The office key: a task announced under the old key, the key rotated, the task drawn and
disclosed under the new one; ``lottery verify`` pinning the old key follows the change. A
crash before the commit leaves the old key in force, one after it the new key (finished at the
next start). The secrets key: every sealed row opens with the new key afterwards, and a failure
half-way changes nothing.
"""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.cli import key_cmd
from lottery.core.audit import audit_export
from lottery.core.note import parse_note
from lottery.export.read import file_getter
from lottery.service import key_rotation, office_key, secrets_rotation
from lottery.service.lifecycle import Lifecycle
from lottery.service.log import LogIdentityError
from lottery.service.secrets import SecretKeeper, SecretStoreError
from lottery.settings import Settings
from lottery.storage.keys import generate_keypair, load_signer
from lottery.storage.models import AuditEvent, SealedOutcome, TaskSecret
from tests import lifecycle as lc

T_ROTATE = lc.T_ANNOUNCE + timedelta(hours=1)


def _announced(service: Lifecycle, task: str = "T2026-001") -> str:
    service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
    service.announce(task, lc.T_ANNOUNCE, actor="planner")
    return task


def test_rotation_is_followed_from_the_old_key(
    service: Lifecycle, settings: Settings, run_cli, tmp_path: Path
) -> None:
    task = _announced(service)
    old = service.log.signer
    export = tmp_path / "export"
    service.export_to(export)
    code, out, err = run_cli(key_cmd, T_ROTATE, "key", "rotate", "--reason", "密钥定期更换")
    assert code == 0, err
    new = load_signer(settings.office_key_file)
    assert new.vkey != old.vkey and new.vkey in out and new.fingerprint in out
    # The old private key is archived (0600, in a 0700 directory), never in the export.
    archived = list((settings.keys_dir / "archive").glob("office-1-*.key"))
    assert len(archived) == 1 and load_signer(archived[0]).vkey == old.vkey
    assert stat.S_IMODE(archived[0].stat().st_mode) == 0o600
    assert not list(settings.keys_dir.glob("office-next*"))
    # The process that still holds the old key may not sign any more.
    with pytest.raises(LogIdentityError, match="rotated at log index"):
        service.draw(task, lc.beacon()[1], lc.T_DRAW)
    service.engine.dispose()

    again = Lifecycle.open(settings)
    try:
        # Published at once: the checkpoint covering the change carries both signatures.
        again.export_to(export)
        both = parse_note((export / "checkpoint").read_bytes()).signatures
        assert {s.key_id for s in both} == {old.key_id, new.key_id}
        again.draw(task, lc.beacon()[1], lc.T_DRAW)
        again.disclose(task, lc.T_REVEAL)
        again.export_to(export)  # the export made under the old key grows
        with again.session() as s:
            events = s.exec(select(AuditEvent).where(AuditEvent.action == "office-key.rotate"))
            assert [e.detail["new"] for e in events] == [new.vkey]
    finally:
        again.engine.dispose()
    assert (export / "keys" / "office.vkey").read_text().split() == [old.vkey, new.vkey]
    assert not [p for p in export.rglob("*") if p.is_file() and b"PRIVATE+KEY" in p.read_bytes()]
    pinned_old = audit_export(file_getter(export), [old.verifier()], origin=lc.LOG)
    assert pinned_old.ok, pinned_old.failures
    assert "log.key_change" in [c.name for c in pinned_old.checks]
    assert task in pinned_old.tasks and not [f for f in pinned_old.failures if f[0] == task]
    # Pinning the new key alone cannot vouch for what the old key signed: the archived
    # checkpoints from before the change fail first.
    pinned_new = audit_export(file_getter(export), [new.verifier()], origin=lc.LOG)
    assert not pinned_new.ok and pinned_new.failures[0][1].check == "checkpoint.signature"


def test_a_crash_leaves_the_old_key_or_the_new(
    service: Lifecycle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _announced(service)
    old = service.log.signer
    with service.session() as s:
        size = service.log.size(s)

    def crash(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("power cut")

    # Before the commit: nothing published, the pending pair removed, the old key in force.
    monkeypatch.setattr(service.log, "sign_checkpoint", crash)
    with pytest.raises(RuntimeError):
        key_rotation.rotate_office_key(service, settings, "x", T_ROTATE, actor="t")
    monkeypatch.undo()
    with service.session() as s:
        assert service.log.size(s) == size
    assert not list(settings.keys_dir.glob("office-next*"))
    assert load_signer(settings.office_key_file).vkey == old.vkey

    # After the commit, before the files were switched: the next start finishes the switch.
    monkeypatch.setattr(key_rotation, "archive_and_switch", crash)
    with pytest.raises(RuntimeError):
        key_rotation.rotate_office_key(service, settings, "x", T_ROTATE, actor="t")
    monkeypatch.undo()
    service.engine.dispose()
    assert load_signer(settings.office_key_file).vkey == old.vkey  # not switched yet
    reopened = Lifecycle.open(settings)
    try:
        assert reopened.log.signer.vkey != old.vkey
        assert [k.vkey for k in reopened.log.archived] == [old.vkey]
        with reopened.session() as s:
            reopened.log.check_identity(s)
    finally:
        reopened.engine.dispose()

    # A pending pair no key change names (generated, then the process died): discarded.
    generate_keypair(settings.keys_dir, lc.LOG, "office-next")
    assert office_key.settle_office_key(settings, reopened.engine) == "undone"
    assert not list(settings.keys_dir.glob("office-next*"))


def _sealed(service: Lifecycle) -> dict[str, bytes]:
    with service.session() as s:
        rows = [*s.exec(select(TaskSecret)), *s.exec(select(SealedOutcome))]
        return {f"{type(r).__name__} {r.task}": bytes(r.ciphertext) for r in rows}


def test_secrets_rotation_reencrypts_every_sealed_row(
    service: Lifecycle, settings: Settings, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = _announced(service)
    service.draw(task, lc.beacon()[1], lc.T_DRAW)
    _announced(service, "T2026-002")
    with service.session() as s:
        secret = service._secret(s, task)
        outcome = service._sealed_outcome(s, task)
    before = _sealed(service)
    assert len(before) == 3
    key_file = settings.data_dir / "keys" / "secrets.key"
    old_key = key_file.read_bytes()

    # A failure half-way (the second row): nothing changes, the old key stays in force.
    real_seal, calls = SecretKeeper.seal, []

    def failing_seal(self: SecretKeeper, purpose: str, task_id: str, value: bytes) -> bytes:
        calls.append(task_id)
        if len(calls) == 2:
            raise SecretStoreError("disk full")
        return real_seal(self, purpose, task_id, value)

    with monkeypatch.context() as patched, pytest.raises(SecretStoreError):
        patched.setattr(SecretKeeper, "seal", failing_seal)
        secrets_rotation.rotate_secrets_key(service.engine, settings.data_dir, T_ROTATE, actor="t")
    assert _sealed(service) == before and key_file.read_bytes() == old_key
    assert not (settings.data_dir / "keys" / "secrets-next.key").exists()

    code, out, err = run_cli(key_cmd, T_ROTATE, "secrets", "rotate")
    assert code == 0, err
    assert "2 task secrets and 1 sealed outcomes" in out
    assert key_file.read_bytes() != old_key
    assert (settings.data_dir / "keys" / "archive" / "secrets-1.key").read_bytes() == old_key
    after = _sealed(service)
    assert after.keys() == before.keys() and not set(after.values()) & set(before.values())
    # The process that read the old key refuses, instead of sealing under a retired key.
    with pytest.raises(SecretStoreError, match="restart"), service.session() as s:
        service._secret(s, task)
    service.engine.dispose()
    again = Lifecycle.open(settings)
    try:
        with again.session() as s:
            assert again._secret(s, task) == secret
            assert again._sealed_outcome(s, task) == outcome
            events = list(
                s.exec(select(AuditEvent).where(AuditEvent.action == "secrets-key.rotate"))
            )
            assert [e.detail for e in events] == [{"secrets": 2, "outcomes": 1}]
    finally:
        again.engine.dispose()


def test_the_pinned_vkey_check_refuses_a_swapped_key_file(
    service: Lifecycle, settings: Settings
) -> None:
    """A key file swapped by hand (no key-change record) does not start the service."""
    _announced(service)
    service.engine.dispose()
    settings.office_key_file.unlink()
    (settings.keys_dir / "office.pub").unlink()
    generate_keypair(settings.keys_dir, lc.LOG, "office")
    with pytest.raises(LogIdentityError, match="not this log's key"):
        Lifecycle.open(settings)


def test_bad_input_changes_nothing(service: Lifecycle, settings: Settings, run_cli) -> None:
    _announced(service)
    old = service.log.signer.vkey
    with service.session() as s:
        size = service.log.size(s)
    for reason in ("", "x" * 2001, "换\u202e钥"):
        code, _, err = run_cli(key_cmd, T_ROTATE, "key", "rotate", "--reason", reason)
        assert code != 0 and len(err.strip().splitlines()) == 1, (reason, err)
        assert "Traceback" not in err
    with service.session() as s:
        assert service.log.size(s) == size
    assert load_signer(settings.office_key_file).vkey == old
    assert not list(settings.keys_dir.glob("office-next*"))
