"""Media types and caching of each export path (docs/export.md "Serving the export"),
written out from that table and the C2SP tlog-tiles path grammar."""

from __future__ import annotations

import pytest

from lottery.core import serving

TEXT = "text/plain; charset=utf-8"
FOREVER = "public, max-age=31536000, immutable"
SHA = "ab" * 32

# (path, media type, Cache-Control) written out from the table in docs/export.md and the
# tlog-tiles path grammar: N is groups of three digits, all but the last prefixed with x.
RULES = [
    ("checkpoint", TEXT, "no-cache"),
    ("checkpoints/list", TEXT, "no-cache"),
    ("checkpoints/1234", TEXT, FOREVER),
    ("cosigned/list", TEXT, "no-cache"),
    ("cosigned/1234", TEXT, "no-cache"),
    ("keys/office.vkey", TEXT, "no-cache"),
    (f"records/{SHA}", TEXT, FOREVER),
    # Blobs never change but may be withdrawn (sealed content): cached briefly, not forever.
    (f"blobs/{SHA}", "application/octet-stream", "public, max-age=300"),
    ("tile/0/000", "application/octet-stream", FOREVER),
    ("tile/3/x001/x234/067", "application/octet-stream", FOREVER),
    ("tile/entries/x001/234", "application/octet-stream", FOREVER),
    ("tile/0/000.p/5", "application/octet-stream", "no-cache"),
    ("tile/entries/x001/234.p/17", "application/octet-stream", "no-cache"),
    ("tile/entries/12", "application/octet-stream", "no-cache"),  # not a tile path
    (f"blobs/{SHA.upper()}", "application/octet-stream", "no-cache"),  # not a blob name
]


@pytest.mark.parametrize(("path", "media", "cache"), RULES, ids=[r[0] for r in RULES])
def test_media_type_and_caching_of_each_export_path(path: str, media: str, cache: str) -> None:
    assert serving.media_type(path) == media
    assert serving.cache_control(path) == cache
