"""Migration 0003 (the site publishes itself): the lease row and the publication table, on a
database made by 0002, on SQLite and PostgreSQL; it reverses cleanly."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step


def _lease_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.begin() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT name, holder FROM site_lease"))]


def test_upgrade_adds_the_free_lease_and_downgrade_removes_it(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0002")
    assert "site_lease" not in inspect(engine).get_table_names()
    upgrade_to_head(engine)
    assert {"site_lease", "site_publication"} <= set(inspect(engine).get_table_names())
    assert _lease_rows(engine) == [("site", None)]
    upgrade_to_head(engine)  # idempotent: still one row
    assert _lease_rows(engine) == [("site", None)]
    alembic_step(engine, "downgrade", "0002")
    tables = set(inspect(engine).get_table_names())
    assert not {"site_lease", "site_publication"} & tables
    assert "login_throttle" in tables
    upgrade_to_head(engine)
    assert _lease_rows(engine) == [("site", None)]
