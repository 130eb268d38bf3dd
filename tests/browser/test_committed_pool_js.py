"""The in-browser verifier's ``pool.openings`` agrees with the committed-pool vectors.

verify.js checks a committed pool's openings on its own, written from docs/spec.md §4
"Committed pools". Here its function runs in Debian's Chromium (through the test hook, loaded
as in tests/browser/test_teams_js.py) on every case of tests/vectors/committed-pool/ and must
give the vectors' verdict, as ``lottery.core.committed`` does (tests/test_committed_pool.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.test_teams_js import hooked_page

pytestmark = pytest.mark.browser

VECTORS = json.loads(
    (
        Path(__file__).resolve().parents[1] / "vectors" / "committed-pool" / "committed-pool.json"
    ).read_text(encoding="utf-8")
)

JS_OPENINGS = """async ({ task, picks, reveal, text }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  const bytes = text === null ? null : new TextEncoder().encode(text);
  try {
    return { ok: true, n: await api.openedPicks(task, picks, reveal, bytes) };
  } catch (e) {
    return { ok: false, message: String(e.message) };
  }
}"""


@pytest.fixture(scope="module")
def js(browser: Browser) -> Iterator[Page]:
    yield from hooked_page(browser)


def _run(js: Page, picks: list[str], text: str | None, task: str | None = None) -> Any:
    reveal = {} if text is None else {"openings": hashlib.sha256(text.encode()).hexdigest()}
    return js.evaluate(
        JS_OPENINGS,
        {"task": task or VECTORS["task"], "picks": picks, "reveal": reveal, "text": text},
    )


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_js_gives_each_cases_verdict(js: Page, case: dict[str, Any]) -> None:
    got = _run(js, case["picks"], case["openings"])
    assert got["ok"] == (case["verdict"] == "ok"), got
    if got["ok"]:
        assert got["n"] == sum(1 for p in case["picks"] if len(p) == 64)


def test_js_refuses_another_tasks_openings_and_a_non_canonical_blob(js: Page) -> None:
    (valid,) = [c for c in VECTORS["cases"] if c["name"] == "valid"]
    assert not _run(js, valid["picks"], valid["openings"], task="T-OTHER")["ok"]
    spaced = json.dumps(json.loads(valid["openings"]), ensure_ascii=False, indent=1)
    assert not _run(js, valid["picks"], spaced)["ok"]
