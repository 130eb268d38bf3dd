"""What the service commands share: the ``--data-dir`` option, opening the service, the clock.

The CLI works on the data directory directly (database, keys, secrets): whoever can run it
there is the office's operator. Commands name who acted with ``--actor`` (default
``cli:<login name>``), which the audit trail records.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from lottery.core.errors import InputError
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings, get_settings

from .clock import utc_now as utc_now  # re-exported: the commands import it from here

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


def parse_day(text: str, field: str) -> date:
    """The day ``text`` (YYYY-MM-DD) of the option ``field`` (its Chinese name and the option,
    e.g. ``收到日期（--received）``), or a refusal in Chinese naming it."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{field}：须是 YYYY-MM-DD 格式的日期，填写的是 {text!r}") from None


def actor_name(actor: str | None) -> str:
    """``actor`` or ``cli:<login name>``."""
    if actor:
        return actor
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def settings_for(data_dir: Path) -> Settings:
    """Settings for ``data_dir`` (the environment may still set the database URL).

    Raises:
        InputError: naming the first ``LOTTERY_*`` variable whose value is not valid.
    """
    try:
        return get_settings(data_dir=data_dir)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "LOTTERY_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        raise InputError(f"{name}: {first['msg']}") from None


def output_file(path: Path) -> Path:
    """``path`` if a file can be written there: its folder exists and it is not a folder.

    Checked before any work so that a wrong path fails at once, with one line.

    Raises:
        InputError: naming what is wrong with the path.
    """
    parent = path.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise InputError(f"cannot write {path}: the directory {parent} {what}")
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory")
    return path


def require_initialised(settings: Settings) -> None:
    """Refuse a data directory that ``lottery init`` has not set up.

    Opening the service creates what is missing, so without this check a mistyped
    ``--data-dir`` would silently start a second office with a new key.

    Raises:
        InputError: naming the directory and the command that initialises it.
    """
    if settings.signer_socket is not None:
        # The key is the signer's: the secrets key `lottery init` made marks the directory.
        if not (settings.keys_dir / "secrets.key").is_file():
            raise InputError(
                f"{settings.data_dir} is not an initialised data directory (no keys/secrets.key): "
                f"check --data-dir, or run `lottery init --data-dir {settings.data_dir}` first"
            )
        return
    if not settings.office_key_file.is_file():
        raise InputError(
            f"{settings.data_dir} is not an initialised data directory (no office key): "
            f"check --data-dir, or run `lottery init --data-dir {settings.data_dir}` first"
        )


def open_service(
    data_dir: Path, *, create: bool = False, signs: bool = True, settings: Settings | None = None
) -> Lifecycle:
    """Open the service state under ``data_dir`` (migrations applied, keys loaded).

    The one place a command opens the service (tests/test_cli_open_service.py checks that no
    other CLI module calls ``Lifecycle.open``), so that no signing command skips the floors.

    ``signs``: the command may sign a checkpoint (the default, the safe side): the published
    checkpoint and the witnesses are read first as floors of the fork guard
    (:mod:`lottery.cli.fork_floors`, docs/operations.md "Never sign a fork"). A command that
    only reads, or writes only the office's own tables (never the log), passes False and asks
    nothing. ``settings``: already read for ``data_dir`` (e.g. with a ``--site-dir``).

    Raises:
        InputError: when ``data_dir`` is not initialised and ``create`` is false.
    """
    if settings is None:
        settings = settings_for(data_dir)
    if not create:
        require_initialised(settings)
    service = Lifecycle.open(settings)
    if signs:
        from .fork_floors import read_floors

        try:
            read_floors(service, settings, utc_now())
        except BaseException:
            service.engine.dispose()
            raise
    return service


@contextmanager
def service_at(data_dir: Path, *, create: bool = False, signs: bool = True) -> Iterator[Lifecycle]:
    """The service under ``data_dir`` for one command; its connections closed afterwards
    (``signs``: see :func:`open_service`)."""
    service = open_service(data_dir, create=create, signs=signs)
    try:
        yield service
    finally:
        service.engine.dispose()
