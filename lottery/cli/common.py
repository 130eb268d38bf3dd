"""What the service commands share: the ``--data-dir`` option, opening the service, the clock.

The CLI works on the data directory directly (database, keys, secrets): whoever can run it
there is the office's operator. Commands name who acted with ``--actor`` (default
``cli:<login name>``), which the audit trail records.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings, get_settings

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        help="Database (SQLite default), keys and secrets. LOTTERY_DATABASE_URL overrides the DB.",
        envvar="LOTTERY_DATA_DIR",
    ),
]
Actor = Annotated[
    str | None, typer.Option("--actor", help="Who acts, for the audit trail (default cli:<login>).")
]


def utc_now() -> datetime:
    """The wall clock (tests replace this function)."""
    return datetime.now(UTC)


def actor_name(actor: str | None) -> str:
    """``actor`` or ``cli:<login name>``."""
    if actor:
        return actor
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def settings_for(data_dir: Path) -> Settings:
    """Settings for ``data_dir`` (the environment may still set the database URL)."""
    return get_settings(data_dir=data_dir)


def open_service(data_dir: Path) -> Lifecycle:
    """Open the service state under ``data_dir`` (migrations applied, keys loaded)."""
    return Lifecycle.open(settings_for(data_dir))


@contextmanager
def service_at(data_dir: Path) -> Iterator[Lifecycle]:
    """The service under ``data_dir`` for one command; its connections closed afterwards."""
    service = open_service(data_dir)
    try:
        yield service
    finally:
        service.engine.dispose()
