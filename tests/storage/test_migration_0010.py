"""Migration 0010 (org-scoped accounts): on a database made by 0006, on SQLite and
PostgreSQL, existing accounts are put in the registry's one top-level unit (the city), so none
loses a right; with no registry they stay without a unit (the whole office); the step reverses
cleanly (accounts kept)."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from lottery.storage.migrate import upgrade_to_head
from tests.storage.conftest import alembic_step


def _add_user(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user_account (name, password_hash, roles, active, created_at)"
                " VALUES (:n, 'x', '[\"admin\"]', true, '2026-01-01 00:00:00')"
            ),
            {"n": name},
        )


def _units(engine: Engine) -> dict[str, str | None]:
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT name, org_unit FROM user_account ORDER BY name"))
        return {str(n): u for n, u in rows}


def test_existing_accounts_join_the_city(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0006")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO org_unit (code, name, level) VALUES ('city', '市人防办', 'city')")
        )
        conn.execute(
            text(
                "INSERT INTO org_unit (code, name, level, parent, region)"
                " VALUES ('county-1', '某县人防办', 'county', 'city', '419901')"
            )
        )
    _add_user(engine, "admin")
    upgrade_to_head(engine)
    assert _units(engine) == {"admin": "city"}
    alembic_step(engine, "downgrade", "0006")
    assert "org_unit" not in {c["name"] for c in inspect(engine).get_columns("user_account")}
    assert list(_units_before(engine)) == ["admin"]
    upgrade_to_head(engine)
    assert _units(engine) == {"admin": "city"}


def _units_before(engine: Engine) -> list[str]:
    with engine.begin() as conn:
        return [str(n) for n in conn.execute(text("SELECT name FROM user_account")).scalars()]


def test_without_a_registry_accounts_stay_whole_office(engine: Engine) -> None:
    alembic_step(engine, "upgrade", "0006")
    _add_user(engine, "first-admin")
    upgrade_to_head(engine)
    assert _units(engine) == {"first-admin": None}
