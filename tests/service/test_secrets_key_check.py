"""The secrets key's check value (docs/secrets.md "Key check value"), on SQLite and PostgreSQL:
a start with another key file, or without one while the database holds sealed rows, is refused
with one line naming ``keys/secrets.key``; a database restored from before ``lottery secrets
rotate`` names the archived key that opens it; a secret an archived key opens is not lost (the
lost-secret cancellation is refused, naming the file)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlmodel import delete, select

from lottery.core.errors import InputError
from lottery.service import secrets_check, secrets_rotation
from lottery.service.lifecycle import Lifecycle, SecretInArchivedKey
from lottery.service.log import LogIdentityError
from lottery.service.lost_secrets import SECRET_IN_ARCHIVED_KEY, lost_secret_tasks
from lottery.service.secrets import SecretKeeper, create_key_file, key_check_value
from lottery.service.secrets_check import replace_lost_key
from lottery.service.secrets_check_row import set_check
from lottery.settings import Settings
from lottery.storage.engine import new_session
from lottery.storage.models import SealedOutcome, SecretsKeyCheck, TaskSecret
from tests import lifecycle as lc

TASK = "T2026-C01"


def _announced(service: Lifecycle) -> None:
    service.create_task(lc.params(lc.small_registries(), TASK), lc.T_ANNOUNCE, actor="planner")
    service.announce(TASK, lc.T_ANNOUNCE)


def _check(service: Lifecycle) -> str | None:
    with service.session() as s:
        row = s.get(SecretsKeyCheck, 1)
        return None if row is None else row.check_value


def _keys(settings: Settings) -> Path:
    return settings.data_dir / "keys"


def test_the_check_value_is_an_hmac_of_the_key() -> None:
    """Known answer (RFC 2104 HMAC-SHA256, computed independently with openssl):
    ``printf 'lottery secrets key check v1' | openssl dgst -sha256 -mac HMAC -macopt
    hexkey:00…00`` (32 zero bytes)."""
    assert key_check_value(bytes(32)) == (
        "3ff4ae6ce37c7e63f2a6d19d7f2acf40070d9e93343c73651116b119e6b28f24"
    )


def test_another_key_file_is_refused(service: Lifecycle, settings: Settings) -> None:
    _announced(service)
    key = _keys(settings) / "secrets.key"
    assert _check(service) == SecretKeeper.from_file(key).check_value
    service.engine.dispose()
    key.rename(key.with_name("secrets.key.other"))
    create_key_file(key)  # e.g. a second instance's, or a new one made by hand
    with pytest.raises(InputError, match=r"keys/secrets\.key 与数据库记录的密钥校验值不符"):
        Lifecycle.open(settings)
    with pytest.raises(InputError, match=r"仍然存在"):
        replace_lost_key(service.engine, settings.data_dir, lc.T_DRAW, actor="t")
    os.replace(key.with_name("secrets.key.other"), key)  # the right one back: it starts
    Lifecycle.open(settings).engine.dispose()


def test_a_missing_key_is_made_only_for_a_database_without_sealed_rows(
    service: Lifecycle, settings: Settings
) -> None:
    key = _keys(settings) / "secrets.key"
    with service.session() as s, s.begin():  # a database from before the check value
        s.exec(delete(SecretsKeyCheck))  # type: ignore[call-overload]
    service.engine.dispose()
    key.unlink()  # no sealed row, no check value: a new office, the key is made
    opened = Lifecycle.open(settings)
    assert key.is_file() and _check(opened) == opened.keeper.check_value
    opened.engine.dispose()
    key.rename(key.with_name("secrets.key.aside"))  # no sealed row, but a check value: refused
    with pytest.raises(InputError, match=r"keys/secrets\.key，而数据库中记录了它的密钥校验值"):
        Lifecycle.open(settings)
    key.with_name("secrets.key.aside").rename(key)
    opened = Lifecycle.open(settings)
    _announced(opened)
    with opened.session() as s, s.begin():
        s.exec(delete(SecretsKeyCheck))  # type: ignore[call-overload]
    opened.engine.dispose()
    kept = key.read_bytes()
    key.rename(key.with_name("secrets.key.aside"))  # keys/ forgotten at a restore
    with pytest.raises(InputError, match=r"缺少加密密钥文件 .*secrets\.key，而数据库中已有 1 条"):
        Lifecycle.open(settings)
    assert not key.exists()
    key.with_name("secrets.key.aside").rename(key)  # restored: its check value is recorded
    again = Lifecycle.open(settings)
    try:
        assert key.read_bytes() == kept
        assert _check(again) == again.keeper.check_value
    finally:
        again.engine.dispose()


def _sealed(service: Lifecycle) -> dict[tuple[str, str], bytes]:
    with service.session() as s:
        rows = [*s.exec(select(TaskSecret)), *s.exec(select(SealedOutcome))]
        return {(type(r).__name__, r.task): bytes(r.ciphertext) for r in rows}


def _write_back(service: Lifecycle, rows: dict[tuple[str, str], bytes]) -> None:
    models = {"TaskSecret": TaskSecret, "SealedOutcome": SealedOutcome}
    with service.session() as s, s.begin():
        for (model, task), ciphertext in rows.items():
            row = s.get(models[model], task)
            assert row is not None
            row.ciphertext = ciphertext
            s.add(row)


def _rotated(service: Lifecycle, settings: Settings) -> tuple[dict[tuple[str, str], bytes], str]:
    """Announce and draw, rotate the secrets key: the rows and check value from before."""
    _announced(service)
    service.draw(TASK, lc.beacon()[1], lc.T_DRAW)
    before, check = _sealed(service), _check(service)
    assert check is not None
    secrets_rotation.rotate_secrets_key(service.engine, settings.data_dir, lc.T_DRAW, actor="t")
    new = SecretKeeper.from_file(_keys(settings) / "secrets.key")
    assert _check(service) == new.check_value != check  # in the rotation's transaction
    return before, check


def test_a_database_from_before_a_rotation_names_the_archived_key(
    service: Lifecycle, settings: Settings
) -> None:
    before, check = _rotated(service, settings)
    _write_back(service, before)  # what a restore of a backup from before the rotation gives
    with service.session() as s, s.begin():
        row = s.get(SecretsKeyCheck, 1)
        assert row is not None
        row.check_value = check
        s.add(row)
    secret = before[("TaskSecret", TASK)]
    service.engine.dispose()
    keys = _keys(settings)
    with pytest.raises(InputError, match=r"属于已存档的 .*archive/secrets-1\.key"):
        Lifecycle.open(settings)
    (keys / "secrets.key").rename(keys / "secrets.key.after-restore")
    with pytest.raises(InputError, match=r"archive/secrets-1\.key"):  # nothing lost
        replace_lost_key(service.engine, settings.data_dir, lc.T_DRAW, actor="t")
    assert not (keys / "secrets.key").exists()
    shutil.copy2(keys / "archive" / "secrets-1.key", keys / "secrets.key")  # cp -p
    opened = Lifecycle.open(settings)
    try:
        assert opened.keeper.opens("office-secret", TASK, secret)
        with opened.session() as s:
            assert opened.secret_lost(s, TASK) is None
    finally:
        opened.engine.dispose()


def test_a_secret_an_archived_key_opens_is_not_lost(service: Lifecycle, settings: Settings) -> None:
    before, _ = _rotated(service, settings)
    service.engine.dispose()
    opened = Lifecycle.open(settings)
    try:
        # One row still sealed under the retired key (e.g. copied from an old backup).
        _write_back(opened, {("TaskSecret", TASK): before[("TaskSecret", TASK)]})
        archived = _keys(settings) / "archive" / "secrets-1.key"
        with opened.session() as s, pytest.raises(SecretInArchivedKey) as refused:
            opened.secret_lost(s, TASK)
        assert refused.value.archived == archived and "archive/secrets-1.key" in str(refused.value)
        with pytest.raises(InputError, match=r"没有遗失.*archive/secrets-1\.key"):
            opened.cancel(TASK, "秘密值遗失", lc.T_REVEAL, actor="director", secret_lost=True)
        assert opened.get_task(TASK).state == "drawn"
        [lost] = lost_secret_tasks(opened)
        assert (lost.task, lost.reason, lost.archived_key) == (
            TASK,
            SECRET_IN_ARCHIVED_KEY,
            str(archived),
        )
        assert lost.commands == [] and "不要取消" in lost.message
    finally:
        opened.engine.dispose()


def _forget_check(service: Lifecycle) -> None:
    """What migration 0025 gives a database from before it: sealed rows, no check value."""
    with service.session() as s, s.begin():
        s.exec(delete(SecretsKeyCheck))  # type: ignore[call-overload]


def test_an_upgrade_with_a_key_that_opens_no_row_records_nothing(
    service: Lifecycle, settings: Settings
) -> None:
    """Review 2, finding 4: the first start after 0024->0025 with the wrong key file must not
    lock that key in (the right backup would then be refused)."""
    _announced(service)
    service.create_task(lc.params(lc.small_registries(), "T2026-C02"), lc.T_ANNOUNCE, actor="p")
    service.announce("T2026-C02", lc.T_ANNOUNCE)
    rows = _sealed(service)
    assert len(rows) == 2
    _write_back(service, {("TaskSecret", TASK): b"\x00" * 72})  # the first row: damaged
    _forget_check(service)
    service.engine.dispose()
    key = _keys(settings) / "secrets.key"
    key.rename(key.with_name("secrets.key.right"))
    create_key_file(key)  # the wrong key file (another office's, a stale copy)
    with pytest.raises(InputError, match=r"keys/secrets\.key 解不开数据库中的保密数据（试了 2 条"):
        Lifecycle.open(settings)
    with pytest.raises(InputError, match=r"解不开"):  # the same at every start: nothing recorded
        Lifecycle.open(settings)
    right = SecretKeeper.from_file(key.with_name("secrets.key.right"))
    os.replace(key.with_name("secrets.key.right"), key)  # the matching backup is accepted
    opened = Lifecycle.open(settings)  # its first row is damaged, the second one opens
    try:
        assert _check(opened) == right.check_value == opened.keeper.check_value
    finally:
        opened.engine.dispose()


def test_an_upgrade_with_rows_of_an_archived_key_names_it(
    service: Lifecycle, settings: Settings
) -> None:
    before, _ = _rotated(service, settings)
    _write_back(service, before)  # a backup from before the rotation, and before 0025
    _forget_check(service)
    service.engine.dispose()
    with pytest.raises(InputError, match=r"属于已存档的 .*archive/secrets-1\.key"):
        Lifecycle.open(settings)
    assert _check(service) is None  # nothing recorded
    service.engine.dispose()


def test_a_lost_start_race_removes_the_key_it_made(
    service: Lifecycle, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 2, finding 5: two instances with their own data directories start together on
    one new database; the one whose check value is not recorded removes the key file it just
    made (never used) and says to copy the other's, not to run replace-lost."""
    _forget_check(service)  # a new office's database: no check value, no sealed row
    service.engine.dispose()
    key = _keys(settings) / "secrets.key"
    key.unlink()
    winner = tmp_path / "winner" / "keys" / "secrets.key"
    create_key_file(winner)
    real = secrets_check.create_key_file

    def other_instance_wins(path: Path) -> bool:
        made = real(path)
        with new_session(service.engine) as s, s.begin():  # between our read and our insert
            set_check(s, SecretKeeper.from_file(winner).check_value, lc.T_ANNOUNCE)
        return made

    monkeypatch.setattr(secrets_check, "create_key_file", other_instance_wins)
    with pytest.raises(InputError) as refused:
        Lifecycle.open(settings)
    message = str(refused.value)
    assert "已删除" in message and "复制 keys/secrets.key" in message
    assert "replace-lost" not in message.replace("不要运行 replace-lost", "")
    assert not [p.name for p in key.parent.iterdir() if "secrets" in p.name]  # nothing left
    monkeypatch.setattr(secrets_check, "create_key_file", real)
    shutil.copy2(winner, key)  # cp -p from the instance that made it
    opened = Lifecycle.open(settings)
    try:
        assert (
            opened.keeper.check_value
            == _check(opened)
            == SecretKeeper.from_file(winner).check_value
        )
    finally:
        opened.engine.dispose()


def test_another_offices_database_is_named_before_the_secrets_key(
    service: Lifecycle, settings: Settings, tmp_path: Path
) -> None:
    """Review 2, finding 11: a wrong LOTTERY_DATABASE_URL (another office's database, whose
    secrets key is not this data directory's) is refused as a log-identity error, not as a
    secrets-key mismatch that would suggest replace-lost."""
    _announced(service)
    service.engine.dispose()
    other = settings.model_copy(
        update={"data_dir": tmp_path / "other-office", "log_origin": "other.example/log"}
    )
    other.data_dir.mkdir()
    create_key_file(other.data_dir / "keys" / "secrets.key")  # that office's own key
    with pytest.raises(LogIdentityError, match="LOTTERY_LOG_ORIGIN"):
        Lifecycle.open(other)
    assert _check(service) == service.keeper.check_value  # nothing written


def test_an_interrupted_rotation_is_settled_by_the_rows_a_start_asks(
    service: Lifecycle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rotation whose commit went through but whose file switch did not, in a database
    without a check value (rotated before 0025): settling asks the same sample of rows as a
    start, so a damaged first row does not remove the pending key that opens the others."""
    _announced(service)
    service.create_task(lc.params(lc.small_registries(), "T2026-C02"), lc.T_ANNOUNCE, actor="p")
    service.announce("T2026-C02", lc.T_ANNOUNCE)

    def crash(keys_dir: Path) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(secrets_rotation, "_switch", crash)
    with pytest.raises(RuntimeError):
        secrets_rotation.rotate_secrets_key(service.engine, settings.data_dir, lc.T_DRAW, actor="t")
    monkeypatch.undo()
    pending = _keys(settings) / "secrets-next.key"
    new = SecretKeeper.from_file(pending)
    _forget_check(service)
    _write_back(service, {("TaskSecret", TASK): b"\x00" * 72})  # the first row: damaged
    second = _sealed(service)[("TaskSecret", "T2026-C02")]
    assert secrets_rotation.settle_secrets_key(service.engine, settings.data_dir) == "finished"
    assert not pending.exists()
    assert SecretKeeper.from_file(_keys(settings) / "secrets.key").check_value == new.check_value
    assert new.opens("office-secret", "T2026-C02", second)
