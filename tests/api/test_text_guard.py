"""Every JSON body is checked for refused characters before any route runs (lottery/api/
text_guard.py): a 422 in Chinese naming the field, nothing changed, never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import task_definition, token
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only


def test_a_cancel_reason_with_a_bidi_override_changes_nothing(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    assert app_client.post("/api/tasks", json=task_definition(), headers=planner).is_success
    assert app_client.post("/api/tasks/T2026-101/announce", headers=planner).is_success
    response = app_client.post(
        "/api/tasks/T2026-101/cancel", json={"reason": "名录\u202e错误"}, headers=planner
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "UnsafeTextError"
    assert "原因（reason）" in response.json()["detail"] and "U+202E" in response.json()["detail"]
    task = app_client.get("/api/tasks/T2026-101", headers=planner).json()
    assert task["state"] == "announced"


def test_a_lone_surrogate_is_a_422_not_a_500(app_client: TestClient) -> None:
    body = b'{"name": "planner\\ud800", "password": "x"}'
    response = app_client.post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert "name" in response.json()["detail"] and "U+D800" in response.json()["detail"]


def test_nested_fields_and_keys_are_named(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    body = task_definition() | {"window": {"start": "2026-03-10", "end": "2026-03-2\x000"}}
    response = app_client.post("/api/tasks", json=body, headers=planner)
    assert response.status_code == 422
    assert "window.end" in response.json()["detail"]
    keyed = app_client.post("/api/tasks", json=task_definition() | {"x\x1b": 1}, headers=planner)
    assert keyed.status_code == 422 and "U+001B" in keyed.json()["detail"]


def test_ordinary_text_and_non_json_bodies_pass_the_guard(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    body = task_definition() | {"title": "人防工程平时使用检查 👨\u200d👩\u200d👧 <b>x</b>"}
    assert app_client.post("/api/tasks", json=body, headers=planner).status_code == 201
    # A body that is not JSON at all is FastAPI's own 422, not the guard's.
    broken = app_client.post(
        "/api/auth/login", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422 and broken.json().get("error") != "UnsafeTextError"
