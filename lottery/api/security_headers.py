"""Security headers on every response of the API and the staff console.

A Content-Security-Policy that lets a page run only the console's own script file (no inline
script, no inline event handler, no eval, nothing from another origin, no framing), plus
``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and
``X-Frame-Options: DENY``. The console's one inline ``<style>`` block is allowed by its SHA-256,
computed from the file itself when the app starts, so it cannot go stale.

FastAPI's interactive ``/docs`` and ``/redoc`` pages load Swagger UI / ReDoc from a CDN and run
inline script: they get every header but the CSP (docs/security.md, "Public site and console";
making them offline is issue #15).
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Paths served by FastAPI's own documentation pages (CDN scripts, inline script).
DOCS_PATHS = ("/docs", "/redoc")


def _inline_style_hashes() -> list[str]:
    """CSP sources (``'sha256-...'``) of the console page's inline ``<style>`` blocks."""
    page = (files("lottery.api") / "console" / "index.html").read_text(encoding="utf-8")
    blocks = re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL)
    digests = (hashlib.sha256(b.encode("utf-8")).digest() for b in blocks)
    return [f"'sha256-{base64.b64encode(d).decode('ascii')}'" for d in digests]


def content_security_policy() -> str:
    """The policy of every response outside :data:`DOCS_PATHS`."""
    styles = " ".join(["'self'", *_inline_style_hashes()])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {styles}",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP response (errors included).

    A header the route already set is kept: a route that needs a different policy says so.
    """

    def __init__(self, app: ASGIApp, csp: str | None = None) -> None:
        self.app = app
        self.csp = csp if csp is not None else content_security_policy()
        self.common = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        docs = any(path == p or path.startswith(p + "/") for p in DOCS_PATHS)
        extra = dict(self.common)
        if not docs:
            extra["Content-Security-Policy"] = self.csp

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
