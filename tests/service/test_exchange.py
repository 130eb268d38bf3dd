"""The exchange with the national platforms (docs/exchange.md), on SQLite and PostgreSQL:
files in the platforms' layouts from published data only (a drawn task's sealed picks never),
CSV and XLSX read back, the export log with the file's SHA-256, and the "sent" mark."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from lottery.cli import main
from lottery.core.outcome import Outcome
from lottery.service.exchange import ExchangeError, ExchangeNotFound, ExchangeService
from lottery.service.exchange_layouts import CREDIT_RESULTS, NATIONAL_PICKS, NATIONAL_TASKS
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import ResultsService
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, ExchangeExport, Target
from tests import lifecycle as lc
from tests.service.results_builder import REVIEWER, disclosed_task, drawn_task, entry

T_EXPORT = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)
OFFICE = "武冈市人民防空办公室"
FINDINGS = "防护密闭门无法正常关闭（封存的检查发现）"


@pytest.fixture
def published(service: Lifecycle) -> Outcome:
    """T2026-001 disclosed with one result published (with sealed findings); T2026-002 only
    drawn: its picks are sealed."""
    outcome = disclosed_task(service)
    results = ResultsService(service.engine, service.log)
    rid = results.enter(
        entry(
            outcome,
            0,
            categories=["发现问题已责令改正"],
            findings=FINDINGS,
            no_evidence_reason="当事人拒绝拍照",
        ),
        T_EXPORT,
        actor="inspector-wang",
    )
    results.approve(rid, T_EXPORT, reviewer=REVIEWER)
    drawn_task(service, "T2026-002")
    return outcome


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # UTF-8 with BOM: Excel reads it
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx(data: bytes) -> list[list[str]]:
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    assert ws is not None
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]


def test_exports_the_sent_mark_and_the_command_line(
    service: Lifecycle,
    published: Outcome,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exchange = ExchangeService(service.engine, service.log, OFFICE)
    picks = exchange.export("national", "picks", 2026, "xlsx", T_EXPORT, actor="planner")
    table = _xlsx(picks.data)
    assert tuple(table[0]) == NATIONAL_PICKS
    assert [r[0] for r in table[1:]] == ["T2026-001"] * len(published.picks())  # never T2026-002
    assert [r[3] for r in table[1:]] == published.picks()
    with service.session() as s:
        first = s.get(Target, published.picks()[0])
        assert first is not None
    assert table[1][4] == first.name and table[1][2] == "1"
    assert len(table[1][6].split("、")) == len(published.teams[0].inspectors)

    tasks = _csv(exchange.export("national", "tasks", 2026, "csv", T_EXPORT, actor="planner").data)
    assert tuple(tasks[0]) == NATIONAL_TASKS
    by_id = {r[0]: r for r in tasks[1:]}
    assert set(by_id) == {"T2026-001", "T2026-002"}
    assert by_id["T2026-001"][4] == OFFICE and by_id["T2026-001"][11] == "已公示"
    assert by_id["T2026-002"][11] == "已抽取"

    credit = exchange.export("credit", "results", 2026, "csv", T_EXPORT, actor="planner")
    rows = _csv(credit.data)
    assert tuple(rows[0]) == CREDIT_RESULTS
    assert rows[1][:6] == [
        published.teams[0].target,
        first.name,
        "双随机抽查",
        OFFICE,
        "2026-03-20",
        "发现问题已责令改正",
    ]
    assert len(rows) == 2
    for made in (picks, credit):
        assert FINDINGS.encode() not in made.data  # sealed content never leaves
        assert made.row.sha256 == hashlib.sha256(made.data).hexdigest()
        assert made.row.size == len(made.data)
    assert picks.filename == f"exchange-national-picks-2026-{picks.row.id}.xlsx"
    assert _xlsx(
        exchange.export("national", "picks", 2025, "xlsx", T_EXPORT, actor="planner").data
    ) == [list(NATIONAL_PICKS)]  # another year: the header only

    log = exchange.list_exports()
    assert [(r.format, r.kind, r.rows, r.made_by) for r in log] == [
        ("national", "picks", 0, "planner"),
        ("credit", "results", 1, "planner"),
        ("national", "tasks", 2, "planner"),
        ("national", "picks", len(published.picks()), "planner"),
    ]
    assert all(r.sent_on is None for r in log)
    with service.session() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "exchange.export")).all()
    assert len(events) == 4
    _sent_mark_and_refusals(exchange)
    _cli_export_sent_and_list(settings, tmp_path, capsys, monkeypatch)


def _sent_mark_and_refusals(exchange: ExchangeService) -> None:
    made = exchange.export("national", "results", 2026, "xlsx", T_EXPORT, actor="planner")
    later = datetime(2026, 4, 14, 2, 0, tzinfo=UTC)
    with pytest.raises(ExchangeError, match="晚于今天"):
        exchange.mark_sent(stored_id(made.row), date(2026, 4, 15), later, actor="planner")
    with pytest.raises(ExchangeError, match="早于导出日期"):
        exchange.mark_sent(stored_id(made.row), date(2026, 4, 9), later, actor="planner")
    with pytest.raises(ExchangeNotFound):
        exchange.mark_sent(999, date(2026, 4, 13), later, actor="planner")
    row = exchange.mark_sent(stored_id(made.row), date(2026, 4, 13), later, actor="clerk-chen")
    assert (row.sent_on, row.sent_by) == (date(2026, 4, 13), "clerk-chen")
    assert exchange.get(stored_id(made.row)).sent_on == date(2026, 4, 13)
    before = len(exchange.list_exports())
    for args in (
        ("credit", "tasks", 2026, "csv"),  # the credit system takes results only
        ("national", "plans", 2026, "csv"),
        ("other", "results", 2026, "csv"),
        ("national", "results", 1999, "csv"),
        ("national", "results", 2026, "pdf"),
    ):
        with pytest.raises(ExchangeError):
            exchange.export(*args, T_EXPORT, actor="planner")
    assert len(exchange.list_exports()) == before  # nothing logged for a refusal


def stored_id(row: ExchangeExport) -> int:
    assert row.id is not None
    return row.id


def _cli_export_sent_and_list(
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOTTERY_DATABASE_URL", settings.url)
    monkeypatch.setenv("LOTTERY_LOG_ORIGIN", lc.LOG)
    monkeypatch.setattr("lottery.cli.exchange_cmd.utc_now", lambda: T_EXPORT)
    data = str(settings.data_dir)
    out = tmp_path / "results.xlsx"
    argv = ["exchange", "export", "--format", "national", "--kind", "results", "--year", "2026"]
    with pytest.raises(SystemExit) as done:
        main([*argv, "--out", str(out), "--data-dir", data, "--actor", "planner"])
    assert done.value.code == 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() in capsys.readouterr().out
    assert len(_xlsx(out.read_bytes())) == 2
    with pytest.raises(SystemExit) as done:
        main(["exchange", "sent", "6", "--date", "2026-04-10", "--data-dir", data])
    assert done.value.code == 0
    with pytest.raises(SystemExit) as done:
        main(["exchange", "list", "--data-dir", data])
    assert "2026-04-10 报送" in capsys.readouterr().out
    bad = tmp_path / "picks.pdf"
    with pytest.raises(SystemExit) as done:
        main([*argv[:5], "picks", "--year", "2026", "--out", str(bad), "--data-dir", data])
    err = capsys.readouterr().err
    assert done.value.code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not bad.exists()
    with pytest.raises(SystemExit) as done:
        main(["exchange", "sent", "6", "--date", "10/04/2026", "--data-dir", data])
    assert done.value.code == 2 and "报送日期" in capsys.readouterr().err
