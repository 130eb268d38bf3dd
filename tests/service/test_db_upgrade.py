"""Upgrades (docs/operations.md, "Upgrades"), on SQLite and PostgreSQL: a database with data at
the previous schema revision is refused at start, `lottery db upgrade` brings it to the head,
and its log still verifies and grows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory

from lottery.cli import backup_cmd
from lottery.core.audit import audit_export
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.engine import make_engine
from lottery.storage.migrate import (
    SchemaOutdated,
    alembic_config,
    current_revision,
    head_revision,
)
from tests import lifecycle as lc
from tests.service import results_builder as rb
from tests.service.conftest import CliRun
from tests.storage.conftest import alembic_step


def _previous() -> str:
    """The revision before the newest migration of this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision())
    assert head is not None and isinstance(head.down_revision, str)
    return head.down_revision


PREVIOUS = _previous()


def test_a_database_at_the_previous_revision_is_upgraded_and_its_log_verifies(
    service: Lifecycle, settings: Settings, run_cli: CliRun
) -> None:
    rb.drawn_task(service)
    office = service.log.verifier
    with service.session() as s:
        size = service.log.size(s)
    service.engine.dispose()
    engine = make_engine(settings)
    try:
        alembic_step(engine, "downgrade", PREVIOUS)
        assert current_revision(engine) == PREVIOUS
    finally:
        engine.dispose()

    with pytest.raises(SchemaOutdated, match="lottery db upgrade"):
        Lifecycle.open(settings)
    code, _, err = run_cli(backup_cmd, lc.T_REVEAL, "serve")
    assert code != 0 and "lottery db upgrade" in err

    code, out, err = run_cli(backup_cmd, lc.T_REVEAL, "db", "upgrade")
    assert code == 0, err
    assert f"{PREVIOUS} -> {head_revision()}" in out
    upgraded = Lifecycle.open(settings)
    try:
        with upgraded.session() as s:
            assert upgraded.log.size(s) == size
        upgraded.disclose(rb.TASK, lc.T_REVEAL)  # the log grows after the upgrade
        export = settings.site_export
        upgraded.export_to(export)
    finally:
        upgraded.engine.dispose()
    report = audit_export(file_getter(export), [office], origin=lc.LOG)
    assert not report.failures, report.failures
    assert report.size > size
    assert rb.TASK in report.tasks


def test_db_upgrade_on_a_current_database_changes_nothing(
    service: Lifecycle, run_cli: CliRun
) -> None:
    code, out, _ = run_cli(backup_cmd, datetime(2026, 3, 1, tzinfo=UTC), "db", "upgrade")
    assert code == 0 and "already" in out
