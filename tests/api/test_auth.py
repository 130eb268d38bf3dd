"""Logins, tokens, cookies and the CSRF header."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import ApiToken, AuditEvent, User
from tests.api.conftest import PASSWORD, Clock, token


def test_login_issues_a_token_that_authenticates(app_client: TestClient) -> None:
    headers = token(app_client, "planner")
    me = app_client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["name"] == "planner"
    assert "task.plan" in me.json()["permissions"]
    assert "users.manage" not in me.json()["permissions"]


def test_wrong_password_and_unknown_user_look_the_same(
    app_client: TestClient, service: Lifecycle
) -> None:
    wrong = app_client.post("/api/auth/login", json={"name": "planner", "password": "nope-nope!"})
    ghost = app_client.post("/api/auth/login", json={"name": "ghost", "password": PASSWORD})
    assert wrong.status_code == ghost.status_code == 401
    assert wrong.json()["detail"] == ghost.json()["detail"]
    with service.session() as s:
        failed = list(s.exec(select(AuditEvent).where(AuditEvent.action == "auth.login-failed")))
    assert {e.actor for e in failed} == {"planner", "ghost"}


def test_only_the_token_hash_is_stored(app_client: TestClient, service: Lifecycle) -> None:
    bearer = token(app_client, "admin")["Authorization"].split()[1]
    with service.session() as s:
        stored = [t.token_sha256 for t in s.exec(select(ApiToken))]
        hashes = [u.password_hash for u in s.exec(select(User))]
    assert bearer not in stored and len(stored) == 1
    assert all(h.startswith("$argon2") for h in hashes)
    assert PASSWORD not in "".join(hashes)


def test_logout_revokes_and_expiry_ends_sessions(app_client: TestClient, clock: Clock) -> None:
    headers = token(app_client, "admin")
    assert app_client.post("/api/auth/logout", headers=headers).status_code == 204
    assert app_client.get("/api/auth/me", headers=headers).status_code == 401
    headers = token(app_client, "admin")
    clock.now += timedelta(hours=13)
    response = app_client.get("/api/auth/me", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_cookie_sessions_need_the_csrf_header_to_change_anything(app_client: TestClient) -> None:
    login = app_client.post("/api/auth/login", json={"name": "admin", "password": PASSWORD})
    assert login.status_code == 200 and "lottery_session" in app_client.cookies
    assert app_client.get("/api/users").status_code == 200  # reads need no header
    body = {"name": "newbie", "password": "long-enough-pw", "roles": ["auditor"]}
    refused = app_client.post("/api/users", json=body)
    assert refused.status_code == 401 and "X-Lottery-CSRF" in refused.json()["detail"]
    assert all(u["name"] != "newbie" for u in app_client.get("/api/users").json())
    ok = app_client.post("/api/users", json=body, headers={"X-Lottery-CSRF": "1"})
    assert ok.status_code == 201, ok.text


def test_disabled_account_loses_its_sessions(app_client: TestClient) -> None:
    admin = token(app_client, "admin")
    planner = token(app_client, "planner")
    r = app_client.put("/api/users/planner/active", json={"active": False}, headers=admin)
    assert r.status_code == 204
    assert app_client.get("/api/auth/me", headers=planner).status_code == 401
    again = app_client.post("/api/auth/login", json={"name": "planner", "password": PASSWORD})
    assert again.status_code == 401


def test_bad_user_input_is_a_clear_4xx(app_client: TestClient) -> None:
    admin = token(app_client, "admin")
    cases = [
        ({"name": "x y", "password": "long-enough-pw", "roles": ["auditor"]}, 422, "name"),
        ({"name": "short", "password": "short", "roles": ["auditor"]}, 422, "password"),
        ({"name": "r", "password": "long-enough-pw", "roles": ["king"]}, 422, "roles"),
        ({"name": "admin", "password": "long-enough-pw", "roles": ["admin"]}, 409, "exists"),
    ]
    for body, status, words in cases:
        r = app_client.post("/api/users", json=body, headers=admin)
        assert r.status_code == status, (body, r.text)
        assert words in r.text
    assert len(app_client.get("/api/users", headers=admin).json()) == 5  # nothing was added
