"""The safe-publication review (保密审查, issue #18), SQLite and PostgreSQL: with publication
rules in the item list, an approved result waits for the review; the reviewer's decision
withholds and generalises fields of the published content; the original stays in the
database; the export verifies (``publication.review``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.core.audit import audit_export
from lottery.core.check_names import CheckName
from lottery.core.errors import InputError
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.service.publication_review import (
    DECISION,
    PublicationReviewError,
    parse_publication_rules,
)
from lottery.service.registries import set_publication_rules
from lottery.service.results import ResultsService, ReviewError
from lottery.storage.models import AuditEvent
from tests import lifecycle as lc
from tests.service.results_builder import (
    REVIEWER,
    T_HELD,
    disclosed_task,
    drawn_task,
    entry,
    hold,
)

RULES = [
    {
        "id": "P1",
        "record": "inspection-result",
        "field": "place",
        "action": "withhold",
        "reason": "检查地点可指示人防工程的具体位置",
    },
    {
        "id": "P2",
        "record": "inspection-result",
        "field": "findings",
        "action": "generalise",
        "reason": "具名人防工程防护设施缺陷的具体描述涉及工程防护能力",
        "when": {"items": ["RF-01"], "categories": ["发现问题已责令改正"]},
    },
]
AT = lc.T_REVEAL + timedelta(hours=1)
ORIGINAL = "防护密闭门无法正常关闭"
GENERAL = "发现防护设施维护问题，已责令改正"


def _rules(service: Lifecycle) -> None:
    rules = parse_publication_rules(RULES)
    set_publication_rules(service, rules, actor="planner", now=AT - timedelta(minutes=30))


def _enter(service: Lifecycle, outcome: object, i: int, **kw: object) -> int:
    results = ResultsService(service.engine, service.log)
    return results.enter(entry(outcome, i, **kw), AT, actor="inspector-wang")  # type: ignore[arg-type]


def _verify(service: Lifecycle, tmp_path: Path) -> object:
    service.export_to(tmp_path / "export")
    return audit_export(
        file_getter(tmp_path / "export"),
        [service.log.verifier],
        origin=lc.LOG,
        deadlines=True,
    )


def test_a_reviewed_result_withholds_and_generalises_and_verifies(
    service: Lifecycle, tmp_path: Path
) -> None:
    outcome = disclosed_task(service)
    _rules(service)
    results = ResultsService(service.engine, service.log)
    bad = {
        "categories": ["发现问题已责令改正"],
        "findings": ORIGINAL,
        "place": "青岚市某路1号地下室",
        "no_evidence_reason": "测试：笔录另行归档",
    }
    rid = _enter(service, outcome, 0, **bad)
    clean = _enter(service, outcome, 1, place="某小区地下车库")
    # Approved, but not published: the rules in force govern results.
    assert results.approve(rid, AT, reviewer=REVIEWER) is None
    assert results.get(rid).status == "reviewing"
    assert [r.id for r in results.publication_rules(rid)] == ["P1", "P2"]
    with pytest.raises(PublicationReviewError, match="P2"):  # no general text
        results.review_publication(rid, {}, AT, reviewer="censor-zhao")
    with pytest.raises(PublicationReviewError):  # a field no generalising rule covers
        results.review_publication(
            rid, {"findings": GENERAL, "follow_up": "x"}, AT, reviewer="censor-zhao"
        )
    with pytest.raises(ReviewError):  # not by the person who entered it
        results.review_publication(rid, {"findings": GENERAL}, AT, reviewer="inspector-wang")
    record = results.review_publication(rid, {"findings": GENERAL}, AT, reviewer="censor-zhao")
    assert record is not None
    assert record.body["review"] == {"by": "censor-zhao", "rules": ["P1", "P2"]}
    content = results.content(record.id)
    assert content is not None
    assert content["findings"] == GENERAL and "place" not in content
    # The original stays only in the office's database.
    assert results.get(rid).fields["findings"] == ORIGINAL
    assert results.get(rid).fields["place"] == "青岚市某路1号地下室"
    # A clean result: only P1 applies (withheld place), no text needed.
    assert results.approve(clean, AT, reviewer=REVIEWER) is None
    second = results.review_publication(clean, {}, AT, reviewer="censor-zhao")
    assert second is not None and second.body["review"]["rules"] == ["P1"]
    assert "place" not in (results.content(second.id) or {})
    with service.session() as s:
        events = list(
            s.exec(select(AuditEvent).where(AuditEvent.action == "result.publication-review"))
        )
    assert [e.detail["withheld"] for e in events] == [["place"], ["place"]]
    assert events[0].detail["generalised"] == ["findings"]
    report = _verify(service, tmp_path)
    assert report.ok, report.failures  # type: ignore[attr-defined]
    names = [c.name for c in report.checks]  # type: ignore[attr-defined]
    assert CheckName.PUBLICATION_REVIEW in names


def test_held_results_reviewed_before_the_disclosure_are_published_with_it(
    service: Lifecycle,
) -> None:
    outcome = drawn_task(service)
    _rules(service)
    [first, second] = hold(service, outcome, 2)
    results = ResultsService(service.engine, service.log, service.keeper)
    assert results.review_publication(first, {}, AT, reviewer="censor-zhao") is None
    service.disclose("T2026-001", lc.T_REVEAL + timedelta(hours=2))
    assert results.get(first).status == "published"
    # The one not reviewed waits for the review instead of being published unreviewed.
    assert results.get(second).status == "reviewing"
    assert [r.id for r in results.reviewing()] == [second]


def test_an_early_disclosure_waits_for_the_review_of_every_held_result(
    service: Lifecycle,
) -> None:
    outcome = drawn_task(service, early=True)
    rules = parse_publication_rules(RULES)
    set_publication_rules(service, rules, actor="planner", now=T_HELD - timedelta(hours=1))
    ids = hold(service, outcome)
    results = ResultsService(service.engine, service.log, service.keeper)
    early = T_HELD + timedelta(hours=1)
    with service.session() as s:
        before = service.log.size(s)
    for unreviewed in (ids, ids[-1:]):
        with pytest.raises(InputError, match=f"还有 {len(unreviewed)} 条.*未完成保密审查"):
            service.disclose("T2026-001", early, actor=REVIEWER)
        assert service.get_task("T2026-001").state == "drawn"
        for rid in unreviewed[:-1]:
            assert results.review_publication(rid, {}, early, reviewer="censor-zhao") is None
    with service.session() as s:
        assert service.log.size(s) == before  # the refusals published nothing
    results.review_publication(ids[-1], {}, early, reviewer="censor-zhao")
    service.disclose("T2026-001", early, actor=REVIEWER)
    assert service.get_task("T2026-001").state == "disclosed"
    published = [results.get(rid) for rid in ids]
    assert [r.status for r in published] == ["published"] * len(ids)
    assert all(r.fields[DECISION]["withheld"] == ["place"] for r in published)


def test_rules_naming_a_field_the_public_needs_are_refused(service: Lifecycle) -> None:
    wrong = [dict(RULES[0], field="categories")]
    with pytest.raises(InputError, match="can never be withheld"):
        parse_publication_rules(wrong)
    # Without publication rules nothing waits: results publish at once, without a review.
    outcome = disclosed_task(service)
    results = ResultsService(service.engine, service.log)
    rid = _enter(service, outcome, 0)
    record = results.approve(rid, AT, reviewer=REVIEWER)
    assert record is not None and "review" not in record.body
