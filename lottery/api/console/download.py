"""The headers of a private file handed to a browser as a download (evidence files).

The file's name comes from a record (typed by a person): it goes into ``Content-Disposition``
only as an ASCII fallback with every risky character replaced, plus the exact name in RFC 5987
``filename*`` (UTF-8, percent-encoded), as RFC 6266 advises. The type is never taken from the
name or trusted from the upload: it is ``application/octet-stream`` unless the bytes begin like
one of a few inert formats (PNG, JPEG, GIF, WebP, PDF); never HTML, SVG or script. With
``attachment`` and ``X-Content-Type-Options: nosniff`` the browser saves the file instead of
rendering it in the console's origin.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response

OCTET = "application/octet-stream"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
_SAFE_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_()+ ")


def content_type(data: bytes) -> str:
    """A fixed, inert type for ``data``: a known image or PDF by its first bytes, else octet."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return OCTET


def safe_name(name: str) -> str:
    """The file's last path part, without control characters (never empty)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip().strip(".")
    return cleaned[:200] or "evidence"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII ``filename`` fallback and the UTF-8 ``filename*``."""
    exact = safe_name(name)
    fallback = "".join(ch if ch in _SAFE_ASCII else "_" for ch in exact)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(exact, safe='')}"


def download_response(name: str, data: bytes) -> Response:
    """``data`` as a download named ``name`` (private, never cached, never sniffed)."""
    return Response(
        data,
        media_type=content_type(data),
        headers={
            "Content-Disposition": content_disposition(name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
