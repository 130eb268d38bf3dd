"""The browser suite: every test here is a ``browser`` test, and a missing Playwright is said.

The modules import Playwright at the top. Without it they are not imported at all (no import
error, even for a module named on the command line): they collect no test, the summary says
the browser suite did not run, and under LOTTERY_REQUIRE_ALL_SUITES=1 the run stops with that
reason (see tests/suite_guard.py).

The ``browser`` fixture (one Chromium per module) imports tests/browser/chromium.py, and so
Playwright, only when a test asks for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.suite_guard import note_not_run, playwright_missing

if TYPE_CHECKING:
    from playwright.sync_api import Browser

_MISSING = playwright_missing()


class _NotImported(pytest.File):
    """A browser module left unimported: Playwright, which it imports, is missing."""

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        assert _MISSING is not None
        note_not_run("browser", _MISSING)
        return []


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.File | None:
    if _MISSING is None:
        return None  # the usual module
    return _NotImported.from_parent(parent, path=module_path)


def pytest_itemcollected(item: pytest.Item) -> None:
    # A module that forgets its browser marker still needs Chromium: mark it here.
    item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, launched once for the module (see tests/browser/chromium.py)."""
    from tests.browser.chromium import launch  # imports Playwright: only when a test runs

    with launch() as chromium:
        yield chromium
