"""The readiness checks and the publication lag on SQLite and PostgreSQL (docs/operations.md);
the HTTP side is tests/api/test_health.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from lottery.service.health import publication_lag, readiness
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.models import SitePublication
from tests.service.conftest import ITEMS_PUBLISHED


def _codes(settings: Settings, service: Lifecycle, minutes: int) -> dict[str, str]:
    now = ITEMS_PUBLISHED + timedelta(minutes=minutes)
    return {c.name: c.code for c in readiness(settings, service, None, now)}


def test_readiness_on_each_database(settings: Settings, service: Lifecycle, tmp_path: Path) -> None:
    assert _codes(settings, service, 5) == {
        "database": "ok",
        "scheduler": "not_configured",
        "signer": "ok",
        "publication": "not_configured",
    }
    site = settings.model_copy(update={"site_dir": tmp_path / "site"})
    # The fixture's log holds the item list, published at ITEMS_PUBLISHED; no site yet.
    assert _codes(site, service, 60)["publication"] == "ok"  # the limit itself is not behind
    assert _codes(site, service, 61)["publication"] == "publication_behind"
    with service.session() as session:
        lag = publication_lag(session)
    assert (lag.log_size, lag.published_size, lag.records) == (1, 0, 1)
    assert lag.oldest_unpublished == ITEMS_PUBLISHED
    assert lag.seconds(ITEMS_PUBLISHED + timedelta(minutes=61)) == 61 * 60
    with service.session() as session, session.begin():
        # A failed run does not count as published; a successful one does.
        session.add(
            SitePublication(
                holder="a",
                actor="t",
                started_at=ITEMS_PUBLISHED,
                size=1,
                error="OSError: disk full",
            )
        )
        session.add(
            SitePublication(
                holder="b",
                actor="t",
                started_at=ITEMS_PUBLISHED,
                size=1,
                finished_at=ITEMS_PUBLISHED,
                build="000002-1",
            )
        )
    with service.session() as session:
        lag = publication_lag(session)
    assert (lag.records, lag.oldest_unpublished) == (0, None)
    assert _codes(site, service, 600)["publication"] == "ok"


def test_a_schema_behind_the_code_is_not_ready(settings: Settings, service: Lifecycle) -> None:
    with service.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0020'"))
    assert _codes(settings, service, 5)["database"] == "schema_not_at_head"
