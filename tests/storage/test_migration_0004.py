"""Migration 0004 (accounts linked to inspectors, results sent back): two nullable columns
added on a database made by 0003 that holds an account, on SQLite and PostgreSQL; existing
accounts keep working (no inspector id) and it reverses cleanly."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_upgrade_adds_the_columns_and_keeps_accounts(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0003")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user_account (name, password_hash, roles, active, created_at,"
                " must_change_password) VALUES ('ann', 'h', '[\"inspector\"]', :t,"
                " '2026-01-01 00:00:00', :f)"
            ),
            {"t": True, "f": False},
        )
    assert "inspector_id" not in _columns(engine, "user_account")
    upgrade_to_head(engine)
    assert "inspector_id" in _columns(engine, "user_account")
    assert "review_note" in _columns(engine, "inspection_result")
    with engine.begin() as conn:
        rows = list(conn.execute(text("SELECT name, inspector_id FROM user_account")))
    assert [tuple(r) for r in rows] == [("ann", None)]
    alembic_step(engine, "downgrade", "0003")
    assert "inspector_id" not in _columns(engine, "user_account")
    assert "review_note" not in _columns(engine, "inspection_result")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_account")).scalar() == 1
    upgrade_to_head(engine)
    assert "inspector_id" in _columns(engine, "user_account")
