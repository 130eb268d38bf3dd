"""Migration 0012 (risk rules): on a database that holds an item-list version, on SQLite and
PostgreSQL, ``item_list_version.risk_rules`` is added as NULL (no rules), takes rules, and the
step reverses cleanly (the version kept)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

_FILE = Path(__file__).parents[2] / "lottery/storage/migrations/versions/0012_risk_rules.py"
BEFORE = re.search(r'^down_revision = "(\d+)"', _FILE.read_text(), re.M).group(1)  # type: ignore[union-attr]


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("item_list_version")}


def test_upgrade_adds_risk_rules_and_keeps_versions(engine: Engine) -> None:
    alembic_step(engine, "upgrade", BEFORE)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO item_list_version (version, effective, items, created_at)"
                " VALUES (1, '2026-01-01', '[]', '2026-01-01 00:00:00')"
            )
        )
    assert "risk_rules" not in _columns(engine)
    upgrade_to_head(engine)
    assert "risk_rules" in _columns(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT risk_rules FROM item_list_version")).scalar() is None
        conn.execute(
            text("UPDATE item_list_version SET risk_rules = :r"),
            {"r": '{"raise": [], "uncapped": ["D"], "key_items_uncapped": false}'},
        )
    alembic_step(engine, "downgrade", BEFORE)
    assert "risk_rules" not in _columns(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT version FROM item_list_version")).scalar() == 1
    upgrade_to_head(engine)
    assert "risk_rules" in _columns(engine)
