"""``lottery calendar``: working-day arithmetic and the office's holiday table (R8).

``add-workdays`` needs no database for the built-in years; with ``--data-dir`` it also uses
the office's entries. ``set`` signs and publishes a ``calendar`` record, so it opens the
service's state (database, office key) in the data directory.
"""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from lottery.core.errors import InputError
from lottery.core.workdays import WorkCalendar, YearCalendar
from lottery.settings import Settings, get_settings

calendar_app = typer.Typer(
    name="calendar",
    help="Working days (工作日) of the official calendar and the office's holiday table.",
    no_args_is_help=True,
)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Service data directory (default: LOTTERY_DATA_DIR); uses the office's table.",
    ),
]


def _settings(data_dir: Path | None) -> Settings:
    return get_settings() if data_dir is None else get_settings(data_dir=data_dir)


def _office_calendar(data_dir: Path) -> WorkCalendar:
    from lottery.service.calendar import calendar_in
    from lottery.storage.engine import make_engine, new_session
    from lottery.storage.migrate import prepare_schema

    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist")
    engine = make_engine(_settings(data_dir))
    try:
        prepare_schema(engine)
        with new_session(engine) as session:
            return calendar_in(session)
    finally:
        engine.dispose()


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"DATE must be YYYY-MM-DD, got {text!r}") from None


@calendar_app.command("add-workdays")
def add_workdays_command(
    start: Annotated[str, typer.Argument(metavar="DATE", help="Start date YYYY-MM-DD.")],
    n: Annotated[int, typer.Argument(help="Number of working days (>= 0).")],
    data_dir: DataDir = None,
) -> None:
    """Print the date N working days after DATE (DATE itself does not count)."""
    from lottery.service.calendar import builtin_calendar

    day = _parse_date(start)
    cal = builtin_calendar() if data_dir is None else _office_calendar(data_dir)
    typer.echo(cal.add_workdays(day, n).isoformat())


@calendar_app.command("set")
def set_command(
    year: Annotated[int, typer.Argument(help="Calendar year.")],
    file: Annotated[
        Path, typer.Argument(help="YAML or JSON: holidays, workdays (调休上班), notice.")
    ],
    data_dir: DataDir = None,
    actor: Annotated[str | None, typer.Option(help="Who enters it (default: login).")] = None,
) -> None:
    """Enter the office's holidays and adjusted workdays for YEAR and publish them."""
    from lottery.cli.common import open_service
    from lottery.service.calendar import CalendarService, parse_calendar_file

    data = parse_calendar_file(file, year)
    settings = _settings(data_dir)
    # Initialised (no office key made in a mistyped directory); the fork floors read first:
    # the calendar is a record of the log.
    service = open_service(settings.data_dir, settings=settings)
    try:
        record = CalendarService(service.engine, service.log).set_year(
            data, datetime.now(UTC), actor=actor or getpass.getuser()
        )
    finally:
        service.engine.dispose()
    typer.echo(
        f"{year}年: {len(data.holidays)} 个节假日, {len(data.workdays)} 个调休上班日; "
        f"record {record.id}"
    )


def _show(data: YearCalendar, record: str | None, builtin: bool = False) -> str:
    origin = "系统内置数据（已公开）" if builtin else "办公室录入"
    lines = [
        f"{data.year}年 来源: {origin if record else data.source}"
        + (f" (record {record})" if record else ""),
        "节假日: " + " ".join(sorted(d.isoformat() for d in data.holidays)),
        "调休上班: " + " ".join(sorted(d.isoformat() for d in data.workdays)),
    ]
    if record and data.source and data.source != "office":
        lines.insert(1, f"依据: {data.source}")
    return "\n".join(lines)


@calendar_app.command("show")
def show_command(
    year: Annotated[int, typer.Argument(help="Calendar year.")],
    data_dir: DataDir = None,
) -> None:
    """Show the holidays and adjusted workdays in force for YEAR."""
    from lottery.service.calendar import builtin_calendar, office_entry

    if data_dir is not None:
        entry = office_entry(_settings(data_dir), year)
        if entry is not None:
            typer.echo(_show(*entry))
            return
    typer.echo(_show(builtin_calendar().year(year), None))


def register(app: typer.Typer) -> None:
    """Register ``calendar`` on ``app`` (idempotent)."""
    if any(group.name == "calendar" for group in app.registered_groups):
        return
    app.add_typer(calendar_app)
