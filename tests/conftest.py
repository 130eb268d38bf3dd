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
