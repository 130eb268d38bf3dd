"""Migration 0011 (rectification orders and re-checks): on a database made by 0006 that holds
a task, on SQLite and PostgreSQL, ``rectification`` is created empty, takes an order for the
existing task, and the step reverses cleanly (tasks kept)."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrade_adds_the_rectification_table_and_keeps_tasks(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0006")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO task (id, title, state, params, created_by, created_at, updated_at)"
                " VALUES ('T-1', 't', 'disclosed', '{}', 'p', '2026-01-01 00:00:00',"
                " '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO target (uscc, name, type, region, risk_class, status,"
                " complaints, bad_records, serious_violation)"
                " VALUES ('91000000000000000X', 'n', 'peacetime_use', 'r', 'low', 'active',"
                " 0, 0, false)"
            )
        )
    assert "rectification" not in _tables(engine)
    upgrade_to_head(engine)
    assert "rectification" in _tables(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("rectification")}
    assert {"task", "target", "result_record", "due", "order_record", "check_status"} <= columns
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM rectification")).scalar() == 0
        conn.execute(
            text(
                "INSERT INTO rectification (task, target, result_record, requirements, due,"
                " ordered_by, ordered_at, order_record, check_status) VALUES ('T-1',"
                " '91000000000000000X', 'r', '整改', '2026-02-01', 'p', '2026-01-02 00:00:00',"
                " 'o', 'none')"
            )
        )
    assert "target_report" in _tables(engine)
    alembic_step(engine, "downgrade", "0006")
    assert not {"rectification", "target_report"} & _tables(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT state FROM task")).scalar() == "disclosed"
    upgrade_to_head(engine)
    assert "rectification" in _tables(engine)
