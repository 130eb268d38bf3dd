"""The staff console under its Content-Security-Policy, in Chromium: logging in and opening
the console's pages (its stylesheet, its forms) trigger no CSP violation and no script error."""

from __future__ import annotations

import pytest
from playwright import sync_api

from tests.browser.test_console import (  # noqa: F401
    OFFICE_PAGES,
    PASSWORD,
    PLANNER_PAGES,
    Console,
    console,
)
from tests.browser.test_hostile_site import WATCH

pytestmark = pytest.mark.browser


def test_console_runs_under_its_policy(
    browser: sync_api.Browser,
    console: Console,  # noqa: F811 - fixture
) -> None:
    context = browser.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(f"{console.url}/console/login")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("#f-name", "planner")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{console.url}/console/")
    # The stylesheet applied (style-src 'self'): the header has its colour.
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('header')).backgroundColor"
    )
    assert background == "rgb(140, 28, 19)"  # #8c1c13
    for path in PLANNER_PAGES + OFFICE_PAGES:
        page.goto(f"{console.url}{path}")
        assert page.evaluate("() => window.__violations") == [], path
    assert errors == []
    context.close()
