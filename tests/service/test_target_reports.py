"""Per-target 抽查报告 (the four parts) on SQLite and PostgreSQL: drafted from the public parts of
each result (never its sealed findings), editable with the four parts kept, aggregated into the
task report, refreshed by a correction; a placeholder left in one still blocks approval."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from lottery.service.lifecycle import Lifecycle
from lottery.service.rectifications import RectificationService
from lottery.service.reports import ReportError, ReportService
from lottery.service.results import ResultsService
from lottery.service.target_reports import (
    HEADING,
    PARTS,
    SECTIONS_BUDGET,
    TargetReportError,
    TargetReportService,
    target_sections,
)
from lottery.storage.models import AuditEvent
from tests.service.test_rectifications import T_ORDER, TASK, outcome  # noqa: F401 - fixture
from tests.service.test_results import T_ENTER, _entry, _publish_all


def test_drafted_edited_aggregated_and_blocking(
    service: Lifecycle,
    outcome,  # noqa: F811 - fixture
) -> None:
    results = ResultsService(service.engine, service.log)
    _publish_all(results, outcome)  # pick 1 (and every 5th) found a problem, sealed "无人"
    current = {r.target: r for r in results.current(TASK)}
    clean, bad = outcome.teams[0].target, outcome.teams[1].target
    RectificationService(service.engine, service.log).order(
        current[bad].record_id or "", "整改", date(2026, 4, 30), T_ORDER, actor="reviewer-li"
    )
    targets = TargetReportService(service.engine)
    views = {v.target: v for v in targets.of_task(TASK)}
    assert set(views) == set(current)
    for view in views.values():
        assert [p in view.text for p in PARTS] == [True] * 4
        assert "无人" not in view.text  # the sealed findings are never copied
    assert "2026年3月25日" in views[clean].text and "无需处理" in views[clean].text
    assert "未发现问题" in views[clean].text
    assert current[bad].record_id[:16] in views[bad].text  # type: ignore[index]
    assert "整改期限为2026年4月30日，尚未复查" in views[bad].text
    # Edits keep the four parts, in order; a refusal names the field.
    with pytest.raises(TargetReportError, match="缺少“四、处理意见”"):
        targets.edit(TASK, clean, "\n".join(f"{p}：x" for p in PARTS[:3]), T_ORDER, actor="c")
    swapped = "\n".join(reversed([f"{p}：x" for p in PARTS]))
    with pytest.raises(TargetReportError, match="顺序"):
        targets.edit(TASK, clean, swapped, T_ORDER, actor="clerk")
    edited = "\n".join(f"{p}：已核实" for p in PARTS[:3]) + f"\n{PARTS[3]}：（待填写）"
    targets.edit(TASK, clean, edited, T_ORDER, actor="clerk")
    assert {v.target: v.edited_by for v in targets.of_task(TASK)}[clean] == "clerk"
    reports = ReportService(service.engine, service.log)
    draft = reports.draft(TASK, T_ORDER, actor="clerk")
    assert HEADING in draft.text and edited in draft.text and views[bad].text in draft.text
    general = draft.text.replace("（待填写）", "总体良好", 1)  # the general opinion only
    reports.edit(TASK, general, T_ORDER, actor="clerk")
    with pytest.raises(ReportError, match="placeholder"):
        reports.approve(TASK, T_ORDER, reviewer="director-zhao")
    with service.session() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "report.target-edit")).all()
    # A correction of the result brings back the fresh draft for it.
    i = [t.target for t in outcome.teams].index(clean)
    fixed = _entry(
        outcome,
        i,
        categories=["发现问题已责令改正"],
        findings="补充",
        no_evidence_reason="测试：笔录另行归档",
    )
    cid = results.correct(current[clean].record_id or "", fixed, "补充", T_ENTER, actor="w")
    results.approve(cid, T_ENTER, reviewer="reviewer-li")
    again = {v.target: v for v in targets.of_task(TASK)}[clean]
    assert again.edited_by is None and "已责令改正" in again.text
    with service.session() as s:
        assert len(target_sections(s, TASK).encode()) <= SECTIONS_BUDGET + 200


def test_a_report_too_big_for_one_log_entry_is_shortened(
    service: Lifecycle,
    outcome,  # noqa: F811 - fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lottery.service import target_reports

    _publish_all(ResultsService(service.engine, service.log), outcome)
    views = TargetReportService(service.engine).of_task(TASK)
    problems = [v for v in views if v.problem]
    with service.session() as s:
        whole = target_sections(s, TASK)
        assert all(v.text in whole for v in views)
        monkeypatch.setattr(target_reports, "SECTIONS_BUDGET", len(whole.encode()) // 2)
        short = target_sections(s, TASK)
        assert all(v.text in short for v in problems)
        assert f"其余{len(views) - len(problems)}户未发现违法违规情形" in short
        monkeypatch.setattr(target_reports, "SECTIONS_BUDGET", 10)
        assert f"本次抽查共{len(views)}户，其中{len(problems)}户" in target_sections(s, TASK)


def test_the_draft_tells_a_violation_from_no_activity() -> None:
    from lottery.service.target_reports import draft_target_report

    base = {
        "dates": ["2026-03-10", "2026-03-11"],
        "methods": ["实地检查"],
        "inspectors": [
            {"id": "A1", "role": "drawn"},
            {
                "id": "B2",
                "role": "substitute",
                "replaces": "C3",
                "reason": "病",
                "approved_by": "x",
            },
        ],
        "pending_reasons": [],
    }
    idle = draft_target_report(
        base | {"categories": ["未发现开展本次抽查涉及的经营活动"]}, "ab" * 32, ["平时使用"]
    )
    assert "未发现违法违规情形" in idle and "无需处理" in idle and "abab" not in idle
    assert "2026年3月10日、2026年3月11日；检查内容：平时使用" in idle
    assert "其中B2经批准替补C3" in idle
    bad = draft_target_report(base | {"categories": ["发现问题已责令改正"]}, "ab" * 32, [])
    assert "公开记录（编号 abababababababab）" in bad and "已责令改正。" in bad
