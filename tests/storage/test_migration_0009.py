"""Migration 0009 (documents): on a database made by 0006 that holds a task, on SQLite and
PostgreSQL, ``document`` is created empty, takes a document, refuses a second one with the
same kind, year and sequence number, and the step reverses cleanly (tasks kept)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

INSERT = text(
    "INSERT INTO document (kind, office, task, target, year, seq, number, status, data_sha256,"
    " sha256, size, pdf, issued_at, issued_by) VALUES ('notice', '人防办', 'T-1',"
    " '91410000MA0000000X', 2026, 1, :number, 'current', 'a', 'b', 3, :pdf,"
    " '2026-01-02 00:00:00', 'p')"
)


def test_upgrade_adds_the_document_table_and_keeps_tasks(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0006")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO task (id, title, state, params, created_by, created_at, updated_at)"
                " VALUES ('T-1', 't', 'drawn', '{}', 'p', '2026-01-01 00:00:00',"
                " '2026-01-01 00:00:00')"
            )
        )
    assert "document" not in inspect(engine).get_table_names()
    upgrade_to_head(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("document")}
    assert {"kind", "task", "target", "number", "sha256", "size", "pdf", "issued_by"} <= columns
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM document")).scalar() == 0
        conn.execute(INSERT, {"number": "人防检通〔2026〕1号", "pdf": b"pdf"})
    with pytest.raises(IntegrityError), engine.begin() as conn:  # same kind, year and seq
        conn.execute(INSERT, {"number": "X〔2026〕1号", "pdf": b"pdf"})
    alembic_step(engine, "downgrade", "0006")
    assert "document" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        assert conn.execute(text("SELECT state FROM task")).scalar() == "drawn"
    upgrade_to_head(engine)
    assert "document" in inspect(engine).get_table_names()
