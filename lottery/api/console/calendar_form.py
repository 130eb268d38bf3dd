"""The holiday calendar form: a year's holidays and adjusted workdays as lists of dates,
checked with Chinese errors next to the field, turned into a
:class:`~lottery.core.workdays.YearCalendar` (whose own checks the service applies again).

Dates are typed one a line (or separated by spaces, commas or 、), as ``YYYY-MM-DD``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from lottery.core.errors import InputError
from lottery.core.workdays import YearCalendar

MIN_YEAR, MAX_YEAR = 2000, 2100  # as PUT /api/calendar/{year}
MAX_HOLIDAYS, MAX_WORKDAYS, MAX_SOURCE = 100, 30, 200  # as the API's body
_SPLIT = re.compile(r"[\s,，、;；]+")
WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def parse_year(text: str) -> int | None:
    """The year of an address or a query, or None when it is not one the service accepts."""
    if not text.isascii() or not text.isdigit() or len(text) != 4:
        return None
    year = int(text)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


@dataclass
class CalendarForm:
    """The submitted values (as typed) and the errors found, by field."""

    holidays: str
    workdays: str
    source: str
    errors: dict[str, str] = field(default_factory=dict)


def _dates(text: str, year: int, label: str, limit: int) -> tuple[list[date], str]:
    out: list[date] = []
    for token in (t for t in _SPLIT.split(text.strip()) if t):
        try:
            day = date.fromisoformat(token)
        except ValueError:
            return [], f"“{token[:20]}”不是日期：请写成 年-月-日，例如 {year}-01-01"
        if day.year != year:
            return [], f"{day.isoformat()} 不在 {year} 年"
        out.append(day)
    if len(set(out)) > limit:
        return [], f"{label}最多 {limit} 天"
    return sorted(set(out)), ""


def read_form(
    year: int, holidays: str, workdays: str, source: str
) -> tuple[CalendarForm, YearCalendar | None]:
    """Check the form; the year's data when every field is acceptable, else None."""
    form = CalendarForm(holidays[:5000], workdays[:2000], source[: MAX_SOURCE + 50])
    hol, error = _dates(holidays, year, "节假日", MAX_HOLIDAYS)
    if error:
        form.errors["holidays"] = error
    elif not hol:
        form.errors["holidays"] = "请至少填写一天节假日（每年都有法定节假日）"
    work, error = _dates(workdays, year, "调休上班日", MAX_WORKDAYS)
    if error:
        form.errors["workdays"] = error
    both = sorted(set(hol) & set(work))
    weekday = [d for d in work if d.weekday() < 5]
    if both and "workdays" not in form.errors:
        form.errors["workdays"] = f"{both[0].isoformat()} 同时列为节假日和调休上班日"
    elif weekday and "workdays" not in form.errors:
        day = weekday[0]
        form.errors["workdays"] = (
            f"{day.isoformat()} 是{WEEKDAYS_ZH[day.weekday()]}：调休上班日只能是星期六或星期日"
        )
    if not source.strip():
        form.errors["source"] = "请填写依据的通知文号，例如 国办发明电〔2025〕7号"
    elif len(source.strip()) > MAX_SOURCE:
        form.errors["source"] = f"最多 {MAX_SOURCE} 个字"
    if form.errors:
        return form, None
    try:
        data = YearCalendar.build(year, hol, work, source.strip())
    except InputError:  # pragma: no cover - the checks above are the same
        form.errors["holidays"] = "日期不符合要求"
        return form, None
    return form, data


def lines(days: frozenset[date] | list[date]) -> str:
    """Dates one a line, ascending (the form's text)."""
    return "\n".join(d.isoformat() for d in sorted(days))
