"""A built site served as a static host should: `lottery serve-site` and the ``_headers``
file (docs/export.md "Serving the export")."""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.serve import make_server
from tests.publisher.conftest import BuiltSite

TEXT = "text/plain; charset=utf-8"
FOREVER = "public, max-age=31536000, immutable"


@pytest.fixture
def site_server(built_site: BuiltSite) -> Iterator[str]:
    server = make_server(built_site.site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _get(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


def test_serve_site_sends_the_export_rules(site_server: str, built_site: BuiltSite) -> None:
    body, headers = _get(site_server + "export/checkpoint")
    assert body == (built_site.site / "export" / "checkpoint").read_bytes()
    assert headers["content-type"] == TEXT
    assert headers["cache-control"] == "no-cache"
    blob = next((built_site.site / "export" / "blobs").iterdir()).name
    _, headers = _get(site_server + f"export/blobs/{blob}")
    assert headers["content-type"] == "application/octet-stream"
    assert headers["cache-control"] == "public, max-age=300"  # a blob may be withdrawn
    # Pages are served as any static server serves them, without the export's rules.
    _, headers = _get(site_server)
    assert headers["content-type"].startswith("text/html")
    assert "cache-control" not in headers


def test_the_built_site_carries_a_headers_file_for_static_hosts(built_site: BuiltSite) -> None:
    text = (built_site.site / "_headers").read_text(encoding="utf-8")
    rules: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("  "):
            rules[current].append(line.strip())
        else:
            current = line
            rules[current] = []
    assert rules["/export/checkpoint"] == [f"Content-Type: {TEXT}", "Cache-Control: no-cache"]
    for folder in ("checkpoints", "cosigned", "keys", "records"):
        assert f"Content-Type: {TEXT}" in rules[f"/export/{folder}/*"]
    # Blobs may be withdrawn (sealed content): short caching, so no host keeps one for long.
    assert "Cache-Control: public, max-age=300" in rules["/export/blobs/*"]
    assert f"Cache-Control: {FOREVER}" in rules["/export/records/*"]
    assert "Content-Security-Policy: frame-ancestors 'none'" in rules["/*"]
    assert "X-Content-Type-Options: nosniff" in rules["/*"]
    # Each header name appears once per path pattern: hosts merge rules, so none may conflict.
    names = [h.split(":")[0] for headers in rules.values() for h in headers]
    assert len(names) == sum(len({h.split(":")[0] for h in hs}) for hs in rules.values())


def test_serve_site_refuses_a_directory_that_is_not_a_site(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lottery", "serve-site", str(tmp_path / "nope"), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "not a built site" in result.stderr
    assert "Traceback" not in result.stderr
