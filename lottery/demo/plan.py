"""The demo city's 2026 annual plan (年度抽查计划, docs/plans.md): version 1 in January, and a
version 2 in June that adds the new item RF-008 and moves an entry to the fourth quarter.

Each 2026 demo task names the plan entry it carries out (:data:`TASK_ENTRIES`); one entry is
planned and not yet carried out, so the site shows planned against announced and completed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from lottery.registry_io.layouts import PlanEntryRow
from lottery.service.lifecycle import Lifecycle
from lottery.service.plans import publish_plan

YEAR = 2026
T_PLAN_V1 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # after the year's registries are imported
T_PLAN_V2 = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
PLANNER = "demo:规划科"
REASON_V2 = (
    "抽查事项清单第2版新增人防工程施工图审查事项（RF-008），增加第三季度施工图审查抽查1次；"
    "原第三季度防护设备抽查因设备生产企业集中换证，调整到第四季度"
)

#: The plan entry each demo task carries out.
TASK_ENTRIES = {
    "T2026-001": "P2026-01",
    "T2026-002": "P2026-02",
    "T2026-003": "P2026-03",
    "T2026-004": "P2026-05",
    "T2026-005": "P2026-04",
}


def _entry(
    entry_id: str,
    items: tuple[str, ...],
    ratio: int | None,
    period: str,
    note: str = "",
    departments: tuple[str, ...] = (),
) -> PlanEntryRow:
    return PlanEntryRow(
        entry_id,
        items,
        ratio,
        "每年一次",
        period,
        1,
        bool(departments),
        departments,
        note or None,
    )


def demo_plan(version: int) -> list[PlanEntryRow]:
    """The entries of the demo's 2026 plan, version 1 or 2."""
    rows = [
        _entry("P2026-01", ("RF-005",), 500, "Q1", "人防工程平时使用情况"),
        _entry("P2026-02", ("RF-003",), 1000, "Q2", "监理单位"),
        _entry(
            "P2026-03", ("RF-006",), 500, "07", "警报设施，会同住建、消防部门", ("住建", "消防")
        ),
        _entry("P2026-04", ("RF-002",), 1000, "Q4", "设计单位"),
        _entry("P2026-05", ("RF-004",), 2000, "12", "质量检测机构"),
        _entry("P2026-06", ("RF-001",), 500, "Q3" if version == 1 else "Q4", "防护设备"),
    ]
    if version >= 2:
        rows.append(_entry("P2026-07", ("RF-008",), 1000, "Q3", "施工图审查（第2版新增）"))
    return rows


def publish_demo_plan(lc: Lifecycle, version: int, lines: list[str]) -> None:
    """Publish version ``version`` of the demo plan at its time; a line for the demo's output."""
    when = T_PLAN_V1 if version == 1 else T_PLAN_V2
    reason = "" if version == 1 else REASON_V2
    record = publish_plan(lc, YEAR, demo_plan(version), actor=PLANNER, now=when, reason=reason)
    lines.append(
        f"plan {YEAR} version {record.body['version']}: {len(record.body['entries'])} entries, "
        f"record {record.id[:16]}…"
    )


def plan_phase(lc: Lifecycle, lines: list[str]) -> tuple[datetime, Callable[[], None]]:
    """The June change (version 2) and the time it is published (for ``run_demo``)."""
    return T_PLAN_V2, lambda: publish_demo_plan(lc, 2, lines)


__all__ = ["TASK_ENTRIES", "demo_plan", "plan_phase", "publish_demo_plan"]
