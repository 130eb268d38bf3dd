"""Service fixtures: a Lifecycle on SQLite and on PostgreSQL, with small registries loaded."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy.engine import make_url

from lottery.demo.synthetic import Registries
from lottery.registry_io.layouts import ItemRow
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import publish_item_list
from lottery.settings import Settings, get_settings
from lottery.storage.models import Conflict, InspectionHistory, Inspector, OrgUnit, Target
from tests import lifecycle as lc
from tests.storage.conftest import (  # noqa: F401 - the parametrized fixture
    database_url,
)


def load_registries(service: Lifecycle, regs: Registries, *, item_list: bool = True) -> None:
    """Write the synthetic registries into the database, with private fields filled in, and
    (``item_list``) publish the item list the tests' tasks cite."""
    with service.session() as s, s.begin():
        s.add(OrgUnit(code="city", name="市人防办", level="city"))
        s.flush()
        for unit in regs.org_units[1:]:
            s.add(
                OrgUnit(
                    code=unit,
                    name=unit,
                    level="county",
                    parent="city",
                    region=unit[len("county-") :],
                )
            )
        s.flush()
        for c in regs.candidates:
            s.add(
                Target(
                    uscc=c.id,
                    name=f"企业{c.id[-6:]}",
                    type="peacetime_use",
                    region=c.region,
                    risk_class=c.risk,
                    contact_phone="13800000000",
                    notes="PRIVATE-NOTE",
                )
            )
        for i in regs.inspectors:
            s.add(
                Inspector(
                    id=i.id,
                    name=f"检查员{i.id}",
                    cert_no=f"C{i.id}",
                    cert_valid_from=date.fromisoformat(i.cert_valid_from),
                    cert_valid_to=date.fromisoformat(i.cert_valid_to),
                    org_unit=i.org_unit,
                    level="city" if i.org_unit == "city" else "county",
                    phone="13900000000",
                )
            )
        s.flush()
        for t, i in regs.conflicts:
            s.add(Conflict(inspector=i, target=t, reason="PRIVATE-REASON"))
        for t, i in regs.previous:
            s.add(InspectionHistory(target=t, date=date(2025, 6, 1), inspectors=[i]))
        for ex in regs.exclusions:
            for month in (1, 2):
                s.add(InspectionHistory(target=ex.target, date=date(2026, month, 15)))
    # The item list the tests' tasks cite (tests/lifecycle.py: RF-01 of version 1), published
    # as the office would, before any task is announced.
    if item_list:
        publish_item_list(service, [TEST_ITEM], actor="planner", now=ITEMS_PUBLISHED)


TEST_ITEM = ItemRow(
    "RF-01", "人防工程平时使用情况", "测试依据", "测试对象", "测试项目", "测试内容",
    500, None, ("onsite",), None, False,
)  # fmt: skip
ITEMS_PUBLISHED = datetime(2026, 2, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:  # noqa: F811 - fixture
    return get_settings(data_dir=tmp_path / "data", database_url=database_url, log_origin=lc.LOG)


def _loaded(settings: Settings) -> None:
    """The state every ``service`` starts from: schema, office keys, the small registries and
    the published item list."""
    svc = Lifecycle.open(settings)
    try:
        load_registries(svc, lc.small_registries())
    finally:
        svc.engine.dispose()


def make_loaded(base: Path, url: str) -> None:
    """Make the loaded state (:func:`_loaded`) at database ``url`` with data under ``base``:
    the template of every ``service`` of a test process (tests/conftest.py)."""
    _loaded(get_settings(data_dir=base / "data", database_url=url, log_origin=lc.LOG))


@pytest.fixture
def service(
    settings: Settings, _service_template: None, request: pytest.FixtureRequest
) -> Iterator[Lifecycle]:
    """A service on the test's database with the small registries and the item list loaded.

    Loading them through the ORM took most of a second a test; the state is the same for
    every test, so it is made once per test process (``_loaded_*`` in tests/conftest.py) and
    copied: ``database_url`` copies the database (a file copy, or PostgreSQL's ``CREATE
    DATABASE ... TEMPLATE``), this copies the data directory holding the office key that
    signed its item list. A module with its own ``database_url`` gives it
    ``tests.storage.conftest.sqlite_database_url`` (an empty database would stay empty).
    """
    sqlite = make_url(settings.database_url).get_backend_name() == "sqlite"
    base = request.getfixturevalue("_loaded_sqlite" if sqlite else "_loaded_postgres")
    data = base if sqlite else base[1]
    shutil.copytree(data / "data", settings.data_dir, dirs_exist_ok=True)
    svc = Lifecycle.open(settings)
    yield svc
    svc.engine.dispose()


CliRun = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> CliRun:
    """``run(module, at, *args)``: ``lottery *args --data-dir …`` in-process on the test's
    service, with ``module``'s clock (``utc_now``) at ``at``; its exit code, stdout and stderr."""
    from lottery.cli import main

    monkeypatch.setenv("LOTTERY_DATABASE_URL", settings.url)
    monkeypatch.setenv("LOTTERY_LOG_ORIGIN", lc.LOG)

    def run(module: ModuleType, at: datetime, *args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(module, "utc_now", lambda: at)
        try:
            main([*args, "--data-dir", str(settings.data_dir)])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run
