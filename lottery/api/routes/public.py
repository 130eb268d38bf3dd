"""Public, unauthenticated routes: the log in the export's layout (``/log/...``)."""

from __future__ import annotations

import gzip
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from lottery.api.errors import NotFound
from lottery.core import serving
from lottery.service.logview import LogView

router = APIRouter(tags=["public log"])


@router.get(
    "/log/{path:path}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, 404: {}, 410: {}},
)
def log_file(
    path: Annotated[str, Path(max_length=200, description="a path of the export layout")],
    request: Request,
) -> Response:
    """A file of the public log: checkpoint, tiles, blobs, records, keys (docs/export.md).

    Media types and caching follow :mod:`lottery.core.serving`; entry bundles are sent
    gzip-compressed to clients that accept it. A sealed blob that a withdrawal removed is
    answered 410 Gone, cached briefly (docs/spec.md §2.1).
    """
    view: LogView = request.app.state.log_view
    data = view.get(path)
    if data is None and view.withdrawn(path):
        return Response(
            "withdrawn: see the penalty-withdrawal record in the log\n",
            status_code=410,
            media_type=serving.TEXT,
            headers={"Cache-Control": serving.REMOVABLE},
        )
    if data is None:
        raise NotFound(f"/log/{path} is not published")
    headers = {"Cache-Control": serving.cache_control(path)}
    if serving.compressible(path):
        headers["Vary"] = "Accept-Encoding"
        if _accepts_gzip(request.headers.get("accept-encoding", "")):
            data = gzip.compress(data, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
    return Response(data, media_type=serving.media_type(path), headers=headers)


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value admits gzip (``gzip;q=0`` refuses it)."""
    for item in accept_encoding.lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() not in ("gzip", "*"):
            continue
        q = params.strip().removeprefix("q=").strip() if "q=" in params else "1"
        try:
            return float(q) > 0
        except ValueError:
            return False
    return False
