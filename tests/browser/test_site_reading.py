"""The public site as a citizen reads it (issue #17): on a phone, with the fonts a Chinese reader
has, and knowing who runs it and how to object.

The demo city's site (tests/conftest.py ``demo_city``, built with the demo office), served on
127.0.0.1, in Debian's Chromium:

- at 390 px no page scrolls sideways, and the wide tables are cards whose first lines are the
  substance (a result's company and conclusion, a penalty's party, facts and amount), each
  cell under its column's name; at 1280 px results and penalties stay cards, narrower tables
  are tables;
- no page shows a character that the Noto CJK fonts cannot draw (tests/browser/glyphs.py),
  the in-browser verifier's verdict included, and the check catches an emoji and an
  unassigned code point put into a page;
- every page's footer names the office and links to 关于本站, which gives its contact, how to
  object and the legal basis (reached from the footer on a phone too).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api

from lottery.demo.office import DEMO_OFFICE_ENV
from tests.browser.chromium import TIMEOUT_MS, StaticServer
from tests.browser.glyphs import PAGE_CHARACTERS, missing
from tests.browser.test_site_a11y import PAGES

pytestmark = pytest.mark.browser

# Every kind of page, as tests/browser/test_site_a11y.py visits them (关于本站 included).
# The pages with wide tables, and the home, task and help pages a phone reader opens.
PHONE_PAGES = (
    "",
    "tasks/T2026-001/",
    "tasks/T2026-003/",
    "results/",
    "results/T2026-001/",
    "penalties/",
    "plans/",
    "stats/",
    "verify/",
    "fair/",
    "about/",
)

_SIDEWAYS = """() => {
  const s = document.scrollingElement;
  return {scroll: s.scrollWidth, client: s.clientWidth};
}"""
# The first card (row) of the first card table after the heading ``h2`` (or of the table a
# CSS selector names): its cells as shown, top to bottom, each with the label drawn before it.
_FIRST_CARD = """(where) => {
  let table = where.startsWith(".") ? document.querySelector(where) : null;
  const h2 = [...document.querySelectorAll("article h2")].find(h => h.textContent.trim() === where);
  for (let e = h2 && h2.nextElementSibling; e && !table; e = e.nextElementSibling) {
    table = e.matches("table[data-cards]") ? e : e.querySelector("table[data-cards]");
  }
  const tr = table.tBodies[0].rows[0];
  const cells = [...tr.cells].filter(td => td.getBoundingClientRect().height > 0);
  cells.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
  return {
    display: getComputedStyle(tr).display,
    right: Math.max(...cells.map(td => td.getBoundingClientRect().right)),
    labels: cells.map(td => td.dataset.label),
    drawn: cells.map(td => getComputedStyle(td, "::before").content),
    text: cells.map(td => td.innerText.trim()),
  };
}"""


@pytest.fixture(scope="module")
def site(demo_city: Path) -> Iterator[str]:
    server = StaticServer(demo_city / "site")
    try:
        yield server.url
    finally:
        server.close()


def _page(browser: sync_api.Browser, width: int) -> sync_api.Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def test_no_page_scrolls_sideways_on_a_phone(browser: sync_api.Browser, site: str) -> None:
    page = _page(browser, 390)
    wide = {}
    for path in PHONE_PAGES:
        page.goto(site + path)
        page.wait_for_load_state("load")
        size = page.evaluate(_SIDEWAYS)
        if size["scroll"] > size["client"]:
            wide[path or "/"] = size
    page.context.close()
    assert wide == {}


def _card(page: sync_api.Page, url: str, heading: str) -> dict[str, Any]:
    page.goto(url)
    page.wait_for_load_state("load")
    card: dict[str, Any] = page.evaluate(_FIRST_CARD, heading)
    return card


def test_results_and_penalties_are_cards_with_the_substance_first_on_a_phone(
    browser: sync_api.Browser, site: str
) -> None:
    page = _page(browser, 390)
    result = _card(page, f"{site}results/T2026-001/", "检查结果")
    assert result["display"] == "flex" and result["right"] <= 390
    assert result["labels"][:2] == ["名称", "检查结果"], result["labels"]
    assert result["drawn"][:2] == ['"名称"', '"检查结果"']  # each cell under its column's name
    assert result["text"][0].endswith("公司")
    assert result["labels"].index("统一社会信用代码") > result["labels"].index("检查结果")
    penalty = _card(page, f"{site}penalties/", "公示中")
    assert penalty["display"] == "flex" and penalty["right"] <= 390
    assert penalty["labels"][0] == "当事人", penalty["labels"]
    top = penalty["labels"][:5]
    assert "违法事实" in top and "金额" in top, penalty["labels"]
    assert penalty["labels"].index("决定书文号") > penalty["labels"].index("金额")
    assert any(t.endswith(" 元") for t in penalty["text"][:5])  # the amount, in the card's top
    picks = _card(page, f"{site}tasks/T2026-001/", "抽取结果")
    assert picks["labels"][0] == "名称" and picks["right"] <= 390
    # The target lookup's answer too (built by lookup.js).
    page.goto(f"{site}targets/")
    page.fill(".lottery-lookup-input", "有限公司")
    page.click(".lottery-lookup-form button")
    page.locator(".lottery-lookup-row").first.wait_for()
    found: dict[str, Any] = page.evaluate(_FIRST_CARD, ".lottery-lookup-results table")
    assert found["labels"][:2] == ["名称", "统一社会信用代码"] and found["right"] <= 390
    size = page.evaluate(_SIDEWAYS)
    assert size["scroll"] <= size["client"]
    page.context.close()
    # On a desktop the results and penalties (a dozen columns and more) stay cards, the
    # substance first; the picks (five columns) are a table again.
    desktop = _page(browser, 1280)
    result = _card(desktop, f"{site}results/T2026-001/", "检查结果")
    assert result["display"] == "flex" and result["labels"][:2] == ["名称", "检查结果"]
    penalty = _card(desktop, f"{site}penalties/", "公示中")
    assert penalty["display"] == "flex" and penalty["labels"][0] == "当事人"
    assert _card(desktop, f"{site}tasks/T2026-001/", "抽取结果")["display"] == "table-row"
    desktop.context.close()


def _characters(page: sync_api.Page, url: str) -> str:
    page.goto(url)
    page.wait_for_load_state("load")
    text: str = page.evaluate(PAGE_CHARACTERS)
    return text


_FOOTER = """() => {
  const footer = document.querySelector(".md-copyright");
  const about = [...footer.querySelectorAll("a")].filter(a => a.textContent.includes("关于本站"));
  return {text: footer.innerText, about: about.map(a => new URL(a.href).pathname)};
}"""


def test_no_page_shows_a_missing_glyph_box_and_every_footer_names_the_office(
    browser: sync_api.Browser, site: str
) -> None:
    page = _page(browser, 1280)
    boxes = {}
    footers = {}
    for path in PAGES:
        found = missing(_characters(page, site + path))
        if found:
            boxes[path or "/"] = found
        footers[path or "/"] = page.evaluate(_FOOTER)
    name = DEMO_OFFICE_ENV["LOTTERY_OFFICE_NAME"]
    assert {p: f for p, f in footers.items() if name not in f["text"]} == {}
    assert {p: f["about"] for p, f in footers.items() if f["about"] != ["/about/"]} == {}
    # The in-browser verifier's list and verdict too (words, not emoji).
    page.goto(f"{site}tasks/T2026-001/")
    page.get_by_role("button", name="在浏览器中验证").click()
    page.locator(".lottery-verify-result[data-state=done]").wait_for()
    verdict = page.locator(".lottery-verify-result").inner_text()
    assert verdict.count("【通过】") > 5 and "【未通过】" not in verdict
    found = missing(page.evaluate(PAGE_CHARACTERS))
    if found:
        boxes["verifier"] = found
    page.context.close()
    assert boxes == {}


def test_the_glyph_check_catches_an_emoji_and_an_unassigned_character(
    browser: sync_api.Browser, site: str
) -> None:
    page = _page(browser, 1280)
    assert missing(_characters(page, f"{site}about/")) == []
    page.evaluate("() => document.querySelector('article').append('核验通过 \\u2705 \\u0378')")
    assert missing(page.evaluate(PAGE_CHARACTERS)) == ["U+0378 \u0378", "U+2705 \u2705"]
    page.context.close()


def test_the_about_page_gives_contact_objections_and_legal_basis(
    browser: sync_api.Browser, site: str
) -> None:
    page = _page(browser, 390)
    page.goto(f"{site}log/1/")
    page.locator(".md-copyright a", has_text="关于本站").click()
    page.wait_for_url("**/about/")
    article = page.locator("article").inner_text()
    for field in ("ADDRESS", "PHONE", "EMAIL", "HOURS", "RULES"):
        assert DEMO_OFFICE_ENV[f"LOTTERY_OFFICE_{field}"] in article, field
    headings = page.locator("article h2").all_inner_texts()
    assert headings == ["谁在运行本站", "联系方式", "如何提出异议", "公开的依据"]
    objections = page.locator("article h2:has-text('如何提出异议') + ul")
    links = objections.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert {"../verify/", "../results/", "../penalties/"} <= set(links)
    assert "行政复议" in article and "陈述、申辩" in article and "第四十八条" in article
    page.context.close()
