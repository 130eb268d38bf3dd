"""A request id for every HTTP request: in the JSON log lines and the ``X-Request-ID`` header.

A caller's (or a reverse proxy's) ``X-Request-ID`` is kept when it is a short plain token
(letters, digits, ``.``, ``_``, ``-``; at most 64), so one id follows a request through the
proxy's log and ours; anything else is replaced by a fresh random id. The id is set in
:data:`lottery.runtime.logs.REQUEST_ID` for the request's context (route code, threads it
runs in, uvicorn's access line) and answered in the response's ``X-Request-ID``.
"""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lottery.runtime.logs import REQUEST_ID

HEADER = "X-Request-ID"
_PLAIN = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id(given: str | None) -> str:
    """``given`` when it is a plain token, else a new random id (16 hex digits)."""
    if given is not None and _PLAIN.fullmatch(given):
        return given
    return secrets.token_hex(8)


class RequestId:
    """ASGI middleware: set the request's id for its context and answer it in a header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(Headers(scope=scope).get(HEADER))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        token = REQUEST_ID.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
