"""Statistics (统计与考评) on a small hand-built log: every figure worked out by hand from the
definitions of docs/statistics.md (the comments give the working)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lottery.core.statistics import (
    CoverageRow,
    RectificationRow,
    ResultRow,
    TaskRow,
    TimelinessRow,
    compute,
    percent,
)

NO_PROBLEM = "未发现问题"
ORDERED = "发现问题已责令改正"
PENDING = "发现问题待后续处理"


def _body(kind: str, time: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "v": 1, "log": "example.org/log", "time": time, **fields}


def _person(pid: str, **more: Any) -> dict[str, Any]:
    return {"id": pid, "role": "drawn"} | more


def _result(task: str, target: str, people: list[Any], cats: list[str], **more: Any) -> Any:
    return (
        _body(
            "inspection-result",
            "2026-04-01T02:00:00Z",
            task=task,
            target=target,
            inspectors=people,
            categories=cats,
            supersedes=None,
        )
        | more
    )


def _deadline(published: str, late: int) -> dict[str, Any]:
    return {"published": published, "late_by": late, "on_time": late == 0}


LOG: list[tuple[str, dict[str, Any]]] = [
    # T1: 2026, items A and B, drawn and disclosed.
    ("a1", _body("task-announcement", "2026-03-01T02:00:00Z", task="T1",
                 items=[{"code": "A", "version": 1}, {"code": "B", "version": 1}])),
    ("d1", _body("task-draw", "2026-03-02T02:00:00Z", task="T1")),
    ("v1", _body("task-reveal", "2026-03-03T02:00:00Z", task="T1")),
    # T2: 2025-12-31 17:00 UTC is 2026-01-01 01:00 in Beijing: a 2026 task. Drawn, cancelled.
    ("a2", _body("task-announcement", "2025-12-31T17:00:00Z", task="T2",
                 items=[{"code": "A", "version": 1}])),
    ("d2", _body("task-draw", "2026-01-02T02:00:00Z", task="T2")),
    ("c2", _body("task-cancellation", "2026-01-03T02:00:00Z", task="T2")),
    # T3: 2025, item B, only announced.
    ("a3", _body("task-announcement", "2025-06-01T02:00:00Z", task="T3",
                 items=[{"code": "B", "version": 1}])),
    # Results of T1: r2 is corrected by r3 (a substitute p4 for p3); r4 (Z, outside the
    # register) is withdrawn.
    ("r1", _result("T1", "X", [_person("p1"), _person("p2")], [NO_PROBLEM])),
    ("r2", _result("T1", "Y", [_person("p1"), _person("p3")], [ORDERED])),
    ("r3", _result("T1", "Y", [_person("p1"), _person("p4", role="substitute", replaces="p3")],
                   [ORDERED, PENDING], supersedes="r2")),
    ("r4", _result("T1", "Z", [_person("p2"), _person("p1")], [NO_PROBLEM])),
    ("w4", _body("result-withdrawal", "2026-05-01T02:00:00Z", result="r4", task="T1")),
    # A result of a task the log does not announce: the year of its own time.
    ("r9", _result("T9", "X", [_person("p5"), _person("p6")], [NO_PROBLEM])
     | {"time": "2025-09-01T02:00:00Z"}),
    # Rectification: o1 re-checked twice (部分整改, then 已整改), o2 never.
    ("o1", _body("rectification-order", "2026-04-02T02:00:00Z", task="T1", target="Y")),
    ("o2", _body("rectification-order", "2026-04-02T02:00:00Z", task="T1", target="X")),
    ("k1", _body("rectification-check", "2026-04-20T02:00:00Z", order="o1", outcome="部分整改")),
    ("k2", _body("rectification-check", "2026-05-20T02:00:00Z", order="o1", outcome="已整改")),
    # Deadlines: the year is the year of the claim's publication day.
    ("t1", _body("task-report", "2026-04-09T02:00:00Z", task="T1",
                 deadline=_deadline("2026-04-09", 2))),
    ("t9", _body("task-report", "2025-12-31T17:00:00Z", task="T9",
                 deadline=_deadline("2025-12-31", 0))),
    ("p1", _body("penalty", "2026-05-01T02:00:00Z", deadline=_deadline("2026-05-01", 0))),
    ("x1", _body("penalty-withdrawal", "2026-06-01T02:00:00Z", deadline=None)),
    ("x2", _body("penalty-withdrawal", "2026-06-02T02:00:00Z",
                 deadline=_deadline("2026-06-02", 0))),
]  # fmt: skip
TARGETS = {"X": "1", "Y": "2", "W": "2"}
ACTIVE = ["p1", "p2", "p3", "p4", "p7"]
PLANNED = {(2026, "A"): 3, (2025, "C"): 1}


def test_tasks_per_year_and_item_with_the_plan_hook() -> None:
    stats = compute(LOG, targets=TARGETS, inspectors=ACTIVE, planned=PLANNED)
    assert stats.years == (2026, 2025)
    assert stats.tasks == (
        TaskRow(2026, "A", announced=2, drawn=2, disclosed=1, cancelled=1, inspected=1, planned=3),
        TaskRow(2026, "B", announced=1, drawn=1, disclosed=1, cancelled=0, inspected=1, planned=0),
        TaskRow(2025, "B", announced=1, planned=0),
        TaskRow(2025, "C", planned=1),
    )
    # Without a plan the column is empty and a planned-only row does not exist.
    plain = compute(LOG)
    assert [(r.year, r.item, r.planned) for r in plain.tasks] == [
        (2026, "A", None),
        (2026, "B", None),
        (2025, "B", None),
    ]


def test_results_categories_corrections_and_withdrawals() -> None:
    stats = compute(LOG)
    assert stats.results == (
        # r1, r3, r4 current (r2 corrected by r3); r4 withdrawn; r3 names two categories.
        ResultRow(2026, 3, 1, 1, ((NO_PROBLEM, 2), (ORDERED, 1), (PENDING, 1))),
        ResultRow(2025, 1, 0, 0, ((NO_PROBLEM, 1),)),
    )


def test_coverage_of_the_register_per_year_and_region() -> None:
    stats = compute(LOG, targets=TARGETS)
    assert stats.coverage == (
        # 2026: X and Y of 3 register targets; Z is not in the register.
        CoverageRow(2026, None, 2, 3),
        CoverageRow(2026, "1", 1, 1),
        CoverageRow(2026, "2", 1, 2),
        CoverageRow(2026, "", 1, 0),
        CoverageRow(2025, None, 1, 3),
        CoverageRow(2025, "1", 1, 1),
        CoverageRow(2025, "2", 0, 2),
    )
    assert compute(LOG).coverage == ()  # no targets snapshot, no coverage


def test_inspections_per_inspector_count_who_went_and_the_idle() -> None:
    work = {w.year: w for w in compute(LOG, inspectors=ACTIVE).workload}
    # r1 p1 p2, r3 p1 p4 (p3 replaced: nothing), r4 p2 p1; p3 and p7 in post, none.
    assert work[2026].counts == (("p1", 3), ("p2", 2), ("p4", 1), ("p3", 0), ("p7", 0))
    assert (work[2026].least, work[2026].median, work[2026].most) == (0, Decimal(1), 3)
    assert work[2026].spread() == ((0, 2), (1, 1), (2, 1), (3, 1))
    # 2025: p5 and p6 once, five in post with none: median of seven is the fourth, 0.
    assert (work[2025].least, work[2025].median, work[2025].most) == (0, Decimal(0), 1)
    # Even count: the mean of the two middle ones.
    alone = {w.year: w for w in compute(LOG).workload}
    assert [n for _, n in alone[2026].counts] == [3, 2, 1]
    # r1 only: p1 1, p2 1, and p8, p9 in post with none: (0 + 1) / 2.
    assert compute(LOG[:8], inspectors=["p8", "p9"]).workload[0].median == Decimal("0.5")


def test_rectifications_closed_and_timeliness() -> None:
    stats = compute(LOG)
    assert stats.rectifications == (
        RectificationRow(2026, 2, 1, 1),
        RectificationRow(2025, 0, 0, 0),
    )
    assert stats.timeliness == (
        TimelinessRow(2026, "task-report", 1, 0, 2),
        TimelinessRow(2026, "penalty", 1, 1, 0),
        TimelinessRow(2026, "penalty-withdrawal", 1, 1, 0),  # x1 has no deadline
        TimelinessRow(2025, "task-report", 1, 1, 0),
    )


def test_percent_rounds_half_up_to_one_decimal() -> None:
    assert [percent(2, 3), percent(1, 8), percent(1, 16), percent(0, 5), percent(0, 0)] == [
        "66.7%",
        "12.5%",
        "6.3%",
        "0.0%",
        "—",
    ]


def test_workload_per_department_from_the_inspectors_snapshot() -> None:
    # p1, p3: the office's own (""); p2, p4: 住建; p7: 消防 (in post, none); p5, p6 unlisted.
    depts = {"p1": "", "p3": "", "p2": "住建", "p4": "住建", "p7": "消防"}
    work = {w.year: w for w in compute(LOG, inspectors=ACTIVE, departments=depts).workload}
    # 2026: r1 p1 p2, r3 p1 p4, r4 p2 p1. Own: p1 3 + p3 0 = 3, in r1 r3 r4 = 3 results;
    # 住建: p2 2 + p4 1 = 3, r1 r3 r4 = 3; 消防: p7 0.
    assert [
        (d.department, d.inspectors, d.inspections, d.results) for d in work[2026].departments
    ] == [
        ("", 2, 3, 3),
        ("住建", 2, 3, 3),
        ("消防", 1, 0, 0),
    ]
    # 2025: r9 p5 p6 (both unlisted: one result, two person-inspections), last.
    assert [(d.department, d.inspectors, d.inspections, d.results) for d in work[2025].departments][
        -1
    ] == (None, 2, 2, 1)
    # No snapshot: no per-department rows.
    assert compute(LOG, inspectors=ACTIVE).workload[0].departments == ()
