"""Migration 0025 (the secrets key's check value): on SQLite and PostgreSQL,
``secrets_key_check`` is created, holds one row (id 1), and the step reverses cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

INSERT = text(
    "INSERT INTO secrets_key_check (id, check_value, updated_at)"
    " VALUES (1, :v, '2026-10-12 02:00:00+00')"
)


def test_the_table_comes_and_goes(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0024")
    assert "secrets_key_check" not in inspect(engine).get_table_names()
    upgrade_to_head(engine)
    assert "secrets_key_check" in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(INSERT, {"v": "ab" * 32})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(INSERT, {"v": "cd" * 32})
    alembic_step(engine, "downgrade", "0024")
    assert "secrets_key_check" not in inspect(engine).get_table_names()
    upgrade_to_head(engine)
