"""``lottery export-credit`` and ``lottery deadlines``: results for the credit platform, and
the publications staff still owe (R8)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from lottery.cli.common import open_service, output_file
from lottery.core.errors import InputError
from lottery.settings import Settings, get_settings

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Service data directory (default: LOTTERY_DATA_DIR)."),
]


def _settings(data_dir: Path | None) -> Settings:
    from sqlalchemy.engine import make_url

    settings = get_settings() if data_dir is None else get_settings(data_dir=data_dir)
    url = make_url(settings.url)
    # Reading must not create an empty SQLite database where none was.
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise InputError(f"no service database at {url.database}")
    return settings


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{what} must be YYYY-MM-DD, got {text!r}") from None


def export_credit_command(
    out: Annotated[Path, typer.Argument(help="Output file: .csv or .xlsx.")],
    since: Annotated[
        str, typer.Option("--since", help="Results published on or after DATE (YYYY-MM-DD).")
    ],
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            help="A failure category to export (repeatable; default: all but 未发现问题).",
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Export failed inspection results for the credit information platform."""
    from lottery.service.credit import check_categories, credit_rows, write_credit_export
    from lottery.storage.engine import make_engine
    from lottery.storage.migrate import prepare_schema

    start = _date(since, "--since")
    categories = check_categories(category or None)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{out}: the export file must end in .csv or .xlsx")
    output_file(out)
    engine = make_engine(_settings(data_dir))
    try:
        prepare_schema(engine)
        rows = credit_rows(engine, since=start, categories=categories)
    finally:
        engine.dispose()
    write_credit_export(rows, out)
    typer.echo(f"{len(rows)} 条失信记录 -> {out}")


def deadlines_command(
    today: Annotated[
        str | None, typer.Option(help="Count from this date (default: today in Beijing).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """List task reports and penalties still to publish, with their deadlines."""
    from lottery.service.penalties import pending_deadlines
    from lottery.service.results import local_date

    day = _date(today, "--today") if today else local_date(datetime.now(UTC))
    settings = _settings(data_dir)
    service = open_service(settings.data_dir, signs=False, settings=settings)  # only reads
    try:
        items = pending_deadlines(service.engine, service.log, day)
    finally:
        service.engine.dispose()
    names = {"task-report": "抽查报告", "penalty": "行政处罚", "penalty-withdrawal": "撤回行政处罚"}
    for item in items:
        if item.due is None or item.left is None:
            typer.echo(
                f"----------  {names[item.kind]}  {item.ref}  截止日期无法计算: {item.problem}"
            )
            continue
        state = f"已逾期{-item.left}个工作日" if item.overdue else f"剩余{item.left}个工作日"
        typer.echo(f"{item.due.isoformat()}  {names[item.kind]}  {item.ref}  {state}")
    if not items:
        typer.echo("没有待公开的事项")


def register(app: typer.Typer) -> None:
    """Register ``export-credit`` and ``deadlines`` on ``app`` (idempotent)."""
    if any(info.name == "export-credit" for info in app.registered_commands):
        return
    app.command("export-credit")(export_credit_command)
    app.command("deadlines")(deadlines_command)
