"""Migration 0005 (withdrawal that removes): on a database made by 0004, on SQLite and
PostgreSQL, a blob stays write-once unless ``withdrawn_blob`` lists it; that table is itself
write-once; the migration reverses cleanly and the old rule (no blob ever deleted) returns."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

KEPT, GONE = "a" * 64, "b" * 64


def _blob(engine: Engine, sha: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO blob (sha256, data) VALUES (:s, :d)"), {"s": sha, "d": b"x"})


def _refused(engine: Engine, sql: str, **params: str) -> None:
    with pytest.raises(DBAPIError, match="write-once"), engine.begin() as conn:
        conn.execute(text(sql), params)


def test_only_a_withdrawn_blob_may_be_deleted_and_the_step_reverses(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0004")
    _blob(engine, KEPT)
    _blob(engine, GONE)
    upgrade_to_head(engine)
    assert "withdrawn_blob" in inspect(engine).get_table_names()
    _refused(engine, "DELETE FROM blob WHERE sha256 = :s", s=KEPT)
    _refused(engine, "UPDATE blob SET data = :d WHERE sha256 = :s", d="y", s=KEPT)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO withdrawn_blob (sha256, record_id) VALUES (:s, :r)"),
            {"s": GONE, "r": "c" * 64},
        )
        conn.execute(text("DELETE FROM blob WHERE sha256 = :s"), {"s": GONE})
    _refused(engine, "DELETE FROM withdrawn_blob WHERE sha256 = :s", s=GONE)
    _refused(engine, "UPDATE withdrawn_blob SET record_id = :r", r="d" * 64)
    with engine.begin() as conn:
        assert [r[0] for r in conn.execute(text("SELECT sha256 FROM blob"))] == [KEPT]
    alembic_step(engine, "downgrade", "0004")
    assert "withdrawn_blob" not in inspect(engine).get_table_names()
    _refused(engine, "DELETE FROM blob WHERE sha256 = :s", s=KEPT)
    upgrade_to_head(engine)
    assert "withdrawn_blob" in inspect(engine).get_table_names()
