"""Objections (异议) to published results, on SQLite and PostgreSQL (issue #18): recorded with
the party's text kept private, decided by another person, published as ``objection-outcome``
records that ``lottery verify`` and the site read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.cli import objection_cmd
from lottery.core.audit import audit_export
from lottery.core.outcome import Outcome
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.service.objections import ObjectionError, ObjectionNotFound, ObjectionService
from lottery.service.results import ResultsService, ReviewError
from lottery.storage.models import AuditEvent, Objection
from publisher.model import load_model
from publisher.result_pages import result_pages
from publisher.target_pages import collect, target_pages
from tests import lifecycle as lc
from tests.service.conftest import CliRun
from tests.service.results_builder import REVIEWER, disclosed_task, entry, publish

TASK = "T2026-001"
T_PUBLISH = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)  # Beijing Thursday 2 Apr
T_RECEIVE = datetime(2026, 4, 8, 2, 0, tzinfo=UTC)
T_FIX = datetime(2026, 4, 14, 2, 0, tzinfo=UTC)
T_DECIDE = datetime(2026, 4, 15, 2, 0, tzinfo=UTC)
DUE = date(2026, 5, 6)  # 20 working days: 清明 4-6 Apr and 劳动节 1-5 May are rest days
PARTY_TEXT = "我公司法定代表人张三认为<script>x</script>检查时防护门已修好"


def _log_size(service: Lifecycle) -> int:
    with service.session() as s:
        return service.log.size(s)


@pytest.fixture
def outcome(service: Lifecycle) -> Outcome:
    return disclosed_task(service, TASK)


def test_record_decide_publish_verify_and_show(
    service: Lifecycle, outcome: Outcome, tmp_path: Path
) -> None:
    objections = ObjectionService(service.engine, service.log)
    bad = entry(
        outcome,
        0,
        categories=["发现问题已责令改正"],
        findings="防护门无法关闭",
        no_evidence_reason="现场未能取证",
    )
    first = publish(service, bad, T_PUBLISH)
    second = publish(service, entry(outcome, 1), T_PUBLISH)
    before = _log_size(service)
    upheld = objections.record(first, date(2026, 4, 8), PARTY_TEXT, T_RECEIVE, actor="clerk-zhao")
    dismissed = objections.record(
        second, date(2026, 4, 8), "结论有误", T_RECEIVE, actor="clerk-zhao"
    )
    assert (upheld.period_start, upheld.period_workdays, upheld.period_due) == (
        date(2026, 4, 2),
        20,
        DUE,
    )
    assert _log_size(service) == before  # recording publishes nothing
    assert upheld.id is not None and dismissed.id is not None
    # Upheld: the result is corrected first (the usual correction), then the outcome names it.
    results = ResultsService(service.engine, service.log)
    with pytest.raises(ObjectionError, match="更正记录（correction）"):
        objections.decide(upheld.id, "upheld", T_DECIDE, reviewer=REVIEWER)
    fixed_id = results.correct(first, entry(outcome, 0), "异议成立，复核后更正", T_FIX, actor="w")
    fixed = results.approve(fixed_id, T_FIX, reviewer=REVIEWER)
    assert fixed is not None
    assert objections.corrections_of(first) == [fixed.id]
    with pytest.raises(ReviewError, match="different reviewer"):
        objections.decide(
            upheld.id, "upheld", T_DECIDE, reviewer="Clerk-Zhao ", correction=fixed.id
        )
    with pytest.raises(ObjectionError, match="不是对被提出异议的检查结果的更正"):
        objections.decide(dismissed.id, "upheld", T_DECIDE, reviewer=REVIEWER, correction=fixed.id)
    with pytest.raises(ObjectionError, match="理由（reason）"):
        objections.decide(dismissed.id, "dismissed", T_DECIDE, reviewer=REVIEWER, reason="  ")
    assert _log_size(service) == before + 1  # only the correction
    one = objections.decide(upheld.id, "upheld", T_DECIDE, reviewer=REVIEWER, correction=fixed.id)
    two = objections.decide(
        dismissed.id, "dismissed", T_DECIDE, reviewer=REVIEWER, reason="经复核，<b>维持</b>原结果"
    )
    assert one.body["result"] == first and one.body["correction"] == fixed.id
    assert (one.body["received"], one.body["decided"], one.body["outcome"]) == (
        "2026-04-08",
        "2026-04-15",
        "upheld",
    )
    assert one.body["period"] == {"start": "2026-04-02", "workdays": 20, "due": "2026-05-06"}
    assert two.body["reason"] == "经复核，<b>维持</b>原结果" and two.body["correction"] is None
    with pytest.raises(ObjectionError, match="已处理"):
        objections.decide(upheld.id, "dismissed", T_DECIDE, reviewer=REVIEWER, reason="再次")
    assert [r.outcome for r in objections.listing()] == ["upheld", "dismissed"]
    assert objections.listing(undecided=True) == []
    with service.session() as s:
        actions = [e.action for e in s.exec(select(AuditEvent))]
    assert actions.count("objection.record") == 2 and actions.count("objection.decide") == 2
    # The export: verified (references and period), and the party's text is nowhere in it.
    export = tmp_path / "export"
    service.export_to(export)
    everything = b"".join(p.read_bytes() for p in export.rglob("*") if p.is_file())
    assert "张三".encode() not in everything and "结论有误".encode() not in everything
    report = audit_export(
        file_getter(export), [service.log.verifier], origin=lc.LOG, deadlines=True
    )
    assert report.ok, report.failures
    checks = {c.name: c.detail for c in report.checks}
    assert "objection.references" in checks
    # Counted with the log's own 2026 calendar record, published before the first outcome
    # (docs/workdays.md): nothing is left "cannot check".
    assert checks["objection.period"] == "2 objections received within their period"
    outcomes = [r for r in report.records if r.type == "objection-outcome"]
    [y2026] = [r for r in report.records if r.type == "calendar"]
    assert y2026.body["year"] == 2026
    assert report.records.index(y2026) < report.records.index(outcomes[0])
    # The site: the task's results page and the target's page show the status, escaped.
    (export / "keys").mkdir(exist_ok=True)
    (export / "keys" / "office.vkey").write_text(service.log.verifier.vkey + "\n")
    model = load_model(export)
    page = result_pages(model)[TASK]
    assert "异议成立，已更正检查结果" in page and "异议不成立，维持检查结果" in page
    assert "异议成立，据此更正（2026-04-15 处理）" in page  # beside the corrected result
    assert "&lt;b&gt;维持&lt;/b&gt;" in page and "<b>维持" not in page
    assert "2026-05-06（自 2026-04-02 起 20 个工作日）" in page
    target = outcome.teams[1].target
    mine = target_pages(model, {target: collect(model)[target]})[target].body
    assert "异议不成立（2026-04-15 处理）" in mine and "暂无公开的异议记录" not in mine


def test_refusals_write_nothing(service: Lifecycle, outcome: Outcome) -> None:
    objections = ObjectionService(service.engine, service.log, workdays=5)
    result = publish(service, entry(outcome, 0), T_PUBLISH)
    cases = [
        ({"text": "   "}, ObjectionError, "异议内容（text）"),
        ({"received": date(2026, 4, 1)}, ObjectionError, "不能早于检查结果公开之日"),
        # 5 working days from 2 Apr end on 10 Apr (清明 4-6 Apr).
        ({"received": date(2026, 4, 13)}, ObjectionError, "已超过异议期限.*至 2026-04-10"),
        ({"received": date(2026, 4, 9)}, ObjectionError, "不能晚于今天"),
        ({"result": "ab" * 32}, ObjectionNotFound, "不是已公开的检查结果"),
    ]
    for change, error, message in cases:
        args = {"result": result, "received": date(2026, 4, 8), "text": "异议"} | change
        now = T_RECEIVE if change.get("received") == date(2026, 4, 9) else T_LATE
        with pytest.raises(error, match=message):
            objections.record(
                str(args["result"]), args["received"], str(args["text"]), now, actor="clerk"
            )  # type: ignore[arg-type]
    with service.session() as s:
        assert s.exec(select(Objection)).all() == []
    with pytest.raises(ObjectionNotFound):
        objections.decide(99, "dismissed", T_DECIDE, reviewer=REVIEWER, reason="x")
    row = objections.record(result, date(2026, 4, 10), "异议", T_LATE, actor="clerk")
    assert row.period_due == date(2026, 4, 10)
    with pytest.raises(ObjectionError, match="处理结果（outcome）"):
        objections.decide(row.id or 0, "maybe", T_DECIDE, reviewer=REVIEWER)


T_LATE = datetime(2026, 4, 13, 2, 0, tzinfo=UTC)


def test_the_command_line_records_decides_and_lists(
    service: Lifecycle, outcome: Outcome, run_cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = publish(service, entry(outcome, 0), T_PUBLISH)
    monkeypatch.setenv("LOTTERY_OBJECTION_WORKDAYS", "3")  # the office's own period

    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(objection_cmd, T_DECIDE, "objection", *args)

    record = ["record", result, "--text", "异议", "--actor", "zhao"]
    code, _, err = run(*record, "--received", "2026-4-8")
    assert code != 0 and "收到日期（--received）" in err and len(err.strip().splitlines()) == 1
    # 3 working days from 2 Apr end on 8 Apr (清明 4-6 Apr).
    code, _, err = run(*record, "--received", "2026-04-09")
    assert code != 0 and "已超过异议期限" in err and "Traceback" not in err
    code, out, _ = run(*record, "--received", "2026-04-08")
    assert code == 0 and "period until 2026-04-08" in out
    code, out, _ = run("list", "--undecided")
    assert "待处理" in out and outcome.teams[0].target in out
    number = out.split("\t")[0]
    code, _, err = run(
        "decide", number, "--outcome", "dismissed", "--actor", "zhao", "--reason", "x"
    )
    assert code != 0 and "different reviewer" in err
    code, out, _ = run(
        "decide", number, "--outcome", "dismissed", "--reason", "维持", "--actor", "li"
    )
    assert code == 0 and "objection-outcome" in out and "dismissed" in out
    assert "异议不成立" in run("list")[1]
