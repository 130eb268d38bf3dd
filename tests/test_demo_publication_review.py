"""The demo's 保密审查 (issue #18, "Safe publication"): its item list publishes the publication
rules, T2026-001's results went through the review, the site shows what is withheld or
generalised and why, and the originals stay only in the office's database."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.core.publication_rules import WITHHELD_ZH
from lottery.demo.city import demo_settings
from lottery.demo.results import TASK
from lottery.demo.review import CENSOR, GENERAL, PROBLEMS
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import ResultsService
from lottery.storage.models import AuditEvent, InspectionResult


@pytest.fixture(scope="module")
def service(demo_city: Path) -> Iterator[Lifecycle]:
    lc = Lifecycle.open(demo_settings(demo_city))
    yield lc
    lc.engine.dispose()


def _page(demo: Path, page: str) -> str:
    return html.unescape((demo / "site" / page / "index.html").read_text(encoding="utf-8"))


def test_the_site_shows_what_is_withheld_and_why(demo_city: Path, service: Lifecycle) -> None:
    items = _page(demo_city, "items")
    assert "公开规则（保密审查）" in items
    assert "PUB-1" in items and "平时使用的人防工程的检查地点即该工程的位置" in items
    results = _page(demo_city, f"results/{TASK}")
    assert f"{WITHHELD_ZH}理由：平时使用的人防工程的检查地点" in results
    assert f"{GENERAL['findings']}（保密审查：概括表述。理由：" in results
    assert f"已经保密审查（审查人：{CENSOR}" in results
    with service.session() as s:
        rows = list(
            s.exec(
                select(InspectionResult).where(
                    InspectionResult.task == TASK, InspectionResult.status == "published"
                )
            )
        )
        reviews = list(
            s.exec(select(AuditEvent).where(AuditEvent.action == "result.publication-review"))
        )
    assert len(reviews) >= len(rows)
    # The originals stay in the database and appear on no page of the site.
    found = [r for r in rows if set(r.fields["categories"]) & set(PROBLEMS)]
    assert found
    published = ResultsService(service.engine, service.log)
    for row in found:
        content = published.content(str(row.record_id))
        assert content is not None and content["findings"] == GENERAL["findings"]
        assert "place" not in content
        assert row.fields["findings"] not in results
    places = [r.fields["place"] for r in rows if r.fields.get("place")]
    assert places and not any(p in results for p in places)


def test_the_demo_rectification_order_was_reviewed_and_shows_its_general_text(
    demo_city: Path, service: Lifecycle
) -> None:
    """PUB-4 (lottery/demo/review.py) governs orders on RF-005 results with problems: the
    demo's order went through the 保密审查; the results page and the target's page show the
    general text with the rule's reason, never the original requirements."""
    from lottery.demo.rectification import REQUIREMENTS
    from lottery.demo.review import GENERAL_REQUIREMENTS
    from lottery.service.rectifications import RectificationService

    [row] = RectificationService(service.engine, service.log).of_task(TASK)
    assert (row.order_status, row.requirements) == ("published", REQUIREMENTS)
    assert row.order_review is not None and row.order_review["rules"] == ["PUB-4"]
    shown = f"{GENERAL_REQUIREMENTS}（保密审查：概括表述。理由：整改要求逐项写明了具名人防工程"
    for page in (f"results/{TASK}", f"targets/{row.target}"):
        text = _page(demo_city, page)
        assert shown in text and "规则 PUB-4" in text, page
        assert REQUIREMENTS not in text, page
    assert "PUB-4" in _page(demo_city, "items")
    with service.session() as s:
        [event] = s.exec(
            select(AuditEvent).where(AuditEvent.action == "rectification.order-publication-review")
        )
    assert event.actor == CENSOR and event.detail["generalised"] == ["requirements"]
