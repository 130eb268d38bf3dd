"""Suite-wide setup: the suite guard plugin and the fixtures of the optional suites.

tests/suite_guard.py decides which optional suites (``postgres``, ``browser``) can run here:
outside CI their tests are skipped and the summary names the suites that did not run; with
LOTTERY_REQUIRE_ALL_SUITES=1 (set by .ci/run) a missing service, and any other skip, makes
the run fail, so CI never counts a skip as a pass. See docs/testing.md, "Skips and CI".
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from lottery.core.audit import AuditReport

# A plugin, not an import: pytest must load it itself to rewrite its asserts.
pytest_plugins = ["tests.suite_guard"]

# Hypothesis judges speed by the wall clock: on a shared 2-core machine running two test
# processes (`make test`), generating an input can take over a second and an example over
# 200 ms for reasons that have nothing to do with the code. Neither says anything about
# correctness, so neither fails the suite; the examples and their assertions are unchanged.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The server of the ``postgres`` suite (its tests are skipped or refused without one)."""
    url = os.environ.get("LOTTERY_TEST_POSTGRES_URL")
    assert url, "a postgres test ran without LOTTERY_TEST_POSTGRES_URL"
    yield url


@pytest.fixture(autouse=True, scope="session")
def _english_messages() -> Iterator[None]:
    """The command line speaks Chinese under a Chinese locale (docs/verifier.md "Language");
    the suite asserts its English lines, so a developer's ``zh_*`` locale is set aside here and
    in the subprocesses (the tests of the Chinese output ask for it themselves)."""
    names = ("LC_ALL", "LC_MESSAGES", "LANG")
    saved = {name: os.environ.get(name) for name in names}
    for name, value in saved.items():
        if value and value.lower().startswith("zh"):
            os.environ[name] = "C.UTF-8"
    yield
    for name, value in saved.items():
        if value is not None:
            os.environ[name] = value


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


@pytest.fixture(scope="session")
def cli_initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory after ``lottery init --admin boss`` (run in-process), once a test
    process: the CLI tests copy it (tests/test_cli_service.py, ``copy_data``)."""
    from tests.test_cli_service import PASSWORD, run

    data = tmp_path_factory.mktemp("cli-init") / "data"
    run("init", "--admin", "boss", data=data, LOTTERY_ADMIN_PASSWORD=PASSWORD)
    return data


@pytest.fixture(scope="session")
def cli_loaded(tmp_path_factory: pytest.TempPathFactory, cli_initialised: Path) -> Path:
    """``cli_initialised`` with the small registries loaded, once a test process."""
    from lottery.service.lifecycle import Lifecycle
    from lottery.settings import get_settings
    from tests import lifecycle as lc
    from tests.service.conftest import load_registries

    data = Path(shutil.copytree(cli_initialised, tmp_path_factory.mktemp("cli-loaded") / "data"))
    service = Lifecycle.open(get_settings(data_dir=data, log_origin=lc.LOG))
    load_registries(service, lc.small_registries())
    service.engine.dispose()
    return data


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    """A PostgreSQL database at the newest schema, the template of each test's database."""
    from sqlalchemy.engine import make_url

    from tests.storage.conftest import fresh_postgres, migrate

    fresh = fresh_postgres()
    url = next(fresh)
    migrate(url)
    yield make_url(url).database or ""
    fresh.close()  # runs the generator's finally: drops the template


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema, copied for each test."""
    from tests.storage.conftest import migrate

    path = tmp_path_factory.mktemp("template") / "lottery.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def _service_template() -> None:
    """A marker: the test's database starts as the loaded template (tests/storage/conftest.py,
    ``database_url``), not an empty schema."""


@pytest.fixture(scope="session")
def _loaded_sqlite(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Path:
    """A loaded SQLite service (database file and data directory), copied for each test."""
    from tests.service.conftest import make_loaded

    base = tmp_path_factory.mktemp("loaded")
    shutil.copyfile(_sqlite_template, base / "lottery.db")
    make_loaded(base, f"sqlite:///{base / 'lottery.db'}")
    return base


@pytest.fixture(scope="session")
def _loaded_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A loaded PostgreSQL service: a template database and its data directory."""
    from sqlalchemy.engine import make_url

    from tests.service.conftest import make_loaded
    from tests.storage.conftest import fresh_postgres

    base = tmp_path_factory.mktemp("loaded-pg")
    fresh = fresh_postgres()
    url = next(fresh)
    make_loaded(base, url)
    yield make_url(url).database or "", base
    fresh.close()  # drops the template


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """An exclusive lock on a file, held across processes (the xdist workers of one run)."""
    with lock.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The demo city, run in-process and its site built, once per run.

    The xdist workers of one run share it: the first to ask builds it under a lock in the
    run's shared base directory, the others wait and read it (a build takes about a minute
    of the two cores; each worker once built its own). Its tests read it (pages, export,
    database); none may change what another reads (logging a demo account in adds a session,
    nothing else).
    """
    from lottery.demo.city import run_demo
    from lottery.demo.office import demo_office
    from publisher.build import build_site

    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    out, done = shared / "demo-city", shared / "demo-city.done"
    with _exclusive(shared / "demo-city.lock"):
        if done.exists():
            return out
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        # Without the PDFs (45 s each build): no test of this fixture reads them; the
        # command line demo, with them, is tests/test_cli_bench_demo.py's.
        result = run_demo(out, documents=False)
        assert result.states == {
            "T2023-DRAND": "disclosed",
            "T2026-001": "disclosed",
            "T2026-002": "drawn",
            "T2026-003": "cancelled",
            "T2026-004": "announced",
            "T2026-007": "disclosed",  # the joint task (部门联合抽查)
            "T2026-008": "disclosed",  # the committed pool (承诺值名单)
        }
        build_site(result.export, out / "site", work=out / "build", office=demo_office())
        done.touch()
    return out


@pytest.fixture(scope="session")
def demo_audit(demo_city: Path) -> AuditReport:
    """The checks of ``lottery verify`` on the demo city's export (its office keys, its log
    origin, deadlines from its calendar records), once per test process."""
    from lottery.core.audit import audit_export
    from lottery.core.note import NoteVerifier
    from lottery.export.read import file_getter

    export = demo_city / "export"
    keys = (export / "keys" / "office.vkey").read_text("utf-8").split()
    origin = (export / "checkpoint").read_bytes().split(b"\n", 1)[0].decode()
    return audit_export(
        file_getter(export),
        [NoteVerifier.from_vkey(k) for k in keys],
        origin=origin,
        deadlines=True,
    )


@pytest.fixture(scope="module")
def no_threads_left() -> None:
    """Wait for the threads other tests left behind (AnyIO keeps idle workers for 10 s; the
    PostgreSQL tests' database dropper ends after a second idle: tests/storage/conftest.py),
    so that the tests of one-thread paths (forked workers, the collector's pause) really take
    them, whatever ran before them on this worker; fail, never skip, if some thread stays."""
    deadline = time.monotonic() + 30
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    assert not others, f"threads still running: {others}"
