"""The in-browser verifier's ``publication.review`` agrees with ``lottery verify`` (docs/spec.md
§2.3, docs/browser-verifier.md).

verify.js runs ``publication.review`` on the 抽查结果 page. Here it runs in Debian's Chromium
(one page load, through the test hook) on the known answers of
tests/vectors/publication/cases.json (worked by hand from the spec, re-checked by the core and
a second implementation in tests/test_publication_vectors.py) and must give each case's
verdict: no problem for ``pass``, else one problem of the case's kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.test_teams_js import hooked_page
from tests.test_publication_vectors import CASES, VECTORS

pytestmark = pytest.mark.browser

JS = """(cases) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  return cases.map(({ records, content }) => {
    const contents = new Map([["result", content]]);
    return api.reviewProblems(records, contents);
  });
}"""

# The kind of problem (the vector file's verdicts) by the words of verify.js's detail.
KINDS = {
    "没有经过保密审查": "unreviewed",
    "保密审查适用的规则为": "rules",
    "但内容中公开了该字段": "withheld-present",
    "内容中没有": "left-out",
}


def _log(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The announcements, (for an order or re-check: the result and order it follows, before
    the rules), the item list with the rules, then the case's record (log order), as
    tests/test_publication_vectors.py builds it for the core."""
    kind = case.get("record", "inspection-result")
    bodies: list[tuple[str, dict[str, Any]]] = []
    for task, codes in VECTORS["announcements"].items():
        refs = [{"code": c, "version": 1} for c in codes]
        bodies.append((f"a-{task}", {"type": "task-announcement", "task": task, "items": refs}))
    record: dict[str, Any] = {"type": kind, "task": case["task"], "target": "X1"}
    if kind == "inspection-result":
        record["categories"] = case["categories"]
    else:
        bodies.append(("res", {"type": "inspection-result", "task": case["task"], "target": "X1",
                               "categories": case["categories"]}))  # fmt: skip
        record["result"] = "res"
        if kind == "rectification-check":
            bodies.append(("ord", {"type": "rectification-order", "task": case["task"],
                                   "target": "X1", "result": "res"}))  # fmt: skip
            del record["result"]
            record["order"] = "ord"
    item_list = {
        "type": "item-list",
        "version": 1,
        "publication_rules": VECTORS["rules"],
        "items": [{"code": "RF-01"}, {"code": "RF-03"}],
    }
    bodies.append(("list", item_list))
    if case["review"] is not None:
        record["review"] = case["review"]
    bodies.append(("result", record))
    return [{"index": i, "id": rid, "body": b} for i, (rid, b) in enumerate(bodies)]


@pytest.fixture(scope="module")
def js(browser: Browser) -> Iterator[Page]:
    yield from hooked_page(browser)


def test_js_gives_every_publication_vector_its_verdict(js: Page) -> None:
    given = [{"records": _log(c), "content": c["content"]} for c in CASES]
    got = js.evaluate(JS, given)
    assert {c["verdict"] for c in CASES} == {"pass", *KINDS.values()}  # every kind is covered
    for case, out in zip(CASES, got, strict=True):
        assert out["count"] == 1, case["name"]
        problems = out["problems"]
        if case["verdict"] == "pass":
            assert problems == [], case["name"]
            continue
        [problem] = problems
        kind = case.get("record", "inspection-result")
        assert problem["id"] == "result" and problem["who"] == f"{kind} {case['task']}/X1"
        kinds = [k for words, k in KINDS.items() if words in problem["problem"]]
        assert kinds == [case["verdict"]], (case["name"], problem)


def test_a_result_under_no_rule_needs_no_review_and_a_voluntary_one_names_none(js: Page) -> None:
    case = {"task": "T2", "categories": ["未发现问题"], "review": None,
            "content": {"findings": "", "follow_up": ""}}  # fmt: skip
    records = _log(case)
    [listed] = [r for r in records if r["body"]["type"] == "item-list"]
    listed["body"].pop("publication_rules")  # no rules in force: nothing to review
    [out] = js.evaluate(JS, [{"records": records, "content": case["content"]}])
    assert out == {"count": 0, "problems": []}
    records[-1]["body"]["review"] = {"by": "x", "rules": ["P1"]}  # voluntary, names a rule
    [out] = js.evaluate(JS, [{"records": records, "content": case["content"]}])
    assert out["count"] == 1 and "保密审查适用的规则为 P1" in out["problems"][0]["problem"]
