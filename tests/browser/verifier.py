"""The in-browser verifier (publisher/assets/verify.js) driven as a reader would: a page opened
on a task, optionally pointed at another copy of the log, the button pressed, the result read.

Shared by the browser tests of the verifier's verdicts (forged logs, key changes, lost secrets,
witnesses). The result is read in one round trip to the browser, not one an attribute.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright import sync_api

from tests.browser.chromium import TIMEOUT_MS, offsite, recorded_page

_READ = """() => {
  const result = document.querySelector('.lottery-verify-result');
  return {
    verdict: result.getAttribute('data-verdict'),
    warnings: result.getAttribute('data-warnings'),
    failed: result.getAttribute('data-failed'),
    timings: result.getAttribute('data-timings'),
    text: result.innerText,
    items: [...document.querySelectorAll('.lottery-checks li[data-check]')]
      .map((li) => [li.dataset.check, li.dataset.state, li.textContent]),
  };
}"""
_POINT = "(e) => { document.querySelector('.lottery-verifier').dataset.export = e; }"


@dataclass(frozen=True)
class Verdict:
    """What the verifier showed: the result's attributes, its text, and every check reported
    in order (a name may repeat)."""

    verdict: str | None
    warnings: str | None
    failed: str | None
    timings: str | None  # data-timings: JSON
    text: str
    items: list[tuple[str, str, str]]  # (check, state, the line's text)

    @property
    def checks(self) -> dict[str, str]:
        """Each check's state (the last line of a repeated name)."""
        return {name: state for name, state, _ in self.items}

    @property
    def details(self) -> dict[str, tuple[str, str]]:
        """Each check's (state, line text)."""
        return {name: (state, text) for name, state, text in self.items}

    @property
    def failing(self) -> set[str]:
        """The checks marked failed."""
        return {name for name, state, _ in self.items if state == "fail"}


def forged(name: str) -> str:
    """The export path of the copy ``forged/<name>/`` of the site, seen from a task page."""
    return f"../../forged/{name}/"


def press_verify(page: sync_api.Page, export: str | None = None) -> Verdict:
    """Point the page's verifier at ``export`` (its ``data-export``, the documented override)
    when given, press 在浏览器中验证, wait for the result and read it."""
    if export is not None:
        page.evaluate(_POINT, export)
    page.get_by_role("button", name="在浏览器中验证").click()
    page.locator(".lottery-verify-result[data-state=done]").wait_for(timeout=TIMEOUT_MS)
    got: dict[str, Any] = page.evaluate(_READ)
    return Verdict(
        got["verdict"],
        got["warnings"],
        got["failed"],
        got["timings"],
        got["text"],
        [(name, state, text) for name, state, text in got["items"]],
    )


@contextmanager
def verifier_page(browser: sync_api.Browser, url: str) -> Iterator[sync_api.Page]:
    """A page (locale zh-CN) opened at ``url``; on exit its context is closed and it must have
    made requests, all to 127.0.0.1, and thrown no script error."""
    recorded = recorded_page(browser, locale="zh-CN")
    try:
        recorded.page.goto(url)
        yield recorded.page
    finally:
        recorded.context.close()
    assert recorded.requests and not offsite(recorded.requests), recorded.requests
    assert not recorded.errors, f"script errors: {recorded.errors}"


def press_once(browser: sync_api.Browser, url: str) -> Verdict:
    """Open ``url`` in a page of its own, press the button once: the verdict."""
    with verifier_page(browser, url) as page:
        return press_verify(page)


def verifier_stub(case: Path, task: str) -> None:
    """``case``/index.html: the verifier alone on a page, reading ``case``/export/ for
    ``task``, its script at ../assets/verify.js."""
    (case / "index.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>t</title>'
        f'<div class="lottery-verifier" data-task="{task}" data-export="export/">'
        '<button type="button" class="lottery-verify-button">在浏览器中验证</button>'
        '<div class="lottery-verify-result"></div></div>'
        '<script src="../assets/verify.js"></script>',
        encoding="utf-8",
    )
