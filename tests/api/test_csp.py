"""Security headers on every response of the API and console, and a console the CSP allows.

The console page may run only its own script file: no inline script, no inline event handler,
no javascript: URL (issue #23). Its one inline <style> is allowed by a hash the app computes
from the file; the test recomputes it independently (CSP Level 3, "hash-source").
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import token

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def _policy(header: str) -> dict[str, list[str]]:
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def _console_page() -> str:
    return (files("lottery.api") / "console" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/console/", 200),
        ("GET", "/console/console.js", 200),
        ("GET", "/", 307),
        ("GET", "/api/tasks", 401),  # an error response gets them too
        ("POST", "/api/auth/login", 422),  # and a validation error
        ("GET", "/no/such/page", 404),
        ("GET", "/openapi.json", 200),
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


def test_the_console_style_is_allowed_by_its_hash(app_client: TestClient) -> None:
    policy = _policy(app_client.get("/console/").headers["content-security-policy"])
    styles = re.findall(r"<style>(.*?)</style>", _console_page(), flags=re.DOTALL)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode("utf-8")).digest()).decode()
    assert policy["style-src"] == ["'self'", f"'sha256-{digest}'"]


def test_the_docs_page_is_left_without_the_policy(app_client: TestClient) -> None:
    # FastAPI's Swagger UI loads from a CDN and runs inline script (offline docs: issue #15).
    response = app_client.get("/docs")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
    assert response.headers["x-frame-options"] == "DENY"


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


def test_the_console_has_no_inline_script_or_handler() -> None:
    parser = _Inline()
    parser.feed(_console_page())
    parser.close()
    assert parser.problems == []
    script = (files("lottery.api") / "console" / "console.js").read_text(encoding="utf-8")
    # Nothing the policy would block at run time: no eval, no string timers, no inline
    # handlers set as attributes, no style attributes written as markup.
    assert not re.search(r"\beval\s*\(|new Function\s*\(|setTimeout\s*\(\s*['\"`]", script)
    assert not re.search(r"setAttribute\(\s*['\"]on", script)
