"""The demo's cross-check task T2026-006 (issue #16): 交叉检查 with ``own_district``, a joint
visit with T2026-005 (``joint_with``) and a third visit in a year with a published 超限理由
(``cap_exception``); ``lottery verify`` re-derives all three (tests/test_demo_results.py runs
it once for the whole demo)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from lottery.core.records import Record, open_record
from lottery.demo.city import demo_settings
from lottery.demo.cross import CAP_REASON, HISTORY_DAYS, TASK
from lottery.demo.early import TASK as FIRST
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import (
    InspectionHistory,
    Inspector,
    LogEntry,
    OrgUnit,
    Target,
)


@pytest.fixture(scope="module")
def service(demo_city: Path) -> Iterator[Lifecycle]:
    lc = Lifecycle.open(demo_settings(demo_city))
    yield lc
    lc.engine.dispose()


@pytest.fixture(scope="module")
def records(service: Lifecycle) -> list[Record]:
    with service.session() as s:
        rows = list(s.exec(select(LogEntry).order_by(col(LogEntry.idx))))
    return [open_record(r.note, [service.log.verifier]) for r in rows]


def _results(records: list[Record], task: str) -> dict[str, dict[str, Any]]:
    """The current result of each target of ``task`` (a correction replaces the first)."""
    return {
        r.body["target"]: r.body
        for r in records
        if r.type == "inspection-result" and r.body["task"] == task
    }


def test_nobody_checks_their_own_district(service: Lifecycle, records: list[Record]) -> None:
    ann = next(r for r in records if r.type == "task-announcement" and r.body["task"] == TASK)
    assert ann.body["cross_check"] == {"own_district": True, "specialty": False}
    assert ann.body["ratios"]["D"] == 10000  # every high-risk firm
    mine = _results(records, TASK)
    with service.session() as s:
        governs = {u.code: u.region for u in s.exec(select(OrgUnit))}
        unit_of = {i.id: i.org_unit for i in s.exec(select(Inspector))}
        region_of = {t.uscc: t.region for t in s.exec(select(Target))}
    pairs = [(t, p["id"]) for t, body in mine.items() for p in body["inspectors"]]
    assert len(mine) == 36 and len(pairs) >= 2 * len(mine)  # 15 high-risk firms and 21 others
    assert not [(t, i) for t, i in pairs if governs.get(unit_of[i]) == region_of[t]]
    # The units drawn from are several districts' (抽调), not one.
    assert len({unit_of[i] for _, i in pairs}) > 3


def test_a_joint_visit_and_a_third_visit_with_its_reason(
    service: Lifecycle, records: list[Record], demo_city: Path
) -> None:
    first, mine = _results(records, FIRST), _results(records, TASK)
    joint = [t for t, body in mine.items() if body.get("joint_with")]
    assert len(joint) == 1
    target = joint[0]
    assert mine[target]["joint_with"] == [FIRST]
    assert mine[target]["dates"] == first[target]["dates"]  # the same day: one visit
    # Every other firm both tasks checked (T2026-005's high-risk picks, at least one in each
    # district) was checked on different days: no joint_with.
    both = [t for t in mine if t in first and t != target]
    assert len(both) >= 4
    assert all(set(mine[t]["dates"]).isdisjoint(first[t]["dates"]) for t in both)
    excepted = [t for t, body in mine.items() if "cap_exception" in body]
    assert len(excepted) == 1 and excepted[0] not in first
    third = excepted[0]
    assert mine[third]["cap_exception"] == CAP_REASON
    assert not [body for t, body in first.items() if "cap_exception" in body]
    with service.session() as s:  # the office's own (private) inspections make it the third
        own = s.exec(select(InspectionHistory).where(InspectionHistory.target == third)).all()
    office = sorted((h.date, h.task) for h in own if h.date.year == 2026 and h.task != TASK)
    assert office == list(HISTORY_DAYS)  # (the service records the task's own visit too)
    # The site publishes the reason and names the joint task on the results page.
    page = (demo_city / "site" / "results" / TASK / "index.html").read_text(encoding="utf-8")
    assert CAP_REASON in page and "超限理由" in page and f">{FIRST}<" in page
