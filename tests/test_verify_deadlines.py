"""`lottery verify` on an export built by the service: publication deadlines (issues #4, #5).

The service publishes a late task report, a penalty across National Day 2026, a penalty whose
deadline reaches 2027 (checkable only through the office's published 2027 entry) and its
withdrawal. Lateness is reported and the export still verifies; a record whose deadline claim
is false (appended through the office's own log, as a buggy or dishonest service would) makes
`lottery verify` fail naming the record and the check.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from lottery.cli import main
from lottery.core.outcome import Outcome, decode_outcome
from lottery.core.sealed import SEALED_CONTENT, seal
from lottery.core.workdays import YearCalendar
from lottery.service.calendar import CalendarService, publish_record
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import Amount, PenaltyEntry, PenaltyService
from lottery.service.reports import ReportService
from lottery.service.results import Present, ResultEntry, ResultsService
from lottery.storage.engine import new_session
from tests import lifecycle as lc
from tests.service.conftest import service, settings  # noqa: F401 - fixtures
from tests.storage.conftest import database_url  # noqa: F401 - the parametrized fixture

TASK = "T2026-001"


def _at(day: str, hour: int = 2) -> datetime:
    """A UTC time on ``day`` (02:00 UTC is 10:00 in Beijing, the same date)."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _penalty(target: str, decided: str, number: str, result: str | None) -> PenaltyEntry:
    return PenaltyEntry(
        decision=number,
        target=target,
        decided=date.fromisoformat(decided),
        facts="擅自改变人防工程主体结构",
        basis="《中华人民共和国人民防空法》第四十九条",
        kind="罚款",
        content="责令限期改正，并处罚款",
        authority="武冈市人民防空办公室",
        publish_until=date(2027, 6, 30),
        amounts=[Amount("罚款", 500_000, "人民币伍仟元整")],
        result=result,
    )


def _publish(service: Lifecycle) -> tuple[Outcome, dict[str, str]]:  # noqa: F811
    """A disclosed task, its results (one corrected), a late report, penalties, a withdrawal."""
    service.create_task(lc.params(lc.small_registries(), TASK), lc.T_ANNOUNCE, actor="planner")
    service.announce(TASK, lc.T_ANNOUNCE)
    service.draw(TASK, lc.beacon()[1], lc.T_DRAW)
    reveal = service.disclose(TASK, lc.T_REVEAL)
    with service.session() as s:
        blob = service.log.blobs_by_digest(s, [reveal.body["outcome"]])
    outcome = decode_outcome(blob[reveal.body["outcome"]])
    results = ResultsService(service.engine, service.log)
    ids: dict[str, str] = {}
    entered = _at("2026-04-02")
    for i, team in enumerate(outcome.teams):
        entry = ResultEntry(
            task=TASK,
            target=team.target,
            dates=[date(2026, 3, 25)],
            inspectors=[Present(x) for x in team.inspectors],
            methods=["实地检查"],
            categories=["未发现问题"],
        )
        record = results.approve(
            results.enter(entry, entered, actor="inspector-wang"), entered, reviewer="reviewer-li"
        )
        if i == 0:  # corrected: inspected again on Thu 26 Mar, the last inspection day
            fixed = replace(entry, dates=[date(2026, 3, 26)], categories=["发现问题已责令改正"])
            fixed = replace(
                fixed, findings="防护密闭门未按规定维护", no_evidence_reason="测试：未取证"
            )
            cid = results.correct(record.id, fixed, "录入错误", entered, actor="inspector-wang")
            record = results.approve(cid, entered, reviewer="reviewer-li")
        ids[team.target] = record.id
    reports = ReportService(service.engine, service.log)
    draft = reports.draft(TASK, entered, actor="clerk")
    reports.edit(TASK, draft.text.replace("（待填写）", "总体良好"), entered, actor="clerk")
    # Completed 26 Mar, due Tue 7 Apr (Qingming 4-6 Apr off); published Thu 9 Apr: 2 days late.
    reports.approve(TASK, _at("2026-04-09"), reviewer="director-zhao")
    penalties = PenaltyService(service.engine, service.log)
    first = outcome.teams[0].target
    # Decided Wed 30 Sep 2026: 1-7 Oct off, Sat 10 Oct worked: due Thu 15 Oct; on time.
    pid = penalties.enter(
        _penalty(first, "2026-09-30", "武人防罚〔2026〕1号", ids[first]),
        _at("2026-10-15"),
        actor="c",
    )
    penalties.approve(pid, _at("2026-10-15"), reviewer="director-zhao")
    # A decision of Mon 28 Dec 2026 reaches 2027, which chinese-calendar does not cover:
    # the office enters 2027 (published as a calendar record) before publishing it.
    year = YearCalendar.build(
        2027, [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)], [], "国办发明电〔2026〕N号"
    )
    CalendarService(service.engine, service.log).set_year(year, _at("2026-12-01"), actor="admin")
    second = outcome.teams[1].target
    pid = penalties.enter(
        _penalty(second, "2026-12-28", "武人防罚〔2026〕2号", None), _at("2027-01-08"), actor="c"
    )
    penalties.approve(pid, _at("2027-01-08"), reviewer="director-zhao")  # due 7 Jan: late 1
    penalties.withdraw(pid, "经行政复议撤销", _at("2027-02-01"), actor="director-zhao")
    return outcome, ids


def _append(service: Lifecycle, kind: str, fields: dict[str, Any], now: datetime) -> None:  # noqa: F811
    """Append a record as the office's service would, without the service's own checks (a
    penalty's content sealed in a blob, as the service seals it)."""
    with new_session(service.engine) as session, session.begin():
        service.log.lock(session)
        if kind == "penalty":
            content = {k: fields.pop(k) for k in SEALED_CONTENT["penalty"]}
            blob = seal("penalty", content, bytes(32))
            fields["sealed"] = service.log.put_blob(session, blob)
        publish_record(service.log, session, kind, fields, now)
        service.log.sign_checkpoint(session, now)


def _verify(export: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``lottery verify EXPORT ARGS`` in this process (a Python start a call cost more than the
    verification; the command's own process is tested in tests/test_cli_verify_*.py)."""
    command = ["verify", str(export), *args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(command)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return subprocess.CompletedProcess(["lottery", *command], code, out.getvalue(), err.getvalue())


def test_verify_reports_deadlines_of_a_service_export(service: Lifecycle, tmp_path: Path) -> None:  # noqa: F811
    _publish(service)
    export = tmp_path / "export"
    service.export_to(export)

    out = _verify(export)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert (
        "ok    [deadline] task-report T2026-001: due 2026-04-07, published 2026-04-09, "
        "late by 2 working days"
    ) in lines
    assert (
        "ok    [deadline] penalty 武人防罚〔2026〕1号: due 2026-10-15, published 2026-10-15, "
        "on time"
    ) in lines
    assert (
        "ok    [deadline] penalty 武人防罚〔2026〕2号: due 2027-01-07, published 2027-01-08, "
        "late by 1 working day"
    ) in lines
    summary = next(line for line in lines if "publications with a deadline" in line)
    assert "3 publications" in summary and "1 on time" in summary and "2 late" in summary
    assert "0 misstated" in summary
    for check in ("result.references", "penalty.references", "withdrawal.references"):
        assert any(line.startswith(f"ok    {check}") for line in lines), check
    assert lines[-1].startswith("VERIFIED")

    body = json.loads(_verify(export, "--json").stdout)
    assert body["ok"]
    by_name = {p["name"]: p for p in body["publications"]}
    report = by_name["task-report T2026-001"]
    assert report["status"] == "late" and report["recomputed"]["late_by"] == 2
    assert by_name["penalty 武人防罚〔2026〕2号"]["recomputed"]["due"] == "2027-01-07"
    assert body["calendar"]["2027"].startswith("calendar record ")
    assert body["calendar"]["2026"].startswith("calendar record ")  # the built-in year, published

    narrowed = json.loads(_verify(export, "--json", "--task", TASK).stdout)
    assert [p["name"] for p in narrowed["publications"]] == [
        "task-report T2026-001",
        "penalty 武人防罚〔2026〕1号",  # follows from a result of the task; the 2nd does not
    ]


def test_verify_fails_on_a_misstated_deadline_and_skips_a_year_without_data(
    service: Lifecycle,  # noqa: F811
    tmp_path: Path,
) -> None:
    outcome, _ = _publish(service)
    target = outcome.teams[2].target
    fields = {
        "decision": "武人防罚〔2026〕3号",
        "target": target,
        "entity": "企业",
        "decided": "2026-09-30",
        "facts": "未按规定维护人防工程",
        "basis": "《人民防空法》第四十九条",
        "kind": "罚款",
        "content": "罚款",
        "amounts": [],
        "authority": "武冈市人民防空办公室",
        "result": None,
        "publish_until": "2029-01-01",
        # Published on Fri 16 Oct, one working day late, but claimed on time.
        "deadline": {
            "start": "2026-09-30",
            "workdays": 7,
            "due": "2026-10-15",
            "published": "2026-10-16",
            "on_time": True,
            "late_by": 0,
        },
        "entered_by": "录入员",
        "approved_by": "审核员",
    }
    _append(service, "penalty", dict(fields), _at("2026-10-16"))
    # Decided Tue 28 Dec 2027: its deadline reaches 2028, for which nothing has data.
    unknown = fields | {
        "decision": "武人防罚〔2027〕9号",
        "decided": "2027-12-28",
        "deadline": fields["deadline"]
        | {"start": "2027-12-28", "due": "2028-01-06", "published": "2028-01-06"},
    }
    _append(service, "penalty", dict(unknown), _at("2028-01-06"))
    export = tmp_path / "export"
    service.export_to(export)

    out = _verify(export)
    assert out.returncode == 1
    fail = [line for line in out.stdout.splitlines() if line.startswith("FAIL ")]
    assert len(fail) == 1
    assert "[penalty 武人防罚〔2026〕3号] deadline.on_time" in fail[0]
    assert "claims on_time true" in fail[0] and "late by 1 working day" in fail[0]
    assert (
        "skip  [deadline] penalty 武人防罚〔2027〕9号: published 2028-01-06, deadline from "
        "2027-12-28: cannot check: no calendar record in the log for 2028"
    ) in out.stdout.splitlines()
    assert out.stdout.splitlines()[-1].startswith("FAILED: 1 problem")
    body = json.loads(_verify(export, "--json").stdout)
    assert not body["ok"]
    assert [f["check"] for f in body["failures"]] == ["deadline.on_time"]
    statuses = {p["name"]: p["status"] for p in body["publications"]}
    assert statuses["penalty 武人防罚〔2026〕3号"] == "misstated"
    assert statuses["penalty 武人防罚〔2027〕9号"] == "cannot-check"
