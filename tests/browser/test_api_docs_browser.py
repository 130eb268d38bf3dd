"""The API's documentation pages in Chromium with every address but 127.0.0.1 cut off.

Swagger UI (/docs) and ReDoc (/redoc) must render every operation of the app's OpenAPI schema
from the app's own files, under the pages' Content-Security-Policy: no request leaves the
machine, no CSP violation, no script error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from playwright import sync_api

from tests.browser.chromium import Recorded, offsite, recorded_page
from tests.browser.test_console import Console, console  # noqa: F401 - fixture
from tests.browser.test_hostile_site import WATCH

pytestmark = pytest.mark.browser

METHODS = ("get", "put", "post", "delete", "patch")


@dataclass
class Offline:
    """A recorded page whose requests to anything but 127.0.0.1 are aborted and listed."""

    recorded: Recorded
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @property
    def page(self) -> sync_api.Page:
        return self.recorded.page

    def assert_clean(self) -> None:
        """Nothing went off the machine, nothing was blocked by the CSP, nothing failed."""
        assert self.blocked == []
        assert offsite(self.recorded.requests) == []
        assert self.page.evaluate("() => window.__violations") == []
        assert self.recorded.errors == []
        assert self.console_errors == []


@pytest.fixture
def offline(browser: sync_api.Browser) -> Iterator[Offline]:
    recorded = recorded_page(browser, viewport={"width": 1280, "height": 900})
    result = Offline(recorded)
    recorded.context.add_init_script(WATCH)

    def only_this_machine(route: sync_api.Route) -> None:
        if offsite([route.request.url]):
            result.blocked.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    recorded.context.route("**/*", only_this_machine)
    recorded.page.on(
        "console", lambda m: result.console_errors.append(m.text) if m.type == "error" else None
    )
    yield result
    recorded.context.close()


def _operations(base: str) -> dict[tuple[str, str], str]:
    """(method, path) -> operationId of every operation in the app's schema."""
    schema = httpx.get(f"{base}/openapi.json").json()
    return {
        (method, path): op["operationId"]
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def test_swagger_ui_lists_every_operation_offline(
    offline: Offline,
    console: Console,  # noqa: F811 - fixture
) -> None:
    expected = _operations(console.url)
    assert len(expected) > 20
    response = offline.page.goto(f"{console.url}/docs")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    offline.page.wait_for_selector(".opblock")
    listed = offline.page.eval_on_selector_all(
        ".opblock",
        """blocks => blocks.map(b => [
            b.querySelector('.opblock-summary-method').textContent.toLowerCase(),
            b.querySelector('.opblock-summary-path').dataset.path])""",
    )
    assert {(m, p) for m, p in listed} == set(expected)
    # Swagger UI's style sheet applied (a POST block's green border), then ours after it (the
    # method badge darkened to pass WCAG AA contrast with its white text).
    login = offline.page.locator(".opblock-post", has_text="/api/auth/login")
    assert login.evaluate("e => getComputedStyle(e).borderColor") == "rgb(73, 204, 144)"
    badge = login.locator(".opblock-summary-method")
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(20, 121, 75)"
    # It works, not only shows: open the operation and its "Try it out" button is there.
    login.locator(".opblock-summary-control").click()
    offline.page.wait_for_selector(".opblock-post .try-out__btn")
    offline.assert_clean()


def test_redoc_lists_every_operation_and_searches_offline(
    offline: Offline,
    console: Console,  # noqa: F811 - fixture
) -> None:
    expected = _operations(console.url)
    response = offline.page.goto(f"{console.url}/redoc")
    assert response is not None
    assert "'nonce-" in response.headers["content-security-policy"]
    offline.page.wait_for_selector("[data-section-id*='/operation/']")
    sections = offline.page.eval_on_selector_all(
        "[data-section-id*='/operation/']",
        "els => els.map(e => e.dataset.sectionId.split('/operation/')[1])",
    )
    assert set(sections) == set(expected.values())
    # ReDoc's generated styles applied (allowed by the nonce), and perfect-scrollbar's by hash.
    sheets = offline.page.evaluate(
        """() => [...document.querySelectorAll('style')].map(
            s => [s.hasAttribute('data-styled'), s.sheet ? s.sheet.cssRules.length : -1])"""
    )
    assert sorted(styled for styled, _ in sheets) == [False, True]
    assert all(rules > 0 for _, rules in sheets)
    assert offline.page.evaluate("() => getComputedStyle(document.body).marginTop") == "0px"
    # Search runs in ReDoc's blob: worker, which the policy allows.
    offline.page.fill("input[placeholder='Search...']", "login")
    offline.page.wait_for_selector("[data-role='search:results'] [data-item-id*='login']")
    offline.assert_clean()
