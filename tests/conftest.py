"""Suite-wide setup: the suite guard plugin and the fixtures of the optional suites.

tests/suite_guard.py decides which optional suites (``postgres``, ``browser``) can run here:
outside CI their tests are skipped and the summary names the suites that did not run; with
LOTTERY_REQUIRE_ALL_SUITES=1 (set by .ci/run) a missing service, and any other skip, makes
the run fail, so CI never counts a skip as a pass. See docs/testing.md, "Skips and CI".
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# A plugin, not an import: pytest must load it itself to rewrite its asserts.
pytest_plugins = ["tests.suite_guard"]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The server of the ``postgres`` suite (its tests are skipped or refused without one)."""
    url = os.environ.get("LOTTERY_TEST_POSTGRES_URL")
    assert url, "a postgres test ran without LOTTERY_TEST_POSTGRES_URL"
    yield url


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id at its lowest cost inside the test process.

    The service hashes with argon2's defaults (about 0.2 s a hash); the API fixtures create five
    staff accounts and log them in for every test, on both databases, which made hashing the
    largest single cost of the suite. What the tests check (who may log in, throttling, password
    rules, which calls hash) does not depend on the cost. Subprocesses (the CLI, `lottery
    serve`, the benchmarks) keep the real parameters, and so does the hash of unknown users.
    """
    from argon2 import PasswordHasher

    from lottery.service import users

    real = users._HASHER
    users._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    users._HASHER = real
