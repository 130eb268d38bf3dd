"""``lottery verify`` on objection outcomes (objection.*): a dishonest office signs each forgery
with its own key; only the objection checks catch it."""

from __future__ import annotations

from typing import Any

import pytest

from lottery.core.deadline_audit import audit_publications
from lottery.core.errors import EncodingError
from lottery.core.records import Record
from tests.core.test_deadline_audit import BUILTIN, _record, _result

A, B = "91419901MA4L000001", "91419901MA4L000002"

RESULT = _result(A, ["2026-03-20"], "2026-04-02T02:00:00Z")  # Beijing 2 Apr (Thursday)
OTHER = _result(B, ["2026-03-20"], "2026-04-02T02:00:01Z")
FIXED = _result(A, ["2026-03-20"], "2026-04-10T02:00:00Z", RESULT.id)
# 20 working days after 2 Apr 2026: 清明 4-6 Apr and 劳动节 1-5 May are rest days (9 May works).
DUE = "2026-05-06"


def _outcome(result: Record, time: str, **more: Any) -> Record:
    fields: dict[str, Any] = {
        "task": result.body["task"],
        "target": result.body["target"],
        "result": result.id,
        "received": "2026-04-08",
        "decided": "2026-04-15",
        "period": {"start": "2026-04-02", "workdays": 20, "due": DUE},
        "outcome": "dismissed",
        "correction": None,
        "reason": "经复核，检查记录与现场照片一致，维持原检查结果",
        "recorded_by": "录入员",
        "decided_by": "审核员",
    }
    return _record("objection-outcome", time, fields | more)


UPHELD = _outcome(
    RESULT, "2026-04-15T02:00:00Z", outcome="upheld", correction=FIXED.id, reason=None
)
DISMISSED = _outcome(OTHER, "2026-04-15T02:00:01Z")


def test_honest_outcomes_verify() -> None:
    audit = audit_publications([RESULT, OTHER, FIXED, UPHELD, DISMISSED], BUILTIN)
    assert not audit.failures
    checks = {c.name: c.detail for c in audit.checks}
    assert "objection.references" in checks
    assert checks["objection.period"].startswith("2 objections received within their period")


@pytest.mark.parametrize(
    ("records", "check", "fragment"),
    [
        ([UPHELD, RESULT, FIXED], "objection.result", "not an inspection result published"),
        (
            [RESULT, OTHER, _outcome(OTHER, "2026-04-15T02:00:00Z", target=A)],
            "objection.result",
            "names a result of",
        ),
        # The correction is published after the outcome, or corrects another result.
        ([RESULT, UPHELD, FIXED], "objection.correction", "not a correction of"),
        (
            [
                RESULT,
                OTHER,
                FIXED,
                _outcome(
                    OTHER,
                    "2026-04-15T02:00:00Z",
                    outcome="upheld",
                    correction=FIXED.id,
                    reason=None,
                ),
            ],
            "objection.correction",
            "not a correction of",
        ),
        (
            [RESULT, _outcome(RESULT, "2026-04-15T02:00:00Z", received="2026-04-01")],
            "objection.dates",
            "before the result was published",
        ),
        (
            [RESULT, _outcome(RESULT, "2026-04-15T02:00:00Z", decided="2026-04-07")],
            "objection.dates",
            "before it was received",
        ),
        (
            [RESULT, _outcome(RESULT, "2026-04-15T02:00:00Z", decided="2026-04-16")],
            "objection.dates",
            "after the outcome was published",
        ),
        # The period starts elsewhere, ends on another day, or the objection came late.
        (
            [
                RESULT,
                _outcome(
                    RESULT,
                    "2026-04-15T02:00:00Z",
                    period={"start": "2026-04-03", "workdays": 20, "due": DUE},
                ),
            ],
            "objection.period",
            "the result was published on 2026-04-02",
        ),
        (
            [
                RESULT,
                _outcome(
                    RESULT,
                    "2026-04-15T02:00:00Z",
                    period={"start": "2026-04-02", "workdays": 20, "due": "2026-04-30"},
                ),
            ],
            "objection.period",
            "end on 2026-05-06",
        ),
        (
            [
                RESULT,
                _outcome(
                    RESULT, "2026-05-08T02:00:00Z", received="2026-05-07", decided="2026-05-08"
                ),
            ],
            "objection.period",
            "after the period ended on 2026-05-06",
        ),
    ],
)
def test_forged_outcomes_fail(records: list[Record], check: str, fragment: str) -> None:
    failures = audit_publications(records, BUILTIN).failures
    assert [f.check for _, f in failures] == [check]
    assert fragment in failures[0][1].detail


def test_outcome_shape() -> None:
    # Upheld without a correction, dismissed without a reason: refused as records.
    with pytest.raises(EncodingError, match="upheld needs a correction"):
        _outcome(RESULT, "2026-04-15T02:00:00Z", outcome="upheld")
    with pytest.raises(EncodingError, match="dismissed needs a reason"):
        _outcome(RESULT, "2026-04-15T02:00:00Z", reason=None)
