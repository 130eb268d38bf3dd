"""Public, unauthenticated routes: the log in the export's layout (``/log/...``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from lottery.api.errors import NotFound
from lottery.service.logview import LogView

router = APIRouter(tags=["public log"])


@router.get(
    "/log/{path:path}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, 404: {}},
)
def log_file(
    path: Annotated[str, Path(max_length=200, description="a path of the export layout")],
    request: Request,
) -> Response:
    """A file of the public log: checkpoint, tiles, blobs, records, keys (docs/export.md)."""
    view: LogView = request.app.state.log_view
    data = view.get(path)
    if data is None:
        raise NotFound(f"/log/{path} is not published")
    text = path == "checkpoint" or path.startswith(
        ("checkpoints/", "cosigned/", "records/", "keys/")
    )
    media = "text/plain; charset=utf-8" if text else "application/octet-stream"
    return Response(data, media_type=media, headers={"Cache-Control": "no-cache"})
