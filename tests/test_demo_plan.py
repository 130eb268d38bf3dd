"""The demo's 2026 annual plan (docs/plans.md): two versions in the log, each 2026 task naming
its entry of the plan in force, the checks of ``lottery verify`` passing on them, and the
site's 年度计划 page showing planned / announced / completed and both versions."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlmodel import col, select

from lottery.core.deadline_audit import audit_publications
from lottery.core.records import open_record
from lottery.demo.city import demo_settings
from lottery.demo.plan import REASON_V2, TASK_ENTRIES
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import LogEntry


def test_the_tasks_name_entries_of_the_plan_in_force_and_verify(demo_city: Path) -> None:
    lc = Lifecycle.open(demo_settings(demo_city))
    try:
        with lc.session() as s:
            notes = [r.note for r in s.exec(select(LogEntry).order_by(col(LogEntry.idx)))]
        records = [open_record(n, [lc.log.verifier]) for n in notes]
    finally:
        lc.engine.dispose()
    plans = [r for r in records if r.type == "plan"]
    assert [(p.body["version"], p.body["supersedes"]) for p in plans] == [
        (1, None),
        (2, plans[0].id),
    ]
    assert plans[1].body["reason"] == REASON_V2
    named = {
        r.body["task"]: (r.body["plan"]["record"], r.body["plan"]["entry"])
        for r in records
        if r.type == "task-announcement" and "plan" in r.body
    }
    # T2026-001 and -002 were announced under version 1, the later tasks under version 2.
    assert named == {
        task: (plans[0 if task in ("T2026-001", "T2026-002") else 1].id, entry)
        for task, entry in TASK_ENTRIES.items()
    }
    audit = audit_publications(records)  # the log's own calendar records only
    assert audit.failures == []
    assert {"plan.references", "announcement.references"} <= {c.name for c in audit.checks}


def test_the_site_shows_the_plan_against_its_execution(demo_city: Path) -> None:
    html = (demo_city / "site" / "plans" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "2026 年度抽查计划（现行第 2 版）" in text
    # entry, period, items, ratio, frequency, joint, planned, announced, completed, tasks
    assert "P2026-01 第一季度 RF-005 5% 每年一次 否 1 1 1 T2026-001" in text
    assert "P2026-02 第二季度 RF-003 10% 每年一次 否 1 1 0 T2026-002" in text
    assert "P2026-03 7月 RF-006 5% 每年一次 是（住建、消防） 1 0 0 T2026-003 （已取消）" in text
    assert "P2026-06 第四季度 RF-001 5% 每年一次 否 1 0 0 —" in text
    assert "第 1 版（已被取代）" in text and "P2026-06 第三季度" in text
    assert REASON_V2 in text
    task = (demo_city / "site" / "tasks" / "T2026-005" / "index.html").read_text("utf-8")
    assert 'href="../../plans/#plan-2026-p2026-04"' in task
    assert "2026 年度抽查计划 第 2 版，条目 P2026-04（第四季度，计划 1 次）" in task


def test_the_statistics_count_the_plan_in_force(demo_city: Path) -> None:
    # docs/statistics.md, "The plan": per (year, item), the sum of `tasks` over the entries of
    # the year's newest plan version naming the item.
    lc = Lifecycle.open(demo_settings(demo_city))
    try:
        with lc.session() as s:
            notes = [r.note for r in s.exec(select(LogEntry).order_by(col(LogEntry.idx)))]
        records = [open_record(n, [lc.log.verifier]) for n in notes]
    finally:
        lc.engine.dispose()
    newest = max((r for r in records if r.type == "plan"), key=lambda r: r.body["version"])
    expected: dict[str, int] = {}
    for entry in newest.body["entries"]:
        for item in entry["items"]:
            expected[item] = expected.get(item, 0) + entry["tasks"]
    text = (demo_city / "site" / "stats" / "statistics.csv").read_bytes().decode("utf-8-sig")
    planned = {
        re.sub(r"^.*（(.+)）$", r"\1", row[2]): int(row[4])
        for row in csv.reader(io.StringIO(text))
        if row[0] == str(newest.body["year"]) and row[3] == "计划任务"
    }
    assert expected and {code: planned.get(code) for code in expected} == expected
