"""The on-site record in a result's sealed content (issue #16; docs/spec.md §2.1): its format,
and ``result.onsite`` of ``lottery verify`` (a 不符合 point is no 未发现问题 and has a note;
findings without evidence state a reason), while older content keeps verifying."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lottery.core.canonical import sha256_hex
from lottery.core.errors import EncodingError
from lottery.core.onsite import content_problems, expected_points
from lottery.core.records import Record, make_record, open_record
from lottery.core.sealed import open_sealed, seal
from lottery.core.sealed_audit import audit_sealed
from tests.lifecycle import LOG, office_signer

SIGNER = office_signer()
SALT = bytes(range(32))
OLD: dict[str, Any] = {"findings": "占用", "follow_up": "", "evidence": []}
POINT = {"item": "RF-005", "point": "口部通道未被占用", "answer": "不符合", "note": "堆放货物"}
PHOTO = {"name": "a.jpg", "sha256": "ab" * 32, "size": 3, "kind": "照片", "source": "现场拍摄"}
NEW: dict[str, Any] = OLD | {
    "checklist": [POINT],
    "started": "2026-03-25T01:30:00Z",
    "ended": "2026-03-25T03:00:00Z",
    "evidence": [PHOTO],
}
FOUND = ["发现问题已责令改正"]


def test_the_new_members_are_optional_and_checked() -> None:
    for content in (OLD, NEW, OLD | {"no_evidence_reason": "无人"}):
        blob = seal("inspection-result", content, SALT)
        assert open_sealed(blob, sha256_hex(blob), "inspection-result") == content
    for bad, match in (
        (NEW | {"checklist": [POINT | {"answer": "合格"}]}, "answer"),
        (NEW | {"checklist": []}, "checklist"),
        (NEW | {"evidence": [PHOTO | {"kind": "物证"}]}, "kind"),
        (NEW | {"started": "2026-03-25 09:30"}, "started"),
        (NEW | {"no_evidence_reason": ""}, "no_evidence_reason"),
    ):
        with pytest.raises(EncodingError, match=match):
            seal("inspection-result", bad, SALT)


@pytest.mark.parametrize(
    ("categories", "content", "problem"),
    [
        (FOUND, NEW, None),
        (["未发现问题"], NEW, "is 不符合 but the result is 未发现问题"),
        (FOUND, NEW | {"checklist": [POINT | {"note": ""}]}, "without a note"),
        (FOUND, NEW | {"evidence": []}, "states no reason"),
        (FOUND, NEW | {"evidence": [], "no_evidence_reason": "无人"}, None),
        (FOUND, OLD, None),  # sealed before the on-site record: not held against it
        (["未发现问题"], OLD | {"started": "2026-03-25T01:30:00Z"}, None),
    ],
)
def test_content_problems(
    categories: list[str], content: dict[str, Any], problem: str | None
) -> None:
    found = content_problems(categories, content)
    if problem is None:
        assert found == []
    else:
        assert any(problem in f for f in found), found


def _result(categories: list[str], blob: bytes) -> Record:
    fields = {
        "task": "T2026-001",
        "target": "91419901MA4L000002",
        "target_name": "一家单位",
        "dates": ["2026-03-25"],
        "inspectors": [{"id": "I001", "role": "drawn"}, {"id": "I002", "role": "drawn"}],
        "methods": ["实地检查"],
        "categories": categories,
        "pending_reasons": [],
        "sealed": sha256_hex(blob),
        "entered_by": "a",
        "approved_by": "b",
        "supersedes": None,
        "correction_reason": None,
    }
    at = datetime(2026, 4, 3, 1, tzinfo=UTC)
    return open_record(
        make_record("inspection-result", LOG, at, fields, [SIGNER]), [SIGNER.verifier()]
    )


def test_verify_fails_a_result_whose_on_site_record_contradicts_it() -> None:
    blob = seal("inspection-result", NEW, SALT)
    good = audit_sealed([_result(FOUND, blob)], lambda d: blob)
    assert not good.failures
    assert "result.onsite" in [c.name for c in good.checks]
    bad = audit_sealed([_result(["未发现问题"], blob)], lambda d: blob)
    [(_, failure)] = bad.failures
    assert failure.check == "result.onsite" and "未发现问题" in failure.detail
    old = seal("inspection-result", OLD, SALT)
    assert not audit_sealed([_result(FOUND, old)], lambda d: old).failures


def test_the_answers_are_exactly_the_cited_items_checklists() -> None:
    lists = {
        1: {
            "RF-005": {"checklist": [{"point": "甲", "basis": "x"}, {"point": "乙", "basis": "y"}]}
        },
        2: {"RF-005": {}, "RF-006": {"checklist": [{"point": "丙", "basis": "z"}]}},
    }
    refs = [{"code": "RF-005", "version": 1}, {"code": "RF-006", "version": 2}]
    expected = expected_points([*refs, refs[0]], lists)  # an item cited twice counts once
    assert expected == [("RF-005", "甲"), ("RF-005", "乙"), ("RF-006", "丙")]
    assert expected_points([{"code": "RF-005", "version": 2}], lists) == []

    def answers(*pairs: tuple[str, str]) -> dict[str, Any]:
        points = [{"item": i, "point": p, "answer": "符合", "note": ""} for i, p in pairs]
        return NEW | {"checklist": points}

    assert content_problems(FOUND, answers(*expected), expected) == []
    [missing] = content_problems(FOUND, answers(*expected[:2]), expected)
    assert "does not answer point '丙' of item RF-006" in missing
    [extra] = content_problems(FOUND, answers(*expected, ("RF-006", "丁")), expected)
    assert "answers '丁', not a point of item RF-006" in extra
    [order] = content_problems(FOUND, answers(*reversed(expected)), expected)
    assert "out of order" in order
    # An old result (no checklist, no time) of a task whose items had no checklist: fine.
    assert content_problems(FOUND, OLD, []) == []
