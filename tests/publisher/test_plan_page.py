"""The 年度计划 page (docs/plans.md) from records alone: per entry of the plan in force, planned
against announced (not cancelled) and completed (disclosed) tasks, whatever version they were
announced under; superseded versions listed; everything a plan says shown as inert text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lottery.core.records import Record, open_record
from publisher.model import SiteModel, TaskView
from publisher.plan_pages import plan_cell, plans_page
from tests.forge import VERIFIERS, sign
from tests.lifecycle import LOG

HOSTILE = "<script>x</script>|*_"
SHOWN = "&lt;script&gt;x&lt;/script&gt;&#124;&#42;&#95;"


def _plan(version: int, supersedes: str | None, entries: list[dict[str, Any]]) -> Record:
    fields = {
        "year": 2026,
        "version": version,
        "supersedes": supersedes,
        "reason": "" if version == 1 else HOSTILE,
        "entries": entries,
    }
    note = sign("plan", datetime(2026, version, 5, 2, tzinfo=UTC), fields)
    return open_record(note, VERIFIERS, log=LOG)


def _entry(entry_id: str, period: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": entry_id,
        "items": ["RF-01"],
        "ratio": None,
        "frequency": HOSTILE,
        "period": period,
        "tasks": 2,
        "joint": True,
        "departments": [HOSTILE],
        "note": HOSTILE,
    } | kw


def _task(task: str, status: str, plan: Record, entry: str) -> TaskView:
    body = {"type": "task-announcement", "task": task, "plan": {"record": plan.id, "entry": entry}}
    record = Record(b"", f"{task}\n".encode(), body)
    return TaskView(task, status, [record])


def test_the_plan_in_force_against_its_tasks_and_every_version() -> None:
    v1 = _plan(1, None, [_entry("P01", "Q1"), _entry("P02", "06")])
    v2 = _plan(2, v1.id, [_entry("P01", "Q2"), _entry("P03", "11")])
    model = SiteModel(LOG, [], None, {}, lambda _: b"", "")  # type: ignore[arg-type]
    model.plans = {v1.id: v1, v2.id: v2}
    model.index = {v1.id: 3, v2.id: 9}
    model.tasks = {
        "T1": _task("T1", "disclosed", v1, "P01"),  # under version 1: counts for P01 still
        "T2": _task("T2", "drawn", v2, "P01"),
        "T3": _task("T3", "cancelled", v2, "P03"),
    }
    page = plans_page(model)
    assert "2026 年度抽查计划（现行第 2 版）" in page and "第 1 版（已被取代）" in page
    p01 = page[page.index('id="plan-2026-p01"') :].split("</tr>")[0]
    cells = [c.split(">", 1)[1] for c in p01.split("<td")[1:]]
    # period, items, ratio, frequency, joint, planned, announced, completed, tasks, note
    assert cells[:2] == ["第二季度</td>", "RF-01</td>"] and cells[2] == "未定</td>"
    assert [c.removesuffix("</td>") for c in cells[5:8]] == ["2", "2", "1"]
    assert 'href="../tasks/T1/"' in cells[8] and 'href="../tasks/T2/"' in cells[8]
    p03 = page[page.index('id="plan-2026-p03"') :].split("</tr>")[0]
    assert "T3</a>（已取消）" in p03 and ">0</td><td" in p03
    assert page.count('id="plan-2026-p01"') == 1  # the anchor only on the plan in force
    assert HOSTILE not in page and "<script>" not in page
    assert f"{SHOWN}</td>" in page and f"是（{SHOWN}）" in page
    cell = plan_cell(model, model.tasks["T1"], "../../")
    assert str(cell) == (
        '<a href="../../plans/#plan-2026-p01">2026 年度抽查计划 第 1 版，条目 P01'
        "（第一季度，计划 2 次）</a>"
    )
