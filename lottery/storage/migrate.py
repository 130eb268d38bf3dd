"""Bring a database schema up to date with Alembic, configured in code (no alembic.ini)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from lottery.core.errors import InputError

MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 0x10771E7  # an arbitrary, fixed advisory lock id


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config for our migrations; with ``engine``, env.py uses its connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


@cache
def head_revision() -> str | None:
    """The newest revision of our migrations (read once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade_to_head(engine: Engine) -> None:
    """Apply every migration not yet applied (idempotent; safe to call on each start).

    A database already at the head is left as it is without loading Alembic's environment and
    every migration script (most of a second, paid on each start and by every test).
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two instances starting together migrate one after the other.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        if MigrationContext.configure(connection).get_current_revision() == head_revision():
            return
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class SchemaOutdated(InputError):
    """The database's schema is not the one this code was written for; nothing was changed."""


def current_revision(engine: Engine) -> str | None:
    """The database's Alembic revision, or None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def prepare_schema(engine: Engine) -> None:
    """Create the schema of a new (never migrated) database; refuse any other that is not at
    the head. Upgrading an office's database is a decision: ``lottery db upgrade``.

    Raises:
        SchemaOutdated: naming both revisions and the command to run, in Chinese and English.
    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        upgrade_to_head(engine)
        return
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current in known:
        raise SchemaOutdated(
            f"数据库结构版本 {current} 旧于程序要求的 {head}：请先备份（lottery backup），"
            f"再运行 `lottery db upgrade` / the database schema is at revision {current}, older "
            f"than this code's {head}: back it up, then run `lottery db upgrade`"
        )
    raise SchemaOutdated(
        f"数据库结构版本 {current} 比本程序（{head}）新：请使用更新版本的程序 / the database "
        f"schema is at revision {current}, which this code does not know (its newest is "
        f"{head}): run the newer release that migrated it"
    )
