"""Suite-wide setup: which optional suites can run here, said plainly at the end.

Suites that need real services are marked ``postgres`` (LOTTERY_TEST_POSTGRES_URL) or
``browser`` (Debian's /usr/bin/chromium). Without them those tests are skipped with a reason
and the summary names the suites that did not run; with LOTTERY_REQUIRE_ALL_SUITES=1 (set by
.ci/run) a missing service is an error instead, so CI never counts a skip as a pass.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

_MISSING: dict[str, str] = {}


def _postgres_url() -> str | None:
    return os.environ.get("LOTTERY_TEST_POSTGRES_URL") or None


def _chromium() -> str | None:
    path = "/usr/bin/chromium"
    return path if os.path.exists(path) else shutil.which("chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    require = os.environ.get("LOTTERY_REQUIRE_ALL_SUITES") == "1"
    checks = {
        "postgres": (_postgres_url(), "LOTTERY_TEST_POSTGRES_URL is not set"),
        "browser": (_chromium(), "Debian's chromium is not installed"),
    }
    for item in items:
        for marker, (available, reason) in checks.items():
            if marker in item.keywords and not available:
                if require:
                    raise pytest.UsageError(
                        f"{marker} suite required (LOTTERY_REQUIRE_ALL_SUITES=1) but {reason}"
                    )
                _MISSING[marker] = reason
                item.add_marker(pytest.mark.skip(reason=f"{marker} suite not run: {reason}"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _MISSING:
        terminalreporter.section("suites not run on this machine")
        for marker, reason in sorted(_MISSING.items()):
            terminalreporter.write_line(f"NOT RUN: {marker} suite ({reason})")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url = _postgres_url()
    assert url is not None
    yield url
