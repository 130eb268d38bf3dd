"""Drafts are checked by the rules announce applies (issue: drafts accepted what announce
refused): refused text and unknown org units at creation, with a Chinese message naming the
field; what only the clock refuses comes back as a warning, and announce refuses it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ROUND_TIME, Clock, task_definition, token
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only


@pytest.mark.parametrize(
    ("title", "codepoint"), [("抽查\x00", "U+0000"), ("抽查\u202e查抽", "U+202E")]
)
def test_a_title_with_refused_characters_is_not_created(
    app_client: TestClient, title: str, codepoint: str
) -> None:
    planner = token(app_client, "planner")
    body = task_definition() | {"title": title}
    response = app_client.post("/api/tasks", json=body, headers=planner)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "标题" in detail and codepoint in detail
    assert app_client.get("/api/tasks/T2026-101", headers=planner).status_code == 404


def test_an_unknown_org_unit_is_not_created(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    body = task_definition() | {"org_units": ["no-such-unit"]}
    response = app_client.post("/api/tasks", json=body, headers=planner)
    assert response.status_code == 422, response.text
    assert "org_units" in response.json()["detail"]
    assert "no-such-unit" in response.json()["detail"]
    assert app_client.get("/api/tasks/T2026-101", headers=planner).status_code == 404


def test_a_past_beacon_round_is_a_warning_in_a_draft_and_refused_at_announce(
    app_client: TestClient, clock: Clock
) -> None:
    planner = token(app_client, "planner")
    fresh = app_client.post("/api/tasks", json=task_definition("T2026-102"), headers=planner)
    assert fresh.status_code == 201 and fresh.json()["warnings"] == []

    clock.now = ROUND_TIME + timedelta(minutes=1)
    created = app_client.post("/api/tasks", json=task_definition(), headers=planner)
    assert created.status_code == 201, created.text
    warnings = created.json()["warnings"]
    assert len(warnings) == 1 and "随机数来源" in warnings[0]
    announce = app_client.post("/api/tasks/T2026-101/announce", headers=planner)
    assert announce.status_code == 422
    assert app_client.get("/api/tasks/T2026-101", headers=planner).json()["state"] == "draft"
