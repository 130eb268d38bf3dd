"""The in-browser verifier's pool rule and result rules agree with ``lottery verify``.

verify.js re-derives the pools (docs/spec.md §4 "Re-deriving the pools") and checks the
on-site records (``result.onsite``) on its own, written from the spec. Here its functions run
in Debian's Chromium (through the test hook, loaded as in tests/browser/test_teams_js.py) on
the known-answer vectors of tests/vectors/pool-rule/ and on a few edits, and must give what
the spec's vectors say and what ``lottery.core`` says: the same candidates, the same
inspectors, the same pass or fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from lottery.core.canonical import canonical_json
from lottery.core.errors import EncodingError
from lottery.core.onsite import content_problems
from lottery.core.pool_membership import (
    covered_types,
    expected_candidates,
    expected_inspectors,
    pool_problem,
    snapshot_rows,
)
from tests.browser.test_teams_js import hooked_page

pytestmark = pytest.mark.browser

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "pool-rule" / "cases.json").read_text(
        encoding="utf-8"
    )
)
ANN = VECTORS["announcement"]
LINES = {name: snap["rows"] for name, snap in VECTORS["snapshots"].items()}

JS_DERIVE = """async ({ items, lists, lines, ann }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  const map = new Map(Object.entries(lists).map(([v, items]) => [Number(v), items]));
  const types = api.coveredTypes(items, map);
  const got = api.expectedCandidates(lines.targets, lines["org-units"], ann.org_units, types);
  return {
    candidates: Object.fromEntries(got),
    inspectors: api.expectedInspectors(
      lines.inspectors, ann.org_units, ann.window.start, ann.window.end,
    ),
  };
}"""

JS_PROBLEM = """({ expected, pooled, excluded }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  const map = (o) => new Map(Object.entries(o));
  return api.poolProblem(map(expected), map(pooled), excluded);
}"""

JS_SNAPSHOT = """({ text, registry }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  try {
    return api.snapshotRows(new TextEncoder().encode(text), registry).length;
  } catch (e) {
    return null;
  }
}"""

JS_ONSITE = """({ categories, content, expected }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  return api.onsiteProblems(categories, content, expected);
}"""


@pytest.fixture(scope="module")
def js(browser: Browser) -> Iterator[Page]:
    yield from hooked_page(browser)


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_js_rederives_the_pool_rule_vectors(js: Page, case: dict[str, Any]) -> None:
    got = js.evaluate(
        JS_DERIVE,
        {"items": case["items"], "lists": VECTORS["item_lists"], "lines": LINES, "ann": ANN},
    )
    assert got["candidates"] == case["expected_candidates"]
    assert got["inspectors"] == case["expected_inspectors"]
    # ... and so does the Python verifier.
    lists = {int(v): items for v, items in VECTORS["item_lists"].items()}
    core = expected_candidates(
        LINES["targets"], LINES["org-units"], ANN["org_units"], covered_types(case["items"], lists)
    )
    assert {k: list(v) for k, v in core.items()} == got["candidates"]
    window = ANN["window"]
    assert (
        expected_inspectors(LINES["inspectors"], ANN["org_units"], window["start"], window["end"])
        == got["inspectors"]
    )


def _pool_edits(expected: dict[str, list[str]]) -> dict[str, tuple[dict[str, Any], list[str]]]:
    ids = sorted(expected)
    honest = {t: list(v) for t, v in expected.items()}
    moved = dict(honest)
    moved[ids[0]] = [honest[ids[0]][0], "D" if honest[ids[0]][1] != "D" else "A"]
    return {
        "honest": (honest, []),
        "excluded instead": ({t: v for t, v in honest.items() if t != ids[0]}, [ids[0]]),
        "left out": ({t: v for t, v in honest.items() if t != ids[0]}, []),
        "slipped in": (honest | {"91419901MA4LZZZZ99": ["419901", "A"]}, []),
        "excluded stranger": (honest, ["91419901MA4LZZZZ99"]),
        "other stratum": (moved, []),
    }


def test_js_and_python_agree_on_which_pools_fail(js: Page) -> None:
    expected = VECTORS["cases"][0]["expected_candidates"]
    for name, (pooled, excluded) in _pool_edits(expected).items():
        got = js.evaluate(
            JS_PROBLEM, {"expected": expected, "pooled": pooled, "excluded": excluded}
        )
        core = pool_problem(
            {k: (v[0], v[1]) for k, v in expected.items()},
            {k: (v[0], v[1]) for k, v in pooled.items()},
            excluded,
        )
        assert (got is None) == (core is None), (name, got, core)
        assert (got is None) == (name in ("honest", "excluded instead")), name


def _snapshot_text(of: str, **change: Any) -> str:
    snap = VECTORS["snapshots"][of]
    body = {"type": "registry-snapshot", "registry": of, **snap} | change
    return canonical_json(body).decode()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("honest", _snapshot_text("targets")),
        ("other registry", _snapshot_text("targets", registry="inspectors")),
        ("short row", _snapshot_text("targets", rows=[["91419901MA4L000001", "x"]])),
        ("number in a row", _snapshot_text("targets", rows=[[1, "a", "b", "c", "d", "e"]])),
        ("extra member", _snapshot_text("targets", note="x")),
        ("fields reordered", _snapshot_text("targets", fields=["name", "uscc", "type"])),
        # A member named twice: JSON.parse keeps the last silently, Python refuses the blob.
        (
            "duplicate rows",
            _snapshot_text("targets")[:-1] + ',"rows":[]}',
        ),
    ],
)
def test_js_and_python_agree_on_snapshot_blobs(js: Page, name: str, text: str) -> None:
    got = js.evaluate(JS_SNAPSHOT, {"text": text, "registry": "targets"})
    try:
        core: int | None = len(snapshot_rows(text.encode(), "targets"))
    except EncodingError:
        core = None
    assert got == core, name
    assert (got is not None) == (name == "honest"), name


POINTS = [["RF-005", "防护设备完好"], ["RF-005", "标识清楚"]]
ONSITE_CASES: dict[str, tuple[list[str], dict[str, Any]]] = {
    "clean": (
        ["未发现问题"],
        {"checklist": [{"item": i, "point": p, "answer": "符合"} for i, p in POINTS]},
    ),
    "failed point but no problem": (
        ["未发现问题"],
        {
            "checklist": [
                {"item": "RF-005", "point": "防护设备完好", "answer": "不符合", "note": "损坏"},
                {"item": "RF-005", "point": "标识清楚", "answer": "符合"},
            ]
        },
    ),
    "failed point without a note": (
        ["发现问题已责令改正"],
        {
            "checklist": [
                {"item": "RF-005", "point": "防护设备完好", "answer": "不符合", "note": " "},
                {"item": "RF-005", "point": "标识清楚", "answer": "符合"},
            ],
            "evidence": [{"kind": "笔录", "source": "现场"}],
        },
    ),
    "findings without evidence or reason": (
        ["发现问题已责令改正"],
        {
            "checklist": [{"item": i, "point": p, "answer": "符合"} for i, p in POINTS],
            "evidence": [],
        },
    ),
    "findings without evidence, reason given": (
        ["无法联系"],
        {
            "checklist": [{"item": i, "point": p, "answer": "不涉及"} for i, p in POINTS],
            "no_evidence_reason": "无人",
        },
    ),
    "a point skipped": (
        ["未发现问题"],
        {"checklist": [{"item": "RF-005", "point": "标识清楚", "answer": "符合"}]},
    ),
    "points out of order": (
        ["未发现问题"],
        {"checklist": [{"item": i, "point": p, "answer": "符合"} for i, p in reversed(POINTS)]},
    ),
    "old format": (["发现问题已责令改正"], {"findings": "x"}),
}


@pytest.mark.parametrize("name", list(ONSITE_CASES))
def test_js_and_python_agree_on_onsite_records(js: Page, name: str) -> None:
    categories, content = ONSITE_CASES[name]
    got = js.evaluate(JS_ONSITE, {"categories": categories, "content": content, "expected": POINTS})
    core = content_problems(categories, content, [tuple(p) for p in POINTS])  # type: ignore[misc]
    assert len(got) == len(core), (name, got, core)
    assert (not got) == (name in ("clean", "findings without evidence, reason given"))
