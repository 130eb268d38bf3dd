"""The authorization matrix: every staff route refuses anonymous callers (401) and every role
that lacks the route's permission (403), and admits the roles that hold it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from lottery.api.app import ROUTERS
from lottery.api.deps import current_user, permission_of
from lottery.service.roles import ROLE_PERMISSIONS, Perm, Role
from tests.api.conftest import token

PUBLIC = {("POST", "/api/auth/login")}


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    for dep in dependant.dependencies:
        yield dep
        yield from _walk(dep)


def _staff_routes(client: TestClient) -> list[tuple[str, str, Perm | None]]:
    routes = []
    api_paths = {p for p in client.get("/openapi.json").json()["paths"] if p.startswith("/api/")}
    for route in (r for router in ROUTERS for r in router.routes):
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/"):
            continue
        api_paths.discard(route.path)
        calls = [d.call for d in _walk(route.dependant)]
        perms = {p for p in map(permission_of, calls) if p is not None}  # type: ignore[arg-type]
        for method in route.methods:
            if (method, route.path) in PUBLIC:
                continue
            assert current_user in calls, f"{method} {route.path} does not authenticate"
            assert len(perms) <= 1, f"{method} {route.path} checks several permissions"
            routes.append((method, route.path, next(iter(perms), None)))
    assert not api_paths, f"routes outside the matrix: {api_paths}"
    return sorted(routes, key=lambda r: (r[1], r[0]))


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X-1", path)


def test_every_staff_route_is_covered_by_the_matrix(app_client: TestClient) -> None:
    routes = _staff_routes(app_client)
    assert len(routes) >= 12
    unguarded = [(m, p) for m, p, perm in routes if perm is None]
    # Only "who am I" and "log out" need a login without a particular role.
    assert sorted(unguarded) == [("GET", "/api/auth/me"), ("POST", "/api/auth/logout")]


def test_anonymous_callers_get_401_everywhere(app_client: TestClient) -> None:
    for method, path, _ in _staff_routes(app_client):
        response = app_client.request(method, _url(path), json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers.get("www-authenticate") == "Bearer"
    bogus = {"Authorization": "Bearer not-a-token"}
    assert app_client.get("/api/tasks", headers=bogus).status_code == 401


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_gets_403_exactly_where_it_lacks_the_permission(
    app_client: TestClient, role: Role
) -> None:
    headers = token(app_client, role.value)
    checked = 0
    for method, path, perm in _staff_routes(app_client):
        if perm is None or path == "/api/auth/logout":
            continue
        response = app_client.request(method, _url(path), json={}, headers=headers)
        if perm in ROLE_PERMISSIONS[role]:
            assert response.status_code not in (401, 403), (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.text)
            assert perm.value in response.json()["detail"]
        checked += 1
    assert checked >= 10


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """Authorization does not depend on the database: SQLite only, to keep the suite fast."""
    yield f"sqlite:///{tmp_path / 'lottery.db'}"
