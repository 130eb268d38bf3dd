"""Migration 0022 (the 保密审查 of rectifications): on SQLite and PostgreSQL, the new columns
come (``order_status`` with the server default ``published``, so orders made before it read as
published), ``order_record`` may be empty for an order waiting for the review, and the step
reverses cleanly."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

NEW = {"order_status", "order_review", "check_review"}


def _columns(engine: Engine) -> dict[str, bool]:
    return {c["name"]: bool(c["nullable"]) for c in inspect(engine).get_columns("rectification")}


def test_the_columns_come_and_go(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0021")
    assert not NEW & set(_columns(engine)) and not _columns(engine)["order_record"]
    upgrade_to_head(engine)
    columns = _columns(engine)
    assert set(columns) >= NEW and columns["order_record"]
    assert columns["order_review"] and columns["check_review"] and not columns["order_status"]
    [status] = [
        c for c in inspect(engine).get_columns("rectification") if c["name"] == "order_status"
    ]
    assert "published" in str(status["default"])
    alembic_step(engine, "downgrade", "0021")
    assert not NEW & set(_columns(engine)) and not _columns(engine)["order_record"]
    upgrade_to_head(engine)
