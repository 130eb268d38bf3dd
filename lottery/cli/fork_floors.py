"""The floors of the fork guard outside the data directory, for every command that can sign
(docs/operations.md, "Never sign a fork"): the checkpoint published at ``LOTTERY_PUBLISHED``
and the witnesses' latest cosigned sizes (``LOTTERY_WITNESSES``).

Read when a command opens the service (:func:`lottery.cli.common.open_service`), before it
signs anything: a checkpoint is signed inside the transaction that appends its records, and a
witness's answer is recorded in its own transaction, which SQLite could not write while the
signing one holds the database; so the floors are asked at open, not lazily before the first
checkpoint. Commands that only read pass ``signs=False`` and ask nothing.
"""

from __future__ import annotations

from datetime import datetime

import typer

from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings


def read_floors(service: Lifecycle, settings: Settings, now: datetime) -> None:
    """Keep the published checkpoint and the witnesses' sizes as floors of ``service``'s fork
    guard; a floor that cannot be read is a warning on stderr (nothing is refused here: the
    guard refuses when a checkpoint would be signed)."""
    if settings.published:
        read_published(service, settings.published)
    ask_witnesses(service, settings, now)


def ask_witnesses(service: Lifecycle, settings: Settings, now: datetime) -> None:
    """Ask the configured witnesses for their sizes of the log: floors of the fork guard
    (docs/operations.md, "Never sign a fork"); a witness not heard is a warning."""
    from lottery.service.witness_floor import ask_witnesses as ask

    for warning in ask(service, settings, now).warnings:
        typer.echo(
            f"warning: {warning} (no floor from it this time); "
            f"警告：未能向该见证方核对其已联署的日志长度，本次未以其为下限",
            err=True,
        )


def read_published(service: Lifecycle, location: str) -> None:
    """Keep the checkpoint published at ``location`` (``LOTTERY_PUBLISHED``) as a floor of the
    log: written to the service's checkpoint file when it is the office's and larger."""
    from lottery.core.errors import LotteryError

    from .verify_cmd import open_export

    try:
        service.log.remember(open_export(location)("checkpoint"))
    except (LotteryError, KeyError, OSError) as exc:
        typer.echo(
            f"warning: cannot read the published checkpoint at {location} ({exc}); "
            f"警告：无法读取已公开的检查点",
            err=True,
        )
