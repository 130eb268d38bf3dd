"""Migration 0002 (login throttling, forced password changes) on a database made by 0001.

On SQLite and on PostgreSQL: existing accounts and sessions survive and are not forced to change
their password, the published tables stay write-once, and the migration reverses cleanly.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_upgrade_keeps_accounts_and_adds_the_throttle(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0001")
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
    alembic_step(engine, "downgrade", "0001")
    assert "login_throttle" not in inspect(engine).get_table_names()
    columns = {c["name"] for c in inspect(engine).get_columns("user_account")}
    assert "must_change_password" not in columns and "password_hash" in columns
    upgrade_to_head(engine)
    assert "login_throttle" in inspect(engine).get_table_names()
