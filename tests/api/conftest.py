"""API fixtures: the app on a service (SQLite and PostgreSQL), a settable clock, staff users.

Passwords here are TEST-ONLY values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lottery.api import create_app
from lottery.api.console.import_jobs import ImportJobs
from lottery.core import drand
from lottery.demo.recorded import QUICKNET_ROUND, QUICKNET_SIGNATURE
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.roles import Role
from lottery.settings import Settings
from tests import lifecycle as lc
from tests.service.conftest import service, settings  # noqa: F401 - fixtures
from tests.storage.conftest import database_url  # noqa: F401 - fixture

PASSWORD = "test-only-password"  # noqa: S105 - test-only
ROUND_TIME = datetime.fromtimestamp(drand.round_time(drand.QUICKNET, QUICKNET_ROUND), UTC)
T_ANNOUNCE = ROUND_TIME - timedelta(minutes=5)
T_DRAW = ROUND_TIME + timedelta(seconds=30)
SIGNATURE = QUICKNET_SIGNATURE.hex()
OFFLINE_RELAY = "http://127.0.0.1:9"  # discard port: nothing answers, and never the internet


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime = T_ANNOUNCE

    def __call__(self) -> datetime:
        return self.now


def task_definition(task: str = "T2026-101") -> dict[str, Any]:
    """A task over the small registries, drawn with the recorded quicknet round 123."""
    params = lc.params(lc.small_registries(), task)
    return {
        "task": task,
        "title": params.title,
        "org_units": list(params.org_units),
        "window": {"start": params.window_start, "end": params.window_end},
        "ratios": dict(params.ratios),
        "team_size": 2,
        "disclosure": params.disclosure,
        "beacon": {
            "primary": {
                "kind": "drand",
                "chain": "quicknet",
                "chain_hash": drand.QUICKNET.chain_hash.hex(),
                "round": QUICKNET_ROUND,
                "deadline": (ROUND_TIME + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        },
        "items": [{"code": "RF-01", "version": 1}],
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _staff_client(
    config: Settings, svc: Lifecycle, clock: Clock, **changes: Any
) -> Iterator[TestClient]:
    """The app with one account a role (named after it), offline drand, ``changes`` to settings."""
    for role in Role:
        users.create_user(svc, role.value, PASSWORD, [role.value], T_ANNOUNCE, actor="test")
    configured = config.model_copy(update={"drand_relays": [OFFLINE_RELAY], **changes})
    app = create_app(configured, service=svc, clock=clock)
    # The registry pages' background check/import: wait for it, so a test sees the outcome
    # (tests/api/test_console_import_jobs.py shows the progress page with a held job).
    app.state.import_jobs = ImportJobs(grace=60.0)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def app_client(
    settings: Settings,  # noqa: F811 - fixture
    service: Lifecycle,  # noqa: F811 - fixture
    clock: Clock,
) -> Iterator[TestClient]:
    yield from _staff_client(settings, service, clock)


@pytest.fixture
def site_client(
    settings: Settings,  # noqa: F811 - fixture
    service: Lifecycle,  # noqa: F811 - fixture
    clock: Clock,
    tmp_path: Path,
) -> Iterator[TestClient]:
    """The app with ``LOTTERY_SITE_DIR`` set (no scheduler: a request runs after the response)."""
    yield from _staff_client(settings, service, clock, site_dir=tmp_path / "site")


def token(client: TestClient, name: str) -> dict[str, str]:
    """Log ``name`` in; return the bearer header."""
    response = client.post("/api/auth/login", json={"name": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()  # tests use the bearer header unless they test cookies
    return {"Authorization": f"Bearer {response.json()['token']}"}
