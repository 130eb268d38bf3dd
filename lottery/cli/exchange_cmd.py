"""``lottery exchange export|sent|list``: files for the national platforms in their field
layouts, and the log of what was sent when (:mod:`lottery.service.exchange`,
docs/exchange.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lottery.core.errors import InputError

from .common import (
    Actor,
    DataDir,
    actor_name,
    output_file,
    parse_day,
    service_at,
    settings_for,
    utc_now,
)

exchange_app = typer.Typer(
    help="Exports for the national platforms (双随机 platform, credit publicity system).",
    no_args_is_help=True,
)
FORMAT_ZH = {"national": "双随机平台", "credit": "信用公示系统"}
KIND_ZH = {"tasks": "抽查任务", "picks": "检查对象", "results": "抽查结果"}


@exchange_app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="national or credit.")],
    kind: Annotated[str, typer.Option("--kind", help="tasks, picks or results.")],
    year: Annotated[int, typer.Option("--year", help="The year (of the inspection dates).")],
    out: Annotated[Path, typer.Option("--out", help="Output file: .csv or .xlsx.")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Export published tasks, picks or results in a platform's layout; the export is logged."""
    from lottery.service.exchange import ExchangeService
    from lottery.service.exchange_layouts import check_request

    file_type = out.suffix.lower().lstrip(".")
    if file_type not in ("csv", "xlsx"):
        raise InputError(f"{out}: the export file must end in .csv or .xlsx")
    check_request(fmt, kind, year)
    output_file(out)
    with service_at(data_dir) as service:
        office = settings_for(data_dir).office_name
        made = ExchangeService(service.engine, service.log, office).export(
            fmt, kind, year, file_type, utc_now(), actor=actor_name(actor)
        )
    out.write_bytes(made.data)
    typer.echo(
        f"导出 {made.row.id}：{FORMAT_ZH[fmt]} {KIND_ZH[kind]} {year} 年 {made.row.rows} 行 -> "
        f"{out}（SHA-256 {made.row.sha256}）"
    )


@exchange_app.command("sent")
def sent(
    number: Annotated[int, typer.Argument(help="Export number (see list).", min=1)],
    on: Annotated[str, typer.Option("--date", help="The day it was sent, YYYY-MM-DD.")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Mark an export as sent (报送) on a day."""
    from lottery.service.exchange import ExchangeService

    day = parse_day(on, "报送日期（--date）")
    with service_at(data_dir) as service:
        office = settings_for(data_dir).office_name
        row = ExchangeService(service.engine, service.log, office).mark_sent(
            number, day, utc_now(), actor=actor_name(actor)
        )
    typer.echo(f"导出 {row.id} 已标记为 {day.isoformat()} 报送")


@exchange_app.command("list")
def list_exports(data_dir: DataDir = Path("data")) -> None:
    """Every export, newest first: when, who, what, rows, SHA-256, sent on."""
    from lottery.service.exchange import ExchangeService
    from lottery.service.result_entry import local_date

    with service_at(data_dir, signs=False) as service:
        rows = ExchangeService(service.engine, service.log, "").list_exports()
    for r in rows:
        sent_on = f"{r.sent_on.isoformat()} 报送" if r.sent_on else "未报送"
        typer.echo(
            f"{r.id}\t{local_date(r.made_at).isoformat()}\t{r.made_by}\t{FORMAT_ZH[r.format]}\t"
            f"{KIND_ZH[r.kind]}\t{r.year}\t{r.file_type}\t{r.rows} 行\t{r.sha256}\t{sent_on}"
        )
    if not rows:
        typer.echo("还没有导出记录")


def register(app: typer.Typer) -> None:
    """Add ``lottery exchange`` to ``app``."""
    app.add_typer(exchange_app, name="exchange")
