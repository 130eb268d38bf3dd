"""What every browser test shares: Debian's Chromium, a static site server on 127.0.0.1, and
the check that the browser's requests stay on this machine.

Imported by the browser test modules only (it imports Playwright); tests/browser/conftest.py
imports it inside its ``browser`` fixture, never at import time, so a missing Playwright is
reported as "browser suite not run" rather than an import error.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from playwright import sync_api

CHROMIUM = "/usr/bin/chromium"  # Debian's; browsers are never downloaded
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 60_000
# Request URLs that name no host: they are answered inside the browser.
_IN_BROWSER_SCHEMES = ("data", "blob", "about")


@contextmanager
def launch() -> Iterator[sync_api.Browser]:
    """Chromium, started with CHROMIUM_ARGS and closed on exit."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Recorded:
    """A page in a context of its own, and what it did: every URL it requested, every script
    error it threw."""

    context: sync_api.BrowserContext
    page: sync_api.Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def recorded_page(browser: sync_api.Browser, **context_options: Any) -> Recorded:
    """A new page (timeout TIMEOUT_MS) in a new context made with ``context_options``, its
    requests and script errors recorded; close ``.context`` when done."""
    context = browser.new_context(**context_options)
    recorded = Recorded(context, context.new_page())
    recorded.page.set_default_timeout(TIMEOUT_MS)
    recorded.page.on("request", lambda r: recorded.requests.append(r.url))
    recorded.page.on("pageerror", lambda e: recorded.errors.append(str(e)))
    return recorded


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class StaticServer:
    """A static file server for one directory on 127.0.0.1, on a free port, in a thread."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@contextmanager
def serve_static(root: Path) -> Iterator[str]:
    """``root`` served by a :class:`StaticServer` until the block ends: its URL."""
    server = StaticServer(root)
    try:
        yield server.url
    finally:
        server.close()


def offsite(urls: Iterable[str]) -> list[str]:
    """The URLs that went somewhere other than 127.0.0.1 (in-browser schemes excepted)."""
    return [
        u
        for u in urls
        if not (urlsplit(u).scheme in _IN_BROWSER_SCHEMES or urlsplit(u).hostname == "127.0.0.1")
    ]


_AXE_RUN = "() => axe.run({resultTypes: ['violations']})"


def axe_violations(page: sync_api.Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (what ``Axe().run(page)`` finds). axe is
    given to the page's context once, as a script every later document of the context runs
    first: sending its half megabyte again for every page was half the cost of a check."""
    if page.evaluate("() => typeof window.axe") == "undefined":
        page.context.add_init_script(script=AXE_SCRIPT)
        page.evaluate(AXE_SCRIPT)
    violations: list[dict[str, Any]] = page.evaluate(_AXE_RUN)["violations"]
    return violations


# The Tab walk: every element that takes the focus is recorded by a capturing ``focusin``
# listener, so the keys go in batches with one read of the record between them (a read after
# every key doubled the round trips to the browser).
_TAB_BATCH = 8
_RECORD_FOCUS = """() => {
  const name = KEY;
  window.__tabSeen = new Set();
  document.addEventListener('focusin', e => window.__tabSeen.add(name(e.target)), true);
}"""
_FOCUS_SEEN = "() => [...window.__tabSeen]"


def tab_through(page: sync_api.Page, controls: list[str], key: str, presses: int) -> set[str]:
    """Press Tab up to ``presses`` times from the top of the page; return the keys (the JS
    function ``key`` of each focused element) of what the focus reached, stopping once every
    one of ``controls`` was reached."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    page.evaluate(_RECORD_FOCUS.replace("KEY", key))
    want = set(controls)
    seen: set[str] = set()
    pressed = 0
    while pressed < presses and not seen.issuperset(want):
        for _ in range(min(_TAB_BATCH, presses - pressed)):
            page.keyboard.press("Tab")
        pressed += min(_TAB_BATCH, presses - pressed)
        seen = set(page.evaluate(_FOCUS_SEEN))
    return seen
