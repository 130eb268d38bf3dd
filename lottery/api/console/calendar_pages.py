"""节假日安排: a year's holidays and adjusted workdays; the office's entry as a form, shown as
it will be published before it is confirmed.

Reading calls :meth:`CalendarService.show` (as ``GET /api/calendar/{year}``), entering calls
:meth:`CalendarService.set_year` (as ``PUT /api/calendar/{year}``), which publishes the year
as a ``calendar`` record: the calendar is a public record, so the confirmation page shows the
record's content and what changes against the data in force.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.core.errors import LotteryError
from lottery.core.workdays import CalendarDataMissing, YearCalendar
from lottery.service.calendar import CalendarService
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import local_date
from lottery.service.roles import Perm

from . import words
from .calendar_form import (
    MAX_YEAR,
    MIN_YEAR,
    WEEKDAYS_ZH,
    CalendarForm,
    lines,
    parse_year,
    read_form,
)
from .render import page
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]


def _calendar(service: Lifecycle) -> CalendarService:
    return CalendarService(service.engine, service.log)


def _in_force(service: Lifecycle, year: int) -> tuple[YearCalendar | None, str | None]:
    try:
        return _calendar(service).show(year)
    except CalendarDataMissing:
        return None, None


def _bad_year(user: ConsoleUser) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        active="calendar",
        status=404,
        heading="年份有误",
        message=f"年份应为 {MIN_YEAR} 到 {MAX_YEAR} 之间的四位数字。",
        back="/console/calendar",
        back_label="返回节假日安排",
    )


def day_zh(day: date) -> str:
    """``2026年10月1日（星期四）``."""
    return f"{words.date_zh(day)}（{WEEKDAYS_ZH[day.weekday()]}）"


@router.get("/calendar", response_model=None)
def calendar_year(
    user: User, service: ServiceDep, now: NowDep, year: str = "", done: str = ""
) -> Response:
    """A year's data in force: the office's entry, else the built-in data, else none."""
    require(user, Perm.TASK_READ)
    chosen = parse_year(year) if year else local_date(now).year
    if chosen is None:
        return _bad_year(user)
    data, record = _in_force(service, chosen)
    return page(
        "calendar.html",
        user=user,
        active="calendar",
        year=chosen,
        data=data,
        record=record,
        holidays=[day_zh(d) for d in sorted(data.holidays)] if data else [],
        workdays=[day_zh(d) for d in sorted(data.workdays)] if data else [],
        done=f"已发布 {chosen} 年的节假日安排。" if done == "1" else "",
        can_write=user.can(Perm.CALENDAR_WRITE),
        prev_year=chosen - 1 if chosen > MIN_YEAR else None,
        next_year=chosen + 1 if chosen < MAX_YEAR else None,
    )


def _edit_page(user: ConsoleUser, year: int, form: CalendarForm, status: int = 200) -> HTMLResponse:
    return page(
        "calendar_edit.html",
        user=user,
        active="calendar",
        status=status,
        year=year,
        form=form,
        errors=form.errors,
    )


@router.get("/calendar/{year}/edit", response_model=None)
def edit_form(year: str, user: User, service: ServiceDep) -> Response:
    """The form, filled with the data in force (if any)."""
    require(user, Perm.CALENDAR_WRITE)
    chosen = parse_year(year)
    if chosen is None:
        return _bad_year(user)
    data, record = _in_force(service, chosen)
    form = CalendarForm("", "", "")
    if data is not None:
        form = CalendarForm(
            lines(data.holidays), lines(data.workdays), data.source if record else ""
        )
    return _edit_page(user, chosen, form)


def _changes(old: YearCalendar | None, new: YearCalendar) -> list[str]:
    if old is None:
        return [f"{new.year} 年此前没有节假日安排数据，发布后按这份安排计算工作日。"]
    out = []
    for label, before, after in (
        ("节假日", old.holidays, new.holidays),
        ("调休上班日", old.workdays, new.workdays),
    ):
        added, removed = sorted(after - before), sorted(before - after)
        if added:
            out.append(f"新增{label}：" + "、".join(day_zh(d) for d in added))
        if removed:
            out.append(f"不再作为{label}：" + "、".join(day_zh(d) for d in removed))
    return out or ["日期与现行安排相同（只更改依据的通知文号时，也发布一条新记录）。"]


@router.post("/calendar/{year}/edit", response_model=None)
def submit(
    year: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    holidays: FormText = "",
    workdays: FormText = "",
    source: FormText = "",
    confirm: FormText = "",
) -> Response:
    """Check the form; show what will be published; publish once confirmed."""
    check_csrf(user, csrf)
    require(user, Perm.CALENDAR_WRITE)
    chosen = parse_year(year)
    if chosen is None:
        return _bad_year(user)
    form, data = read_form(chosen, holidays, workdays, source)
    if data is None:
        return _edit_page(user, chosen, form, status=422)
    old, record = _in_force(service, chosen)
    if confirm != "1":
        return page(
            "calendar_confirm.html",
            user=user,
            active="calendar",
            year=chosen,
            holidays_text=" ".join(d.isoformat() for d in sorted(data.holidays)),
            workdays_text=" ".join(d.isoformat() for d in sorted(data.workdays)),
            holidays=[day_zh(d) for d in sorted(data.holidays)],
            workdays=[day_zh(d) for d in sorted(data.workdays)],
            source=data.source,
            supersedes=record,
            changes=_changes(old, data),
        )
    try:
        _calendar(service).set_year(data, now, actor=user.name, remote_addr=addr)
    except LotteryError as exc:
        form.errors["holidays"] = words.error_zh(exc)
        return _edit_page(user, chosen, form, status=422)
    return RedirectResponse(f"/console/calendar?year={chosen}&done=1", status_code=303)
