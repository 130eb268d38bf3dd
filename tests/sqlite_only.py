"""``database_url`` on SQLite only, for test modules whose tests do not depend on the database.

The console's page and form tests (what a page shows, which field an error sits next to, who
may press which button, escaping) and the request guards of the API run on SQLite: every
service call they make, and every query a page runs, is tested on both databases in
tests/service and tests/storage, and tests/api/test_console.py and test_console_admin.py keep
the console itself on PostgreSQL too (docs/testing.md, "Which tests run on PostgreSQL").
A module opts in with one import::

    from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.storage.conftest import sqlite_database_url


@pytest.fixture(name="database_url")
def sqlite_only_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The SQLite side of ``database_url`` alone."""
    return sqlite_database_url(request, tmp_path)
