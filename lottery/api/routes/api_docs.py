"""The API's interactive documentation, offline: Swagger UI at ``/docs``, ReDoc at ``/redoc``.

FastAPI's own pages load both from a CDN and start them with inline script. These are served
by the app itself: the Swagger UI and ReDoc bundles are the static files of the
``fastapi-offline`` package (only its files: its app factory would bring the inline script
back); the page templates, the start scripts and two style sheets are ours, in
``lottery/api/api_docs/``. Each page sets its own Content-Security-Policy, the app's policy
plus what the bundle needs and no more (docs/security.md, "Public site and console").
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from ..errors import NotFound
from ..security_headers import page_policy

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs/assets"

# ReDoc's bundle adds one <style> before Redoc.init can hand it the nonce (perfect-scrollbar's
# CSS, added empty and then filled): its two states by hash, for fastapi-offline 1.7.7's
# redoc.standalone.js. With another bundle the menu falls back to the browser's own scrollbar,
# and tests/browser/test_api_docs_browser.py reports the blocked style.
REDOC_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty element
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar.css
)
# ReDoc's search runs in a worker it makes from a blob: URL (no search without it).
REDOC_WORKERS = ("blob:",)
# The one address a bundle would fetch from another origin: the Redocly logo in ReDoc's menu.
# Served as an empty src, the <img> fails at once and ReDoc drops it; nothing is requested.
_EDITS: dict[str, tuple[tuple[bytes, bytes], ...]] = {
    "redoc.standalone.js": ((b'"https://cdn.redoc.ly/redoc/logo-mini.svg"', b'""'),),
}

router = APIRouter(include_in_schema=False)

_OURS = files("lottery.api") / "api_docs"
_BUNDLED = files("fastapi_offline") / "static"
_JS = "text/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"
# Every file the pages load, and where it comes from: no other name is served.
ASSETS: dict[str, tuple[Traversable, str]] = {
    "swagger-ui-bundle.js": (_BUNDLED, _JS),
    "swagger-ui.css": (_BUNDLED, _CSS),
    "redoc.standalone.js": (_BUNDLED, _JS),
    "favicon.png": (_BUNDLED, "image/png"),
    "swagger-page.css": (_OURS, _CSS),
    "swagger-init.js": (_OURS, _JS),
    "redoc-init.js": (_OURS, _JS),
    "redoc-page.css": (_OURS, _CSS),
}
_TEMPLATES = Environment(
    loader=PackageLoader("lottery.api", "api_docs"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def _page(request: Request, template: str, policy: str, nonce: str = "") -> HTMLResponse:
    html = _TEMPLATES.get_template(template).render(
        title=request.app.title, openapi_url=request.app.openapi_url, assets=ASSETS_URL, nonce=nonce
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})


@router.get(DOCS_URL)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over the OpenAPI schema; no inline script or style at all."""
    return _page(request, "swagger.html", page_policy())


@router.get(REDOC_URL)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc over the OpenAPI schema, its generated styles allowed by a fresh nonce."""
    nonce = secrets.token_urlsafe(18)
    policy = page_policy([f"'nonce-{nonce}'", *REDOC_STYLE_HASHES], REDOC_WORKERS)
    return _page(request, "redoc.html", policy, nonce)


@cache
def asset_bytes(name: str) -> bytes:
    """The file as served (read once: it changes only with an upgrade)."""
    folder, _ = ASSETS[name]
    body = (folder / name).read_bytes()
    for old, new in _EDITS.get(name, ()):
        body = body.replace(old, new)
    return body


@cache
def _etag(name: str) -> str:
    return '"' + hashlib.sha256(asset_bytes(name)).hexdigest()[:32] + '"'


@router.get(ASSETS_URL + "/{name}")
def asset(name: str, request: Request) -> Response:
    """One of the pages' files, revalidated by its entity tag (404 for any other name)."""
    if name not in ASSETS:
        raise NotFound(f"{ASSETS_URL}/{name} is not a file of the API documentation")
    headers = {"ETag": _etag(name), "Cache-Control": "no-cache"}
    if _etag(name) in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(asset_bytes(name), media_type=ASSETS[name][1], headers=headers)
