"""The office calendar: entries override the built-in years, are published, and unknown years
are refused by name; the ``lottery calendar`` commands."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.cli import main
from lottery.core.errors import InputError
from lottery.core.workdays import CalendarDataMissing, YearCalendar
from lottery.service.calendar import CalendarService, parse_calendar_file
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent, LogEntry

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

# A made-up 2027 entry (the 2027 notice is not out when this is written): New Year 1-3 Jan,
# Sun 10 Jan worked.
Y2027 = """\
notice: 测试用（非官方）
holidays: [2027-01-01, 2027-01-02, 2027-01-03, 2027-10-01, 2027-10-04]
workdays: ["2027-01-10"]
"""


def _calendar_service(service: Lifecycle) -> CalendarService:
    return CalendarService(service.engine, service.log)


def test_unknown_year_refused_until_the_office_enters_it(
    service: Lifecycle, tmp_path: Path
) -> None:
    cals = _calendar_service(service)
    with pytest.raises(CalendarDataMissing, match="2027"):
        cals.calendar().add_workdays(date(2026, 12, 28), 7)
    path = tmp_path / "2027.yaml"
    path.write_text(Y2027, encoding="utf-8")
    record = cals.set_year(parse_calendar_file(path, 2027), NOW, actor="clerk")
    assert record.type == "calendar"
    assert record.body["workdays"] == ["2027-01-10"]
    assert record.body["supersedes"] is None
    # Mon 28 Dec 2026: 29-31 Dec (3), 1-3 Jan off, 4-8 Jan (4-7).
    assert cals.calendar().add_workdays(date(2026, 12, 28), 7) == date(2027, 1, 7)
    # Fri 8 Jan: Sun 10 Jan is an adjusted workday in the office's entry.
    assert cals.calendar().add_workdays(date(2027, 1, 8), 1) == date(2027, 1, 10)
    with service.session() as s:
        assert s.exec(select(LogEntry.type).where(LogEntry.record_id == record.id)).one()
        audit = s.exec(select(AuditEvent).where(AuditEvent.action == "calendar.set")).one()
    assert (audit.actor, audit.object) == ("clerk", "2027")


def test_office_entry_overrides_a_builtin_year_and_supersedes(service: Lifecycle) -> None:
    cals = _calendar_service(service)
    builtin = cals.calendar()
    assert builtin.is_workday(date(2026, 10, 10))  # built in: Saturday 调休上班
    year = builtin.year(2026)
    changed = YearCalendar.build(2026, year.holidays, year.workdays - {date(2026, 10, 10)}, "更正")
    first = cals.set_year(changed, NOW, actor="clerk")
    assert not cals.calendar().is_workday(date(2026, 10, 10))
    assert cals.set_year(changed, NOW, actor="clerk").id == first.id  # same data: no new record
    second = cals.set_year(year, NOW, actor="clerk")
    assert second.body["supersedes"] == first.id
    assert cals.calendar().is_workday(date(2026, 10, 10))
    data, record_id = cals.show(2026)
    assert date(2026, 10, 10) in data.workdays
    assert record_id == second.id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("holidays: [2027-01-01]\nworkdays: [2027-01-04]\n", "is a Monday"),
        ("holidays: [2026-12-31]\n", "not in the year 2027"),
        ("holidays: [2027-02-30]\n", "out of range"),
        ('holidays: ["2027-02-30"]\n', "not a real date"),
        ("holiday: [2027-01-01]\n", "unknown key 'holiday'"),
        ("year: 2028\nholidays: [2027-01-01]\n", "for 2028, not 2027"),
        ("holidays: [\n", "not valid YAML"),
    ],
)
def test_bad_calendar_file_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "cal.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        parse_calendar_file(path, 2027)


def test_calendar_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOTTERY_ADMIN_PASSWORD", "a-long-test-password-1")

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    assert run("calendar", "add-workdays", "2026-09-30", "7") == (0, "2026-10-15\n", "")
    code, out, err = run("calendar", "add-workdays", "2026-12-28", "7")
    assert code == 2
    assert err.count("\n") == 1
    assert "2027" in err
    assert "Traceback" not in err
    data = tmp_path / "data"
    path = tmp_path / "2027.json"
    path.write_text(
        '{"holidays": ["2027-01-01", "2027-01-02", "2027-01-03"], "workdays": []}',
        encoding="utf-8",
    )
    refused = run("calendar", "set", "2027", str(path), "--data-dir", str(data))
    assert refused[0] == 2 and "lottery init" in refused[2]
    assert run("init", "--admin", "boss", "--data-dir", str(data))[0] == 0
    code, out, err = run("calendar", "set", "2027", str(path), "--data-dir", str(data))
    assert code == 0, err
    assert "record" in out
    dd = ("--data-dir", str(data))
    assert run("calendar", "add-workdays", "2026-12-28", "7", *dd) == (0, "2027-01-07\n", "")
    code, out, _ = run("calendar", "show", "2027", *dd)
    assert code == 0
    assert "2027-01-03" in out
    assert "办公室录入" in out
    assert run("calendar", "show", "2027")[0] == 2  # not built in
