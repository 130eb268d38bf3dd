"""Password management (issue #23, defect 4): changing one's own password, an admin's reset, the
first-login change of accounts an admin created, and the policy on every route that sets one.

On SQLite and on PostgreSQL (``app_client`` is parametrized over both).
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.api.app import ROUTERS
from lottery.service import login_throttle
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent
from tests.api.conftest import PASSWORD, token

NEW = "violet-harbour-lantern-7"  # a test-only password that follows the policy
CHANGE = "/api/auth/password"


@pytest.fixture(autouse=True)
def no_tarpit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused logins are answered at once here (tests/api/test_login_throttle.py tests it)."""
    monkeypatch.setattr(login_throttle, "TARPIT_SECONDS", 0.0)


def _login(client: TestClient, name: str, password: str) -> dict[str, object]:
    r = client.post("/api/auth/login", json={"name": name, "password": password})
    client.cookies.clear()
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _bearer(body: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['token']}"}


def _actions(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_changing_ones_password_ends_the_other_sessions_only(
    app_client: TestClient, service: Lifecycle
) -> None:
    here = token(app_client, "planner")
    elsewhere = token(app_client, "planner")
    other_user = token(app_client, "auditor")
    r = app_client.post(CHANGE, json={"old_password": PASSWORD, "new_password": NEW}, headers=here)
    assert r.status_code == 200, r.text
    assert r.json() == {"other_sessions_ended": 1}
    assert app_client.get("/api/tasks", headers=here).status_code == 200
    assert app_client.get("/api/auth/me", headers=elsewhere).status_code == 401
    assert app_client.get("/api/auth/me", headers=other_user).status_code == 200
    old = app_client.post("/api/auth/login", json={"name": "planner", "password": PASSWORD})
    assert old.status_code == 401
    _login(app_client, "planner", NEW)
    (event,) = _actions(service, "user.password-change")
    assert (event.actor, event.object) == ("planner", "planner")
    assert event.detail == {"other_sessions_ended": 1}


def test_a_wrong_old_password_changes_nothing_and_counts_as_a_failure(
    app_client: TestClient, service: Lifecycle
) -> None:
    headers = token(app_client, "inspector")
    body = {"old_password": "not-the-password-9", "new_password": NEW}
    for _ in range(5):
        r = app_client.post(CHANGE, json=body, headers=headers)
        assert r.status_code == 403
        assert "当前密码不正确" in r.json()["detail"]
    # The account is now locked: even the right old password is refused, before hashing.
    right = {"old_password": PASSWORD, "new_password": NEW}
    r = app_client.post(CHANGE, json=right, headers=headers)
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert len(_actions(service, "user.password-change-failed")) == 5
    assert [e.object for e in _actions(service, "auth.lockout")] == ["account:inspector"]
    assert app_client.get("/api/auth/me", headers=headers).status_code == 200  # still logged in


def test_the_policy_refuses_with_the_rule_named(app_client: TestClient) -> None:
    headers = token(app_client, "reviewer")
    cases = [
        ("short-pw-1", "至少需要 12 个字符"),
        ("my-name-is-REVIEWER-ok", "不得包含用户名（reviewer）"),
        ("1qaz2wsx3edc", "过于常见"),  # on the public common-password lists
        (PASSWORD, "不得与旧密码相同"),
    ]
    for new, words in cases:
        r = app_client.post(
            CHANGE, json={"old_password": PASSWORD, "new_password": new}, headers=headers
        )
        assert r.status_code == 422, (new, r.text)
        assert words in r.json()["detail"], (new, r.text)
    _login(app_client, "reviewer", PASSWORD)  # nothing was changed
    admin = token(app_client, "admin")
    created = {"name": "newbie", "password": "newbie-password-1", "roles": ["auditor"]}
    r = app_client.post("/api/users", json=created, headers=admin)
    assert r.status_code == 422 and "不得包含用户名（newbie）" in r.json()["detail"]
    r = app_client.put(
        "/api/users/planner/password", json={"password": "1qaz2wsx3edc"}, headers=admin
    )
    assert r.status_code == 422 and "过于常见" in r.json()["detail"]
    _login(app_client, "planner", PASSWORD)


def _assert_forced(client: TestClient, headers: dict[str, str], name: str) -> None:
    """Every route but change password, who am I and log out is 403 for ``headers``."""
    me = client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200 and me.json()["must_change_password"] is True
    for method, path in [("GET", "/api/tasks"), ("GET", "/api/users"), ("POST", "/api/tasks")]:
        r = client.request(method, path, json={}, headers=headers)
        assert r.status_code == 403, (method, path, r.text)
        assert "须先修改密码" in r.json()["detail"] and name in r.json()["detail"]
        assert r.json()["error"] == "PasswordChangeRequired"


def test_an_admin_reset_forces_a_change_at_next_login(
    app_client: TestClient, service: Lifecycle
) -> None:
    admin = token(app_client, "admin")
    planner = token(app_client, "planner")
    temporary = "temporary-reset-pw-5"
    r = app_client.put("/api/users/planner/password", json={"password": temporary}, headers=admin)
    assert r.status_code == 204, r.text
    assert app_client.get("/api/auth/me", headers=planner).status_code == 401  # sessions ended
    assert (
        app_client.post(
            "/api/auth/login", json={"name": "planner", "password": PASSWORD}
        ).status_code
        == 401
    )
    body = _login(app_client, "planner", temporary)
    assert body["must_change_password"] is True
    headers = _bearer(body)
    _assert_forced(app_client, headers, "planner")
    r = app_client.post(
        CHANGE, json={"old_password": temporary, "new_password": NEW}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert app_client.get("/api/tasks", headers=headers).status_code == 200  # session kept
    assert app_client.get("/api/auth/me", headers=headers).json()["must_change_password"] is False
    assert _login(app_client, "planner", NEW)["must_change_password"] is False
    (event,) = _actions(service, "user.password-reset")
    assert (event.actor, event.object) == ("admin", "planner")
    assert event.detail == {"sessions_ended": 1, "must_change_password": True}


def test_logout_works_while_a_change_is_required(app_client: TestClient) -> None:
    admin = token(app_client, "admin")
    temporary = "temporary-reset-pw-6"
    app_client.put("/api/users/auditor/password", json={"password": temporary}, headers=admin)
    headers = _bearer(_login(app_client, "auditor", temporary))
    assert app_client.post("/api/auth/logout", headers=headers).status_code == 204
    assert app_client.get("/api/auth/me", headers=headers).status_code == 401


def test_an_account_an_admin_created_must_change_at_first_login(app_client: TestClient) -> None:
    admin = token(app_client, "admin")
    created = {"name": "zhang.san", "password": "first-login-pw-8", "roles": ["planner"]}
    assert app_client.post("/api/users", json=created, headers=admin).status_code == 201
    body = _login(app_client, "zhang.san", "first-login-pw-8")
    assert body["must_change_password"] is True
    headers = _bearer(body)
    _assert_forced(app_client, headers, "zhang.san")
    r = app_client.post(
        CHANGE,
        json={"old_password": "first-login-pw-8", "new_password": NEW},
        headers=headers,
    )
    assert r.status_code == 200 and r.json() == {"other_sessions_ended": 0}
    assert app_client.get("/api/tasks", headers=headers).status_code == 200


def test_a_reset_ends_a_lockout_and_only_admins_reset(app_client: TestClient) -> None:
    for _ in range(5):
        wrong = {"name": "reviewer", "password": "not-the-password-9"}
        assert app_client.post("/api/auth/login", json=wrong).status_code == 401
    locked = app_client.post("/api/auth/login", json={"name": "reviewer", "password": PASSWORD})
    assert locked.status_code == 429
    planner = token(app_client, "planner")
    body = {"password": "temporary-reset-pw-7"}
    refused = app_client.put("/api/users/reviewer/password", json=body, headers=planner)
    assert refused.status_code == 403 and "users.manage" in refused.json()["detail"]
    admin = token(app_client, "admin")
    assert (
        app_client.put("/api/users/reviewer/password", json=body, headers=admin).status_code == 204
    )
    assert _login(app_client, "reviewer", "temporary-reset-pw-7")["must_change_password"] is True
    missing = app_client.put("/api/users/ghost/password", json=body, headers=admin)
    assert missing.status_code == 422 and "no user ghost" in missing.json()["detail"]


def test_a_pending_change_blocks_every_other_staff_route(app_client: TestClient) -> None:
    admin = token(app_client, "admin")
    temporary = "temporary-reset-pw-9"
    app_client.put("/api/users/admin/password", json={"password": temporary}, headers=admin)
    headers = _bearer(_login(app_client, "admin", temporary))
    open_routes = {
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/password"),
        ("GET", "/api/auth/me"),
        ("POST", "/api/auth/logout"),
    }
    routes = sorted(
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.path.startswith("/api/")
        for method in route.methods or ()
    )
    assert len(routes) >= 30
    for method, path in routes:
        if (method, path) in open_routes:
            continue
        url = re.sub(r"\{[^}]+\}", "X-1", path)
        r = app_client.request(method, url, json={}, headers=headers)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["error"] == "PasswordChangeRequired", (method, path, r.text)
