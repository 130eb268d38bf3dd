"""Schema, write-once published tables and the log's checkpoint refusal, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from lottery.core.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from lottery.core.records import make_record
from lottery.service.log import LogIntegrityError, PublicLog
from lottery.settings import get_settings
from lottery.storage.engine import make_engine, new_session
from lottery.storage.migrate import upgrade_to_head
from lottery.storage.models import CheckpointRow
from tests import lifecycle as lc

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def engine(empty_database_url: str, tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(get_settings(data_dir=tmp_path, database_url=empty_database_url))
    upgrade_to_head(eng)
    yield eng
    eng.dispose()


def _item_list(version: int) -> bytes:
    fields = {
        "version": version,
        "effective": "2026-01-01",
        "items": [
            {
                "code": "RF-01",
                "name": "人防工程使用情况",
                "basis": "《人民防空法》",
                "subject": "市人防办",
                "item": "人防工程平时使用",
                "content": "使用登记",
                "ratio": "5%",
                "frequency": "每年1次",
                "method": "实地检查",
                "requirements": "",
                "key": False,
            }
        ],
    }
    return make_record("item-list", lc.LOG, NOW, fields, [lc.office_signer()])


def _append(engine: Engine, log: PublicLog, versions: range) -> None:
    with new_session(engine) as s, s.begin():
        for v in versions:
            log.append(s, _item_list(v))
            log.put_blob(s, f"blob {v}".encode())
            log.put_blob(s, f"blob {v}".encode())  # idempotent
        log.sign_checkpoint(s, NOW)


def test_migrations_are_idempotent(engine: Engine) -> None:
    upgrade_to_head(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"log_entry", "blob", "checkpoint", "task", "task_secret", "alembic_version"} <= tables


def test_log_appends_and_signs_consistent_checkpoints(engine: Engine) -> None:
    log = PublicLog(lc.LOG, lc.office_signer())
    _append(engine, log, range(1, 4))
    _append(engine, log, range(4, 6))
    with new_session(engine) as s, s.begin():
        assert log.size(s) == 5
        log.append(s, _item_list(1))  # the same record is not appended twice
        assert log.size(s) == 5
        assert len(log.blobs(s)) == 5
        latest = log.latest_checkpoint(s)
    assert latest is not None
    cp = open_checkpoint(latest, [log.verifier], origin=lc.LOG)
    assert cp.size == 5


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE log_entry SET type = 'x'",
        "DELETE FROM log_entry",
        "UPDATE blob SET data = data",
        "DELETE FROM checkpoint",
    ],
)
def test_published_tables_are_write_once(engine: Engine, statement: str) -> None:
    _append(engine, PublicLog(lc.LOG, lc.office_signer()), range(1, 3))
    with pytest.raises(DBAPIError, match="write-once"), engine.begin() as conn:
        conn.execute(text(statement))


def test_refuses_checkpoint_inconsistent_with_last_signed(engine: Engine) -> None:
    log = PublicLog(lc.LOG, lc.office_signer())
    _append(engine, log, range(1, 3))
    # Someone with database access edits a published record (bypassing the write-once guard).
    forged = _item_list(9)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE log_entry DISABLE TRIGGER log_entry_write_once"))
        else:
            conn.execute(text("DROP TRIGGER log_entry_no_update"))
        conn.execute(text("UPDATE log_entry SET note = :n WHERE idx = 1"), {"n": forged})
    with pytest.raises(LogIntegrityError, match="does not extend"):
        _append(engine, log, range(3, 4))
    with new_session(engine) as s, s.begin():
        assert log.size(s) == 2  # the append rolled back with the refusal


def test_refuses_checkpoint_smaller_than_last_signed(engine: Engine) -> None:
    log = PublicLog(lc.LOG, lc.office_signer())
    _append(engine, log, range(1, 3))
    bogus = Checkpoint(lc.LOG, 7, b"\x01" * 32)
    with new_session(engine) as s, s.begin():
        s.add(CheckpointRow(size=7, note=sign_checkpoint(bogus, [log.signer]), created_at=NOW))
    with pytest.raises(LogIntegrityError, match="last checkpoint covers 7"):
        _append(engine, log, range(3, 4))
