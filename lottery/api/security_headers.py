"""Security headers on every response of the API and the staff console.

A Content-Security-Policy that lets a page run only the app's own script files (no inline
script, no inline event handler, no eval, nothing from another origin, no framing), plus
``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and
``X-Frame-Options: DENY``. The console's pages use one stylesheet file and no inline style.

A route may set its own policy, built here too (:func:`page_policy`): the API's documentation
pages (lottery/api/routes/api_docs.py) keep every directive and add only what Swagger UI and
ReDoc need (ReDoc's generated ``<style>`` elements by a per-response nonce, its search worker).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def page_policy(style_sources: Sequence[str] = (), worker_sources: Sequence[str] = ()) -> str:
    """The one policy, with a page's own needs added to its ``style-src`` and ``worker-src``.

    Args:
        style_sources: hash or nonce sources of the page's inline ``<style>`` elements,
            allowed besides the app's own style sheets.
        worker_sources: where the page may start workers from (default: as scripts,
            ``'self'`` only).
    """
    styles = " ".join(["'self'", *style_sources])
    workers = [f"worker-src {' '.join(worker_sources)}"] if worker_sources else []
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {styles}",
            "img-src 'self' data:",
            "connect-src 'self'",
            *workers,
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def content_security_policy() -> str:
    """The policy of every response whose route sets none of its own (the console uses its
    own style sheet file and no inline style)."""
    return page_policy()


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP response (errors included).

    A header the route already set is kept: a route that needs a different policy says so.
    """

    def __init__(self, app: ASGIApp, csp: str | None = None) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": csp if csp is not None else content_security_policy(),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
