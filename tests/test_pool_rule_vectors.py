"""Pool rule known-answer vectors (tests/vectors/pool-rule/, docs/spec.md section 4).

The expected candidates and inspectors were derived by hand from the spec's words (the
vector file says why each row is left out). Checked twice: by ``lottery.core.pool_membership``
and by a second implementation below, written from the spec alone with no lottery code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lottery.core.pool_membership import covered_types, expected_candidates, expected_inspectors

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "pool-rule" / "cases.json").read_text(encoding="utf-8")
)
CASES = VECTORS["cases"]


def _rows(registry: str) -> list[dict[str, str]]:
    snap = VECTORS["snapshots"][registry]
    return [dict(zip(snap["fields"], row, strict=True)) for row in snap["rows"]]


def _lines(registry: str) -> list[list[str]]:
    """The rows as the snapshot blob holds them (field order)."""
    return [list(row) for row in VECTORS["snapshots"][registry]["rows"]]


def _lists() -> dict[int, dict[str, list[str] | None]]:
    return {int(v): items for v, items in VECTORS["item_lists"].items()}


# --- the second implementation, from docs/spec.md section 4 --------------------------------


def spec_candidates(case: dict[str, Any]) -> dict[str, list[str]]:
    ann = VECTORS["announcement"]
    # "the region of an org-units snapshot row whose code is in the announcement's org_units"
    regions = [u["region"] for u in _rows("org-units") if u["code"] in ann["org_units"]]
    # "the union of the cited items' target_types; every type when none names types"
    union: list[str] = []
    for ref in case["items"]:
        union += VECTORS["item_lists"][str(ref["version"])].get(ref["code"]) or []
    out = {}
    for t in _rows("targets"):
        if t["status"] != "正常" or not t["region"] or t["region"] not in regions:
            continue
        if union and t["type"] not in union:
            continue
        out[t["uscc"]] = [t["region"], t["risk_class"]]
    return out


def spec_inspectors() -> list[str]:
    ann = VECTORS["announcement"]
    start, end = ann["window"]["start"], ann["window"]["end"]
    return sorted(
        i["id"]
        for i in _rows("inspectors")
        if i["status"] == "在岗"
        and i["org_unit"] in ann["org_units"]
        and i["cert_valid_from"] <= start
        and i["cert_valid_to"] >= end
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_second_implementation_matches_the_vectors(case: dict[str, Any]) -> None:
    assert spec_candidates(case) == case["expected_candidates"]
    assert spec_inspectors() == case["expected_inspectors"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_core_matches_the_vectors(case: dict[str, Any]) -> None:
    ann = VECTORS["announcement"]
    types = covered_types(case["items"], _lists())
    got = expected_candidates(_lines("targets"), _lines("org-units"), ann["org_units"], types)
    assert {k: list(v) for k, v in got.items()} == case["expected_candidates"]
    window = ann["window"]
    assert (
        expected_inspectors(_lines("inspectors"), ann["org_units"], window["start"], window["end"])
        == case["expected_inspectors"]
    )


def test_the_cases_differ_from_each_other() -> None:
    # Each case exercises a different part of the rule: their answers are not all alike.
    answers = [json.dumps(c["expected_candidates"], sort_keys=True) for c in CASES]
    assert len(set(answers)) == len(answers)
