"""Working days (R8): the office's calendar table, date arithmetic, deadlines due."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require
from lottery.api.schemas import ERROR_RESPONSES, RecordPublic, Strict
from lottery.core.workdays import YearCalendar
from lottery.service.calendar import CalendarService
from lottery.service.penalties import pending_deadlines
from lottery.service.results import local_date
from lottery.service.roles import Perm
from lottery.service.users import StaffUser

router = APIRouter(prefix="/api", tags=["calendar"], responses=ERROR_RESPONSES)
Reader = Annotated[StaffUser, Depends(require(Perm.TASK_READ))]
Writer = Annotated[StaffUser, Depends(require(Perm.CALENDAR_WRITE))]
Year = Annotated[int, Path(ge=2000, le=2100)]


class YearBody(Strict):
    """A year's official data, from the State Council notice named in ``source``."""

    holidays: list[dt.date] = Field(min_length=1, max_length=100)
    workdays: list[dt.date] = Field(default_factory=list, max_length=30)
    source: str = Field(min_length=1, max_length=200, description="e.g. 国办发明电〔2026〕x号")


class YearPublic(BaseModel):
    year: int
    holidays: list[dt.date]
    workdays: list[dt.date]
    source: str
    record: str | None


class DateAnswer(BaseModel):
    date: dt.date


class DueItemPublic(BaseModel):
    kind: str
    ref: str
    start: dt.date
    due: dt.date | None
    left: int | None
    overdue: bool
    problem: str | None = Field(default=None, description="e.g. a year without calendar data")


def _calendar(service: ServiceDep) -> CalendarService:
    return CalendarService(service.engine, service.log)


Calendar = Annotated[CalendarService, Depends(_calendar)]


@router.get("/calendar/{year}", response_model=YearPublic)
def show_year(year: Year, _: Reader, calendar: Calendar) -> YearPublic:
    """A year's holidays and adjusted workdays (the office's entry, else the built-in data)."""
    data, record = calendar.show(year)
    return YearPublic(
        year=year,
        holidays=sorted(data.holidays),
        workdays=sorted(data.workdays),
        source=data.source,
        record=record,
    )


@router.put("/calendar/{year}", response_model=RecordPublic)
def set_year(
    year: Year,
    body: YearBody,
    user: Writer,
    calendar: Calendar,
    now: NowDep,
    addr: RemoteAddr,
) -> RecordPublic:
    """Enter or replace a year's data; it is published as a ``calendar`` record."""
    data = YearCalendar(year, frozenset(body.holidays), frozenset(body.workdays), body.source)
    return RecordPublic.of(calendar.set_year(data, now, actor=user.name, remote_addr=addr))


@router.get("/workdays/add", response_model=DateAnswer)
def add_workdays(
    _: Reader,
    calendar: Calendar,
    date: Annotated[dt.date, Query(description="the start day (not counted)")],
    n: Annotated[int, Query(ge=0, le=366)],
) -> DateAnswer:
    """The date ``n`` working days after ``date``."""
    return DateAnswer(date=calendar.calendar().add_workdays(date, n))


@router.get("/deadlines", response_model=list[DueItemPublic])
def deadlines(_: Reader, service: ServiceDep, now: NowDep) -> list[DueItemPublic]:
    """Task reports and penalties still to publish, soonest first (negative left: overdue)."""
    items = pending_deadlines(service.engine, service.log, local_date(now))
    return [
        DueItemPublic(
            kind=i.kind,
            ref=i.ref,
            start=i.start,
            due=i.due,
            left=i.left,
            overdue=i.overdue,
            problem=i.problem,
        )
        for i in items
    ]
