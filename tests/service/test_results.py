"""Inspection results and task reports on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from lottery.cli import main
from lottery.core.audit import audit_export
from lottery.core.canonical import sha256_hex
from lottery.core.errors import EncodingError
from lottery.core.outcome import Outcome
from lottery.core.records import make_record
from lottery.export.read import file_getter
from lottery.service.credit import credit_rows, write_credit_export
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import PenaltyEntry, PenaltyService
from lottery.service.reports import ReportError, ReportService
from lottery.service.results import (
    Evidence,
    Present,
    ResultEntry,
    ResultError,
    ResultNotFound,
    ResultsService,
    ReviewError,
    SubstituteError,
)
from lottery.settings import Settings
from lottery.storage.models import (
    AuditEvent,
    Conflict,
    InspectionHistory,
    InspectionResult,
    Inspector,
    LogEntry,
    Target,
)
from tests import lifecycle as lc
from tests.service.results_builder import disclosed_task, entry

TASK = "T2026-001"
T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
D1, D2 = date(2026, 3, 25), date(2026, 3, 26)


@pytest.fixture
def outcome(service: Lifecycle) -> Outcome:
    return disclosed_task(service, TASK)


@pytest.fixture
def results(service: Lifecycle) -> ResultsService:
    return ResultsService(service.engine, service.log)


def _entry(outcome: Outcome, i: int = 0, **kw: Any) -> ResultEntry:
    return entry(outcome, i, day=D1, **kw)


def _log_size(service: Lifecycle) -> int:
    with service.session() as s:
        return service.log.size(s)


def _spare_inspector(service: Lifecycle, outcome: Outcome, i: int) -> str:
    team = outcome.teams[i]
    with service.session() as s:
        conflicted = set(s.exec(select(Conflict.inspector).where(Conflict.target == team.target)))
        for row in s.exec(select(Inspector).order_by(col(Inspector.id))):
            if row.id not in team.inspectors and row.id not in conflicted:
                return row.id
    raise AssertionError("no spare inspector")


def test_enter_approve_publish(
    service: Lifecycle, results: ResultsService, outcome: Outcome, tmp_path: Path
) -> None:
    photo = b"\x89PNG test-only evidence photo"
    entry = _entry(
        outcome,
        dates=[D2, D1],
        methods=["书面检查", "实地检查"],
        categories=["发现问题已责令改正", "发现问题待后续处理"],
        pending_reasons=["已立案调查"],
        findings="人防工程被占用堆放杂物",
        follow_up="责令限期清理",
        evidence=[Evidence("现场照片1.jpg", photo, "照片", "现场拍摄")],
    )
    rid = results.enter(entry, T_ENTER, actor="inspector-wang")
    before = _log_size(service)
    with pytest.raises(ReviewError, match="different reviewer"):
        results.approve(rid, T_ENTER, reviewer="Inspector-Wang ")
    assert _log_size(service) == before  # refused: nothing published
    record = results.approve(rid, T_ENTER, reviewer="reviewer-li")
    body = record.body
    assert body["dates"] == ["2026-03-25", "2026-03-26"]
    assert body["methods"] == ["实地检查", "书面检查"]  # the standard order
    assert body["categories"] == ["发现问题已责令改正", "发现问题待后续处理"]
    # The findings, follow-up and evidence names are sealed (docs/spec.md §2.1).
    assert "findings" not in body and "evidence" not in body and len(body["sealed"]) == 64
    assert "人防工程被占用堆放杂物".encode() not in record.note
    assert results.content(record.id) == {
        "findings": "人防工程被占用堆放杂物",
        "follow_up": "责令限期清理",
        "evidence": [
            {
                "name": "现场照片1.jpg",
                "sha256": sha256_hex(photo),
                "size": len(photo),
                "kind": "照片",
                "source": "现场拍摄",
            }
        ],
    }
    assert (body["entered_by"], body["approved_by"]) == ("inspector-wang", "reviewer-li")
    assert results.evidence(sha256_hex(photo)) == photo
    with pytest.raises(ReviewError, match="published"):
        results.approve(rid, T_ENTER, reviewer="reviewer-li")
    with service.session() as s:
        history = s.exec(select(InspectionHistory).where(InspectionHistory.task == TASK)).one()
        target = s.get(Target, entry.target)
    assert (history.target, history.date) == (entry.target, D1)
    assert history.inspectors == list(outcome.teams[0].inspectors)
    assert target is not None
    assert target.bad_records == 1
    assert not target.serious_violation
    # The export verifies and holds the evidence hash, never the file.
    export = tmp_path / "export"
    service.export_to(export)
    assert audit_export(file_getter(export), [service.log.verifier], origin=lc.LOG).ok
    assert not any(photo in p.read_bytes() for p in export.rglob("*") if p.is_file())
    # A second entry for the same target is refused: corrections are the way.
    with pytest.raises(ResultError, match="correction"):
        results.enter(entry, T_ENTER, actor="inspector-wang")


def test_substitute_rules(service: Lifecycle, results: ResultsService, outcome: Outcome) -> None:
    team = outcome.teams[1]
    spare = _spare_inspector(service, outcome, 1)
    drawn, absent = team.inspectors[0], team.inspectors[1]

    def sub(**kw: str | None) -> ResultEntry:
        present = Present(
            spare,
            replaces=kw.get("replaces", absent),
            reason=kw.get("reason", "病假"),
            approved_by=kw.get("approved_by", "reviewer-li"),
        )
        return _entry(outcome, 1, inspectors=[Present(drawn), present])

    before = _log_size(service)
    with pytest.raises(SubstituteError, match="approval"):
        results.enter(sub(approved_by=None), T_ENTER, actor="inspector-wang")
    with pytest.raises(SubstituteError, match="approval"):
        results.enter(sub(approved_by="  "), T_ENTER, actor="inspector-wang")
    with pytest.raises(SubstituteError, match="reason"):
        results.enter(sub(reason=""), T_ENTER, actor="inspector-wang")
    with pytest.raises(SubstituteError, match="someone other than"):
        results.enter(sub(approved_by="inspector-wang"), T_ENTER, actor="inspector-wang")
    with pytest.raises(SubstituteError, match="not drawn"):
        results.enter(sub(replaces=spare), T_ENTER, actor="inspector-wang")
    # A stranger without the substitute fields is refused too.
    stranger = _entry(outcome, 1, inspectors=[Present(drawn), Present(spare)])
    with pytest.raises(SubstituteError, match="not drawn"):
        results.enter(stranger, T_ENTER, actor="inspector-wang")
    # A drawn inspector who is simply missing.
    with pytest.raises(ResultError, match="at least 2"):
        results.enter(_entry(outcome, 1, inspectors=[Present(drawn)]), T_ENTER, actor="x")
    with service.session() as s, s.begin():
        s.add(Conflict(inspector=spare, target=team.target, reason="PRIVATE"))
    with pytest.raises(SubstituteError, match="conflict"):
        results.enter(sub(), T_ENTER, actor="inspector-wang")
    with service.session() as s, s.begin():
        row = s.exec(select(Conflict).where(Conflict.inspector == spare)).first()
        s.delete(row)
    assert _log_size(service) == before
    rid = results.enter(sub(), T_ENTER, actor="inspector-wang")
    record = results.approve(rid, T_ENTER, reviewer="reviewer-li")
    assert record.body["inspectors"] == [
        {"id": drawn, "role": "drawn"},
        {
            "id": spare,
            "role": "substitute",
            "replaces": absent,
            "reason": "病假",
            "approved_by": "reviewer-li",
        },
    ]


BAD_ENTRIES: list[tuple[dict[str, object], str]] = [
    ({"categories": ["未发现问题", "发现问题已责令改正"]}, "cannot be combined"),
    ({"categories": ["发现问题待后续处理"], "findings": "x"}, "sub-reason"),
    ({"categories": ["差"]}, "unknown result category"),
    ({"methods": ["电话检查"]}, "unknown check method"),
    ({"methods": []}, "at least one check method"),
    ({"categories": ["发现问题已责令改正"]}, "needs its findings"),
    ({"dates": [date(2026, 4, 3)]}, "in the future"),
    ({"dates": [date(2026, 3, 1)]}, "before the draw"),
    ({"dates": []}, "inspection date"),
]


def test_bad_entries_refused(service: Lifecycle, results: ResultsService, outcome: Outcome) -> None:
    # One task for all cases (setting one up is the slow part); each is refused alone.
    before = _log_size(service)
    for changes, message in BAD_ENTRIES:
        with pytest.raises(ResultError, match=message):
            results.enter(_entry(outcome, **changes), T_ENTER, actor="inspector-wang")
    assert _log_size(service) == before
    assert results.current(TASK) == []


def test_only_picked_targets_of_disclosed_tasks(
    service: Lifecycle, results: ResultsService, outcome: Outcome
) -> None:
    picked = {t.target for t in outcome.teams}
    with service.session() as s:
        other = next(t for t in s.exec(select(Target.uscc)) if t not in picked)
    with pytest.raises(ResultNotFound, match="was not picked"):
        results.enter(_entry(outcome, target=other), T_ENTER, actor="x")
    with pytest.raises(ResultNotFound, match="no task"):
        results.enter(_entry(outcome, task="T-none"), T_ENTER, actor="x")


def test_correction_supersedes(
    service: Lifecycle, results: ResultsService, outcome: Outcome
) -> None:
    first = results.approve(
        results.enter(_entry(outcome), T_ENTER, actor="inspector-wang"),
        T_ENTER,
        reviewer="reviewer-li",
    )
    fixed = _entry(
        outcome,
        dates=[D2],
        categories=["不配合检查情节严重"],
        findings="拒绝提供资料",
        no_evidence_reason="测试：未取证",
    )
    with pytest.raises(ResultError, match="reason"):
        results.correct(first.id, fixed, " ", T_ENTER, actor="inspector-wang")
    cid = results.correct(first.id, fixed, "录入错误", T_ENTER, actor="inspector-wang")
    with pytest.raises(ResultError, match="already waiting"):
        results.correct(first.id, fixed, "again", T_ENTER, actor="inspector-wang")
    second = results.approve(cid, T_ENTER, reviewer="reviewer-li")
    assert second.body["supersedes"] == first.id
    assert second.body["correction_reason"] == "录入错误"
    current = results.current(TASK)
    assert [r.record_id for r in current] == [second.id]
    with pytest.raises(ResultNotFound, match="not a current"):
        results.correct(first.id, fixed, "stale", T_ENTER, actor="inspector-wang")
    with service.session() as s:
        history = list(s.exec(select(InspectionHistory).where(InspectionHistory.task == TASK)))
        target = s.get(Target, fixed.target)
        types = list(s.exec(select(LogEntry.type).where(LogEntry.task == TASK)))
    assert [h.date for h in history] == [D2]  # updated, not counted twice
    assert target is not None
    assert target.serious_violation
    assert target.bad_records == 1  # the correction still counts once
    assert types.count("inspection-result") == 2  # both versions stay in the log
    with service.session() as s:
        query = select(AuditEvent).where(col(AuditEvent.action).like("result.%"))
        events = s.exec(query.order_by(col(AuditEvent.id)))
        trail = [(e.action, e.object, e.detail) for e in events]
    where = f"{TASK}/{fixed.target}"
    assert [e for e in trail if e[0] in ("result.enter", "result.correct")] == [
        ("result.enter", where, {"result": results.get(cid).supersedes}),
        ("result.correct", where, {"result": cid, "supersedes": first.id}),
    ]
    assert results.get(cid).supersedes is not None


def _publish_all(results: ResultsService, outcome: Outcome) -> None:
    for i in range(len(outcome.teams)):
        extra: dict[str, object] = {"dates": [D1, D2]} if i == 0 else {}
        if i % 5 == 1:
            extra |= {
                "categories": ["通过登记的住所（经营场所）无法联系"],
                "findings": "无人",
                "no_evidence_reason": "无人在场",
            }
        rid = results.enter(_entry(outcome, i, **extra), T_ENTER, actor="inspector-wang")
        results.approve(rid, T_ENTER, reviewer="reviewer-li")


def test_task_report_deadline_and_lateness(
    service: Lifecycle, results: ResultsService, outcome: Outcome
) -> None:
    reports = ReportService(service.engine, service.log)
    with pytest.raises(ReportError, match="no published result"):
        reports.draft(TASK, T_ENTER, actor="clerk")
    assert reports.get(TASK) is None
    _publish_all(results, outcome)
    draft = reports.draft(TASK, T_ENTER, actor="clerk")
    stored = reports.get(TASK)
    assert stored is not None and (stored.status, stored.text) == ("draft", draft.text)
    n = len(outcome.teams)
    problems = len(range(1, n, 5))
    assert (draft.summary["picked"], draft.summary["checked"]) == (n, n)
    assert draft.summary["problems"] == problems
    assert draft.summary["by_category"]["未发现问题"] == n - problems
    assert sum(v["picked"] for v in draft.summary["by_region"].values()) == n
    assert f"发现问题{problems}户" in draft.text
    # Completed Thu 26 Mar 2026; 27, 30, 31 Mar, 1-3 Apr, then Qingming 4-6 Apr off: due 7 Apr.
    due = reports.due(TASK)
    assert due.due == date(2026, 4, 7)
    # The draft's placeholder left in the text: refused, nothing published.
    size = _log_size(service)
    with pytest.raises(ReportError, match="placeholder （待填写）"):
        reports.approve(TASK, T_ENTER, reviewer="director-zhao")
    reports.edit(TASK, draft.text + "\n补充：（待填写）", T_ENTER, actor="clerk")
    with pytest.raises(ReportError, match="placeholder"):  # anywhere in the text
        reports.approve(TASK, T_ENTER, reviewer="director-zhao")
    assert _log_size(service) == size and (reports.get(TASK) or draft).status == "draft"
    reports.edit(TASK, draft.text.replace("（待填写）", "总体良好"), T_ENTER, actor="clerk")
    with pytest.raises(ReviewError, match="different reviewer"):
        reports.approve(TASK, T_ENTER, reviewer="clerk")
    late = datetime(2026, 4, 9, 1, 0, tzinfo=UTC)
    record = reports.approve(TASK, late, reviewer="director-zhao")
    assert record.body["deadline"] == {
        "start": "2026-03-26",
        "workdays": 7,
        "due": "2026-04-07",
        "published": "2026-04-09",
        "on_time": False,
        "late_by": 2,
    }
    assert "总体良好" in record.body["text"]
    with service.session() as s:
        assert service.log.task_record(s, TASK, "report") == record  # one report per task
    assert (reports.get(TASK) or draft).status == "published"
    with pytest.raises(ReportError, match="already published"):
        reports.draft(TASK, late, actor="clerk")
    # The published report closes the task; a later correction is still possible.
    assert service.get_task(TASK).state == "closed"
    current = results.current(TASK)[0]
    fix = _entry(
        outcome,
        [t.target for t in outcome.teams].index(current.target),
        findings="补",
        no_evidence_reason="测试：未取证",
    )
    cid = results.correct(current.record_id or "", fix, "补充说明", late, actor="w")
    assert results.approve(cid, late, reviewer="reviewer-li").body["supersedes"]


def test_report_refused_when_results_changed(
    service: Lifecycle, results: ResultsService, outcome: Outcome
) -> None:
    reports = ReportService(service.engine, service.log)
    _publish_all(results, outcome)
    reports.draft(TASK, T_ENTER, actor="clerk")
    current = results.current(TASK)[0]
    fixed = _entry(
        outcome,
        [t.target for t in outcome.teams].index(current.target),
        categories=["发现问题已责令改正"],
        findings="补充",
        no_evidence_reason="测试：未取证",
    )
    cid = results.correct(current.record_id or "", fixed, "补充", T_ENTER, actor="w")
    results.approve(cid, T_ENTER, reviewer="reviewer-li")
    with pytest.raises(ReportError, match="draft the report again"):
        reports.approve(TASK, T_ENTER, reviewer="director-zhao")


def test_credit_export_of_failures(
    service: Lifecycle, results: ResultsService, outcome: Outcome, tmp_path: Path
) -> None:
    clean = results.approve(
        results.enter(_entry(outcome, 0), T_ENTER, actor="w"), T_ENTER, reviewer="li"
    )
    failed_entry = _entry(
        outcome,
        1,
        categories=["未按规定公示应当公示的信息"],
        findings="未公示",
        no_evidence_reason="测试：未取证",
    )
    failed = results.approve(
        results.enter(failed_entry, T_ENTER, actor="w"), T_ENTER, reviewer="li"
    )
    penalties = PenaltyService(service.engine, service.log)
    decision = PenaltyEntry(
        decision="武人防罚〔2026〕3号",
        target=failed_entry.target,
        decided=date(2026, 4, 2),
        facts="未公示",
        basis="《人民防空法》",
        kind="警告",
        content="警告",
        authority="武冈市人民防空办公室",
        publish_until=date(2027, 4, 2),
        result=failed.id,
    )
    entered = penalties.enter(decision, T_ENTER, actor="c")
    penalties.approve(entered, T_ENTER, reviewer="z")
    rows = credit_rows(service.engine, since=date(2026, 4, 1))
    assert [(r.uscc, r.categories, r.decisions) for r in rows] == [
        (failed_entry.target, ("未按规定公示应当公示的信息",), ("武人防罚〔2026〕3号",))
    ]
    assert credit_rows(service.engine, since=date(2026, 4, 3)) == []
    only_clean = credit_rows(service.engine, since=date(2026, 4, 1), categories=["未发现问题"])
    assert [r.record for r in only_clean] == [clean.id]
    out = tmp_path / "credit.csv"
    write_credit_export(rows, out)
    with out.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[1][0] == failed_entry.target
    assert table[1][4] == "未按规定公示应当公示的信息"
    assert table[1][7] == "武人防罚〔2026〕3号"
    xlsx = tmp_path / "credit.xlsx"
    write_credit_export(rows, xlsx)
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    assert [c.value for c in sheet[2]][:2] == [failed_entry.target, rows[0].name]
    # A withdrawn decision has left public view: the credit export no longer names it.
    penalties.withdraw(entered, "决定已被撤销", T_ENTER, actor="c", ground="other")
    after = credit_rows(service.engine, since=date(2026, 4, 1))
    assert [(r.uscc, r.decisions) for r in after] == [(failed_entry.target, ())]


def test_export_credit_and_deadlines_cli(
    service: Lifecycle,
    results: ResultsService,
    outcome: Outcome,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _publish_all(results, outcome)
    monkeypatch.setenv("LOTTERY_DATABASE_URL", settings.url)
    monkeypatch.setenv("LOTTERY_LOG_ORIGIN", lc.LOG)
    dd = ["--data-dir", str(settings.data_dir)]
    out = tmp_path / "credit.xlsx"

    def run(*args: str) -> int:
        try:
            main(list(args))
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    assert run("export-credit", "--since", "2026-04-01", str(out), *dd) == 0
    failures = len(range(1, len(outcome.teams), 5))
    assert f"{failures} 条" in capsys.readouterr().out
    sheet = load_workbook(out).active
    assert sheet is not None
    assert sheet.max_row == failures + 1
    # Completed 26 Mar, report due 7 Apr: on 8 Apr it is one working day overdue.
    assert run("deadlines", "--today", "2026-04-08", *dd) == 0
    assert capsys.readouterr().out == f"2026-04-07  抽查报告  {TASK}  已逾期1个工作日\n"
    assert run("export-credit", "--since", "2026-04", str(out), *dd) == 2
    assert "--since must be YYYY-MM-DD" in capsys.readouterr().err


def test_results_refused_before_disclosure(service: Lifecycle, results: ResultsService) -> None:
    # Drawn but not disclosed: the picks are still confidential (R6), so no results yet.
    task = "T2026-002"
    service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
    service.announce(task, lc.T_ANNOUNCE)
    service.draw(task, lc.beacon()[1], lc.T_DRAW)
    with service.session() as s:
        target = s.exec(select(Target.uscc)).first() or ""
    entry = ResultEntry(
        task=task,
        target=target,
        dates=[D1],
        inspectors=[Present("a"), Present("b")],
        methods=["实地检查"],
        categories=["未发现问题"],
    )
    with pytest.raises(ResultError, match="drawn: results need a disclosed task"):
        results.enter(entry, T_ENTER, actor="inspector-wang")


def test_concurrent_approvals_publish_once(
    service: Lifecycle, results: ResultsService, outcome: Outcome
) -> None:
    rid = results.enter(_entry(outcome), T_ENTER, actor="inspector-wang")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(reviewer: str) -> None:
        barrier.wait()
        try:
            results.approve(rid, T_ENTER, reviewer=reviewer)
            outcomes.append("published")
        except ReviewError:
            outcomes.append("refused")

    threads = [threading.Thread(target=approve, args=(r,)) for r in ("li", "zhao")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["published", "refused"]
    with service.session() as s:
        types = list(s.exec(select(LogEntry.type).where(LogEntry.type == "inspection-result")))
    assert len(types) == 1


def test_record_schema_refuses_unapproved_substitute_and_unknown_category() -> None:
    # Verifiers fail closed: a record claiming a substitute without approval does not parse.
    fields = {
        "task": TASK,
        "target": "91430581MA4L000000",
        "target_name": "企业",
        "dates": ["2026-03-25"],
        "inspectors": [
            {"id": "ZF1", "role": "drawn"},
            {"id": "ZF2", "role": "substitute", "replaces": "ZF3", "reason": "病假"},
        ],
        "methods": ["实地检查"],
        "categories": ["未发现问题"],
        "pending_reasons": [],
        "sealed": "ab" * 32,
        "entered_by": "w",
        "approved_by": "li",
        "supersedes": None,
        "correction_reason": None,
    }
    with pytest.raises(EncodingError, match="substitute without 'approved_by'"):
        make_record("inspection-result", lc.LOG, T_ENTER, fields, [lc.office_signer()])
    fields["inspectors"][1]["approved_by"] = "li"  # type: ignore[index]
    make_record("inspection-result", lc.LOG, T_ENTER, fields, [lc.office_signer()])
    fields["categories"] = ["未发现问题 "]
    with pytest.raises(EncodingError, match="categories"):
        make_record("inspection-result", lc.LOG, T_ENTER, fields, [lc.office_signer()])


@pytest.mark.parametrize("day", [date(2026, 3, 9), date(2026, 4, 1)])
def test_an_inspection_date_outside_the_task_window_is_refused(
    service: Lifecycle, results: ResultsService, outcome: Outcome, day: date
) -> None:
    """The announcement's window is 2026-03-10 to 2026-03-31 (tests/lifecycle.py); the draw
    was on 2026-03-02 and the result is entered on 2026-04-02, so only the window refuses."""
    before = _log_size(service)
    with pytest.raises(ResultError, match="outside the task's inspection window"):
        results.enter(_entry(outcome, dates=[D1, day]), T_ENTER, actor="inspector-wang")
    assert _log_size(service) == before
    with service.session() as s:
        assert not list(s.exec(select(InspectionResult)))  # nothing written
    # The window's own first and last days are inside it.
    results.enter(_entry(outcome, dates=[date(2026, 3, 10), date(2026, 3, 31)]), T_ENTER, actor="w")
