"""Working-day arithmetic: known answers from the State Council holiday notices.

The holiday data below is typed in from the notices themselves (国办发明电〔2024〕12号 for 2025,
国办发明电〔2025〕7号 for 2026), not taken from chinese-calendar, so the built-in tables are
checked against the notices too (test_builtin_years_match_the_notices).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lottery.core.errors import InputError
from lottery.core.workdays import CalendarDataMissing, WorkCalendar, YearCalendar, deadline


def _span(first: str, last: str) -> list[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def _days(*iso: str) -> list[date]:
    return [date.fromisoformat(d) for d in iso]


NOTICE_2025 = YearCalendar.build(
    2025,
    [
        *_span("2025-01-01", "2025-01-01"),  # 元旦
        *_span("2025-01-28", "2025-02-04"),  # 春节
        *_span("2025-04-04", "2025-04-06"),  # 清明节
        *_span("2025-05-01", "2025-05-05"),  # 劳动节
        *_span("2025-05-31", "2025-06-02"),  # 端午节
        *_span("2025-10-01", "2025-10-08"),  # 国庆节、中秋节
    ],
    _days("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"),
    "notice",
)
NOTICE_2026 = YearCalendar.build(
    2026,
    [
        *_span("2026-01-01", "2026-01-03"),
        *_span("2026-02-15", "2026-02-23"),
        *_span("2026-04-04", "2026-04-06"),
        *_span("2026-05-01", "2026-05-05"),
        *_span("2026-06-19", "2026-06-21"),
        *_span("2026-09-25", "2026-09-27"),
        *_span("2026-10-01", "2026-10-07"),
    ],
    _days("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"),
    "notice",
)
CAL = WorkCalendar({2025: NOTICE_2025, 2026: NOTICE_2026})


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Decision on Fri 26 Sep 2025: Sun 28 Sep is worked (1), 29-30 Sep (2-3), National Day
        # 1-8 Oct is off, 9-10 Oct (4-5), Sat 11 Oct is worked (6), Mon 13 Oct (7).
        ("2025-09-26", 7, "2025-10-13"),
        # Inspections complete Wed 30 Sep 2026: 1-7 Oct off, 8-9 Oct (1-2), Sat 10 Oct worked
        # (3), 12-15 Oct (4-7).
        ("2026-09-30", 7, "2026-10-15"),
        # Around the Spring Festival 2026: Sat 14 Feb worked (1), 15-23 Feb off, 24-27 Feb
        # (2-5), Sat 28 Feb worked (6), Mon 2 Mar (7).
        ("2026-02-13", 7, "2026-03-02"),
        # An ordinary week: Mon -> the Wednesday after next.
        ("2026-03-09", 7, "2026-03-18"),
        # Starting on a holiday: the day itself never counts; the first working day after
        # 1 Oct 2025 is Thu 9 Oct (chinese_calendar.find_workday(1, ...) says 10 Oct).
        ("2025-10-01", 1, "2025-10-09"),
        # Across the year boundary: Wed 31 Dec 2025, New Year 1-3 Jan 2026 off, Sun 4 Jan
        # worked.
        ("2025-12-31", 1, "2026-01-04"),
        ("2026-03-09", 0, "2026-03-09"),
    ],
)
def test_add_workdays_known_answers(start: str, n: int, due: str) -> None:
    assert CAL.add_workdays(date.fromisoformat(start), n) == date.fromisoformat(due)
    assert CAL.workdays_between(date.fromisoformat(start), date.fromisoformat(due)) == n


def test_is_workday_follows_adjusted_days() -> None:
    assert CAL.is_workday(date(2025, 9, 28))  # Sunday, 调休上班
    assert CAL.is_workday(date(2026, 10, 10))  # Saturday, 调休上班
    assert not CAL.is_workday(date(2025, 10, 8))  # Wednesday, holiday
    assert not CAL.is_workday(date(2026, 3, 7))  # ordinary Saturday
    assert CAL.is_workday(date(2026, 3, 6))  # ordinary Friday


def test_deadline_into_a_year_without_data_is_refused_naming_it() -> None:
    # Fri 25 Dec 2026: 28-31 Dec are 4 working days; the 5th would fall in 2027.
    with pytest.raises(CalendarDataMissing, match="2027") as info:
        CAL.add_workdays(date(2026, 12, 25), 7)
    assert info.value.year == 2027
    with pytest.raises(CalendarDataMissing, match="2024"):
        CAL.is_workday(date(2024, 12, 31))
    with pytest.raises(CalendarDataMissing, match="2027"):
        CAL.workdays_between(date(2026, 12, 1), date(2027, 1, 5))
    # Within the data it still works right up to the last day.
    assert CAL.add_workdays(date(2026, 12, 25), 4) == date(2026, 12, 31)


def test_deadline_status_on_time_and_late() -> None:
    start = date(2025, 9, 26)
    on_time = deadline(CAL, start, 7, date(2025, 10, 13))
    assert (on_time.due, on_time.on_time, on_time.late_by) == (date(2025, 10, 13), True, 0)
    late = deadline(CAL, start, 7, date(2025, 10, 15))
    assert (late.on_time, late.late_by) == (False, 2)
    pending = deadline(CAL, start, 7)
    assert pending.on_time is None
    assert pending.to_dict()["published"] is None
    # Deadline Fri 13 Mar 2026 (7 working days after Wed 4 Mar); published on Saturday:
    # late by one working day (it would have needed the deadline to be Monday).
    sat = deadline(CAL, date(2026, 3, 4), 7, date(2026, 3, 14))
    assert sat.due == date(2026, 3, 13)
    assert (sat.on_time, sat.late_by) == (False, 1)
    with pytest.raises(InputError, match="before the period start"):
        deadline(CAL, start, 7, date(2025, 9, 1))


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ([date(2026, 1, 1)], [], "not in the year 2025"),
        ([date(2025, 1, 26)], [date(2025, 1, 26)], "both a holiday and a workday"),
        ([], [date(2025, 1, 27)], "is a Monday"),
    ],
)
def test_year_data_is_checked(holidays: list[date], workdays: list[date], message: str) -> None:
    with pytest.raises(InputError, match=message):
        YearCalendar.build(2025, holidays, workdays, "office")


def test_negative_period_refused() -> None:
    with pytest.raises(InputError, match="negative"):
        CAL.add_workdays(date(2026, 3, 9), -1)


def test_builtin_years_match_the_notices() -> None:
    from lottery.export.holidays import builtin_years

    built = builtin_years()
    for notice in (NOTICE_2025, NOTICE_2026):
        assert built[notice.year].holidays == notice.holidays
        assert built[notice.year].workdays == notice.workdays
    assert 2027 not in built


_DATES = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 11, 30))


@given(_DATES, st.integers(0, 20))
def test_add_and_count_are_inverse(start: date, n: int) -> None:
    due = CAL.add_workdays(start, n)
    assert CAL.workdays_between(start, due) == n
    assert n == 0 or CAL.is_workday(due)
    # Nothing earlier than due would do: the day before has one working day fewer.
    if n:
        assert CAL.workdays_between(start, due - timedelta(days=1)) == n - 1


@given(_DATES, _DATES)
def test_count_is_antisymmetric(a: date, b: date) -> None:
    assert CAL.workdays_between(a, b) == -CAL.workdays_between(b, a)
