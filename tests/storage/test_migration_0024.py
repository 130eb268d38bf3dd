"""Migration 0024: on SQLite and PostgreSQL, the index on ``log_entry.type`` (the lookup of the
last ``key-change`` record on every write) is created and the step reverses cleanly."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step


def _indexes(engine: Engine) -> set[str]:
    return {str(i["name"]) for i in inspect(engine).get_indexes("log_entry")}


def test_the_index_comes_and_goes(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0023")
    assert "ix_log_entry_type" not in _indexes(engine)
    upgrade_to_head(engine)
    assert "ix_log_entry_type" in _indexes(engine)
    alembic_step(engine, "downgrade", "0023")
    assert "ix_log_entry_type" not in _indexes(engine)
