"""``lottery rectification order|check|approve|reviewing|review|list``: rectification orders
published results and their re-checks (复查), approved by a different ``--actor``
(:mod:`lottery.service.rectifications`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lottery.core.errors import InputError

from .common import Actor, DataDir, actor_name, parse_day, service_at, utc_now

if TYPE_CHECKING:
    from lottery.service.lifecycle import Lifecycle
    from lottery.service.rectifications import RectificationService

rect_app = typer.Typer(
    help="Rectification: order it on a published result, record and approve its re-check.",
    no_args_is_help=True,
)
_STATUS_ZH = {"none": "未录入", "entered": "待审核", "reviewing": "待保密审查"}
RowId = Annotated[int, typer.Argument(help="Rectification order number (see list).", min=1)]


def _service(service: Lifecycle) -> RectificationService:
    from lottery.service.rectifications import RectificationService

    return RectificationService(service.engine, service.log)


@rect_app.command("order")
def order(
    result: Annotated[str, typer.Argument(help="Record id of the published result.")],
    requirements: Annotated[str, typer.Option("--requirements", help="What to rectify.")],
    due: Annotated[str, typer.Option("--due", help="Due date, YYYY-MM-DD (after today).")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Order rectification on a published result with findings (publishes the order)."""
    due_date = parse_day(due, "整改期限（--due）")
    with service_at(data_dir) as service:
        rect = _service(service)
        record = rect.order(result, requirements, due_date, utc_now(), actor=actor_name(actor))
    if record is None:
        typer.echo("整改通知已下达，待保密审查后公开（lottery rectification reviewing）")
        return
    typer.echo(f"rectification-order {record.id} published: {record.body['target']} by {due}")


@rect_app.command("check")
def check(
    number: RowId,
    on: Annotated[str, typer.Option("--date", help="Re-check date, YYYY-MM-DD.")],
    inspector: Annotated[
        list[str], typer.Option("--inspector", help="An inspector present (at least two).")
    ],
    outcome: Annotated[str, typer.Option("--outcome", help="已整改, 部分整改 or 未按期整改.")],
    note: Annotated[str, typer.Option("--note", help="What was found (sealed).")] = "",
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Enter the re-check of an open order (approved later by another person)."""
    day = parse_day(on, "复查日期（--date）")
    with service_at(data_dir) as service:
        rect = _service(service)
        rect.enter_check(number, day, inspector, outcome, note, utc_now(), actor=actor_name(actor))
    typer.echo(f"rectification {number}: re-check entered, waiting for another person's approval")


@rect_app.command("approve")
def approve(number: RowId, data_dir: DataDir = Path("data"), actor: Actor = None) -> None:
    """Approve the entered re-check and publish it (not by who entered it)."""
    with service_at(data_dir) as service:
        rect = _service(service)
        record = rect.approve_check(number, utc_now(), reviewer=actor_name(actor))
    if record is None:
        typer.echo(f"整改要求 {number} 的复查结果已审核通过，待保密审查后公开")
        return
    typer.echo(f"rectification-check {record.id} published: {record.body['outcome']}")


@rect_app.command("reviewing")
def reviewing(data_dir: DataDir = Path("data")) -> None:
    """List the orders and re-checks waiting for the publication review (保密审查), each with
    the publication rules that apply to it."""
    from lottery.service.rectification_review import WHAT

    with service_at(data_dir, signs=False) as service:
        rect = _service(service)
        rows = rect.reviewing()
        if not rows:
            typer.echo("没有待保密审查的整改通知或复查结果")
        for row, kind in rows:
            rules = rect.publication_rules(row.id or 0, kind)
            words = "；".join(f"{r.id} {r.zh()}" for r in rules) or "无适用规则"
            typer.echo(f"{row.id}\t{WHAT[kind]}（{kind}）\t{row.task}/{row.target}\t{words}")


@rect_app.command("review")
def review(
    number: RowId,
    kind: Annotated[
        str, typer.Option("--kind", help="order (the order's requirements) or check (its note).")
    ],
    generalise: Annotated[
        str | None,
        typer.Option("--generalise", help="The general text that replaces the original."),
    ] = None,
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """The publication review (保密审查) of an order or an approved re-check: apply the
    publication rules in force and publish it (not by who ordered or entered it)."""
    from lottery.service.rectification_review import KINDS

    if kind not in KINDS:
        raise InputError(f"--kind {kind!r}：应为 order（整改通知）或 check（复查结果）")
    field = "requirements" if kind == "order" else "note"
    texts = {} if generalise is None else {field: generalise}
    with service_at(data_dir) as service:
        rect = _service(service)
        record = rect.review_publication(number, kind, texts, utc_now(), reviewer=actor_name(actor))
    typer.echo(f"整改要求 {number} 已完成保密审查并公开（记录 {record.id}）")


@rect_app.command("withdraw")
def withdraw(
    record: Annotated[str, typer.Argument(help="Record id of the order or the re-check.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the content is withdrawn.")],
    ground: Annotated[str, typer.Option("--ground", help="expired, repaired or other.")] = "other",
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Withdraw an order's requirements or a re-check's note (its sealed blob is deleted)."""
    with service_at(data_dir) as service:
        rect = _service(service)
        done = rect.withdraw(record, reason, utc_now(), actor=actor_name(actor), ground=ground)
    typer.echo(f"rectification-withdrawal {done.id} published: the sealed content is deleted")


@rect_app.command("list")
def list_(data_dir: DataDir = Path("data")) -> None:
    """Open orders (not re-checked yet), the earliest due first; overdue ones flagged."""
    from lottery.service.result_entry import local_date

    with service_at(data_dir, signs=False) as service:
        rect = _service(service)
        rows = rect.open_orders(local_date(utc_now()))
    for o in rows:
        flag = "已逾期" if o.overdue else f"剩余 {o.days_left} 天"
        if o.row.order_status == "reviewing":
            flag += "（整改通知待保密审查，尚未公开）"
        typer.echo(
            f"{o.row.id}\t{o.row.task}\t{o.row.target}\t{o.row.due.isoformat()}\t{flag}\t"
            f"复查：{_STATUS_ZH.get(o.row.check_status, o.row.check_status)}"
        )
    if not rows:
        typer.echo("没有未复查的整改要求")


def register(app: typer.Typer) -> None:
    """Add ``lottery rectification`` to ``app``."""
    app.add_typer(rect_app, name="rectification")
