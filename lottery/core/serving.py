"""How each path of the public log is served: media type and caching (C2SP tlog-tiles).

One rule set for every server of the log: the service's ``/log/`` route, ``lottery serve-site``
(the demo's static server) and the headers file the publisher writes for static hosts
(docs/export.md "Serving the export"). C2SP tlog-tiles asks for ``text/plain; charset=utf-8``
on the checkpoint and says full tiles never change and may be cached indefinitely; the same holds
for everything addressed by its own hash or size: entry bundles, records and archived
checkpoints. What can change (the latest checkpoint, lists, partial tiles, keys, cosignatures)
is served with ``no-cache`` so that clients revalidate. Blobs never change but may be
*withdrawn* (sealed content, docs/spec.md §2.1): no cache may keep one long after it is gone, so
every blob is cached for :data:`REMOVABLE_MAX_AGE` seconds only (a path cannot tell a static
host which blobs are removable), and a withdrawn blob is answered ``410 Gone`` by the service.
"""

from __future__ import annotations

import re

TEXT = "text/plain; charset=utf-8"
BINARY = "application/octet-stream"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
REMOVABLE_MAX_AGE = 300
REMOVABLE = f"public, max-age={REMOVABLE_MAX_AGE}"

# A full tile or entry bundle: tile/<L>/<N> or tile/entries/<N>, N in 3-digit groups with x.
_FULL_TILE = re.compile(r"^tile/(?:[0-9]|entries)/(?:x[0-9]{3}/)*[0-9]{3}\Z")
_HASH_ADDRESSED = re.compile(r"^records/[0-9a-f]{64}\Z")
_BLOB = re.compile(r"^blobs/[0-9a-f]{64}\Z")
_ARCHIVED_CHECKPOINT = re.compile(r"^checkpoints/[0-9]{1,20}\Z")
_TEXT_PREFIXES = ("checkpoints/", "cosigned/", "records/", "keys/")


def media_type(path: str) -> str:
    """The media type of the export path ``path`` (relative, no leading slash)."""
    if path == "checkpoint" or path.startswith(_TEXT_PREFIXES):
        return TEXT
    return BINARY


def cache_control(path: str) -> str:
    """The ``Cache-Control`` value of the export path ``path``."""
    if _FULL_TILE.match(path) or _HASH_ADDRESSED.match(path) or _ARCHIVED_CHECKPOINT.match(path):
        return IMMUTABLE
    if _BLOB.match(path):
        return REMOVABLE
    return REVALIDATE


def compressible(path: str) -> bool:
    """Whether ``path`` is worth compressing on the fly (entry bundles: signed JSON records)."""
    return path.startswith("tile/entries/")


def host_headers_file(prefix: str = "/export") -> str:
    """A ``_headers`` file (the format Netlify and Cloudflare Pages read) for a site that holds
    the export under ``prefix``.

    Such hosts match paths with a trailing ``*`` only and merge the headers of every matching
    rule, so the file holds just rules that cannot conflict: headers for every page that a
    ``<meta>`` Content-Security-Policy cannot set (framing), the media types of
    :func:`media_type`, immutable caching for records and short caching for blobs. Tiles are
    left to the host's default (telling full tiles from partial ones needs a pattern these
    hosts cannot express; docs/export.md gives an nginx configuration that does).
    """
    p = prefix.rstrip("/")
    rules = [
        # Every page: what a <meta> policy cannot say (framing), and no type sniffing.
        (
            "/*",
            [
                "Content-Security-Policy: frame-ancestors 'none'",
                "X-Frame-Options: DENY",
                "X-Content-Type-Options: nosniff",
                "Referrer-Policy: no-referrer",
            ],
        ),
        (f"{p}/checkpoint", [f"Content-Type: {TEXT}", f"Cache-Control: {REVALIDATE}"]),
        (f"{p}/checkpoints/*", [f"Content-Type: {TEXT}"]),
        (f"{p}/cosigned/*", [f"Content-Type: {TEXT}"]),
        (f"{p}/keys/*", [f"Content-Type: {TEXT}"]),
        (f"{p}/records/*", [f"Content-Type: {TEXT}", f"Cache-Control: {IMMUTABLE}"]),
        (f"{p}/blobs/*", [f"Content-Type: {BINARY}", f"Cache-Control: {REMOVABLE}"]),
    ]
    return "".join(f"{path}\n" + "".join(f"  {h}\n" for h in headers) for path, headers in rules)
