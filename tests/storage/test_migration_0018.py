"""Migration 0018 (the exchange with the national platforms): on SQLite and PostgreSQL, the
``exchange_export`` table is created with the columns the service writes, and the step
reverses cleanly."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, inspect

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

_FILE = Path(__file__).parents[2] / "lottery/storage/migrations/versions/0018_exchange_exports.py"
BEFORE = re.search(r'^down_revision = "(\d+)"', _FILE.read_text(), re.M).group(1)  # type: ignore[union-attr]
COLUMNS = {
    "id",
    "format",
    "kind",
    "year",
    "file_type",
    "rows",
    "sha256",
    "size",
    "made_by",
    "made_at",
    "sent_on",
    "sent_by",
    "sent_marked_at",
}


def test_upgrade_creates_the_export_log_and_downgrade_drops_it(engine: Engine) -> None:
    upgrade_to_head(engine)
    assert {c["name"] for c in inspect(engine).get_columns("exchange_export")} == COLUMNS
    alembic_step(engine, "downgrade", BEFORE)
    assert "exchange_export" not in inspect(engine).get_table_names()
    upgrade_to_head(engine)
    assert "exchange_export" in inspect(engine).get_table_names()
