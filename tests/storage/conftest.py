"""Database fixtures: every storage/service test runs on SQLite and on PostgreSQL.

``database_url`` is a database already migrated to the newest schema, as the service opens it
(the service's own ``upgrade_to_head`` then finds nothing to do). It is a copy of a template
migrated once per test process (the session fixtures in tests/conftest.py): on PostgreSQL
``CREATE DATABASE ... TEMPLATE`` through the maintenance database of LOTTERY_TEST_POSTGRES_URL
(dropped afterwards), on SQLite a file copy. Migrating every test's database from nothing
cost about a third of a second a test on each database. ``empty_database_url`` is a database
with no tables, for the tests of the migrations themselves.
"""

from __future__ import annotations

import atexit
import os
import queue
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url

from lottery.settings import get_settings
from lottery.storage.engine import make_engine, normalize_url
from lottery.storage.migrate import alembic_config, upgrade_to_head


def _postgres_server() -> tuple[URL, Engine]:
    base = make_url(normalize_url(os.environ["LOTTERY_TEST_POSTGRES_URL"]))
    return base, create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")


# Dropped databases wait here for a background thread of the test process (below).
_TO_DROP: queue.Queue[str | None] = queue.Queue()
_DROPPER: list[threading.Thread] = []
_DROPPER_LOCK = threading.Lock()
_IDLE = 1.0
"""Seconds the dropper waits for more work before it ends. It must end: while it runs the
process is not single-threaded, so the forked-worker tests (tests/core/test_parallel.py) and
the collector's pause (tests/publisher/test_collector.py) would take their one-thread path
or fail, depending on which tests pytest-xdist happened to give the same worker first."""


def _drop_in_turn() -> None:
    _, admin = _postgres_server()
    try:
        while True:
            try:
                name = _TO_DROP.get(timeout=_IDLE)
            except queue.Empty:
                with _DROPPER_LOCK:  # _drop_later puts and looks under the same lock
                    if _TO_DROP.empty():
                        _DROPPER.clear()
                        return
                continue
            if name is None:
                return
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _finish_drops() -> None:
    with _DROPPER_LOCK:
        running = list(_DROPPER)
        if running:
            _TO_DROP.put(None)
    for thread in running:
        thread.join()


def _drop_later(name: str) -> None:
    """Drop database ``name`` in the background: a DROP DATABASE waits for the server's
    checkpoint (0.5-2 s on a loaded machine), which the next test need not wait for. The
    thread ends when it has been idle for :data:`_IDLE` seconds (a later drop starts another);
    the process waits for every drop before it exits."""
    with _DROPPER_LOCK:
        _TO_DROP.put(name)
        if _DROPPER:
            return
        # A daemon: the interpreter's shutdown waits for non-daemon threads BEFORE the exit
        # handlers run, so a plain thread would hang the worker (and lose its coverage data,
        # which coverage saves in its own exit handler); _finish_drops ends it instead.
        thread = threading.Thread(target=_drop_in_turn, name="drop-databases", daemon=True)
        _DROPPER.append(thread)
        thread.start()


atexit.register(_finish_drops)


def fresh_postgres(template: str | None = None) -> Iterator[str]:
    base, admin = _postgres_server()
    name = f"lottery_test_{uuid.uuid4().hex[:12]}"
    # WAL_LOG (PostgreSQL's default, written out): FILE_COPY takes two checkpoints, which cost
    # 0.7-1.7 s a database on the suite's loaded machine against 0.3-0.6 s for WAL_LOG.
    copy = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
    try:
        with admin.connect() as conn:
            # A test database is thrown away: its commits need not wait for the disk (3.3 ms
            # a commit on this machine against 0.1 ms; about 50 commits a test). What other
            # connections see is the same; only a crash of the server itself could lose them.
            conn.exec_driver_sql("SET synchronous_commit = off")
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        admin.dispose()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_later(name)


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema."""
    engine = create_engine(url)
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()


def sqlite_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The SQLite side of ``database_url``: a copy of the migrated template in ``tmp_path`` (of
    the loaded one for a test of the standard ``service`` fixture).

    A module whose tests do not depend on the database overrides ``database_url`` with this,
    to run on SQLite only.
    """
    path = tmp_path / "lottery.db"
    if "_service_template" in request.fixturenames:
        source = request.getfixturevalue("_loaded_sqlite") / "lottery.db"
    else:
        source = request.getfixturevalue("_sqlite_template")
    shutil.copyfile(source, path)
    return f"sqlite:///{path}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a database at the newest schema with no rows: SQLite in tmp_path, or PostgreSQL.

    For a test of the standard ``service`` fixture (tests/service/conftest.py), the database
    holds that service's loaded state instead (its marker ``_service_template``).
    """
    if request.param == "sqlite":
        yield sqlite_database_url(request, tmp_path)
    else:
        if "_service_template" in request.fixturenames:
            template = request.getfixturevalue("_loaded_postgres")[0]
        else:
            template = request.getfixturevalue("_postgres_template")
        yield from fresh_postgres(template)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database (no tables): a SQLite file in tmp_path, or new PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lottery.db'}"
    else:
        yield from fresh_postgres()


@pytest.fixture
def engine(empty_database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database (the migration tests; test_storage.py migrates its own)."""
    eng = make_engine(get_settings(data_dir=tmp_path, database_url=empty_database_url))
    yield eng
    eng.dispose()


def alembic_step(engine: Engine, verb: str, revision: str) -> None:
    """Run alembic's ``upgrade`` or ``downgrade`` to ``revision`` on ``engine``."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)
