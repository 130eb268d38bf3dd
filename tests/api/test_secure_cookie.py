"""The session and login cookies are ``Secure`` exactly when the request came over HTTPS.

HTTPS as the service sees it: its own scheme, or ``X-Forwarded-Proto: https`` from a trusted
proxy (``LOTTERY_TRUSTED_PROXIES``); the same header from any other peer changes nothing.
Plain HTTP (``make demo``, these tests' default) keeps cookies a browser sends back over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lottery.api import create_app
from lottery.api.deps import COOKIE
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from tests.api.conftest import OFFLINE_RELAY, PASSWORD, T_ANNOUNCE, Clock
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

PROXY = "127.0.0.1"
HTTPS = {"X-Forwarded-Proto": "https"}


def _client(settings: Settings, service: Lifecycle, peer: str) -> Iterator[TestClient]:
    users.create_user(service, "planner", PASSWORD, ["planner"], T_ANNOUNCE, actor="test")
    configured = settings.model_copy(
        update={"drand_relays": [OFFLINE_RELAY], "trusted_proxies": PROXY}
    )
    app = create_app(configured, service=service, clock=Clock())
    with TestClient(app, base_url="http://testserver", client=(peer, 50000)) as client:
        yield client


@pytest.fixture
def via_proxy(settings: Settings, service: Lifecycle) -> Iterator[TestClient]:
    """Requests from the trusted proxy's address."""
    yield from _client(settings, service, PROXY)


@pytest.fixture
def direct(settings: Settings, service: Lifecycle) -> Iterator[TestClient]:
    """Requests from a workstation that is not a trusted proxy."""
    yield from _client(settings, service, "203.0.113.9")


def _set_cookies(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined, no-any-return]


def _cookie(response: object, name: str) -> str:
    found = [c for c in _set_cookies(response) if c.startswith(f"{name}=")]
    assert len(found) == 1, _set_cookies(response)
    return found[0]


def _secure(cookie: str) -> bool:
    return "secure" in [part.strip().lower() for part in cookie.split(";")]


def _api_login(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post(
        "/api/auth/login", json={"name": "planner", "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 200, response.text
    return _cookie(response, COOKIE)


def test_https_from_a_trusted_proxy_makes_the_session_cookie_secure(
    via_proxy: TestClient,
) -> None:
    cookie = _api_login(via_proxy, HTTPS)
    assert _secure(cookie)
    assert "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower()


def test_plain_http_keeps_a_cookie_the_browser_sends_back(via_proxy: TestClient) -> None:
    assert not _secure(_api_login(via_proxy, {}))
    assert not _secure(_api_login(via_proxy, {"X-Forwarded-Proto": "http"}))


def test_an_untrusted_client_cannot_claim_https(direct: TestClient) -> None:
    # Not from the trusted proxy: the header is ignored and the request stays plain HTTP.
    assert not _secure(_api_login(direct, HTTPS))


def test_the_console_login_sets_secure_cookies_over_https(via_proxy: TestClient) -> None:
    form = via_proxy.get("/console/login", headers=HTTPS)
    assert form.status_code == 200
    login_csrf = _cookie(form, "lottery_login_csrf")
    assert _secure(login_csrf)
    csrf = login_csrf.split(";")[0].split("=", 1)[1]
    # The client's cookie jar keeps a Secure cookie off http://testserver: send it as the
    # browser (on https) would.
    via_proxy.cookies.clear()
    done = via_proxy.post(
        "/console/login",
        data={"name": "planner", "password": PASSWORD, "csrf": csrf},
        headers={**HTTPS, "Cookie": f"lottery_login_csrf={csrf}"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert _secure(_cookie(done, COOKIE))


def test_the_console_login_over_plain_http_is_not_secure(direct: TestClient) -> None:
    form = direct.get("/console/login", headers=HTTPS)  # ignored: not a trusted proxy
    assert not _secure(_cookie(form, "lottery_login_csrf"))
