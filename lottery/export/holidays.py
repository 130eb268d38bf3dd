"""The national holiday calendar built into the package (``chinese-calendar``), as checked years.

Anyone checking the export's deadlines needs it as well as the office: the service, the
verifier and the publisher read it from here. An office's own ``calendar`` records override a
year as a whole (docs/spec.md).
"""

from __future__ import annotations

from datetime import date
from functools import cache

from lottery.core.workdays import YearCalendar


@cache
def builtin_years() -> dict[int, YearCalendar]:
    """Every year ``chinese-calendar`` holds data for, as checked :class:`YearCalendar`."""
    import chinese_calendar

    source = f"chinese-calendar {chinese_calendar.__version__}"
    holidays: dict[int, set[date]] = {}
    workdays: dict[int, set[date]] = {}
    for d in chinese_calendar.holidays:
        holidays.setdefault(d.year, set()).add(d)
    for d in chinese_calendar.workdays:
        workdays.setdefault(d.year, set()).add(d)
    # Its range check uses the years of the holiday table: a year there is fully covered.
    return {
        year: YearCalendar.build(year, days, workdays.get(year, set()), source)
        for year, days in sorted(holidays.items())
    }
