"""Migration 0020 (部门联合抽查): on a database holding an inspector, on SQLite and PostgreSQL,
``inspector.department`` is added as "" (the office's own), takes a department, and the step
reverses cleanly (the inspector kept)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step

_FILE = (
    Path(__file__).parents[2] / "lottery/storage/migrations/versions/0020_inspector_department.py"
)
BEFORE = re.search(r'^down_revision = "(\d+)"', _FILE.read_text(), re.M).group(1)  # type: ignore[union-attr]


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("inspector")}


def test_upgrade_adds_the_department_as_the_offices_own_and_keeps_inspectors(
    engine: Engine,
) -> None:
    alembic_step(engine, "upgrade", BEFORE)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO org_unit (code, name, level) VALUES ('city', '市人防办', 'city')")
        )
        conn.execute(
            text(
                "INSERT INTO inspector (id, name, cert_no, cert_valid_from, cert_valid_to,"
                " org_unit, level, specialties, status)"
                " VALUES ('E1', '王伟', 'C1', '2024-01-01', '2028-12-31', 'city', 'city',"
                " '[]', 'active')"
            )
        )
    assert "department" not in _columns(engine)
    upgrade_to_head(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT department FROM inspector")).scalar() == ""
        conn.execute(text("UPDATE inspector SET department = '市住建局'"))
        assert conn.execute(text("SELECT department FROM inspector")).scalar() == "市住建局"
    alembic_step(engine, "downgrade", BEFORE)
    assert "department" not in _columns(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT id FROM inspector")).scalar() == "E1"
    upgrade_to_head(engine)
    assert "department" in _columns(engine)
