"""/healthz, /readyz and /metrics (docs/operations.md, "Health and metrics"), on SQLite.

The readiness checks run on PostgreSQL too in tests/service/test_health.py. Known answers come
from docs/operations.md: the codes of each failing part, the metric names and their labels.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import create_engine
from sqlmodel import select

from lottery.api import create_app
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.models import CheckpointRow, CosignatureRow, SitePublication
from tests.api.conftest import (
    OFFLINE_RELAY,
    PASSWORD,
    SIGNATURE,
    T_DRAW,
    Clock,
    task_definition,
    token,
)
from tests.service.conftest import ITEMS_PUBLISHED
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

LOCAL = ("127.0.0.1", 50000)


def _client(
    settings: Settings,
    service: Lifecycle,
    clock: Clock,
    *,
    client: tuple[str, int] = LOCAL,
    scheduler: bool = False,
    **changes: Any,
) -> TestClient:
    configured = settings.model_copy(update={"drand_relays": [OFFLINE_RELAY], **changes})
    app = create_app(configured, service=service, clock=clock, scheduler=scheduler)
    return TestClient(app, client=client)


@pytest.fixture
def local(settings: Settings, service: Lifecycle, clock: Clock) -> Iterator[TestClient]:
    """The app as this host sees it (the default /metrics allow-list admits it)."""
    with _client(settings, service, clock) as client:
        yield client


def _metrics(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, labels)."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_healthz_answers_ok_with_a_request_id_and_the_security_headers(
    local: TestClient,
) -> None:
    response = local.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(response.headers["x-request-id"]) == 16
    assert response.headers["x-content-type-options"] == "nosniff"
    # A proxy's plain id is kept; anything else is replaced.
    assert local.get("/healthz", headers={"X-Request-ID": "edge-42"}).headers["x-request-id"] == (
        "edge-42"
    )
    odd = local.get("/healthz", headers={"X-Request-ID": "a b<script>"})
    assert odd.headers["x-request-id"] != "a b<script>"


def test_health_routes_stay_out_of_the_api_schema(local: TestClient) -> None:
    paths = local.get("/openapi.json").json()["paths"]
    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


def test_readyz_ok_without_a_site_or_a_scheduler(local: TestClient) -> None:
    response = local.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    states = {name: part["status"] for name, part in body["checks"].items()}
    assert states == {
        "database": "ok",
        "scheduler": "not_configured",
        "signer": "ok",
        "publication": "not_configured",
    }


def test_readyz_follows_the_scheduler(settings: Settings, service: Lifecycle, clock: Clock) -> None:
    with _client(settings, service, clock, scheduler=True) as client:
        running = client.get("/readyz")
        assert running.status_code == 200, running.text
        assert running.json()["checks"]["scheduler"]["status"] == "ok"
        samples = _metrics(client)
        assert samples["lottery_scheduler_running", ()] == 1
        aps = client.app.state.scheduler.aps  # type: ignore[attr-defined]
        aps.pause()  # no job runs while paused: as good as stopped
        stopped = client.get("/readyz")
        assert stopped.status_code == 503
        assert stopped.json()["failing"] == ["scheduler"]
        assert stopped.json()["checks"]["scheduler"]["code"] == "scheduler_stopped"
        assert _metrics(client)["lottery_scheduler_running", ()] == 0
        aps.resume()


def test_readyz_503_when_the_database_does_not_answer(
    settings: Settings, service: Lifecycle, clock: Clock, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    down = create_engine(f"sqlite:///{blocker}/lottery.db")  # its folder is a file
    broken = Lifecycle(down, service.log, service.keeper)
    site = tmp_path / "site"
    with _client(settings, broken, clock, site_dir=site) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["failing"] == ["database", "publication"]
        assert body["checks"]["database"]["code"] == "database_unavailable"
        assert body["checks"]["database"]["message"] == "数据库无法连接或无法查询"
        assert body["checks"]["signer"]["status"] == "ok"
        assert str(blocker) not in response.text and "sqlite" not in response.text
        # /metrics still answers: the process's counters and the database marked down.
        samples = _metrics(client)
        assert samples["lottery_database_up", ()] == 0
        assert not any(name == "lottery_log_size" for name, _ in samples)
    down.dispose()


@pytest.mark.parametrize("fault", ["missing", "readable-by-others", "not-a-key"])
def test_readyz_503_when_the_office_key_cannot_sign(
    local: TestClient, settings: Settings, fault: str
) -> None:
    key = settings.office_key_file
    if fault == "missing":
        key.rename(key.with_suffix(".moved"))
    elif fault == "readable-by-others":
        os.chmod(key, 0o644)
    else:
        key.write_text("PRIVATE+KEY+nonsense\n")
    response = local.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["signer"]
    assert body["checks"]["signer"]["code"] == "signer_unavailable"
    assert "PRIVATE" not in response.text and str(key) not in response.text


def test_readyz_503_when_the_signer_process_is_down(
    settings: Settings, service: Lifecycle, clock: Clock, tmp_path: Path
) -> None:
    """With LOTTERY_SIGNER_SOCKET, the signer check asks the process: none listens here
    (tests/service/test_signer_lifecycle.py runs it up and down)."""
    socket = tmp_path / "signer.sock"
    with _client(settings, service, clock, signer_socket=socket) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["signer"]
    assert body["checks"]["signer"]["code"] == "signer_unavailable"
    assert str(socket) not in response.text


def test_readyz_503_when_the_site_is_older_than_the_log(
    settings: Settings, service: Lifecycle, clock: Clock, tmp_path: Path
) -> None:
    # The service's log holds the item list published at ITEMS_PUBLISHED; no site yet.
    clock.now = ITEMS_PUBLISHED + timedelta(minutes=59)
    with _client(settings, service, clock, site_dir=tmp_path / "site") as client:
        assert client.get("/readyz").status_code == 200  # within the hour: not behind
        behind = _metrics(client)
        assert behind["lottery_publication_lag_seconds", ()] == 59 * 60
        clock.now = ITEMS_PUBLISHED + timedelta(minutes=61)
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["failing"] == ["publication"]
        part = body["checks"]["publication"]
        assert part["code"] == "publication_behind"
        with service.session() as session:
            size = service.log.size(session)
        assert f"{size} 条记录未发布" in part["message"]
        assert _metrics(client)["lottery_publication_lag_records", ()] == size
        # A publication that covers the whole log: ready again, no lag.
        with service.session() as session, session.begin():
            session.add(
                SitePublication(
                    holder="h",
                    actor="test",
                    started_at=clock.now,
                    finished_at=clock.now,
                    size=size,
                    build="000001",
                )
            )
        assert client.get("/readyz").status_code == 200
        samples = _metrics(client)
        assert samples["lottery_publication_lag_records", ()] == 0
        assert samples["lottery_publication_lag_seconds", ()] == 0
        assert samples["lottery_site_published_size", ()] == size


def test_metrics_after_a_draw(settings: Settings, service: Lifecycle, clock: Clock) -> None:
    users.create_user(service, "planner", PASSWORD, ["planner"], clock.now, actor="test")
    with _client(settings, service, clock) as client:
        before = _metrics(client)
        assert before["lottery_draw_duration_seconds_count", ()] == 0
        planner = token(client, "planner")
        assert client.post("/api/tasks", json=task_definition(), headers=planner).is_success
        assert client.post("/api/tasks/T2026-101/announce", headers=planner).is_success
        clock.now = T_DRAW
        drawn = client.post(
            "/api/tasks/T2026-101/draw", json={"drand_signature": SIGNATURE}, headers=planner
        )
        assert drawn.status_code == 200, drawn.text
        # The same draw asked again publishes nothing and is not measured again.
        again = client.post(
            "/api/tasks/T2026-101/draw", json={"drand_signature": SIGNATURE}, headers=planner
        )
        assert again.status_code == 200
        # A witness cosigned the checkpoint after the announcement, not the draw's.
        with service.session() as session, session.begin():
            sizes = sorted(session.exec(select(CheckpointRow.size)).all())
            session.add(
                CosignatureRow(
                    size=sizes[-2],
                    name="jiwei.example/w1",
                    key_id="0a1b2c3d",
                    line=b"\xe2\x80\x94 jiwei.example/w1 AAAA\n",
                    created_at=ITEMS_PUBLISHED,
                )
            )
        after = _metrics(client)
    assert after["lottery_draw_duration_seconds_count", ()] == 1
    assert after["lottery_draw_duration_seconds_sum", ()] > 0
    assert after["lottery_draw_duration_seconds_bucket", (("le", "+Inf"),)] == 1
    records = {
        dict(labels)["type"]: value
        for (name, labels), value in after.items()
        if name == "lottery_log_records_total"
    }
    assert records["task-announcement"] == 1
    assert records["task-draw"] == 1
    assert "task-reveal" not in records  # sealed until the disclosure
    assert sum(records.values()) == after["lottery_log_size", ()]
    assert after["lottery_database_up", ()] == 1
    witness = (("witness", "jiwei.example/w1"),)
    assert after["lottery_witness_lag_records", witness] == sizes[-1] - sizes[-2]
    stamp = after["lottery_witness_last_cosignature_timestamp_seconds", witness]
    assert stamp == ITEMS_PUBLISHED.timestamp()
    # No site configured: no publication lag is reported.
    assert ("lottery_publication_lag_seconds", ()) not in after


def test_login_failures_are_counted_by_reason_never_by_name(
    settings: Settings, service: Lifecycle, clock: Clock
) -> None:
    users.create_user(service, "alice", PASSWORD, ["planner"], clock.now, actor="test")
    with _client(settings, service, clock) as client:
        wrong = client.post("/api/auth/login", json={"name": "alice", "password": "nope-nope"})
        assert wrong.status_code == 401
        unknown = client.post("/api/auth/login", json={"name": "mallory", "password": "x"})
        assert unknown.status_code == 401
        assert client.post(
            "/api/auth/login", json={"name": "alice", "password": PASSWORD}
        ).is_success
        text = client.get("/metrics").text
        samples = _metrics(client)

    def failures(reason: str) -> float:
        return samples["lottery_login_failures_total", (("reason", reason),)]

    assert failures("wrong_password") == 1
    assert failures("unknown_account") == 1
    assert failures("disabled_account") == 0
    assert "alice" not in text and "mallory" not in text


@pytest.mark.parametrize(
    ("client", "changes", "headers", "status"),
    [
        (("testclient", 1), {}, {}, 403),  # not an address
        (("203.0.113.7", 1), {}, {}, 403),  # another host
        (("::ffff:127.0.0.1", 1), {}, {}, 200),  # this host over IPv6
        (("203.0.113.7", 1), {"metrics_allow": ["203.0.113.0/24"]}, {}, 200),
        (LOCAL, {"metrics_token": SecretStr("s3cret-token")}, {}, 401),
        (LOCAL, {"metrics_token": SecretStr("s3cret-token")}, {"Authorization": "Bearer no"}, 401),
        (
            LOCAL,
            {"metrics_token": SecretStr("s3cret-token")},
            {"Authorization": "Bearer s3cret-token"},
            200,
        ),
        (  # the token does not open /metrics to an address outside the list
            ("203.0.113.7", 1),
            {"metrics_token": SecretStr("s3cret-token")},
            {"Authorization": "Bearer s3cret-token"},
            403,
        ),
    ],
)
def test_metrics_are_for_allowed_addresses_and_the_token_only(
    settings: Settings,
    service: Lifecycle,
    clock: Clock,
    client: tuple[str, int],
    changes: dict[str, Any],
    headers: dict[str, str],
    status: int,
) -> None:
    with _client(settings, service, clock, client=client, **changes) as app:
        response = app.get("/metrics", headers=headers)
        assert response.status_code == status, response.text
        if status != 200:
            assert "lottery_" not in response.text and "s3cret" not in response.text
        # Health and readiness stay open to everyone.
        assert app.get("/healthz").status_code == 200
        assert app.get("/readyz").status_code == 200
