"""``lottery plan import|show|export`` (docs/plans.md): a version from a file, shown with its
execution, exported with Chinese headers for filing; bad input is one line or the bad rows,
and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_service import data, run  # noqa: F401 - the fixture

PLAN = {
    "year": 2026,
    "entries": [
        {"id": "P01", "items": ["RF-01"], "ratio": "5%", "period": "Q1", "tasks": 1},
        {"id": "P02", "items": ["RF-01"], "period": "9月", "tasks": 2, "joint": True,
         "departments": ["市场监管"]},
    ],
}  # fmt: skip


def test_import_show_export_and_refusals(data: Path, tmp_path: Path) -> None:  # noqa: F811
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    done = run("plan", "import", str(plan), "--actor", "boss", data=data).stdout
    assert "2026 年度抽查计划第 1 版已发布：2 个计划条目" in done
    shown = run("plan", "show", "2026", data=data).stdout
    assert "第 1 版（现行）" in shown
    assert "P02  9月  事项 RF-01" in shown and "联合 是（市场监管）" in shown
    assert "已公告 0  已完成 0" in shown
    out = tmp_path / "备案.csv"
    run("plan", "export", "2026", str(out), data=data)
    assert out.read_text(encoding="utf-8-sig").startswith("计划编号,计划抽查事项,")
    csv_plan = tmp_path / "plan.csv"
    csv_plan.write_text("计划编号,计划抽查事项,计划时间,计划任务数\nP01,RF-01,Q5,0\n", "utf-8")
    bad = run("plan", "import", str(csv_plan), "--year", "2026", data=data, ok=False)
    assert bad.returncode == 1 and "第2行 计划时间" in bad.stderr and "Traceback" not in bad.stderr
    for args, words in (
        (("plan", "import", str(out)), "--year"),
        (("plan", "show", "2030"), "没有 2030 年度抽查计划"),
        (("plan", "export", "2026", str(tmp_path / "x.pdf")), ".xlsx 或 .csv"),
    ):
        refused = run(*args, data=data, ok=False)
        assert refused.returncode != 0 and words in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
