"""The staff console (简体中文): one static page and its script, talking to the API."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

router = APIRouter(include_in_schema=False)
_ASSETS = files("lottery.api") / "console"


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/console/")
def console_page() -> HTMLResponse:
    return HTMLResponse((_ASSETS / "index.html").read_text(encoding="utf-8"))


@router.get("/console/console.js")
def console_script() -> Response:
    return Response(
        (_ASSETS / "console.js").read_text(encoding="utf-8"), media_type="text/javascript"
    )
