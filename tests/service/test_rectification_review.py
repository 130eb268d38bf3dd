"""The 保密审查 of rectification orders and re-checks (issue #18), SQLite and PostgreSQL: under
publication rules for ``rectification-order`` / ``rectification-check`` records, an order
(an approved re-check) waits for the review; the reviewer's decision generalises the
requirements (withholds the note) of the published content; the original stays in the
database; the export verifies (``publication.review``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.core.audit import audit_export
from lottery.core.check_names import CheckName
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.service.publication_review import PublicationReviewError, parse_publication_rules
from lottery.service.rectifications import RectificationError, RectificationService
from lottery.service.registries import set_publication_rules
from lottery.service.results import Evidence, ReviewError
from lottery.storage.models import AuditEvent, Conflict, Inspector
from tests import lifecycle as lc
from tests.service.results_builder import disclosed_task, entry, publish

TASK = "T2026-001"
T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
T_RULES = datetime(2026, 4, 2, 6, 0, tzinfo=UTC)
T_ORDER = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)
T_CHECK = datetime(2026, 4, 21, 2, 0, tzinfo=UTC)
RULES = [
    {
        "id": "R-ORDER",
        "record": "rectification-order",
        "field": "requirements",
        "action": "generalise",
        "reason": "整改要求写明了具名人防工程的防护缺陷",
        "when": {"categories": ["发现问题已责令改正"]},
    },
    {
        "id": "R-NOTE",
        "record": "rectification-check",
        "field": "note",
        "action": "withhold",
        "reason": "复查情况写明了防护设施的部位",
    },
]
ORIGINAL = "修复无法正常关闭的防护密闭门（B1 层东侧）"
GENERAL = "按规定维护人防工程防护设施，整改完成后书面报告"
NOTE = "B1 层东侧防护密闭门已修复，可正常关闭"


def _result(service: Lifecycle, categories: list[str]) -> str:
    outcome = disclosed_task(service, TASK)
    found = {
        "findings": "防护密闭门无法正常关闭",
        "follow_up": "责令限期整改",
        "evidence": [Evidence("笔录.txt", b"record", "笔录", "现场制作")],
    }
    one = entry(outcome, 0, day=date(2026, 3, 25), categories=categories, **found)
    record = publish(service, one, T_ENTER)
    rules = parse_publication_rules(RULES)
    set_publication_rules(service, rules, actor="planner", now=T_RULES)
    return record


def _size(service: Lifecycle) -> int:
    with service.session() as s:
        return service.log.size(s)


def _free(service: Lifecycle, target: str) -> list[str]:
    with service.session() as s:
        conflicted = set(s.exec(select(Conflict.inspector).where(Conflict.target == target)))
        ids = [r.id for r in s.exec(select(Inspector)) if r.id not in conflicted]
    return sorted(ids)[:2]


def test_a_governed_order_and_recheck_wait_for_the_review_and_verify(
    service: Lifecycle, tmp_path: Path
) -> None:
    result = _result(service, ["发现问题已责令改正"])
    rect = RectificationService(service.engine, service.log)
    before = _size(service)
    assert rect.order(result, ORIGINAL, date(2026, 4, 20), T_ORDER, actor="reviewer-li") is None
    assert _size(service) == before  # nothing published yet
    [(row, kind)] = rect.reviewing()
    assert (kind, row.order_status, row.order_record) == ("order", "reviewing", None)
    rid = row.id or 0
    assert [r.id for r in rect.publication_rules(rid, "order")] == ["R-ORDER"]
    target = row.target
    who = _free(service, target)
    with pytest.raises(RectificationError, match="保密审查"):  # no re-check before publication
        rect.enter_check(rid, date(2026, 4, 20), who, "已整改", NOTE, T_CHECK, actor="x")
    with pytest.raises(ReviewError):  # not by the person who made the order
        rect.review_publication(rid, "order", {"requirements": GENERAL}, T_ORDER,
                                reviewer="Reviewer-Li")  # fmt: skip
    with pytest.raises(PublicationReviewError, match="R-ORDER"):  # the general text is needed
        rect.review_publication(rid, "order", {}, T_ORDER, reviewer="censor-zhao")
    with pytest.raises(PublicationReviewError):  # a field no generalising rule covers
        rect.review_publication(rid, "order", {"note": "x"}, T_ORDER, reviewer="censor-zhao")
    with pytest.raises(RectificationError):  # no re-check waits
        rect.review_publication(rid, "check", {}, T_ORDER, reviewer="censor-zhao")
    assert _size(service) == before  # refusals change nothing
    order = rect.review_publication(
        rid, "order", {"requirements": GENERAL}, T_ORDER, reviewer="censor-zhao"
    )
    assert order.body["review"] == {"by": "censor-zhao", "rules": ["R-ORDER"]}
    assert order.body["ordered_by"] == "reviewer-li"
    assert rect.content(order.id, "rectification-order") == {"requirements": GENERAL}
    assert rect.get(rid).requirements == ORIGINAL  # the original stays in the database
    assert rect.get(rid).order_record == order.id and rect.reviewing() == []
    # The re-check: approved, then reviewed (R-NOTE withholds the note: no text to write).
    rect.enter_check(rid, date(2026, 4, 20), who, "已整改", NOTE, T_CHECK, actor="inspector-wang")
    assert rect.approve_check(rid, T_CHECK, reviewer="reviewer-li") is None
    assert [k for _, k in rect.reviewing()] == ["check"]
    with pytest.raises(ReviewError):  # not by the person who entered it
        rect.review_publication(rid, "check", {}, T_CHECK, reviewer="inspector-wang")
    with pytest.raises(PublicationReviewError):  # a withheld note takes no general text
        rect.review_publication(rid, "check", {"note": "x"}, T_CHECK, reviewer="censor-zhao")
    check = rect.review_publication(rid, "check", {}, T_CHECK, reviewer="censor-zhao")
    assert check.body["review"] == {"by": "censor-zhao", "rules": ["R-NOTE"]}
    assert (check.body["order"], check.body["approved_by"]) == (order.id, "reviewer-li")
    assert rect.content(check.id, "rectification-check") == {}
    assert (rect.get(rid).check_fields or {})["note"] == NOTE
    with service.session() as s:
        events = list(s.exec(select(AuditEvent).order_by(AuditEvent.id)))  # type: ignore[arg-type]
    actions = [e.action for e in events if e.action.startswith("rectification.")]
    assert actions == [
        "rectification.order",
        "rectification.order-publication-review",
        "rectification.check-enter",
        "rectification.check-approve",
        "rectification.check-publication-review",
    ]
    reviewed = [e.detail for e in events if e.action.endswith("publication-review")]
    assert [(d["generalised"], d["withheld"]) for d in reviewed] == [
        (["requirements"], []),
        ([], ["note"]),
    ]
    assert ORIGINAL not in str(reviewed) and NOTE not in str(reviewed)
    service.export_to(tmp_path / "export")
    report = audit_export(
        file_getter(tmp_path / "export"),
        [service.log.verifier],
        origin=lc.LOG,
        deadlines=True,
    )
    assert report.ok, report.failures
    [passed] = [c for c in report.checks if c.name == CheckName.PUBLICATION_REVIEW]
    assert "2 reviewed records" in passed.detail


def test_an_order_no_rule_applies_to_is_reviewed_with_no_rule(service: Lifecycle) -> None:
    """R-ORDER needs the result's category 发现问题已责令改正: an order on a result
    of another category is still reviewed (the rules govern orders) and publishes the original."""
    result = _result(service, ["未按规定公示应当公示的信息"])
    rect = RectificationService(service.engine, service.log)
    assert rect.order(result, ORIGINAL, date(2026, 4, 20), T_ORDER, actor="reviewer-li") is None
    [(row, _)] = rect.reviewing()
    assert rect.publication_rules(row.id or 0, "order") == []
    order = rect.review_publication(
        row.id or 0, "order", {}, T_ORDER + timedelta(hours=1), reviewer="censor-zhao"
    )
    assert order.body["review"] == {"by": "censor-zhao", "rules": []}
    assert rect.content(order.id, "rectification-order") == {"requirements": ORIGINAL}
