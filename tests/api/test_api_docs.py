"""The API's documentation pages (/docs, /redoc) are served whole by the app, offline.

Each page loads only files the app serves (no other origin, no inline script) and carries a
Content-Security-Policy as strict as the console's, with only what its bundle needs added.
Chromium renders them with the network cut off in tests/browser/test_api_docs_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from importlib.resources import files
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from lottery.api import create_app
from lottery.api.routes import api_docs
from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from tests import lifecycle as lc
from tests.api.conftest import OFFLINE_RELAY
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

PAGES = ("/docs", "/redoc")


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app on an empty SQLite service: the docs read no data, so one backend will do."""
    data = tmp_path_factory.mktemp("api-docs") / "data"
    settings = get_settings(data_dir=data, log_origin=lc.LOG, drand_relays=[OFFLINE_RELAY])
    service = Lifecycle.open(settings)
    with TestClient(create_app(settings, service=service)) as client:
        yield client
    service.engine.dispose()


class _Page(HTMLParser):
    """Every URL a page names (src, href), its inline scripts and styles, its nonces."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self.nonces: list[str] = []
        self.tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tag = tag
        self.urls += [v for k, v in attrs if k in ("src", "href") and v is not None]
        if tag == "script" and not values.get("src"):
            self.inline.append("inline <script>")
        if tag == "style":
            self.inline.append("inline <style>")
        self.inline += [f"<{tag} {k}>" for k, _ in attrs if k.startswith("on") or k == "style"]
        if values.get("nonce"):
            self.nonces.append(str(values["nonce"]))

    def handle_data(self, data: str) -> None:
        if self.tag == "script" and data.strip():
            self.inline.append("inline script text")


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _policy(header: str) -> dict[str, list[str]]:
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.parametrize("path", PAGES)
def test_a_docs_page_names_only_the_apps_own_files(app_client: TestClient, path: str) -> None:
    response = app_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = _parse(response.text)
    assert page.inline == []
    assert "/openapi.json" in page.urls  # the <noscript> link
    assets = [u for u in page.urls if u != "/openapi.json"]
    assert len(assets) >= 3  # favicon, bundle, start script (and style sheet)
    for url in assets:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url  # not even //host/...
        assert url.startswith(api_docs.ASSETS_URL + "/"), url
        served = app_client.get(url)
        assert served.status_code == 200, url
        assert served.content == api_docs.asset_bytes(url.rsplit("/", 1)[1])
    assert "https://" not in response.text and "http://" not in response.text
    assert "cdn" not in response.text.lower()


def test_the_docs_pages_start_on_the_apps_schema(app_client: TestClient) -> None:
    swagger = app_client.get("/docs").text
    redoc = app_client.get("/redoc").text
    assert 'id="swagger-ui" data-openapi-url="/openapi.json"' in swagger
    assert 'id="redoc" data-openapi-url="/openapi.json"' in redoc
    assert "/docs/assets/swagger-init.js" in swagger
    assert "/docs/assets/redoc-init.js" in redoc
    assert app_client.get("/openapi.json").json()["info"]["title"] in swagger


@pytest.mark.parametrize("path", PAGES)
def test_a_docs_page_carries_the_strict_policy(app_client: TestClient, path: str) -> None:
    response = app_client.get(path)
    for name, value in {
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY",
    }.items():
        assert response.headers[name] == value
    policy = _policy(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert policy["connect-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_swagger_ui_needs_nothing_beyond_the_apps_files(app_client: TestClient) -> None:
    policy = _policy(app_client.get("/docs").headers["content-security-policy"])
    assert policy["style-src"] == ["'self'"]
    assert "worker-src" not in policy  # falls back to script-src 'self'


def test_redoc_styles_are_allowed_by_a_nonce_made_per_response(app_client: TestClient) -> None:
    first, second = app_client.get("/redoc"), app_client.get("/redoc")
    nonces = []
    for response in (first, second):
        policy = _policy(response.headers["content-security-policy"])
        [nonce] = _parse(response.text).nonces  # on the start script's tag only
        assert len(nonce) >= 22  # >= 128 bits, base64url
        assert policy["style-src"] == [
            "'self'",
            f"'nonce-{nonce}'",
            *api_docs.REDOC_STYLE_HASHES,
        ]
        assert policy["worker-src"] == ["blob:"]  # ReDoc's search worker
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("redoc.standalone.js", "text/javascript"),
        ("favicon.png", "image/png"),
        ("swagger-page.css", "text/css"),
        ("swagger-init.js", "text/javascript"),
        ("redoc-init.js", "text/javascript"),
        ("redoc-page.css", "text/css"),
    ],
)
def test_an_asset_is_served_with_its_type_and_revalidated(
    app_client: TestClient, name: str, media_type: str
) -> None:
    response = app_client.get(f"/docs/assets/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in response.headers
    assert response.headers["cache-control"] == "no-cache"
    assert len(response.content) > 0
    etag = response.headers["etag"]
    again = app_client.get(f"/docs/assets/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    stale = app_client.get(f"/docs/assets/{name}", headers={"If-None-Match": '"old"'})
    assert stale.status_code == 200
    assert stale.content == response.content


@pytest.mark.parametrize(
    "path",
    [
        "/docs/assets/core.py",
        "/docs/assets/__init__.py",
        "/docs/assets/swagger.html",  # a template, not an asset
        "/docs/assets/..%2F..%2Fsettings.py",
        "/docs/assets/",
        "/docs/oauth2-redirect",  # FastAPI's own docs routes are off
    ],
)
def test_no_other_file_is_served(app_client: TestClient, path: str) -> None:
    response = app_client.get(path)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_every_asset_exists_in_the_installed_packages() -> None:
    # fastapi-offline's files are where this release keeps them; an upgrade that moves them
    # fails here rather than in a browser.
    for name in api_docs.ASSETS:
        assert len(api_docs.asset_bytes(name)) > 100, name


def test_the_redoc_bundle_is_served_without_its_one_external_address() -> None:
    original = (files("fastapi_offline") / "static" / "redoc.standalone.js").read_bytes()
    served = api_docs.asset_bytes("redoc.standalone.js")
    assert original.count(b"https://cdn.redoc.ly/redoc/logo-mini.svg") == 1
    assert b"cdn.redoc.ly" not in served
    assert len(served) == len(original) - len(b"https://cdn.redoc.ly/redoc/logo-mini.svg")


def test_the_docs_pages_stay_out_of_the_schema(app_client: TestClient) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc"))]
