"""Migration 0013 (visits and the annual cap): on SQLite and PostgreSQL, an index on
``inspection_result.target`` is added and the step reverses cleanly."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, inspect

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

_FILE = (
    Path(__file__).parents[2] / "lottery/storage/migrations/versions/0013_result_target_index.py"
)
BEFORE = re.search(r'^down_revision = "(\d+)"', _FILE.read_text(), re.M).group(1)  # type: ignore[union-attr]


def _indexed(engine: Engine) -> bool:
    indexes = inspect(engine).get_indexes("inspection_result")
    return any(i["column_names"] == ["target"] for i in indexes)


def test_upgrade_indexes_the_result_target_and_downgrade_drops_it(engine: Engine) -> None:
    alembic_step(engine, "upgrade", BEFORE)
    assert not _indexed(engine)
    upgrade_to_head(engine)
    assert _indexed(engine)
    alembic_step(engine, "downgrade", BEFORE)
    assert not _indexed(engine)
    upgrade_to_head(engine)
    assert _indexed(engine)
