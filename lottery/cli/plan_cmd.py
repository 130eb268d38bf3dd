"""``lottery plan``: the annual plan (年度抽查计划, docs/plans.md) from the command line.

``import`` publishes a JSON/CSV/XLSX file as the next version of a year's plan; ``show``
prints the plan in force (or a version) with its execution; ``export`` writes a version as
XLSX or CSV with the Chinese column headers, for filing with the level above. A rejected file
prints its bad rows (``第N行 列名: 原因``) and exits 1; other errors are one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lottery.cli.common import Actor, DataDir, actor_name, open_service, output_file, utc_now

plan_app = typer.Typer(
    name="plan",
    help="The annual plan (年度抽查计划): import a version, show it, export it for filing.",
    no_args_is_help=True,
)

Year = Annotated[int | None, typer.Option(help="The plan's year (a JSON file may say it).")]


@plan_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A JSON, CSV (UTF-8, BOM or GBK) or XLSX file.")],
    year: Year = None,
    reason: Annotated[
        str | None, typer.Option(help="Why the plan changes (required from version 2 on).")
    ] = None,
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Publish FILE as the next version of the year's plan (a signed ``plan`` record)."""
    from lottery.core.errors import InputError
    from lottery.service.plans import read_plan_file
    from lottery.service.registries import ImportRejected, error_line

    try:
        file_year, file_reason, rows = read_plan_file(file)
    except ImportRejected as exc:
        for err in exc.errors:
            typer.echo(error_line(err), err=True)
        typer.echo(f"导入失败：{exc.result.error_summary()}，未发布任何计划", err=True)
        raise typer.Exit(1) from None
    the_year = year if year is not None else file_year
    if the_year is None:
        raise InputError("请用 --year 指定计划年度（CSV/XLSX 文件不含年度）")
    lc = open_service(data_dir)
    try:
        from lottery.service.plans import publish_plan

        record = publish_plan(
            lc,
            the_year,
            rows,
            actor=actor_name(actor),
            now=utc_now(),
            reason=reason if reason is not None else file_reason,
        )
    finally:
        lc.engine.dispose()
    body = record.body
    typer.echo(
        f"{body['year']} 年度抽查计划第 {body['version']} 版已发布：{len(rows)} 个计划条目，"
        f"记录 {record.id}"
    )


@plan_app.command("show")
def show_command(
    year: Annotated[int, typer.Argument(help="The plan's year.")],
    version: Annotated[int | None, typer.Option(help="A version (default: in force).")] = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Print a version of the plan: each entry, and for the plan in force its execution."""
    from lottery.service.plans import entry_cells, plan_version, plan_versions, progress

    lc = open_service(data_dir, signs=False)
    try:
        plan = plan_version(lc, year, version)
        latest = plan_versions(lc, year)[0].version
        done = {p.entry["id"]: p for p in progress(lc, year)} if plan.version == latest else {}
    finally:
        lc.engine.dispose()
    state = "现行" if plan.version == latest else f"已被第 {latest} 版取代"
    typer.echo(f"{year} 年度抽查计划 第 {plan.version} 版（{state}），记录 {plan.record_id}")
    if plan.reason:
        typer.echo(f"调整原因：{plan.reason}")
    for entry in plan.entries:
        c = entry_cells(entry)
        line = (
            f"{c['id']}  {c['period']}  事项 {c['items']}  比例 {c['ratio']}  频次 {c['frequency']}"
            f"  计划 {c['tasks']} 项  联合 {c['joint']}"
        )
        p = done.get(entry["id"])
        if p is not None:
            line += f"  已公告 {len(p.announced)}  已完成 {len(p.completed)}"
        typer.echo(line + (f"  备注 {c['note']}" if c["note"] else ""))


@plan_app.command("export")
def export_command(
    year: Annotated[int, typer.Argument(help="The plan's year.")],
    out: Annotated[Path, typer.Argument(help="The file to write: .xlsx or .csv.")],
    version: Annotated[int | None, typer.Option(help="A version (default: in force).")] = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Write a version of the plan with Chinese column headers (for 报上级备案)."""
    from lottery.service.plans import export_plan

    output_file(out)
    lc = open_service(data_dir)
    try:
        plan = export_plan(lc, year, out, version)
    finally:
        lc.engine.dispose()
    typer.echo(f"{year} 年度抽查计划第 {plan.version} 版：{len(plan.entries)} 个条目已导出到 {out}")


def register(app: typer.Typer) -> None:
    """Register ``plan`` on ``app`` (idempotent)."""
    if any(group.name == "plan" for group in app.registered_groups):
        return
    app.add_typer(plan_app)
