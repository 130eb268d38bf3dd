"""Database fixtures: every storage/service test runs on SQLite and on PostgreSQL.

PostgreSQL tests create a uniquely named database through the maintenance database of
LOTTERY_TEST_POSTGRES_URL and drop it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from lottery.storage.engine import normalize_url


def _fresh_postgres() -> Iterator[str]:
    base = make_url(normalize_url(os.environ["LOTTERY_TEST_POSTGRES_URL"]))
    name = f"lottery_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file in tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lottery.db'}"
    else:
        yield from _fresh_postgres()
