"""Migration 0021 (committed pools): on SQLite and PostgreSQL, ``withheld_target_type`` and
``target_commitment`` are created, hold a row each (a commitment id is unique), and the step
reverses cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

TABLES = {"withheld_target_type", "target_commitment"}


def test_the_tables_come_and_go(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0020")
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade_to_head(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO withheld_target_type (type, set_by, set_at)"
                " VALUES ('peacetime_use', 'admin', '2026-10-12 02:00:00+00')"
            )
        )
        conn.execute(
            text("INSERT INTO target_commitment (uscc, id, name, salt) VALUES (:u, :i, :n, :s)"),
            {"u": "91419901MA4L70001P", "i": "ab" * 32, "n": "某公司", "s": bytes(32)},
        )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text("INSERT INTO target_commitment (uscc, id, name, salt) VALUES (:u, :i, :n, :s)"),
            {"u": "91419901MA4L70002T", "i": "ab" * 32, "n": "另一公司", "s": bytes(32)},
        )
    alembic_step(engine, "downgrade", "0020")
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade_to_head(engine)
