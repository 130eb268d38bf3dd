"""``lottery verify`` on rectification orders and re-checks (rectification.order/.check):
a dishonest office signs each forgery with its own key; only the reference check catches it."""

from __future__ import annotations

from typing import Any

import pytest

from lottery.core.deadline_audit import audit_publications
from lottery.core.errors import EncodingError
from lottery.core.records import Record, make_record, open_record
from tests.core.test_deadline_audit import BUILTIN, _result
from tests.lifecycle import LOG, office_signer

SIGNER = office_signer()
A, B = "91419901MA4L000001", "91419901MA4L000002"


def _record(kind: str, time: str, fields: dict[str, Any]) -> Record:
    from lottery.core.canonical import parse_time

    note = make_record(kind, LOG, parse_time(time), fields, [SIGNER])
    return open_record(note, [SIGNER.verifier()], log=LOG)


def _bad(target: str, time: str, supersedes: str | None = None) -> Record:
    """A published result with a problem category."""
    plain = _result(target, ["2026-03-20"], time, supersedes)
    body = {k: v for k, v in plain.body.items() if k not in ("type", "v", "log", "time")}
    return _record("inspection-result", time, body | {"categories": ["发现问题已责令改正"]})


def _order(result: Record, time: str, due: str = "2026-04-30", **more: Any) -> Record:
    fields = {
        "task": result.body["task"],
        "target": result.body["target"],
        "result": result.id,
        "due": due,
        "sealed": "ef" * 32,
        "ordered_by": "审核员",
    }
    return _record("rectification-order", time, fields | more)


def _check(order: Record, time: str, day: str = "2026-04-20", **more: Any) -> Record:
    fields = {
        "task": order.body["task"],
        "target": order.body["target"],
        "order": order.id,
        "date": day,
        "inspectors": ["I003", "I004"],
        "outcome": "已整改",
        "sealed": "ab" * 32,
        "entered_by": "录入员",
        "approved_by": "审核员",
    }
    return _record("rectification-check", time, fields | more)


def _checks(records: list[Record]) -> list[str]:
    return [f.check for _, f in audit_publications(records, BUILTIN).failures]


RESULT = _bad(A, "2026-04-02T02:00:00Z")
OTHER = _bad(B, "2026-04-02T02:00:01Z")
ORDER = _order(RESULT, "2026-04-03T02:00:00Z")
CHECK = _check(ORDER, "2026-04-21T02:00:00Z")


def test_an_honest_order_and_recheck_verify() -> None:
    audit = audit_publications([RESULT, OTHER, ORDER, CHECK], BUILTIN)
    assert not audit.failures
    assert "rectification.references" in {c.name for c in audit.checks}
    # With a task filter, another task's orders are not counted (nor failed).
    assert not audit_publications([RESULT, ORDER, CHECK], BUILTIN, task="T-OTHER").failures


@pytest.mark.parametrize(
    ("records", "fragment"),
    [
        # The order names a result published after it, or none at all.
        ([ORDER, RESULT], "not an inspection result published before it"),
        # ... a result of another target.
        ([RESULT, OTHER, _order(OTHER, "2026-04-03T02:00:00Z", target=A)], "names a result of"),
        # ... a result that found no problem.
        (
            [
                clean := _result(A, ["2026-03-20"], "2026-04-02T02:00:00Z"),
                _order(clean, "2026-04-03T02:00:00Z"),
            ],
            "found no problem",
        ),
        # ... a result already corrected before the order.
        (
            [
                RESULT,
                fixed := _bad(A, "2026-04-02T05:00:00Z", RESULT.id),
                _order(RESULT, "2026-04-03T02:00:00Z"),
            ],
            "superseded",
        ),
        # A due date before the day the order was published.
        ([RESULT, _order(RESULT, "2026-04-03T02:00:00Z", due="2026-04-02")], "due 2026-04-02"),
    ],
)
def test_forged_orders_fail(records: list[Record], fragment: str) -> None:
    failures = audit_publications(records, BUILTIN).failures
    assert [f.check for _, f in failures] == ["rectification.order"]
    assert fragment in failures[0][1].detail


def test_forged_rechecks_fail() -> None:
    other_order = _order(OTHER, "2026-04-03T02:00:01Z")
    forged = {
        "no order": ([RESULT, CHECK], "not a rectification order published before it"),
        "check before order": ([RESULT, CHECK, ORDER], "not a rectification order"),
        "other target": (
            [
                RESULT,
                OTHER,
                ORDER,
                other_order,
                _check(other_order, "2026-04-21T02:00:00Z", target=A),
            ],
            "names an order for",
        ),
        "twice": (
            [RESULT, ORDER, CHECK, _check(ORDER, "2026-04-22T02:00:00Z", outcome="部分整改")],
            "already re-checked",
        ),
        "before the order": (
            [RESULT, ORDER, _check(ORDER, "2026-04-21T02:00:00Z", day="2026-04-02")],
            "before the order was published",
        ),
        "after publication": (
            [RESULT, ORDER, _check(ORDER, "2026-04-21T02:00:00Z", day="2026-04-22")],
            "after the re-check was published",
        ),
    }
    for name, (records, fragment) in forged.items():
        failures = audit_publications(records, BUILTIN).failures
        assert [f.check for _, f in failures] == ["rectification.check"], name
        assert fragment in failures[0][1].detail, name


def test_the_record_formats_refuse_bad_fields() -> None:
    with pytest.raises(EncodingError, match="outcome"):
        _check(ORDER, "2026-04-21T02:00:00Z", outcome="差不多")
    with pytest.raises(EncodingError, match="inspectors"):
        _check(ORDER, "2026-04-21T02:00:00Z", inspectors=["I003"])
    with pytest.raises(EncodingError, match=r"requirements|unknown|field"):
        _order(RESULT, "2026-04-03T02:00:00Z", requirements="整改内容不得公开在记录中")


def _withdrawal(named: Record, time: str = "2026-05-01T02:00:00Z", **more: Any) -> Record:
    fields = {
        "record": named.id,
        "task": named.body["task"],
        "target": named.body["target"],
        "sealed": [named.body["sealed"]],
        "ground": "expired",
        "reason": "公示期满",
    }
    return _record("rectification-withdrawal", time, fields | more)


def test_a_rectification_withdrawal_removes_only_an_order_or_a_recheck() -> None:
    from lottery.core.sealed_audit import audit_sealed

    def gone(digest: str) -> bytes:
        raise KeyError(digest)

    records = [RESULT, ORDER, CHECK]
    ok = audit_sealed([*records, _withdrawal(ORDER), _withdrawal(CHECK)], gone)
    assert [f.check for _, f in ok.failures] == ["sealed.missing"]  # the result's blob only
    assert set(ok.withdrawn) == {ORDER.body["sealed"], CHECK.body["sealed"]}
    wrong = audit_sealed([*records, _withdrawal(RESULT)], gone)
    checks = sorted({f.check for _, f in wrong.failures})
    assert "withdrawal.sealed" in checks
    detail = next(f.detail for _, f in wrong.failures if f.check == "withdrawal.sealed")
    assert "rectification-order or rectification-check" in detail
    other = audit_sealed([*records, _withdrawal(ORDER, sealed=[CHECK.body["sealed"]])], gone)
    assert "withdrawal.sealed" in {f.check for _, f in other.failures}
