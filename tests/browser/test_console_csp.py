"""The staff console under its Content-Security-Policy, in Chromium: logging in and listing
the tasks (the console's script, styles and API calls) trigger no CSP violation."""

from __future__ import annotations

import pytest
from playwright import sync_api

from tests.browser.test_console import PASSWORD, console  # noqa: F401 - fixture
from tests.browser.test_hostile_site import WATCH

pytestmark = pytest.mark.browser


def test_console_runs_under_its_policy(
    browser: sync_api.Browser,
    console: str,  # noqa: F811 - fixture
) -> None:
    context = browser.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(f"{console}/console/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("input[name=name]", "planner")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button")
    page.wait_for_selector("#tasks tr")
    # The inline <style> applied (allowed by its hash): the header has its colour.
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('header')).backgroundColor"
    )
    assert background == "rgb(140, 28, 19)"  # #8c1c13
    assert page.evaluate("() => window.__violations") == []
    assert errors == []
    context.close()
