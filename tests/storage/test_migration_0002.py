"""Migration 0002 (login throttling, forced password changes) on a database made by 0001.

On SQLite and on PostgreSQL: existing accounts and sessions survive and are not forced to change
their password, the published tables stay write-once, and the migration reverses cleanly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from lottery.settings import get_settings
from lottery.storage.engine import make_engine
from lottery.storage.migrate import alembic_config, upgrade_to_head

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(get_settings(data_dir=tmp_path, database_url=database_url))
    yield eng
    eng.dispose()


def _migrate(engine: Engine, verb: str, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)


def test_upgrade_keeps_accounts_and_adds_the_throttle(engine: Engine) -> None:
    _migrate(engine, "upgrade", "0001")
    assert "login_throttle" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user_account (name, password_hash, roles, active, created_at) "
                "VALUES ('old', '$argon2id$x', '[\"admin\"]', :t, :now)"
            ),
            {"t": True, "now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO blob (sha256, data) VALUES (:h, :d)",
            ),
            {"h": "0" * 64, "d": b"published"},
        )
    upgrade_to_head(engine)
    tables = inspect(engine).get_table_names()
    assert "login_throttle" in tables
    columns = {c["name"] for c in inspect(engine).get_columns("user_account")}
    assert "must_change_password" in columns
    with engine.begin() as conn:
        row = conn.execute(text("SELECT name, must_change_password FROM user_account")).one()
    assert row[0] == "old" and not row[1]  # an existing account is not forced to change
    with pytest.raises(DBAPIError, match="write-once"), engine.begin() as conn:
        conn.execute(text("UPDATE blob SET data = data"))


def test_downgrade_removes_what_0002_added(engine: Engine) -> None:
    upgrade_to_head(engine)
    _migrate(engine, "downgrade", "0001")
    assert "login_throttle" not in inspect(engine).get_table_names()
    columns = {c["name"] for c in inspect(engine).get_columns("user_account")}
    assert "must_change_password" not in columns and "password_hash" in columns
    upgrade_to_head(engine)
    assert "login_throttle" in inspect(engine).get_table_names()
