"""In Chromium: hostile record text runs nothing, and the site's own scripts break no CSP rule.

Two sites are served on 127.0.0.1: one built from tests/publisher/hostile.py's export (every
payload that could run script sets ``window.__pwned``), and the demo site. Every page kind is
opened; the in-browser verifier, the target lookup and Material's search are used on both. The
page records every ``securitypolicyviolation`` event (from an init script, which the CSP does
not govern), console errors, dialogs and script errors; all must stay empty, and
``window.__pwned`` undefined. See docs/site.md, "Content-Security-Policy".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from publisher.build import build_site
from tests.browser.chromium import TIMEOUT_MS, StaticServer
from tests.publisher.hostile import build_hostile_export

pytestmark = pytest.mark.browser

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${where}`);
});
"""
# Every page kind of the site.
PAGES = [
    "",
    "tasks/",
    "tasks/{task}/",
    "items/",
    "items/v1/",
    "inspectors/",
    "targets/",
    "results/",
    "results/{task}/",
    "penalties/",
    "verify/",
    "fair/",
    "log/",
    "log/1/",
    "404.html",
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, demo_city: Path) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("hostile-browser")
    hostile = build_hostile_export(root / "hostile-export")
    build_site(hostile.export, root / "hostile", work=root / "hostile-work")
    running = {
        "hostile": StaticServer(root / "hostile"),
        "demo": StaticServer(demo_city / "site"),  # the run's demo site, only read
    }
    try:
        yield {name: server.url for name, server in running.items()}
    finally:
        for server in running.values():
            server.close()


class Watched:
    """A page and everything that must not happen on it."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "console", lambda m: self.console.append(m.text) if m.type == "error" else None
        )

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self, where: str) -> None:
        """Nothing ran, nothing was blocked, nothing failed on the current page."""
        pwned = self.page.evaluate("() => window.__pwned")
        violations = self.page.evaluate("() => window.__violations")
        assert pwned is None, (where, pwned)
        assert violations == [], (where, violations)
        assert self.dialogs == [] and self.errors == [], (where, self.dialogs, self.errors)
        csp = [c for c in self.console if "Content Security Policy" in c]
        assert csp == [], (where, csp)


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.context.close()


@pytest.mark.parametrize(("site", "task"), [("hostile", "T2026-0001"), ("demo", "T2026-001")])
def test_every_page_kind_runs_no_payload_and_breaks_no_csp_rule(
    watched: Watched, servers: dict[str, str], site: str, task: str
) -> None:
    page = watched.page
    for path in PAGES:
        url = servers[site] + path.format(task=task)
        page.goto(url)
        page.wait_for_load_state("load")
        watched.check(url)
    # The policy is really there (a page without it would pass the checks above too).
    policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "script-src 'self'" in policy and "unsafe" not in policy
    # And it governs the page: an inline script put into it is blocked, and reported.
    ran = page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__inline = 1";
          document.body.append(s);
          return window.__inline;
        }"""
    )
    assert ran is None
    page.wait_for_function("() => window.__violations.length > 0")
    assert page.evaluate("() => window.__violations")[0].startswith("script-src")


@pytest.mark.parametrize(("site", "task"), [("hostile", "T2026-0001"), ("demo", "T2026-001")])
def test_verifier_lookup_and_search_work_under_the_policy(
    watched: Watched, servers: dict[str, str], site: str, task: str
) -> None:
    page = watched.page
    page.goto(f"{servers[site]}tasks/{task}/")
    page.get_by_role("button", name="在浏览器中验证").click()
    result = page.locator(".lottery-verify-result[data-state=done]")
    result.wait_for()
    assert result.get_attribute("data-verdict") == "pass", result.inner_text()
    watched.check("verifier")
    page.goto(f"{servers[site]}targets/")
    page.locator(".lottery-lookup-input").fill("有限公司")
    page.get_by_role("button", name="查询").click()
    page.locator(".lottery-lookup[data-state=done]").wait_for()
    assert page.locator(".lottery-lookup-row").count() > 0
    if site == "hostile":  # the hostile names are shown as text, the bidi override visibly
        shown = page.locator(".lottery-lookup-results").inner_text()
        assert "<script>" in shown and "[U+202E]" in shown and "\u202e" not in shown
    watched.check("lookup")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("粗体" if site == "hostile" else "抽查")  # 粗体: in the hostile texts
    box.press("End")
    page.locator(".md-search-result__item").first.wait_for()
    watched.check("search")


def test_the_hostile_title_is_text_in_the_tab(watched: Watched, servers: dict[str, str]) -> None:
    watched.page.goto(f"{servers['hostile']}tasks/T2026-0001/")
    title = watched.page.title()
    assert "</title><script>window.__pwned=11</script>" in title
    assert "[U+202E]" in title and "\u202e" not in title
    watched.check("title")


def test_a_target_page_with_a_hostile_name_runs_nothing(
    watched: Watched, servers: dict[str, str]
) -> None:
    """From a pick of the task page to the company's page (issue #17): its name, a record's
    text, is the page's title and heading, as text."""
    page = watched.page
    page.goto(f"{servers['hostile']}tasks/T2026-0001/")
    page.locator("article a[href*='/targets/9']").first.click()
    page.wait_for_url("**/targets/*/")
    page.wait_for_load_state("load")
    heading = page.locator("article h1").inner_text()
    for shown in (heading, page.title()):
        assert "</title><script>window.__pwned=11</script>" in shown
        assert "[U+202E]" in shown and "\u202e" not in shown
    assert "T2026-0001" in page.locator("article").inner_text()
    watched.check("target page")


def test_site_assets_exist(servers: dict[str, str]) -> None:
    del servers
    assets = Path(__file__).resolve().parents[2] / "publisher" / "assets"
    assert {p.name for p in assets.glob("theme-*.js")} == {
        "theme-base.js",
        "theme-content.js",
        "theme-palette.js",
    }
