"""Migration 0006 (two-person cancellation): on a database made by 0005 that holds a task, on
SQLite and PostgreSQL, ``cancel_request`` is created empty, takes a pending request for the
existing task, and the step reverses cleanly (tasks kept)."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrade_adds_the_request_table_and_keeps_tasks(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO task (id, title, state, params, created_by, created_at, updated_at)"
                " VALUES ('T-1', 't', 'announced', '{}', 'p', '2026-01-01 00:00:00',"
                " '2026-01-01 00:00:00')"
            )
        )
    assert "cancel_request" not in _tables(engine)
    upgrade_to_head(engine)
    assert "cancel_request" in _tables(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("cancel_request")}
    assert {"task", "reason", "task_state", "status", "requested_by", "decided_by"} <= columns
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM cancel_request")).scalar() == 0
        conn.execute(
            text(
                "INSERT INTO cancel_request (task, reason, task_state, status, requested_by,"
                " requested_at) VALUES ('T-1', '原因', 'announced', 'pending', 'p',"
                " '2026-01-02 00:00:00')"
            )
        )
    alembic_step(engine, "downgrade", "0005")
    assert "cancel_request" not in _tables(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT state FROM task")).scalar() == "announced"
    upgrade_to_head(engine)
    assert "cancel_request" in _tables(engine)
