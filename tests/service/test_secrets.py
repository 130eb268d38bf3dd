"""The secrets key file and sealing (no database needed)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lottery.core.errors import InputError
from lottery.service.secrets import (
    SecretKeeper,
    SecretStoreError,
    create_key_file,
    new_office_secret,
)
from lottery.settings import get_settings


def _keyed(data_dir: Path) -> SecretKeeper:
    assert create_key_file(data_dir / "keys" / "secrets.key")
    return SecretKeeper.from_data_dir(data_dir)


def test_key_file_created_once_private(tmp_path: Path) -> None:
    k1 = _keyed(tmp_path)
    path = tmp_path / "keys" / "secrets.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    before = path.read_bytes()
    assert not create_key_file(path)  # never overwritten: the existing key is kept
    k2 = SecretKeeper.from_data_dir(tmp_path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["secrets.key"]  # no temp file left
    sealed = k1.seal("office-secret", "T1", b"x" * 32)
    assert k2.open("office-secret", "T1", sealed) == b"x" * 32
    assert "key" not in repr(k1).replace("key hidden", "")


def test_a_missing_key_file_is_refused_not_made(tmp_path: Path) -> None:
    """Only open_secrets_keeper makes a key, and only for a database without sealed rows."""
    with pytest.raises(InputError, match=r"cannot open the secrets key file .*secrets\.key"):
        SecretKeeper.from_data_dir(tmp_path)
    assert not (tmp_path / "keys").exists()


def test_sealed_values_are_bound_to_task_and_key(tmp_path: Path) -> None:
    keeper = _keyed(tmp_path / "a")
    secret = new_office_secret()
    assert len(secret) == 32
    sealed = keeper.seal("office-secret", "T1", secret)
    assert secret not in sealed
    with pytest.raises(SecretStoreError, match="T2"):
        keeper.open("office-secret", "T2", sealed)
    with pytest.raises(SecretStoreError, match="outcome"):
        keeper.open("outcome", "T1", sealed)
    other = _keyed(tmp_path / "b")
    with pytest.raises(SecretStoreError, match="key file"):
        other.open("office-secret", "T1", sealed)


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    _keyed(tmp_path)
    os.chmod(tmp_path / "keys" / "secrets.key", 0o644)
    with pytest.raises(InputError, match="chmod 600"):
        SecretKeeper.from_data_dir(tmp_path)


def test_settings_defaults_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = get_settings(data_dir=tmp_path)
    assert s.database_url == f"sqlite:///{tmp_path / 'lottery.db'}"
    assert not (tmp_path / "lottery.db").exists()  # nothing created by settings
    monkeypatch.setenv("LOTTERY_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("LOTTERY_LOG_ORIGIN", "office.example/log")
    s = get_settings()
    assert (s.database_url, s.log_origin) == ("postgresql://u@h/db", "office.example/log")
    assert s.drand_relays
