"""统计与考评 in Chromium on the demo city's site (tests/conftest.py ``demo_city``): reached from
the nav, its charts are images that say their numbers, the same numbers are in the tables, and
its downloads are served beside it (the CSV with its BOM). One page load.

axe at 1280 and 390 px, sideways scrolling and glyphs: tests/browser/test_site_a11y.py and
test_site_reading.py, which visit ``stats/`` with every other page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright import sync_api

from tests.browser.chromium import StaticServer

pytestmark = pytest.mark.browser

_CHARTS = """() => [...document.querySelectorAll('article .lottery-chart svg')].map(s => ({
  role: s.getAttribute('role'), label: s.getAttribute('aria-label'),
  title: s.querySelector('title').textContent, bars: s.querySelectorAll('rect').length,
  width: s.getBoundingClientRect().width}))"""
_ROW = """(first) => [...document.querySelectorAll('article td')].filter(
  td => td.textContent.trim() === first).map(td => [...td.parentElement.cells].map(
  c => c.textContent.trim()))"""
_FETCH = """async (name) => {
  const r = await fetch(name); const b = new Uint8Array(await r.arrayBuffer());
  return {status: r.status, head: [...b.slice(0, 3)], size: b.length};
}"""


def test_the_statistics_page_charts_and_downloads(
    browser: sync_api.Browser, demo_city: Path
) -> None:
    server = StaticServer(demo_city / "site")
    context = browser.new_context(viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        page.goto(server.url)
        href = page.locator("nav a", has_text="统计与考评").first.get_attribute("href")
        assert href is not None and href.rstrip("/").endswith("stats")
        page.goto(f"{server.url}stats/")
        charts = page.evaluate(_CHARTS)
        assert charts, "no chart"
        for chart in charts:
            assert chart["role"] == "img"
            assert chart["label"].startswith(chart["title"] + "：")
            assert chart["bars"] >= 1
            assert chart["width"] <= 390
        # The demo publishes one task report 2 working days late (T2026-001) and two on time
        # (T2026-005, T2026-006; docs/demo.md): the chart says 66.7%, the table the counts.
        timely = next(c for c in charts if c["title"] == "2026 年度按时公开率")
        assert "抽查报告 66.7%" in timely["label"]
        assert page.evaluate(_ROW, "抽查报告") == [["抽查报告", "3", "2", "66.7%", "2"]]
        csv = page.evaluate(_FETCH, "statistics.csv")
        assert csv["status"] == 200 and csv["head"] == [0xEF, 0xBB, 0xBF]
        xlsx = page.evaluate(_FETCH, "statistics.xlsx")
        assert xlsx["status"] == 200 and xlsx["head"][:2] == [0x50, 0x4B]  # a ZIP: PK
    finally:
        context.close()
        server.close()
