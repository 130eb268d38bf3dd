"""``lottery beacon``: check public randomness by hand; void a wrong public-numbers entry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lottery.core import drand
from lottery.core.canonical import hex_to_bytes
from lottery.core.errors import InputError
from lottery.service import beacons

from .common import Actor, DataDir, actor_name, service_at, utc_now

beacon_app = typer.Typer(
    name="beacon",
    help="Check public randomness beacons; void a public-numbers entry.",
    no_args_is_help=True,
    add_completion=False,
)


@beacon_app.command("verify-drand")
def verify_drand(
    round_number: Annotated[int, typer.Option("--round", "-r", help="The drand round.")],
    signature: Annotated[
        str, typer.Option("--signature", help="The round's signature, hex (96 characters).")
    ],
    chain: Annotated[str, typer.Option("--chain", help="A pinned chain name.")] = "quicknet",
) -> None:
    """Verify a drand signature locally (BLS12-381) and print the round's randomness (hex).

    Nothing is printed on stdout when the signature does not verify (exit status 1).
    """
    info = drand.CHAINS.get(chain)
    if info is None:
        raise InputError(f"unknown drand chain {chain!r}; known chains: {', '.join(drand.CHAINS)}")
    raw = hex_to_bytes(signature.strip(), what="--signature")
    print(drand.verify_round(info, round_number, raw).hex())


@beacon_app.command("reject-numbers")
def reject_numbers(
    task_id: Annotated[str, typer.Argument(help="Task id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the entry is void (audited).")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Void the task's pending public-numbers entry; they must then be entered again.

    Its author or another staff member may void it (e.g. a typo); nothing is drawn.
    """
    with service_at(data_dir) as service:
        entry = beacons.reject_numbers(service, task_id, actor_name(actor), reason, utc_now())
    typer.echo(
        f"任务 {task_id}：{entry.entered_by} 录入的待确认号码已作废（录入 #{entry.id}），请重新录入"
    )


def register(app: typer.Typer) -> None:
    """Register the ``beacon`` group on ``app`` (idempotent)."""
    if any(info.name == "beacon" for info in app.registered_groups):
        return
    app.add_typer(beacon_app, name="beacon")
