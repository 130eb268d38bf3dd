"""Staff see the witnesses: the 工作台 section and ``GET /api/witnesses``; an admin publishes
the policy (``POST /api/witnesses/policy``). A quorum not met and a witness unreachable for
longer than the configured time are shown as warnings, escaped. SQLite only (the service
calls run on both databases in tests/service/test_witness_push.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lottery.service.lifecycle import Lifecycle
from lottery.service.witness_push import push_once
from lottery.settings import Settings, WitnessConfig
from tests.api.conftest import Clock, _staff_client, token
from tests.api.test_console import login
from tests.service.witnesses import Running, running_witnesses, witness_cosigner
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

BAD_URL = "http://127.0.0.1:9/<b>x</b>"  # nothing listens on port 9 (discard) here


@pytest.fixture
def up(service: Lifecycle, tmp_path: Path, clock: Clock) -> Iterator[Running]:
    clock_seconds = lambda: int(clock.now.timestamp())  # noqa: E731 - the witness's clock
    with running_witnesses(service, tmp_path, 7, clock_seconds, ["jiwei"]) as (running,):
        yield running


@pytest.fixture
def config(settings: Settings, up: Running, tmp_path: Path) -> Settings:
    down = witness_cosigner("court", 8).verifier().vkey  # TEST-ONLY
    return settings.model_copy(
        update={
            "witnesses": [
                WitnessConfig(name="jiwei", url=up.url, vkey=up.witness.cosigner.verifier().vkey),
                WitnessConfig(name="court", url=BAD_URL, vkey=down),
            ],
            "witness_quorum": 2,
            "witness_alert_after": 1800,
            "site_dir": tmp_path / "www" / "site",
        }
    )


@pytest.fixture
def client(config: Settings, service: Lifecycle, clock: Clock) -> Iterator[TestClient]:
    yield from _staff_client(config, service, clock)


def _section(html: str) -> str:
    start = html.index('id="h-witnesses"')
    return html[start : html.index("</section>", start)]


def test_dashboard_and_api_show_the_quorum_and_an_unreachable_witness(
    client: TestClient, service: Lifecycle, config: Settings, clock: Clock
) -> None:
    admin = token(client, "admin")
    published = client.post("/api/witnesses/policy", headers=admin)
    assert published.status_code == 201, published.text
    assert published.json()["witnesses"] == ["jiwei", "court"]
    assert published.json()["quorum"] == 2 and published.json()["margin"] == 300
    again = client.post("/api/witnesses/policy", headers=admin)
    assert again.status_code == 422 and "相同" in again.json()["detail"]

    done = push_once(service, config, clock.now)
    assert done["jiwei"].startswith("cosigned") and "cannot reach" in done["court"]
    login(client, "planner")
    board = _section(client.get("/console/").text)
    assert "还没有达到 2 个见证方的副署" in board  # the quorum of 2: one cosignature only
    assert "无法联系" not in board  # not yet for longer than 30 minutes
    assert "&lt;b&gt;x&lt;/b&gt;" in board and "<b>x</b>" not in board
    # Publication waits: the site page and its API say why.
    assert "自动发布正在等待见证方副署" in client.get("/console/site").text
    status = client.get("/api/site/status", headers=admin).json()
    assert status["waiting_for_witnesses"] is True and status["published_size"] is None

    clock.now += timedelta(minutes=31)
    client.app.state.clock = lambda: clock.now  # type: ignore[attr-defined]
    client.cookies.clear()
    login(client, "planner")
    board = _section(client.get("/console/").text)
    assert "见证方「court」自" in board and "已超过 30 分钟" in board
    auditor = token(client, "auditor")
    body = client.get("/api/witnesses", headers=auditor).json()
    assert body["met"] is False and body["quorum"] == 2
    states = {w["name"]: w for w in body["witnesses"]}
    assert states["court"]["unreachable"] and states["court"]["behind"]
    assert not states["jiwei"]["unreachable"] and not states["jiwei"]["behind"]
    assert client.get("/api/witnesses", headers=token(client, "planner")).status_code == 403
