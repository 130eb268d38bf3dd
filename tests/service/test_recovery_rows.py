"""``lottery recover`` rebuilds the office's rows of what was published after the backup
(docs/operations.md, "Incidents: database lost"), on SQLite and PostgreSQL.

Backed up: a drawn task with one result approved and held. Published after the backup: the
disclosure (which publishes the held result), a second result, its correction, a penalty
and a penalty withdrawn. After ``lottery restore`` and ``lottery recover`` the API and the
console show the published results and penalties as before the loss: the held row becomes
the published one (with the office's own fields), the others are rebuilt from their records.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.api import create_app
from lottery.cli import backup_cmd
from lottery.service import plans, users
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import PenaltyService
from lottery.service.reports import ReportService
from lottery.settings import Settings
from lottery.storage.models import (
    InspectionHistory,
    InspectionResult,
    LogEntry,
    PlanVersion,
    Target,
    Task,
)
from tests import lifecycle as lc
from tests.api.test_console import login
from tests.service import results_builder as rb
from tests.service.conftest import CliRun
from tests.service.test_plans import PLAN_CSV
from tests.service.test_restore_drill import AFTER, LATER, approved_penalty

PASSWORD = "test-only-password"  # noqa: S105 - test-only


def _published(service: Lifecycle, kind: str) -> list[str]:
    with service.session() as s:
        rows = s.exec(select(LogEntry.record_id).where(LogEntry.type == kind))
        return sorted(rows)


def _rows(service: Lifecycle) -> list[tuple[str, str, str | None, str | None, str]]:
    with service.session() as s:
        rows = s.exec(select(InspectionResult).order_by(InspectionResult.id)).all()
        return [(r.target, r.status, r.record_id, r.approved_by, r.entered_by) for r in rows]


def _lose_and_recover(service: Lifecycle, settings: Settings, run_cli: CliRun, backup: Path) -> str:
    """Export what was published, lose the database (``lottery restore`` of ``backup``) and
    ``lottery recover`` from the export: what recover printed."""
    service.export_to(settings.site_export)
    service.engine.dispose()
    code, _, err = run_cli(backup_cmd, AFTER, "restore", str(backup))
    assert code == 0, err
    code, out, err = run_cli(backup_cmd, LATER, "recover", "--from", str(settings.site_export))
    assert code == 0, err
    return out


def test_recover_rebuilds_the_published_results_and_penalties(
    service: Lifecycle, settings: Settings, run_cli: CliRun, tmp_path: Path
) -> None:
    outcome = rb.drawn_task(service)
    (held_id,) = rb.hold(service, outcome, 1)
    backup = tmp_path / "lottery.backup"
    code, _, err = run_cli(backup_cmd, AFTER, "backup", str(backup))
    assert code == 0, err
    with service.session() as s:
        first_target = outcome.teams[0].target
        bad_before = {t.uscc: t.bad_records for t in s.exec(select(Target))}

    # Published after the backup.
    service.disclose(rb.TASK, lc.T_REVEAL)  # publishes the held result
    second = rb.entry(
        outcome,
        1,
        findings="消防通道堵塞",
        categories=("发现问题已责令改正",),
        no_evidence_reason="现场未拍照",
    )
    wrong = rb.publish(service, second, AFTER)
    results = rb.results_of(service)
    fixed = replace(second, findings="消防通道堵塞，已当场清理")
    corrected = results.correct(wrong, fixed, "笔误", AFTER, actor="inspector-wang")
    right = results.approve(corrected, AFTER, reviewer=rb.REVIEWER)
    assert right is not None
    approved_penalty(service, "人防罚〔2026〕1号", AFTER, first_target)
    gone = approved_penalty(service, "人防罚〔2026〕2号", AFTER, first_target)
    PenaltyService(service.engine, service.log).withdraw(
        gone, "决定被撤销", AFTER, actor="director-zhao"
    )
    before_loss = _rows(service)
    with service.session() as s:
        history_before = sorted(
            (h.target, h.task or "", h.date) for h in s.exec(select(InspectionHistory))
        )
        bad_after = {t.uscc: t.bad_records for t in s.exec(select(Target))}
    penalties_before = [
        (p.decision, p.status, p.record_id, p.withdrawal_record, p.fields)
        for p in PenaltyService(service.engine, service.log).list_penalties()
    ]
    out = _lose_and_recover(service, settings, run_cli, backup)
    assert "office rows rebuilt: inspection-result 3, penalty 1" in out
    # The withdrawn penalty's party left the log with its sealed blob: no row, and said so.
    assert "not rebuilt: penalty " in out and "not rebuilt: penalty-withdrawal " in out

    recovered = Lifecycle.open(settings)
    try:
        # The rows are those of before the loss: the held row (same id) published, the
        # correction superseding the second result, the same record ids and reviewers.
        assert _rows(recovered) == before_loss
        with recovered.session() as s:
            held = s.get(InspectionResult, held_id)
            assert held is not None and held.status == "published"
            assert held.entered_by.startswith("insp-")  # the office's own row, kept
            current = {
                r.target: r
                for r in s.exec(
                    select(InspectionResult).where(InspectionResult.status == "published")
                )
            }
            assert current[second.target].fields["findings"] == "消防通道堵塞，已当场清理"
            old = s.get(InspectionResult, current[second.target].supersedes)
            assert old is not None and old.record_id == wrong and old.status == "superseded"
            history = sorted(
                (h.target, h.task or "", h.date) for h in s.exec(select(InspectionHistory))
            )
            assert history == history_before
            bad = {t.uscc: t.bad_records for t in s.exec(select(Target))}
            # The penalty rebuilt counts as a bad record, as its approval did; the withdrawn
            # one is not rebuilt.
            assert bad[first_target] == bad_before[first_target] + 1
            assert bad_after[first_target] == bad_before[first_target] + 2
        penalties = [
            (p.decision, p.status, p.record_id, p.withdrawal_record, p.fields)
            for p in PenaltyService(recovered.engine, recovered.log).list_penalties()
        ]
        # Rebuilt from its record and sealed content: the row as it was.
        assert penalties == [p for p in penalties_before if p[0] == "人防罚〔2026〕1号"]

        # What staff see: the API's results of the task, and the console's penalties.
        users.create_user(recovered, "reviewer", PASSWORD, ["reviewer"], LATER, actor="test")
        offline = settings.model_copy(update={"drand_relays": ["http://127.0.0.1:9"]})
        app = create_app(offline, service=recovered, clock=lambda: LATER)
        with TestClient(app) as client:
            auth = client.post("/api/auth/login", json={"name": "reviewer", "password": PASSWORD})
            assert auth.status_code == 200, auth.text
            bearer = {"Authorization": f"Bearer {auth.json()['token']}"}
            client.cookies.clear()
            listed = client.get(f"/api/tasks/{rb.TASK}/results", headers=bearer)
            assert listed.status_code == 200, listed.text
            shown = {r["record_id"] for r in listed.json()}
            published = set(_published(recovered, "inspection-result")) - {wrong}
            assert shown == published and len(shown) == 2
            login(client, "reviewer")
            page = client.get("/console/penalties")
            assert page.status_code == 200 and "人防罚〔2026〕1号" in page.text
    finally:
        recovered.engine.dispose()


def test_recover_rebuilds_the_task_report_and_the_plan(
    service: Lifecycle, settings: Settings, run_cli: CliRun, tmp_path: Path
) -> None:
    """The report drafted before the backup and approved after it is published again (the
    draft row replaced by the record's text); a plan version published after it is back."""
    outcome = rb.disclosed_task(service)
    for i in range(len(outcome.teams)):
        rb.publish(service, rb.entry(outcome, i), AFTER)
    reports = ReportService(service.engine, service.log)
    draft = reports.draft(rb.TASK, AFTER, actor="clerk")
    backup = tmp_path / "lottery.backup"
    code, _, err = run_cli(backup_cmd, AFTER, "backup", str(backup))
    assert code == 0, err
    reports.edit(rb.TASK, draft.text.replace("（待填写）", "总体良好"), AFTER, actor="clerk")
    report = reports.approve(rb.TASK, AFTER, reviewer="director-zhao")
    plan_file = tmp_path / "计划.csv"
    plan_file.write_text(PLAN_CSV, encoding="utf-8-sig")
    _, _, rows = plans.read_plan_file(plan_file)
    plan = plans.publish_plan(service, 2026, rows, actor="planner", now=AFTER)
    out = _lose_and_recover(service, settings, run_cli, backup)
    assert "office rows rebuilt: plan 1, task-report 1" in out

    recovered = Lifecycle.open(settings)
    try:
        row = ReportService(recovered.engine, recovered.log).get(rb.TASK)
        assert row is not None and (row.status, row.record_id) == ("published", report.id)
        assert row.text == report.body["text"] and "总体良好" in row.text
        assert (row.drafted_by, row.approved_by) == ("clerk", "director-zhao")
        with recovered.session() as s:
            task = s.get(Task, rb.TASK)
            assert task is not None and task.state == "closed"
            version = s.get(PlanVersion, (2026, 1))
            assert version is not None and version.record_id == plan.id
            assert version.entries == plan.body["entries"]
    finally:
        recovered.engine.dispose()
