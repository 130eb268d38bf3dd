"""The public site meets WCAG 2.1 AA as axe-core checks it, at desktop and phone width, and
every control of the main pages is reached by the keyboard (ground rules; GB/T 37668).

The demo city's site (tests/conftest.py ``demo_city``), served on 127.0.0.1, in Debian's
Chromium. Every kind of page is visited: home, task list and page, item list and version,
registries, results, penalties, 统计与考评, 核验, 为什么公平, 关于本站, the log and one page of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api

from tests.browser.chromium import StaticServer, axe_violations, tab_through
from tests.browser.test_console import SEVERE

pytestmark = pytest.mark.browser

PAGES = (
    "",
    "tasks/",
    "tasks/T2026-001/",
    "tasks/T2026-003/",
    "items/",
    "items/v1/",
    "plans/",
    "inspectors/",
    "targets/",
    "results/",
    "results/T2026-001/",
    "penalties/",
    "stats/",
    "verify/",
    "fair/",
    "about/",
    "log/",
    "log/1/",
)
KEYBOARD = ("", "tasks/T2026-001/", "verify/", "fair/")


def _target_page(demo_city: Path) -> str:
    """A target's own page (issue #17): the first the site lists."""
    listed = json.loads((demo_city / "site" / "targets" / "data" / "pages.json").read_bytes())
    return f"targets/{listed['targets'][0]}/"


# A control's key: what it is and where it leads, not its markup (the theme adds a class to
# the focused element, so the markup of a focused link differs from the same link unfocused).
_KEY = """e => [e.tagName, e.getAttribute('href'), e.getAttribute('name'),
  e.getAttribute('aria-label'), e.id, (e.textContent || '').trim().slice(0, 40)].join('|')"""
_CONTROLS = """() => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]';
  // The search results box is a control only once a query is typed (the search opens).
  const shown = e => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden'
      && e.tabIndex >= 0 && !e.closest('.md-search__output');
  return [...new Set([...document.querySelectorAll(sel)].filter(shown).map(KEY))];
}""".replace("KEY", _KEY)


def _unreached(page: sync_api.Page) -> list[str]:
    """The visible controls the Tab key never reached, from the top of the page."""
    controls: list[str] = page.evaluate(_CONTROLS)
    seen = tab_through(page, controls, _KEY, 2 * len(controls) + 10)
    return [c for c in controls if c not in seen]


@pytest.fixture(scope="module")
def site(demo_city: Path) -> Iterator[str]:
    server = StaticServer(demo_city / "site")
    try:
        yield server.url
    finally:
        server.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_every_kind_of_page_has_no_serious_violation(
    browser: sync_api.Browser, site: str, width: int, demo_city: Path
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    found = {}
    for path in (*PAGES, _target_page(demo_city)):
        page.goto(f"{site}/{path}")
        page.wait_for_load_state("load")
        violations = axe_violations(page)
        severe = [
            f"{v['id']} ({v['impact']}): {v['help']}" for v in violations if v["impact"] in SEVERE
        ]
        if severe:
            found[path or "/"] = severe
    context.close()
    assert found == {}


def test_every_control_of_the_main_pages_is_reached_by_the_keyboard(
    browser: sync_api.Browser, site: str, demo_city: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for path in (*KEYBOARD, _target_page(demo_city)):
        page.goto(f"{site}/{path}")
        page.wait_for_load_state("load")
        missing = _unreached(page)
        assert missing == [], (path, missing)
    context.close()
