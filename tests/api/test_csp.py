"""Security headers on every response of the API and console, and a console the CSP allows.

The console's pages run no script at all and use one stylesheet file: no inline script, no
inline event handler, no javascript: URL, no inline style (issues #23, #15).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD, token
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def _policy(header: str) -> dict[str, list[str]]:
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/console/login", 200),
        ("GET", "/console/", 303),  # to the login page
        ("GET", "/console/static/console.css", 200),
        ("GET", "/", 307),
        ("GET", "/api/tasks", 401),  # an error response gets them too
        ("POST", "/api/auth/login", 422),  # and a validation error
        ("GET", "/no/such/page", 404),
        ("GET", "/openapi.json", 200),
        ("GET", "/docs", 200),  # the API docs set their own policy (tests/api/test_api_docs.py)
        ("GET", "/redoc", 200),
        ("GET", "/docs/assets/swagger-ui-bundle.js", 200),
    ],
)
def test_every_response_carries_the_headers(
    app_client: TestClient, method: str, path: str, status: int
) -> None:
    response = app_client.request(method, path, follow_redirects=False)
    assert response.status_code == status
    for name, value in COMMON.items():
        assert response.headers[name] == value, name
    policy = _policy(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_staff_responses_carry_the_headers(app_client: TestClient) -> None:
    response = app_client.get("/api/tasks", headers=token(app_client, "planner"))
    assert response.status_code == 200
    assert "content-security-policy" in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_console_styles_come_from_its_own_file_only(app_client: TestClient) -> None:
    policy = _policy(app_client.get("/console/login").headers["content-security-policy"])
    assert policy["style-src"] == ["'self'"]


class _Inline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            if not values.get("src"):
                self.problems.append("inline <script>")
            self.in_script = True
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")
            if name == "style":
                self.problems.append(f"<{tag} style> (blocked by style-src)")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problems.append("inline script text")


def test_the_console_has_no_inline_script_handler_or_style(app_client: TestClient) -> None:
    pages = [app_client.get("/console/login").text]
    form = pages[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    app_client.post(
        "/console/login",
        data={"name": "planner", "password": PASSWORD, "csrf": csrf.group(1)},
    )
    paths = ("/console/", "/console/tasks", "/console/password", "/console/tasks/new")
    pages += [app_client.get(p).text for p in paths]
    assert all("<main" in page for page in pages)
    for page in pages:
        parser = _Inline()
        parser.feed(page)
        parser.close()
        assert parser.problems == []
        assert "<style" not in page
