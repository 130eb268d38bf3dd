"""The in-browser verifier on the "cancelled, secret lost" known-answer vector
(tests/vectors/lottery-v1/task-secret-lost.json; docs/spec.md §7, §8): the lawful cases pass
with the warning ``cancel.secret_lost`` (【警告】, said in the verdict), each forged case fails
the check the vector names, as ``lottery verify`` does (tests/test_vectors.py).

A site is built from the lawful case after the draw; every case is published next to it as a
whole log under ``forged/<case>/`` and the verifier is pointed at it (``data-export``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from publisher.build import build_site
from tests.browser.chromium import TIMEOUT_MS, StaticServer, offsite, recorded_page
from tests.secret_lost_site import LOST, TASK, write_case

pytestmark = pytest.mark.browser

CASES = [c["name"] for c in LOST["cases"]]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("secret-lost")
    build_site(write_case(root / "export", "lost-after-draw"), root / "site", work=root / "work")
    for name in CASES:
        write_case(root / "site" / "forged" / name, name)
    server = StaticServer(root / "site")
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture(scope="module")
def page(browser: Any, site: str) -> Iterator[Any]:
    recorded = recorded_page(browser, locale="zh-CN")
    page, requests, errors = recorded.page, recorded.requests, recorded.errors
    page.goto(f"{site}tasks/{TASK}/")
    yield page
    recorded.context.close()
    assert requests and not offsite(requests), requests
    assert not errors, f"script errors: {errors}"


def _verify(page: Any, export: str | None) -> dict[str, Any]:
    if export is not None:
        page.evaluate(
            "(name) => { document.querySelector('.lottery-verifier').dataset.export ="
            " `../../forged/${name}/`; }",
            export,
        )
    page.get_by_role("button", name="在浏览器中验证").click()
    page.locator(".lottery-verify-result[data-state=done]").wait_for(timeout=TIMEOUT_MS)
    items = page.locator(".lottery-checks li")
    result = page.locator(".lottery-verify-result")
    return {
        "verdict": result.get_attribute("data-verdict"),
        "warnings": result.get_attribute("data-warnings"),
        "checks": {
            items.nth(i).get_attribute("data-check"): items.nth(i).get_attribute("data-state")
            for i in range(items.count())
        },
        "text": result.inner_text(),
    }


def test_the_site_itself_verifies_with_the_warning(page: Any) -> None:
    result = _verify(page, None)
    assert result["verdict"] == "pass", result["text"]
    assert result["checks"]["cancel.secret_lost"] == "warn"
    assert result["warnings"] == "cancel.secret_lost"
    assert "【警告】" in result["text"] and "抽取无法核验" in result["text"]
    for name in ("commit.reveal", "draw.outcome_hash", "draw.selection"):
        assert name not in result["checks"], name  # nothing to open, nothing re-drawn


@pytest.mark.parametrize("name", CASES)
def test_each_case_gets_its_verdict(page: Any, name: str) -> None:
    case = next(c for c in LOST["cases"] if c["name"] == name)
    result = _verify(page, name)
    if case["verdict"] == "fail":
        assert result["verdict"] == "fail", result["text"]
        failed = {check for check, state in result["checks"].items() if state == "fail"}
        assert failed == {case["check"]}, result["text"]
        assert result["warnings"] is None
    else:
        assert result["verdict"] == "pass", result["text"]
        assert result["checks"][case["check"]] == "warn"
        assert result["warnings"] == "cancel.secret_lost"
