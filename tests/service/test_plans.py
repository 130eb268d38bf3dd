"""The annual plan (年度抽查计划, docs/plans.md): versions published as ``plan`` records, a task's
reference to an entry checked when created and announced, the plan against its execution,
and the export for filing. On SQLite and PostgreSQL (the ``service`` fixture)."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.core.errors import InputError
from lottery.registry_io.layouts import PlanEntryRow
from lottery.service import plans
from lottery.service.lifecycle import Lifecycle
from lottery.service.preview import preview_task
from lottery.service.registries import ImportRejected
from lottery.storage.models import AuditEvent, PlanVersion, Task
from tests import lifecycle as lc

T_PLAN = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)
T_CHANGE = datetime(2026, 2, 20, 2, 0, tzinfo=UTC)
PLAN_CSV = (
    "计划编号,计划抽查事项,计划抽查比例,计划抽查频次,计划时间,计划任务数,是否联合抽查,联合部门,备注\n"
    "P01,RF-01,5%,每年一次,第一季度,2,否,,平时使用\n"
    "P02,RF-01,10%,,6月,1,是,住建、消防,联合抽查\n"
)


def _publish_v1(service: Lifecycle, tmp_path: Path) -> tuple[int | None, list[PlanEntryRow]]:
    path = tmp_path / "计划.csv"
    path.write_text(PLAN_CSV, encoding="utf-8-sig")
    year, _, rows = plans.read_plan_file(path)
    plans.publish_plan(service, 2026, rows, actor="planner", now=T_PLAN)
    return year, rows


def test_a_first_version_has_no_reason(service: Lifecycle, tmp_path: Path) -> None:
    """docs/spec.md: a plan's ``reason`` is empty for version 1; the service says so in
    Chinese before the record format would refuse it."""
    path = tmp_path / "计划.csv"
    path.write_text(PLAN_CSV, encoding="utf-8-sig")
    _, _, rows = plans.read_plan_file(path)
    with pytest.raises(InputError, match="字段「reason」：2026 年度计划的第 1 版不填写调整原因"):
        plans.publish_plan(service, 2026, rows, actor="planner", now=T_PLAN, reason="首次制定")
    assert plans.plan_versions(service, 2026) == []


def test_versions_are_records_naming_the_one_they_replace(
    service: Lifecycle, tmp_path: Path
) -> None:
    year, rows = _publish_v1(service, tmp_path)
    assert year is None  # a CSV names no year: the caller gives it
    assert rows[1] == PlanEntryRow(
        "P02", ("RF-01",), 1000, None, "06", 1, True, ("住建", "消防"), "联合抽查"
    )
    first = plans.plan_version(service, 2026)
    with pytest.raises(InputError, match="无需发布新版本"):
        plans.publish_plan(service, 2026, rows, actor="planner", now=T_CHANGE, reason="x")
    changed = [replace(rows[0], tasks=3), rows[1]]
    with pytest.raises(InputError, match="字段「reason」"):
        plans.publish_plan(service, 2026, changed, actor="planner", now=T_CHANGE)
    record = plans.publish_plan(
        service, 2026, changed, actor="planner", now=T_CHANGE, reason="第一季度增加一次"
    )
    assert record.type == "plan"
    assert record.body["version"] == 2 and record.body["supersedes"] == first.record_id
    assert record.body["entries"][0] == {
        "id": "P01",
        "items": ["RF-01"],
        "ratio": 500,
        "frequency": "每年一次",
        "period": "Q1",
        "tasks": 3,
        "joint": False,
        "departments": [],
        "note": "平时使用",
    }
    assert [v.version for v in plans.plan_versions(service, 2026)] == [2, 1]
    with service.session() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "plan.publish")).all()
        assert [e.detail["version"] for e in events] == [1, 2]


def test_bad_plans_are_refused_naming_the_field_and_nothing_is_written(
    service: Lifecycle, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(PLAN_CSV.replace("第一季度", "13月").replace("是,住建、消防", "是,"), "utf-8")
    with pytest.raises(ImportRejected) as rejected:
        plans.read_plan_file(bad)
    assert {(e.column, e.code) for e in rejected.value.errors} == {
        ("计划时间", "period.format"),
        ("联合部门", "plan.departments"),
    }
    unknown = [PlanEntryRow("P01", ("RF-99",), None, None, "Q1", 1, False, (), None)]
    with pytest.raises(InputError, match=r"字段「items」.*RF-99"):
        plans.publish_plan(service, 2026, unknown, actor="planner", now=T_PLAN)
    with pytest.raises(InputError, match=r"字段「entries\[0\]\.owner」"):
        plans.read_plan_file(b'{"year": 2026, "entries": [{"owner": "x"}]}', name="p.json")
    with service.session() as s:
        assert s.exec(select(PlanVersion)).all() == []


def test_a_json_plan_reads_as_the_same_rows_as_its_csv(tmp_path: Path) -> None:
    body = (
        '{"year": 2026, "reason": "", "entries": ['
        '{"id": "P01", "items": ["RF-01"], "ratio": "5%", "frequency": "每年一次",'
        ' "period": "Q1", "tasks": 2, "joint": false, "note": "平时使用"},'
        '{"id": "P02", "items": ["RF-01"], "ratio": "10%", "period": "6月", "tasks": 1,'
        ' "joint": true, "departments": ["住建", "消防"], "note": "联合抽查"}]}'
    )
    year, _, rows = plans.read_plan_file(body.encode(), name="plan.json")
    path = tmp_path / "p.csv"
    path.write_text(PLAN_CSV, encoding="utf-8")
    assert (year, rows) == (2026, plans.read_plan_file(path)[2])


def test_tasks_name_an_entry_of_the_plan_in_force_and_count_against_it(
    service: Lifecycle, tmp_path: Path
) -> None:
    base = lc.params(lc.small_registries())
    with pytest.raises(InputError, match="字段「plan」：尚未公布 2026 年度抽查计划"):
        service.create_task(replace(base, plan=(2026, "P01")), lc.T_ANNOUNCE, actor="planner")
    _, rows = _publish_v1(service, tmp_path)
    refused = {
        (2026, "P09"): "没有计划条目 P09",
        (2027, "P01"): "尚未公布 2027 年度抽查计划",
    }
    for ref, says in refused.items():
        with pytest.raises(InputError, match=rf"字段「plan」.*{says}"):
            service.create_task(replace(base, plan=ref), lc.T_ANNOUNCE, actor="planner")
    with service.session() as s:
        assert s.exec(select(Task)).all() == []
    service.create_task(replace(base, plan=(2026, "P01")), lc.T_ANNOUNCE, actor="planner")
    record = service.announce("T2026-001", lc.T_ANNOUNCE, actor="planner")
    assert record.body["plan"] == {
        "record": plans.plan_version(service, 2026).record_id,
        "entry": "P01",
    }
    progress = {p.entry["id"]: p for p in plans.progress(service, 2026)}
    assert (progress["P01"].planned, progress["P01"].announced) == (2, ["T2026-001"])
    assert progress["P01"].completed == [] and progress["P02"].announced == []
    # A later version that drops the entry: a draft naming it is refused when announced.
    plans.publish_plan(
        service, 2026, rows[1:], actor="planner", now=lc.T_ANNOUNCE, reason="取消第一季度"
    )
    service.create_task(
        replace(base, task="T2026-002", plan=(2026, "P02")), lc.T_ANNOUNCE, actor="planner"
    )
    with service.session() as s, s.begin():
        task = s.get(Task, "T2026-002")
        assert task is not None
        task.params = {**task.params, "plan": {"year": 2026, "entry": "P01"}}
        s.add(task)
    problem = preview_task(service, "T2026-002", lc.T_ANNOUNCE).problem
    assert problem is not None and "中没有计划条目 P01" in problem  # the console's preview
    with pytest.raises(InputError, match="中没有计划条目 P01"):
        service.announce("T2026-002", lc.T_ANNOUNCE, actor="planner")
    assert service.get_task("T2026-002").state == "draft"


def test_the_export_has_chinese_headers_and_reads_back(service: Lifecycle, tmp_path: Path) -> None:
    _, rows = _publish_v1(service, tmp_path)
    out = tmp_path / "备案.csv"
    plans.export_plan(service, 2026, out)
    with out.open(encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh))
    assert table[0][:6] == [
        "计划编号",
        "计划抽查事项",
        "计划抽查比例",
        "计划抽查频次",
        "计划时间",
        "计划任务数",
    ]
    assert table[2][4] == "6月" and table[1][4] == "第一季度"
    assert plans.read_plan_file(out)[2] == rows
    xlsx = tmp_path / "备案.xlsx"
    plans.export_plan(service, 2026, xlsx, version=1)
    assert plans.read_plan_file(xlsx)[2] == rows
    with pytest.raises(InputError, match="没有 2026 年度抽查计划第 5 版"):
        plans.export_plan(service, 2026, out, version=5)
