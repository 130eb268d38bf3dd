"""``lottery rectification order|check|approve|list``: rectification orders (整改) on
published results and their re-checks (复查), approved by a different ``--actor``
(:mod:`lottery.service.rectifications`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import Actor, DataDir, actor_name, parse_day, service_at, utc_now

if TYPE_CHECKING:
    from lottery.service.lifecycle import Lifecycle
    from lottery.service.rectifications import RectificationService

rect_app = typer.Typer(
    help="Rectification: order it on a published result, record and approve its re-check.",
    no_args_is_help=True,
)
_STATUS_ZH = {"none": "未录入", "entered": "待审核"}
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
    typer.echo(f"rectification-check {record.id} published: {record.body['outcome']}")


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

    with service_at(data_dir) as service:
        rect = _service(service)
        rows = rect.open_orders(local_date(utc_now()))
    for o in rows:
        flag = "已逾期" if o.overdue else f"剩余 {o.days_left} 天"
        typer.echo(
            f"{o.row.id}\t{o.row.task}\t{o.row.target}\t{o.row.due.isoformat()}\t{flag}\t"
            f"复查：{_STATUS_ZH.get(o.row.check_status, o.row.check_status)}"
        )
    if not rows:
        typer.echo("没有未复查的整改要求")


def register(app: typer.Typer) -> None:
    """Add ``lottery rectification`` to ``app``."""
    app.add_typer(rect_app, name="rectification")
