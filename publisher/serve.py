"""A static server for a built site that sends the export's headers (``lottery serve-site``).

Python's ``http.server`` guesses media types from file extensions, so the extension-less
``export/checkpoint`` would go out as ``application/octet-stream``, where C2SP tlog-tiles asks
for ``text/plain; charset=utf-8``. This server applies :mod:`lottery.core.serving` to every path
under ``export/`` (media type and caching) and serves everything else as ``http.server`` does.
It is what ``make demo`` runs; a production site uses a web server configured as docs/export.md
"Serving the export" shows.
"""

from __future__ import annotations

import functools
import http.server
import os
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lottery.core import serving

EXPORT_PREFIX = "/export/"


def export_path(url_path: str) -> str | None:
    """The export path (``checkpoint``, ``tile/0/000``...) that a request path names, if any."""
    path = posixpath.normpath(unquote(urlsplit(url_path).path))
    if not path.startswith(EXPORT_PREFIX):
        return None
    return path[len(EXPORT_PREFIX) :]


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """``SimpleHTTPRequestHandler`` with the export's media types and caching."""

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        inside = export_path(self.path)
        if inside is not None:
            return serving.media_type(inside)
        return super().guess_type(path)

    def end_headers(self) -> None:
        inside = export_path(self.path)
        if inside is not None:
            self.send_header("Cache-Control", serving.cache_control(inside))
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000) -> http.server.HTTPServer:
    """A threading server for ``root`` on ``host:port`` (port 0 picks a free one)."""
    handler = functools.partial(SiteHandler, directory=str(root))
    return http.server.ThreadingHTTPServer((host, port), handler)
