"""Cross-check and minimum-ratio known-answer vectors (tests/vectors/cross-check/, spec §4).

The expected pairs, eligible inspectors and verdicts were worked out by hand from the spec's
words (the vector file says why). Checked twice: by the core (``lottery.core.cross_check``,
``lottery.core.pool_membership``, ``lottery.core.min_ratio``) and by a second implementation
below, written from the spec alone with no lottery code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lottery.core import min_ratio
from lottery.core.cross_check import required_specialties
from lottery.core.pool_membership import cross_check_problem, expected_inspectors

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "cross-check" / "cases.json").read_text(encoding="utf-8")
)
OWN = VECTORS["own_district"]
WINDOW = VECTORS["announcement"]["window"]
ORG_UNITS = VECTORS["announcement"]["org_units"]


def _rows(registry: str) -> list[dict[str, str]]:
    snap = VECTORS["snapshots"][registry]
    return [dict(zip(snap["fields"], row, strict=True)) for row in snap["rows"]]


def _lines(registry: str) -> list[list[str]]:
    return [list(row) for row in VECTORS["snapshots"][registry]["rows"]]


def _specialties() -> dict[int, dict[str, str | None]]:
    return {int(v): items for v, items in VECTORS["item_specialties"].items()}


# --- the second implementation, from docs/spec.md section 4 --------------------------------


def spec_pairs() -> list[list[str]]:
    # "the inspector's org unit's region (its org-units snapshot row) is the target's region;
    # a unit without a region governs none"
    region_of_unit = {u["code"]: u["region"] for u in _rows("org-units")}
    unit_of = {i["id"]: i["org_unit"] for i in _rows("inspectors")}
    pairs = []
    for target, region in OWN["pool"].items():
        for inspector in OWN["inspectors"]:
            governed = region_of_unit.get(unit_of[inspector], "")
            if governed and governed == region:
                pairs.append([target, inspector])
    return sorted(pairs, key=lambda p: (p[0].encode(), p[1].encode()))


def spec_eligible(case: dict[str, Any]) -> list[str]:
    wanted = set()
    for ref in case["items"]:
        specialty = VECTORS["item_specialties"][str(ref["version"])].get(ref["code"])
        if specialty is not None:
            wanted.add(specialty)
    out = []
    for i in _rows("inspectors"):
        held = set(i["specialties"].split("、")) if i["specialties"] else set()
        if (
            i["status"] == "在岗"
            and i["org_unit"] in ORG_UNITS
            and i["cert_valid_from"] <= WINDOW["start"]
            and i["cert_valid_to"] >= WINDOW["end"]
            and wanted <= held
        ):
            out.append(i["id"])
    return sorted(out)


# --- the checks --------------------------------------------------------------------------


def test_the_second_implementation_agrees_with_the_hand_worked_pairs() -> None:
    assert spec_pairs() == OWN["expected"]


def test_the_core_accepts_exactly_the_expected_pairs_and_misses_each_one_left_out() -> None:
    pooled = {t: (region, "A") for t, region in OWN["pool"].items()}
    conflicts: dict[str, set[str]] = {}
    for target, inspector in OWN["expected"]:
        conflicts.setdefault(target, set()).add(inspector)

    def problem(pairs: dict[str, set[str]]) -> str | None:
        frozen = {t: frozenset(i) for t, i in pairs.items()}
        return cross_check_problem(
            pooled, OWN["inspectors"], frozen, _lines("inspectors"), _lines("org-units")
        )

    assert problem(conflicts) is None
    for target, inspector in OWN["expected"]:
        fewer = {t: set(i) for t, i in conflicts.items()}
        fewer[target].discard(inspector)
        said = problem(fewer)
        assert said is not None and f"[{target}, {inspector}]" in said


@pytest.mark.parametrize("case", VECTORS["specialty_cases"], ids=lambda c: c["why"][:20])
def test_eligible_inspectors_under_the_specialty_rule(case: dict[str, Any]) -> None:
    refs = [(r["code"], r["version"]) for r in case["items"]]
    needed = required_specialties(refs, _specialties())
    core = expected_inspectors(
        _lines("inspectors"), ORG_UNITS, WINDOW["start"], WINDOW["end"], needed
    )
    assert core == case["expected"]
    assert spec_eligible(case) == case["expected"]


@pytest.mark.parametrize("case", VECTORS["min_ratio_cases"], ids=lambda c: c["why"][:20])
def test_minimum_ratio_verdicts(case: dict[str, Any]) -> None:
    short = min_ratio.shortfall(case["picks"], case["candidates"], [("RF", case["min_ratio"])])
    assert (short is None) is case["keeps"]
    # The spec's comparison, in integers: picks * 10000 >= min_ratio * candidates.
    assert (case["picks"] * 10_000 >= case["min_ratio"] * case["candidates"]) is case["keeps"]
