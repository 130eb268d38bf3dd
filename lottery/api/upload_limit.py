"""Refuse a registry upload over its kind's size limit while it arrives (HTTP 413).

Starlette parses a multipart body before the endpoint runs, into a spooled temporary file
(memory up to 1 MB, disk beyond). Without a limit a client could send any amount. So the
route checks ``Content-Length`` first and counts the body as it is received: once either is
over the kind's limit (`registry_io.limits_for`, plus room for the multipart framing), the
upload stops and the answer is a 413 naming the kind and the limit. The endpoint checks the
file's exact size again.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import Message, Receive

from lottery import registry_io as rio
from lottery.api.digits import ascii_int

#: Room for the multipart boundaries and part headers around the file.
MULTIPART_SLACK = 64 * 1024


class _TooLarge(HTTPException):
    """Raised from ``receive``; FastAPI re-raises HTTPExceptions from body parsing as they are."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


def too_large_response(kind: str, size: int | None) -> JSONResponse:
    """The 413 answer, in the shape of every error body."""
    return JSONResponse(
        {"detail": rio.too_large_message(kind, size), "error": "UploadTooLarge"}, status_code=413
    )


def _counting(receive: Receive, cap: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise _TooLarge
        return message

    return counted


class UploadLimitRoute(APIRoute):
    """An APIRoute whose path has a ``{kind}``: the body may not exceed that kind's limit.

    The refusal is :meth:`refuse` (JSON here; the console's subclass answers with a page)."""

    @staticmethod
    def refuse(kind: str, size: int | None) -> Response:
        """The answer to an upload over the limit."""
        return too_large_response(kind, size)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler with the size checks."""
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            kind = str(request.path_params.get("kind", ""))
            try:
                limit = rio.limits_for(kind).max_bytes
            except ValueError:
                return await handler(request)  # an unknown kind: the usual 422
            cap = limit + MULTIPART_SLACK
            length = request.headers.get("content-length", "")
            if (ascii_int(length, 19) or 0) > cap:
                return self.refuse(kind, None)
            try:
                return await handler(Request(request.scope, _counting(request.receive, cap)))
            except _TooLarge:
                return self.refuse(kind, None)

        return limited
