"""Migration 0016 (objections, issue #18): on SQLite and PostgreSQL, the ``objection`` table is
added with its task index, and the step reverses cleanly."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, inspect

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

_FILE = Path(__file__).parents[2] / "lottery/storage/migrations/versions/0016_objections.py"
BEFORE = re.search(r'^down_revision = "(\d+)"', _FILE.read_text(), re.M).group(1)  # type: ignore[union-attr]


def _table(engine: Engine) -> set[str] | None:
    found = inspect(engine)
    if "objection" not in found.get_table_names():
        return None
    assert any(i["column_names"] == ["task"] for i in found.get_indexes("objection"))
    return {c["name"] for c in found.get_columns("objection")}


def test_upgrade_adds_the_objection_table_and_downgrade_drops_it(engine: Engine) -> None:
    alembic_step(engine, "upgrade", BEFORE)
    assert _table(engine) is None
    upgrade_to_head(engine)
    columns = _table(engine)
    assert columns is not None and {"text", "period_due", "outcome_record"} <= columns
    alembic_step(engine, "downgrade", BEFORE)
    assert _table(engine) is None
    upgrade_to_head(engine)
    assert _table(engine) is not None
