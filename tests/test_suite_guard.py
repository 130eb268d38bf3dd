"""No skip passes for a result in CI: the suite guard (tests/suite_guard.py) on generated suites.

Each case is a tiny test directory run by pytest in a subprocess with the project's own
conftests (tests/conftest.py at its root, tests/browser/conftest.py in its ``browser``
folder). Under LOTTERY_REQUIRE_ALL_SUITES=1 every case must make the run fail and name the
test (or suite) and the reason; without it the same run passes and says what did not run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTEST = [
    sys.executable,
    "-m",
    "pytest",
    "-ra",
    "-p",
    "no:cacheprovider",
    "--import-mode=importlib",
]

FINE = """
import pytest

def test_fine():
    assert 1 + 1 == 2

@pytest.mark.xfail(reason="a known bug, not a skip", strict=True)
def test_known_bug():
    assert 1 + 1 == 3
"""
SKIPS = """
import pytest

def test_skips_itself():
    pytest.skip("no widget on this machine")

@pytest.mark.skipif(True, reason="a marker says so")
def test_skipped_by_a_marker():
    pass

@pytest.fixture
def gadget():
    pytest.skip("no gadget either")

def test_skipped_by_its_fixture(gadget):
    pass
"""
IMPORTORSKIP = """
import pytest

pytest.importorskip("lottery_no_such_module")

def test_needs_it():
    pass
"""
POSTGRES = """
import pytest

@pytest.mark.postgres
def test_needs_a_database(postgres_url):
    assert postgres_url
"""
NGINX = """
import pytest

@pytest.mark.nginx
def test_needs_nginx():
    assert True
"""
RSYNC = """
import pytest

@pytest.mark.rsync
def test_needs_rsync():
    assert True
"""
BROWSER = """
import pytest
from playwright.sync_api import sync_playwright

pytestmark = pytest.mark.browser

def test_needs_chromium():
    assert sync_playwright
"""


@dataclass
class Run:
    code: int
    out: str


def _suite(root: Path, modules: dict[str, str]) -> Path:
    """A test directory with the project's conftests and the given modules."""
    (root / "pytest.ini").write_text("[pytest]\n", "utf-8")
    shutil.copy(ROOT / "tests" / "conftest.py", root / "conftest.py")
    (root / "browser").mkdir()
    shutil.copy(ROOT / "tests" / "browser" / "conftest.py", root / "browser" / "conftest.py")
    (root / "test_fine.py").write_text(FINE, "utf-8")
    for name, text in modules.items():
        (root / name).write_text(text, "utf-8")
    return root


def _pytest(
    root: Path,
    *,
    require: bool,
    hide_playwright: bool = False,
    options: tuple[str, ...] = (),
    **env: str,
) -> Run:
    # The run's own settings only: none of ours, no pytest options from outside, and no
    # coverage (no code of lottery/ or publisher/ runs there).
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LOTTERY_", "PYTEST_", "COV_", "COVERAGE_"))
    }
    paths = [str(ROOT)]
    if hide_playwright:  # an importable "playwright" that fails as a missing one does
        shadow = root.parent / f"{root.name}-shadow" / "playwright"
        shadow.mkdir(parents=True)
        (shadow / "__init__.py").write_text('raise ImportError("hidden by the test")\n')
        paths.insert(0, str(shadow.parent))
    clean["PYTHONPATH"] = os.pathsep.join(paths)
    clean["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # hypothesis, schemathesis: slow, unused
    if require:
        clean["LOTTERY_REQUIRE_ALL_SUITES"] = "1"
    proc = subprocess.run(
        [*PYTEST, *options, "-c", str(root / "pytest.ini"), str(root)],
        cwd=root,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return Run(proc.returncode, proc.stdout + proc.stderr)


def test_a_suite_without_skips_passes_under_ci(tmp_path: Path) -> None:
    run = _pytest(_suite(tmp_path, {}), require=True)
    assert run.code == 0, run.out
    assert "1 passed, 1 xfailed" in run.out  # an expected failure is not a skip


@dataclass(frozen=True)
class Case:
    modules: dict[str, str]
    named: list[str]  # each in the output of the run under CI
    said: str  # in the output of the run outside CI
    env: dict[str, str] = field(default_factory=dict)
    hide_playwright: bool = False


CASES = {
    "pytest.skip": Case(
        {"test_skip.py": SKIPS},
        [
            "test_skip.py::test_skips_itself was skipped (Skipped: no widget on this machine)",
            "test_skip.py::test_skipped_by_a_marker was skipped (Skipped: a marker says so)",
            "test_skip.py::test_skipped_by_its_fixture was skipped (Skipped: no gadget either)",
        ],
        "SKIPPED [1] test_skip.py:5: no widget on this machine",
    ),
    "importorskip": Case(
        {"test_optional.py": IMPORTORSKIP},
        ["test_optional.py was skipped (Skipped: could not import 'lottery_no_such_module'"],
        "could not import 'lottery_no_such_module'",
    ),
    "postgres": Case(
        {"test_pg.py": POSTGRES},
        [
            "postgres suite required (LOTTERY_REQUIRE_ALL_SUITES=1)",
            "LOTTERY_TEST_POSTGRES_URL is not set",
            "test_pg.py::test_needs_a_database",
        ],
        "NOT RUN: postgres suite (LOTTERY_TEST_POSTGRES_URL is not set)",
    ),
    "chromium": Case(
        {"browser/test_page.py": BROWSER},
        [
            "browser suite required (LOTTERY_REQUIRE_ALL_SUITES=1)",
            "Chromium not found at /nonexistent/chromium",
            "browser/test_page.py::test_needs_chromium",
        ],
        "NOT RUN: browser suite (Chromium not found at /nonexistent/chromium)",
        env={"LOTTERY_TEST_CHROMIUM": "/nonexistent/chromium"},
    ),
    "nginx": Case(
        {"test_proxy.py": NGINX},
        [
            "nginx suite required (LOTTERY_REQUIRE_ALL_SUITES=1)",
            "nginx not found at /nonexistent/nginx",
            "test_proxy.py::test_needs_nginx",
        ],
        "NOT RUN: nginx suite (nginx not found at /nonexistent/nginx)",
        env={"LOTTERY_TEST_NGINX": "/nonexistent/nginx"},
    ),
    "rsync": Case(
        {"test_push.py": RSYNC},
        [
            "rsync suite required (LOTTERY_REQUIRE_ALL_SUITES=1)",
            "rsync not found on /nonexistent/rsync",
            "test_push.py::test_needs_rsync",
        ],
        "NOT RUN: rsync suite (rsync not found on /nonexistent/rsync)",
        env={"LOTTERY_TEST_RSYNC": "/nonexistent/rsync"},
    ),
    "playwright": Case(
        {"browser/test_page.py": BROWSER},
        [
            "browser suite required (LOTTERY_REQUIRE_ALL_SUITES=1)",
            "playwright is not installed (hidden by the test)",
        ],
        "NOT RUN: browser suite (playwright is not installed (hidden by the test))",
        hide_playwright=True,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_kind_of_skip_fails_under_ci_and_is_said_otherwise(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    for require in (True, False):
        root = tmp_path / ("ci" if require else "local")
        root.mkdir()
        run = _pytest(
            _suite(root, case.modules),
            require=require,
            hide_playwright=case.hide_playwright,
            **case.env,
        )
        if require:
            assert run.code != 0, run.out
            for text in case.named:
                assert text in run.out, run.out
        else:
            assert run.code == 0, run.out
            assert case.said in run.out, run.out
            assert "1 passed" in run.out  # the rest of the run still ran


XDIST = ("-p", "xdist.plugin", "-n", "2")  # as `make test` runs the suite


def test_the_guard_holds_when_xdist_workers_run_the_tests(tmp_path: Path) -> None:
    """Under ``-n 2`` the workers collect and run; the controller still stops CI and says."""
    modules = {"test_pg.py": POSTGRES, "test_skip.py": SKIPS}
    for name in ("ci", "ci-db", "local"):
        (tmp_path / name).mkdir()
    ci = _pytest(_suite(tmp_path / "ci", modules), require=True, options=XDIST)
    assert ci.code != 0, ci.out
    assert "postgres suite required (LOTTERY_REQUIRE_ALL_SUITES=1)" in ci.out, ci.out
    assert "LOTTERY_TEST_POSTGRES_URL is not set" in ci.out, ci.out
    with_db = _pytest(
        _suite(tmp_path / "ci-db", {"test_skip.py": SKIPS}),
        require=True,
        options=XDIST,
    )
    assert with_db.code != 0, with_db.out
    assert "test_skip.py::test_skips_itself was skipped" in with_db.out, with_db.out
    local = _pytest(_suite(tmp_path / "local", modules), require=False, options=XDIST)
    assert local.code == 0, local.out
    assert "NOT RUN: postgres suite (LOTTERY_TEST_POSTGRES_URL is not set)" in local.out
    assert "1 passed" in local.out
