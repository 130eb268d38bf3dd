"""A pytest plugin: which optional suites can run here, and no skip passes for a result in CI.

tests/conftest.py registers it (``pytest_plugins``); tests/test_suite_guard.py loads it into
pytest runs on generated test directories (``-p tests.suite_guard``).

Suites that need real services are marked ``postgres`` (a server at LOTTERY_TEST_POSTGRES_URL),
``browser`` (Playwright and Debian's Chromium at /usr/bin/chromium, or the executable named
by LOTTERY_TEST_CHROMIUM), ``nginx`` (Debian's nginx at /usr/sbin/nginx, or the executable
named by LOTTERY_TEST_NGINX; tests/deploy) or ``rsync`` (Debian's rsync on the PATH, or the
executable named by LOTTERY_TEST_RSYNC; tests/deploy, the site push and pull scripts).
Every test under tests/browser is a browser test, marked or not.

Outside CI a suite that cannot run is skipped, and the summary says plainly which suites did
not run and why. With LOTTERY_REQUIRE_ALL_SUITES=1 (set by .ci/run):

- a missing service stops the run at collection (exit status 4), naming the suite, the reason
  and a test that needed it;
- any other skip, whatever its form (``pytest.skip`` in a test or a fixture, a skip or skipif
  marker, a module-level ``pytest.skip`` or ``pytest.importorskip``), is reported as a failure
  naming the test (or module) and the skip's reason, so the run exits non-zero. There is no
  allow-list: the suite has no test that may legitimately skip in CI. An expected failure
  (``xfail``) is not a skip and is left alone.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Generator

import pytest

REQUIRE_ENV = "LOTTERY_REQUIRE_ALL_SUITES"
CHROMIUM_ENV = "LOTTERY_TEST_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
NGINX_ENV = "LOTTERY_TEST_NGINX"
DEFAULT_NGINX = "/usr/sbin/nginx"
RSYNC_ENV = "LOTTERY_TEST_RSYNC"
SUITES = ("postgres", "browser", "nginx", "rsync")

# Suites that did not run in this session, with the reason: for the summary.
_MISSING: dict[str, str] = {}
# Skips turned into failures in this session (node id, reason): for the summary.
_COUNTED: list[tuple[str, str]] = []
_REASONS: dict[str, str | None] = {}


def required() -> bool:
    """Whether every suite must run and no skip is allowed (CI)."""
    return os.environ.get(REQUIRE_ENV) == "1"


def postgres_url() -> str | None:
    """The PostgreSQL server for the ``postgres`` suite, or None."""
    return os.environ.get("LOTTERY_TEST_POSTGRES_URL") or None


def chromium_path() -> str | None:
    """The Chromium executable for the ``browser`` suite, or None when there is none.

    LOTTERY_TEST_CHROMIUM, when set, is the only candidate (tests use it to make Chromium
    unavailable); otherwise Debian's /usr/bin/chromium, else ``chromium`` on the PATH.
    """
    override = os.environ.get(CHROMIUM_ENV)
    if override is not None:
        return override if os.path.isfile(override) and os.access(override, os.X_OK) else None
    return DEFAULT_CHROMIUM if os.path.exists(DEFAULT_CHROMIUM) else shutil.which("chromium")


def nginx_path() -> str | None:
    """The nginx executable for the ``nginx`` suite, or None when there is none.

    LOTTERY_TEST_NGINX, when set, is the only candidate; otherwise Debian's /usr/sbin/nginx,
    else ``nginx`` on the PATH (/usr/sbin is not on every user's PATH).
    """
    override = os.environ.get(NGINX_ENV)
    if override is not None:
        return override if os.path.isfile(override) and os.access(override, os.X_OK) else None
    return DEFAULT_NGINX if os.path.exists(DEFAULT_NGINX) else shutil.which("nginx")


def rsync_path() -> str | None:
    """The rsync executable for the ``rsync`` suite, or None when there is none.

    LOTTERY_TEST_RSYNC, when set, is the only candidate (tests use it to make rsync
    unavailable); otherwise ``rsync`` on the PATH (the scripts under test call it by name).
    """
    override = os.environ.get(RSYNC_ENV)
    if override is not None:
        return override if os.path.isfile(override) and os.access(override, os.X_OK) else None
    return shutil.which("rsync")


def playwright_missing() -> str | None:
    """Why Playwright cannot be used here, or None when it imports."""
    try:
        importlib.import_module("playwright.sync_api")
    except ImportError as exc:
        return f"playwright is not installed ({exc})"
    return None


def unavailable(suite: str) -> str | None:
    """Why ``suite`` cannot run on this machine, or None when it can (computed once)."""
    if suite not in _REASONS:
        if suite == "postgres":
            _REASONS[suite] = None if postgres_url() else "LOTTERY_TEST_POSTGRES_URL is not set"
        elif suite == "browser":
            path = os.environ.get(CHROMIUM_ENV, DEFAULT_CHROMIUM)
            no_chromium = None if chromium_path() else f"Chromium not found at {path}"
            _REASONS[suite] = playwright_missing() or no_chromium
        elif suite == "nginx":
            path = os.environ.get(NGINX_ENV, DEFAULT_NGINX)
            _REASONS[suite] = None if nginx_path() else f"nginx not found at {path}"
        elif suite == "rsync":
            where = os.environ.get(RSYNC_ENV, "the PATH")
            _REASONS[suite] = None if rsync_path() else f"rsync not found on {where}"
        else:
            raise ValueError(f"unknown suite {suite!r}")
    return _REASONS[suite]


def note_not_run(suite: str, reason: str) -> None:
    """Record that ``suite`` did not run (for the summary; an error under CI)."""
    _MISSING[suite] = reason


def browser_modules_to_ignore() -> list[str]:
    """``collect_ignore_glob`` for tests/browser/conftest.py: every module when Playwright is
    missing (the modules import it at the top), after recording that the suite did not run."""
    reason = playwright_missing()
    if reason is None:
        return []
    note_not_run("browser", reason)
    return ["test_*.py", "**/test_*.py"]


def pytest_configure(config: pytest.Config) -> None:
    for suite, needs in (
        ("postgres", "the PostgreSQL server named by LOTTERY_TEST_POSTGRES_URL"),
        ("browser", "Playwright and Debian's Chromium"),
        ("nginx", "Debian's nginx"),
        ("rsync", "Debian's rsync"),
    ):
        config.addinivalue_line("markers", f"{suite}: needs {needs}")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the tests of suites that cannot run here; under CI, stop the run instead.

    Raises:
        pytest.UsageError: under LOTTERY_REQUIRE_ALL_SUITES=1 when a collected test (or a
            browser module left out) needs a suite that cannot run.
    """
    first: dict[str, str] = {}
    for item in items:
        for suite in SUITES:
            if item.get_closest_marker(suite) is not None:
                reason = unavailable(suite)
                if reason is None:
                    continue
                first.setdefault(suite, item.nodeid)
                note_not_run(suite, reason)
                item.add_marker(pytest.mark.skip(reason=f"{suite} suite not run: {reason}"))
    if required() and _MISSING and not _is_xdist_worker(config):
        lines = [
            f"{suite} suite required ({REQUIRE_ENV}=1) but {reason}"
            + (f" (needed by {first[suite]})" if suite in first else "")
            for suite, reason in sorted(_MISSING.items())
        ]
        raise pytest.UsageError("; ".join(lines))


def _is_xdist_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker (``make test`` runs ``-n 2``).

    A worker cannot stop the run at collection (xdist would report an internal error): it
    leaves the tests of a missing suite skipped, which under CI fails each of them, naming
    the suite and the reason, and hands the missing suites to the controller for the summary.
    """
    return hasattr(config, "workerinput")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _is_xdist_worker(session.config):
        session.config.workeroutput["suites_not_run"] = dict(_MISSING)  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """xdist's controller: gather what each worker found missing."""
    _MISSING.update(getattr(node, "workeroutput", {}).get("suites_not_run", {}))


def _count_as_failure(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Turn a skipped report into a failed one that names the test and the skip's reason."""
    longrepr = report.longrepr
    reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
    _COUNTED.append((report.nodeid or ".", reason))
    report.outcome = "failed"
    report.longrepr = (
        f"{report.nodeid or '.'} was skipped ({reason}), and with {REQUIRE_ENV}=1 "
        "a skip is a failure: every test must run in CI"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if required() and report.skipped and not hasattr(report, "wasxfail"):
        _count_as_failure(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    if required() and report.skipped:
        _count_as_failure(report)
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _MISSING and not required():
        terminalreporter.section("suites not run on this machine")
        for suite, reason in sorted(_MISSING.items()):
            terminalreporter.write_line(f"NOT RUN: {suite} suite ({reason})")
    elif _MISSING:  # only under xdist: without it the run stopped at collection
        terminalreporter.section("suites required but not run")
        for suite, reason in sorted(_MISSING.items()):
            terminalreporter.write_line(
                f"{suite} suite required ({REQUIRE_ENV}=1) but {reason}: its tests failed"
            )
    if _COUNTED:
        terminalreporter.section(f"skips counted as failures ({REQUIRE_ENV}=1)")
        for nodeid, reason in _COUNTED:
            terminalreporter.write_line(f"SKIP IS FAILURE: {nodeid}: {reason}")
