"""The in-browser verifier's objection checks agree with ``lottery verify`` (docs/objections.md).

verify.js runs ``objection.result``, ``objection.correction``, ``objection.dates`` and (its start
and the received day against the stated due day) ``objection.period`` on the 抽查结果 page.
Here it runs in Debian's Chromium (one page load, through the test hook) on the honest log and
the forgeries of tests/core/test_objection_refs.py, and must fail the same check as the core.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from lottery.core.deadline_audit import audit_publications
from lottery.core.records import Record
from tests.browser.test_teams_js import hooked_page
from tests.core.test_deadline_audit import BUILTIN
from tests.core.test_objection_refs import DISMISSED, FIXED, OTHER, RESULT, UPHELD, _outcome

pytestmark = pytest.mark.browser

JS = """(records) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  const got = api.objectionProblems(records);
  return { count: got.count, names: got.problems.map((p) => p.name) };
}"""

T = "2026-04-15T02:00:00Z"
CASES: dict[str, list[Record]] = {
    "honest": [RESULT, OTHER, FIXED, UPHELD, DISMISSED],
    "result later": [UPHELD, RESULT, FIXED],
    "other target": [RESULT, OTHER, _outcome(OTHER, T, target=RESULT.body["target"])],
    "correction later": [RESULT, UPHELD, FIXED],
    "received early": [RESULT, _outcome(RESULT, T, received="2026-04-01")],
    "decided early": [RESULT, _outcome(RESULT, T, decided="2026-04-07")],
    "decided late": [RESULT, _outcome(RESULT, T, decided="2026-04-16")],
    "period start": [
        RESULT,
        _outcome(RESULT, T, period={"start": "2026-04-03", "workdays": 20, "due": "2026-05-06"}),
    ],
    "received late": [
        RESULT,
        _outcome(RESULT, "2026-05-08T02:00:00Z", received="2026-05-07", decided="2026-05-08"),
    ],
}


@pytest.fixture(scope="module")
def js(browser: Browser) -> Iterator[Page]:
    yield from hooked_page(browser)


def test_js_and_python_fail_the_same_objection_check(js: Page) -> None:
    for name, records in CASES.items():
        given: list[dict[str, Any]] = [
            {"index": i, "id": r.id, "body": r.body} for i, r in enumerate(records)
        ]
        got = js.evaluate(JS, given)
        core = [f.check for _, f in audit_publications(records, BUILTIN).failures]
        assert got["names"] == core, name
        assert got["count"] == sum(r.type == "objection-outcome" for r in records), name
