"""Working days of the official Chinese calendar, from explicit per-year data (R8).

The office rules (section 十一) set two publication deadlines in working days: the task report
"应在7个工作日内" after the task completes, and a penalty "应在作出行政处罚决定之日起7个工作日内".
This module counts those days. It is pure: the calendar is built from explicit data per
calendar year (statutory holidays and adjusted workdays 调休), passed in by the service, which
reads it from ``chinese-calendar`` or from the office's own table. A date in a year with no
data is refused with :class:`CalendarDataMissing` naming the year: the module never guesses.

The counting rule (see ``docs/workdays.md``):

- A day is a working day when it is an adjusted workday, or a Monday to Friday that is not a
  holiday.
- ``add_workdays(d, n)`` is the n-th working day *after* ``d``: ``d`` itself never counts,
  whether or not it is a working day ("期间开始的当日不计入，自下一日开始计算", Civil Code
  art. 201). "7个工作日内" after ``d`` therefore ends at the end of ``add_workdays(d, 7)``, and a
  publication on that day is on time.
- ``workdays_between(a, b)`` counts the working days ``w`` with ``a < w <= b``, so
  ``workdays_between(d, add_workdays(d, n)) == n``.

Days are counted one at a time (never by a library's "find the n-th workday" shortcut, which
is off by one when started from a rest day).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .errors import InputError

_DAY = timedelta(days=1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CalendarDataMissing(InputError):
    """A date falls in a year for which the calendar holds no data.

    Attributes:
        year: the year without data.
    """

    def __init__(self, year: int) -> None:
        super().__init__(
            f"no working-day calendar data for {year} ({year}年节假日和调休上班日期尚未录入): "
            f"the office must enter {year}'s holidays and adjusted workdays first"
        )
        self.year = year


@dataclass(frozen=True)
class YearCalendar:
    """One calendar year's official data.

    Attributes:
        year: the calendar year every date below belongs to.
        holidays: statutory rest days (法定节假日 and the rest days moved next to them),
            including any that fall on a weekend.
        workdays: adjusted workdays (调休上班): Saturdays or Sundays that are worked.
        source: where the data comes from, e.g. ``chinese-calendar 1.11.0`` or ``office``.
    """

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str

    @classmethod
    def build(
        cls, year: int, holidays: Iterable[date], workdays: Iterable[date], source: str
    ) -> YearCalendar:
        """Check and build a year's data.

        Raises:
            InputError: when a date is outside ``year``, a day is both a holiday and a
                workday, or an adjusted workday is not a Saturday or Sunday.
        """
        if not 1949 <= year <= 9999:
            raise InputError(f"calendar year must be between 1949 and 9999, got {year}")
        hol = frozenset(holidays)
        work = frozenset(workdays)
        for kind, days in (("holiday", hol), ("adjusted workday", work)):
            for d in sorted(days):
                if d.year != year:
                    raise InputError(f"{kind} {d.isoformat()} is not in the year {year}")
        both = sorted(hol & work)
        if both:
            raise InputError(f"{both[0].isoformat()} is listed as both a holiday and a workday")
        for d in sorted(work):
            if d.weekday() < 5:
                raise InputError(
                    f"adjusted workday {d.isoformat()} is a {_WEEKDAY_NAMES[d.weekday()]}: "
                    "only a Saturday or Sunday can be an adjusted workday (调休上班)"
                )
        return cls(year, hol, work, source)


class WorkCalendar:
    """Working-day arithmetic over the years it holds data for."""

    def __init__(self, years: Mapping[int, YearCalendar]) -> None:
        """Use ``years`` (year -> its data).

        Raises:
            InputError: when a key does not match its data's year.
        """
        for year, data in years.items():
            if data.year != year:
                raise InputError(f"calendar data for {data.year} filed under {year}")
        self._years = dict(years)

    @property
    def years(self) -> list[int]:
        """The years covered, ascending."""
        return sorted(self._years)

    def year(self, year: int) -> YearCalendar:
        """The data of ``year``.

        Raises:
            CalendarDataMissing: when the year is not covered.
        """
        data = self._years.get(year)
        if data is None:
            raise CalendarDataMissing(year)
        return data

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day.

        Raises:
            CalendarDataMissing: when ``d``'s year is not covered.
        """
        data = self.year(d.year)
        if d in data.workdays:
            return True
        return d.weekday() < 5 and d not in data.holidays

    def add_workdays(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` itself does not count; n=0 gives d).

        Raises:
            InputError: for a negative ``n``.
            CalendarDataMissing: naming the first year on the way (``d``'s included) that has
                no data.
        """
        if n < 0:
            raise InputError(f"number of working days must not be negative, got {n}")
        self.year(d.year)
        day, left = d, n
        while left:
            day += _DAY
            if self.is_workday(day):
                left -= 1
        return day

    def workdays_between(self, a: date, b: date) -> int:
        """Working days ``w`` with ``a < w <= b``; negative (``-(b, a]``) when ``b < a``.

        Raises:
            CalendarDataMissing: when a year between them (ends included) has no data.
        """
        if b < a:
            return -self.workdays_between(b, a)
        self.year(a.year)
        count, day = 0, a
        while day < b:
            day += _DAY
            if self.is_workday(day):
                count += 1
        return count

    def late_by(self, due: date, published: date) -> int:
        """Working days a publication on ``published`` missed the deadline ``due`` by.

        0 when ``published <= due``; otherwise the smallest N with
        ``published <= add_workdays(due, N)``, so a publication on the rest day right after
        the deadline is late by 1.

        Raises:
            CalendarDataMissing: when a year between them has no data.
        """
        if published <= due:
            return 0
        extra = 0 if self.is_workday(published) else 1
        return self.workdays_between(due, published) + extra


@dataclass(frozen=True)
class Deadline:
    """A publication deadline and, once published, how it went.

    Attributes:
        start: the day the period starts from (it does not count itself).
        workdays: the period in working days (7 for both rules).
        due: the last day on which publication is on time.
        published: the publication date (China Standard Time), or None while pending.
        late_by: working days late (0 when on time or still pending).
    """

    start: date
    workdays: int
    due: date
    published: date | None
    late_by: int

    @property
    def on_time(self) -> bool | None:
        """True/False once published; None while pending."""
        return None if self.published is None else self.late_by == 0

    def to_dict(self) -> dict[str, object]:
        """The published form (dates as ``YYYY-MM-DD``)."""
        return {
            "start": self.start.isoformat(),
            "workdays": self.workdays,
            "due": self.due.isoformat(),
            "published": None if self.published is None else self.published.isoformat(),
            "on_time": self.on_time,
            "late_by": self.late_by,
        }


def deadline(
    calendar: WorkCalendar, start: date, workdays: int, published: date | None = None
) -> Deadline:
    """The deadline ``workdays`` working days after ``start`` and, if published, its status.

    Raises:
        InputError: for a negative period or a publication before ``start``.
        CalendarDataMissing: when a year on the way has no data.
    """
    due = calendar.add_workdays(start, workdays)
    if published is not None and published < start:
        raise InputError(
            f"publication date {published.isoformat()} is before the period start "
            f"{start.isoformat()}"
        )
    late = 0 if published is None else calendar.late_by(due, published)
    return Deadline(start, workdays, due, published, late)
