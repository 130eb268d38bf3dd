"""Publication-rule known answers (tests/vectors/publication/cases.json, docs/spec.md §2.3).

The verdicts were worked out by hand from the spec's words (each case says why). Checked
twice: by the core (``lottery.core.sealed_audit.audit_sealed`` over records and sealed blobs
built from each case) and by a second implementation below, written from the spec alone with
no lottery code. Also the record format: rules naming a field the public needs are refused.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from lottery.core.canonical import canonical_json
from lottery.core.check_names import CheckName
from lottery.core.errors import EncodingError
from lottery.core.records import Record, validate_body
from lottery.core.sealed_audit import audit_sealed

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "publication" / "cases.json").read_text(encoding="utf-8")
)
CASES = VECTORS["cases"]
# "findings and follow_up of a result, requirements of an order, note of a re-check"
REQUIRED = {
    "inspection-result": ("findings", "follow_up"),
    "rectification-order": ("requirements",),
    "rectification-check": ("note",),
}


# --- the second implementation, from docs/spec.md section 2.3 -----------------------------


def spec_verdict(case: dict[str, Any]) -> str:
    # "a rule applies to a record of its type whose task's announcement cites one of
    # when.items (if given) and whose categories include one of when.categories (if given)"
    # (for an order: the categories of its result; for a re-check: of its order's result)
    kind = case.get("record", "inspection-result")
    cited = set(VECTORS["announcements"][case["task"]])
    cats = set(case["categories"])
    applies = []
    for rule in VECTORS["rules"]:
        when = rule.get("when", {})
        if rule["record"] != kind:
            continue
        if "items" in when and not cited.intersection(when["items"]):
            continue
        if "categories" in when and not cats.intersection(when["categories"]):
            continue
        applies.append(rule)
    # "a record of a governed type published after such an item list carries review"
    if case["review"] is None:
        return "unreviewed"
    # "review.rules is exactly the ids of the rules that apply, sorted"
    if case["review"]["rules"] != sorted(r["id"] for r in applies):
        return "rules"
    # "a withholding rule wins over a generalising one for the same field"
    action: dict[str, str] = {}
    for rule in applies:
        if action.get(rule["field"]) != "withhold":
            action[rule["field"]] = rule["action"]
    content = case["content"]
    if any(a == "withhold" and f in content for f, a in action.items()):
        return "withheld-present"
    if any(f not in content and action.get(f) != "withhold" for f in REQUIRED[kind]):
        return "left-out"
    return "pass"


# --- the core ---------------------------------------------------------------------------


def _record(body: dict[str, Any]) -> Record:
    text = canonical_json(body) + b"\n"
    return Record(note=text, text=text, body=body)


# The core's failure details, by the kind of problem the vector file names.
KINDS = {
    "without the review": "unreviewed",
    "the review applied rules": "rules",
    "although rule": "withheld-present",
    "is left out": "left-out",
}


def core_verdict(case: dict[str, Any]) -> str:
    """``audit_sealed`` on a log of the item list, the announcements and the case's record:
    "pass" (one passed ``publication.review`` line) or the kind of its one failure. An order
    (re-check) follows a result (and an order) published before the item list."""
    kind = case.get("record", "inspection-result")
    items = [{"code": c} for c in ("RF-01", "RF-03")]
    log = []
    for task, codes in VECTORS["announcements"].items():
        refs = [{"code": c, "version": 1} for c in codes]
        log.append(_record({"type": "task-announcement", "task": task, "items": refs}))
    body: dict[str, Any] = {"type": kind, "task": case["task"], "target": "X1"}
    if kind == "inspection-result":
        body["categories"] = case["categories"]
    else:
        result = _record({"type": "inspection-result", "task": case["task"], "target": "X1",
                          "categories": case["categories"]})  # fmt: skip
        log.append(result)
        body["result"] = result.id
        if kind == "rectification-check":
            order = _record({"type": "rectification-order", "task": case["task"],
                             "target": "X1", "result": result.id})  # fmt: skip
            log.append(order)
            del body["result"]
            body["order"] = order.id
    log.append(_record({"type": "item-list", "version": 1, "items": items,
                        "publication_rules": VECTORS["rules"]}))  # fmt: skip
    blob = canonical_json(
        {"content": case["content"], "record": kind, "salt": "00" * 32,
         "type": "lottery-sealed", "v": 1}
    )  # fmt: skip
    digest = hashlib.sha256(blob).hexdigest()
    body["sealed"] = digest
    if case["review"] is not None:
        body["review"] = case["review"]
    log.append(_record(body))
    audit = audit_sealed(log, {digest: blob}.__getitem__)
    passed = [c for c in audit.checks if c.name == CheckName.PUBLICATION_REVIEW]
    if not audit.failures:
        assert len(passed) == 1
        return "pass"
    [(_, exc)] = audit.failures
    assert exc.check == CheckName.PUBLICATION_REVIEW and not passed
    return next(kind for words, kind in KINDS.items() if words in exc.detail)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_each_case_gives_its_verdict_in_both_implementations(case: dict[str, Any]) -> None:
    assert spec_verdict(case) == case["verdict"]
    assert core_verdict(case) == case["verdict"]


def _item_list(rules: Any) -> dict[str, Any]:
    item = {
        "code": "RF-01", "name": "x", "basis": "x", "subject": "x", "item": "x",
        "content": "x", "ratio": "5%", "frequency": "x", "method": "x",
        "requirements": "", "key": False,
    }  # fmt: skip
    body = {"type": "item-list", "v": 1, "log": "l", "time": "2026-03-01T00:00:00Z",
            "version": 1, "effective": "2026-03-01", "items": [item]}  # fmt: skip
    if rules is not None:
        body["publication_rules"] = rules
    return body


def test_the_record_format_takes_the_rules_and_refuses_fields_the_public_needs() -> None:
    validate_body(_item_list(None))  # an item list without rules: as before
    validate_body(_item_list(VECTORS["rules"]))
    for field in ("categories", "target", "risk_class", "dates", "inspectors"):
        wrong = [dict(VECTORS["rules"][0], field=field)]
        with pytest.raises(EncodingError, match="can never be withheld"):
            validate_body(_item_list(wrong))
    for bad, words in (
        ([dict(VECTORS["rules"][0], record="penalty")], "record must be one of"),
        # An order must say what to rectify: its requirements are generalised, never withheld.
        ([dict(VECTORS["rules"][3], action="withhold")], "must be generalise"),
        ([dict(VECTORS["rules"][3], field="note")], "field must be one of"),
        ([dict(VECTORS["rules"][4], field="outcome")], "field must be one of"),
        ([VECTORS["rules"][0], VECTORS["rules"][0]], "used twice"),
        ([dict(VECTORS["rules"][0], action="hide")], "action must be one of"),
        ([dict(VECTORS["rules"][0], when={})], "when must name"),
    ):
        with pytest.raises(EncodingError, match=words):
            validate_body(_item_list(bad))
