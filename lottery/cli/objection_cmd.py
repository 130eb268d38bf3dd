"""``lottery objection record|decide|list``: objections (异议) of inspected parties to
published results, decided by a different ``--actor`` and published as ``objection-outcome``
records (:mod:`lottery.service.objections`, docs/objections.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import Actor, DataDir, actor_name, parse_day, service_at, settings_for, utc_now

if TYPE_CHECKING:
    from lottery.service.lifecycle import Lifecycle
    from lottery.service.objections import ObjectionService

objection_app = typer.Typer(
    help="Objections: record one against a published result, decide it (published).",
    no_args_is_help=True,
)
RowId = Annotated[int, typer.Argument(help="Objection number (see list).", min=1)]


def _service(service: Lifecycle, data_dir: Path) -> ObjectionService:
    from lottery.service.objections import ObjectionService

    days = settings_for(data_dir).objection_workdays
    return ObjectionService(service.engine, service.log, days)


@objection_app.command("record")
def record(
    result: Annotated[str, typer.Argument(help="Record id of the published result.")],
    received: Annotated[str, typer.Option("--received", help="Day received, YYYY-MM-DD.")],
    text: Annotated[str, typer.Option("--text", help="What the party wrote (never published).")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Record an objection to a published result (publishes nothing yet)."""
    day = parse_day(received, "收到日期（--received）")
    with service_at(data_dir) as service:
        objections = _service(service, data_dir)
        row = objections.record(result, day, text, utc_now(), actor=actor_name(actor))
    typer.echo(
        f"objection {row.id} recorded: {row.target}, period until {row.period_due.isoformat()}"
    )


@objection_app.command("decide")
def decide(
    number: RowId,
    outcome: Annotated[str, typer.Option("--outcome", help="upheld or dismissed.")],
    correction: Annotated[
        str | None, typer.Option("--correction", help="Upheld: the correction's record id.")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Dismissed: why (published).")] = "",
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Decide an objection and publish the outcome (not by who recorded it)."""
    with service_at(data_dir) as service:
        objections = _service(service, data_dir)
        done = objections.decide(
            number, outcome, utc_now(), reviewer=actor_name(actor), correction=correction,
            reason=reason,
        )  # fmt: skip
    typer.echo(f"objection-outcome {done.id} published: {done.body['outcome']}")


@objection_app.command("list")
def list_(
    undecided: Annotated[bool, typer.Option("--undecided", help="Only those not decided.")] = False,
    data_dir: DataDir = Path("data"),
) -> None:
    """Objections, first received first, with their period and outcome."""
    from lottery.service.objections import OUTCOME_WORDS

    with service_at(data_dir, signs=False) as service:
        objections = _service(service, data_dir)
        rows = objections.listing(undecided=undecided)
    for r in rows:
        state = OUTCOME_WORDS.get(r.outcome or "", "待处理")
        typer.echo(
            f"{r.id}\t{r.task}\t{r.target}\t收到 {r.received.isoformat()}\t"
            f"期限至 {r.period_due.isoformat()}\t{state}"
        )
    if not rows:
        typer.echo("没有异议")


def register(app: typer.Typer) -> None:
    """Add ``lottery objection`` to ``app``."""
    app.add_typer(objection_app, name="objection")
