"""Migration 0023 (the pusher's witness state): on SQLite and PostgreSQL, ``witness_state``
is created, holds one row per witness name, and the step reverses cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

INSERT = text(
    "INSERT INTO witness_state (name, vkey, url, size, failures, last_error, failing_since)"
    " VALUES (:n, 'w+00000000+AA==', 'http://127.0.0.1:9', 0, 1, 'down',"
    " '2026-10-12 02:00:00+00')"
)


def test_the_table_comes_and_goes(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0022")
    assert "witness_state" not in inspect(engine).get_table_names()
    upgrade_to_head(engine)
    assert "witness_state" in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(INSERT, {"n": "jiwei"})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(INSERT, {"n": "jiwei"})
    alembic_step(engine, "downgrade", "0022")
    assert "witness_state" not in inspect(engine).get_table_names()
    upgrade_to_head(engine)
