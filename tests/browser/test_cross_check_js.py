"""The in-browser verifier's four newest checks agree with ``lottery verify``.

verify.js runs ``inspectors.cross_check`` and ``announcement.min_ratio`` on the task page and
``result.joint_with`` and ``result.visit_cap`` on the 抽查结果 page, written from docs/spec.md
§4 ("Cross-check", "Minimum ratio") and §8 ("Visits and the annual cap"). Here its functions
run in Debian's Chromium (through the test hook, as in tests/browser/test_pool_rule_js.py) on
the known-answer vectors of tests/vectors/cross-check/ and on hand-made logs of results, and
must give what the vectors say and what ``lottery.core`` says: the same pairs, the same
inspectors, the same pass or fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from lottery.core import min_ratio
from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.check_names import CheckName
from lottery.core.cross_check import own_district_pairs, required_specialties
from lottery.core.pool_membership import cross_check_problem, expected_inspectors
from lottery.core.records import Record
from lottery.core.visit_audit import audit_visits
from tests.browser.test_teams_js import hooked_page

pytestmark = pytest.mark.browser

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "cross-check" / "cases.json").read_text(
        encoding="utf-8"
    )
)
OWN = VECTORS["own_district"]
ANN = VECTORS["announcement"]
LINES = {name: snap["rows"] for name, snap in VECTORS["snapshots"].items()}

JS_PAIRS = """({ pool, inspectors, lines }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  const unitOf = new Map(lines.inspectors.map((i) => [i[0], i[5]]));
  return api.ownDistrictPairs(
    Object.entries(pool),
    inspectors.map((i) => [i, unitOf.get(i)]),
    new Map(lines["org-units"].map((u) => [u[0], u[4]])),
  );
}"""

JS_CROSS = """({ pooled, listed, conflicts, lines }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  return api.crossCheckProblem(
    new Map(Object.entries(pooled)), listed, conflicts, lines.inspectors, lines["org-units"],
  ).problem;
}"""

JS_ELIGIBLE = """({ items, lists, lines, ann }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  const map = new Map(Object.entries(lists).map(([v, items]) => [Number(v), items]));
  const needed = api.requiredSpecialties(items, map);
  return api.expectedInspectors(
    lines.inspectors, ann.org_units, ann.window.start, ann.window.end, needed,
  );
}"""

JS_RATIO = """({ picks, candidates, minimums }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  const short = api.ratioShortfall(picks, candidates, minimums);
  return { short, share: candidates ? api.percent(picks, candidates) : null };
}"""

JS_VISITS = """async ({ records, pools }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  const got = await api.visitProblems(records, async (d) =>
    d in pools ? new Map(Object.entries(pools[d])) : null);
  return got.failures.map((f) => f.name);
}"""


@pytest.fixture(scope="module")
def js(browser: Browser) -> Iterator[Page]:
    yield from hooked_page(browser)


# --- inspectors.cross_check ---------------------------------------------------------------


def test_js_derives_the_own_district_pairs_of_the_vectors(js: Page) -> None:
    got = js.evaluate(
        JS_PAIRS, {"pool": OWN["pool"], "inspectors": OWN["inspectors"], "lines": LINES}
    )
    assert got == OWN["expected"]
    # ... and so does the Python verifier.
    unit_of = {row[0]: row[5] for row in LINES["inspectors"]}
    core = own_district_pairs(
        OWN["pool"].items(),
        ((i, unit_of[i]) for i in OWN["inspectors"]),
        {row[0]: row[4] for row in LINES["org-units"]},
    )
    assert [list(p) for p in core] == got


def _conflict_edits() -> dict[str, list[list[str]]]:
    honest = [list(p) for p in OWN["expected"]]
    return {
        "exactly the rule's pairs": honest,
        "a declared conflict besides": sorted([*honest, ["91419903MA4L000007", "I5"]]),
        "one pair missing": honest[1:],
        "none at all": [],
    }


@pytest.mark.parametrize("name", list(_conflict_edits()))
def test_js_and_python_agree_on_which_team_inputs_fail_the_cross_check(js: Page, name: str) -> None:
    conflicts = _conflict_edits()[name]
    pooled = {t: [region, "A"] for t, region in OWN["pool"].items()}
    got = js.evaluate(
        JS_CROSS,
        {"pooled": pooled, "listed": OWN["inspectors"], "conflicts": conflicts, "lines": LINES},
    )
    by_target: dict[str, set[str]] = {}
    for t, i in conflicts:
        by_target.setdefault(t, set()).add(i)
    core = cross_check_problem(
        {t: (v[0], v[1]) for t, v in pooled.items()},
        OWN["inspectors"],
        {t: frozenset(v) for t, v in by_target.items()},
        LINES["inspectors"],
        LINES["org-units"],
    )
    assert (got is None) == (core is None), (got, core)
    assert (got is None) == (name in ("exactly the rule's pairs", "a declared conflict besides"))
    if name == "one pair missing":
        first = OWN["expected"][0]
        assert f"对象 {first[0]} 与执法人员 {first[1]}" in got


@pytest.mark.parametrize(
    "case", VECTORS["specialty_cases"], ids=[c["why"][:20] for c in VECTORS["specialty_cases"]]
)
def test_js_narrows_the_eligible_inspectors_by_specialty(js: Page, case: dict[str, Any]) -> None:
    got = js.evaluate(
        JS_ELIGIBLE,
        {"items": case["items"], "lists": VECTORS["item_specialties"], "lines": LINES, "ann": ANN},
    )
    assert got == case["expected"]
    lists = {int(v): items for v, items in VECTORS["item_specialties"].items()}
    needed = required_specialties(((i["code"], i["version"]) for i in case["items"]), lists)
    window = ANN["window"]
    core = expected_inspectors(
        LINES["inspectors"], ANN["org_units"], window["start"], window["end"], needed
    )
    assert core == got


# --- announcement.min_ratio ---------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        *VECTORS["min_ratio_cases"],
        {"picks": 87, "candidates": 1093, "min_ratio": 800, "keeps": False},
        {"picks": 0, "candidates": 0, "min_ratio": 10000, "keeps": True},
    ],
)
def test_js_and_python_agree_on_the_minimum_ratio(js: Page, case: dict[str, Any]) -> None:
    minimums = [["RF-01", case["min_ratio"]]]
    got = js.evaluate(
        JS_RATIO,
        {"picks": case["picks"], "candidates": case["candidates"], "minimums": minimums},
    )
    assert (got["short"] is None) == case["keeps"]
    core = min_ratio.shortfall(case["picks"], case["candidates"], [("RF-01", case["min_ratio"])])
    assert got["short"] == (None if core is None else list(core))
    if case["candidates"]:
        assert got["share"] == min_ratio.percent(case["picks"], case["candidates"])


def test_js_percent_rounds_down_like_python(js: Page) -> None:
    # 87 / 1093 = 7.9597...% -> "7.95%"; 5 / 100 -> "5%"; 1 / 3 -> "33.33%"; 701 bp -> "7.01%".
    for args, want in [
        ((87, 1093), "7.95%"),
        ((5, 100), "5%"),
        ((1, 3), "33.33%"),
        ((701,), "7.01%"),
    ]:
        got = js.evaluate(
            "(a) => globalThis.__LOTTERY_VERIFIER_TEST__.api.percent(...a)", list(args)
        )
        assert got == want == min_ratio.percent(*args)


# --- result.joint_with and result.visit_cap -----------------------------------------------

T = "91419901MA4L000001"
U = "91419901MA4L000002"


def _item_list(*, uncapped: list[str] | None = None, key_uncapped: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "item-list",
        "version": 1,
        "items": [{"code": "RF-01", "key": False}, {"code": "RF-02", "key": True}],
    }
    if uncapped is not None or key_uncapped:
        body["risk_rules"] = {
            "raise": [],
            "uncapped": uncapped or [],
            "key_items_uncapped": key_uncapped,
        }
    return body


def _ann(task: str, pool: str = "p", item: str = "RF-01", **extra: Any) -> dict[str, Any]:
    return {
        "type": "task-announcement",
        "task": task,
        "items": [{"code": item, "version": 1}],
        "pool": {"sha256": pool},
    } | extra


def _result(task: str, target: str, *dates: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "inspection-result",
        "task": task,
        "target": target,
        "dates": list(dates),
        "supersedes": None,
    } | extra


def _three_visits(**extra: Any) -> list[dict[str, Any]]:
    return [
        _result("T1", T, "2026-03-02"),
        _result("T2", T, "2026-05-02"),
        _result("T3", T, "2026-09-02", **extra),
    ]


ANNS = [_ann("T1"), _ann("T2"), _ann("T3", pool="p3")]
VISIT_LOGS: dict[str, tuple[list[dict[str, Any]], set[str]]] = {
    "two visits": ([_item_list(), *ANNS, *_three_visits()[:2]], set()),
    "a joint visit named": (
        [
            _item_list(),
            *ANNS,
            _result("T1", T, "2026-03-02"),
            _result("T2", T, "2026-03-02", joint_with=["T1"]),
            _result("T3", T, "2026-05-02", "2026-05-03"),
        ],
        set(),
    ),
    "a joint visit kept quiet": (
        [_item_list(), *ANNS, _result("T1", T, "2026-03-02"), _result("T2", T, "2026-03-02")],
        {"result.joint_with"},
    ),
    "a joint visit of another day": (
        [
            _item_list(),
            *ANNS,
            _result("T1", T, "2026-03-02"),
            _result("T2", T, "2026-03-03", joint_with=["T1"]),
        ],
        {"result.joint_with"},
    ),
    "another target's result is no joint visit": (
        [_item_list(), *ANNS, _result("T1", U, "2026-03-02"), _result("T2", T, "2026-03-02")],
        set(),
    ),
    "three visits": ([_item_list(), *ANNS, *_three_visits()], {"result.visit_cap"}),
    "three visits across a new year count in both": (
        [
            _item_list(),
            *ANNS,
            _result("T1", T, "2026-12-31", "2027-01-01"),
            _result("T2", T, "2027-05-02"),
            _result("T3", T, "2027-09-02"),
        ],
        {"result.visit_cap"},
    ),
    "three visits, one with a cap exception": (
        [_item_list(), *ANNS, *_three_visits(cap_exception="群众举报")],
        set(),
    ),
    "three visits, the target kept by its announcement": (
        [
            _item_list(),
            _ann("T1"),
            _ann("T2"),
            _ann("T3", cap_exceptions=[{"target": T, "reason": "x"}]),
            *_three_visits(),
        ],
        set(),
    ),
    "three visits, a key item uncapped": (
        [
            _item_list(key_uncapped=True),
            _ann("T1"),
            _ann("T2"),
            _ann("T3", item="RF-02"),
            *_three_visits(),
        ],
        set(),
    ),
    "three visits, a key item but the rule came later": (
        [
            _ann("T1"),
            _ann("T2"),
            _ann("T3", item="RF-02"),
            _item_list(key_uncapped=True),
            *_three_visits(),
        ],
        {"result.visit_cap"},
    ),
    "three visits, the target's class uncapped": (
        [_item_list(uncapped=["D"]), *ANNS, *_three_visits()],
        set(),
    ),
    "three visits, another class uncapped": (
        [_item_list(uncapped=["A"]), *ANNS, *_three_visits()],
        {"result.visit_cap"},
    ),
    "three visits, the pool blob missing": (
        [
            _item_list(uncapped=["D"]),
            _ann("T1"),
            _ann("T2"),
            _ann("T3", pool="gone"),
            *_three_visits(),
        ],
        {"result.visit_cap"},
    ),
    "a correction replaces the result it supersedes": (
        [
            _item_list(),
            *ANNS,
            *_three_visits()[:2],
            _result("T2", T, "2026-03-02", supersedes="x", joint_with=["T1"]),
            _result("T3", T, "2026-09-02"),
        ],
        set(),
    ),
}


def _pool_blob() -> bytes:
    """T3's pool: the target in a stratum of class D (T in p3, read as a real pool blob)."""
    return canonical_json(
        {
            "type": "lottery-pool",
            "v": 1,
            "task": "T3",
            "strata": [{"region": "419901", "risk": "D", "count": 1, "candidates": [T]}],
        }
    )


@pytest.mark.parametrize("name", list(VISIT_LOGS))
def test_js_and_python_agree_on_joint_visits_and_the_cap(js: Page, name: str) -> None:
    logged, failing = VISIT_LOGS[name]
    blob = _pool_blob()
    digest = sha256_hex(blob)

    def fetch(d: str) -> bytes:
        if d != digest:
            raise KeyError(d)
        return blob

    # The pool reference "p3" stands for the blob's digest in both verifiers.
    bodies = [
        b | {"pool": {"sha256": digest}} if b.get("pool", {}).get("sha256") == "p3" else b
        for b in logged
    ]
    records = [Record(b"", canonical_json(b) + b"\n", b) for b in bodies]
    core = audit_visits(records, fetch)
    core_failed = {e.check for _, e in core.failures}
    got = js.evaluate(
        JS_VISITS,
        {
            "records": [{"id": r.id, "body": r.body} for r in records],
            "pools": {digest: {T: "D"}},
        },
    )
    assert set(got) == core_failed, (got, core_failed)
    assert set(got) == failing, name
    passed = {c.name for c in core.checks}
    assert passed == {CheckName.RESULT_JOINT_WITH, CheckName.RESULT_VISIT_CAP} - failing
