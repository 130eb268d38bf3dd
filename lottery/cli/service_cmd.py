"""``lottery init``, ``lottery serve`` and ``lottery export``."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from lottery.core.errors import InputError
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.password_policy import check_password

from .common import (
    DataDir,
    open_service,
    require_initialised,
    service_at,
    settings_for,
    utc_now,
)
from .password_input import read_new_password

PASSWORD_ENV = "LOTTERY_ADMIN_PASSWORD"  # noqa: S105 - a variable name


class LogFormat(StrEnum):
    """``lottery serve --log-format``."""

    text = "text"
    json = "json"


def init_command(
    admin: Annotated[str, typer.Option("--admin", help="Name of the first administrator.")],
    data_dir: DataDir = Path("data"),
) -> None:
    """Create the database, the office key and the first admin (password: env or prompt).

    The password policy applies; a password from the environment that breaks it is refused
    before anything is created.
    """
    if os.environ.get(PASSWORD_ENV) is not None:
        check_password(os.environ[PASSWORD_ENV], admin)
    with service_at(data_dir, create=True) as service:
        if any(u.name == admin for u in users.list_users(service)):
            typer.echo(f"{data_dir}: already initialised; user {admin} exists")
            return
        password = read_new_password(PASSWORD_ENV, admin)
        users.create_user(service, admin, password, ["admin"], utc_now(), actor="lottery init")
    typer.echo(f"initialised {data_dir}: database, office key, admin {admin}")
    typer.echo(f"office public key: {service.log.verifier.vkey}")


def serve_command(
    data_dir: DataDir = Path("data"),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    scheduler: Annotated[
        bool, typer.Option("--scheduler/--no-scheduler", help="Run the scheduled jobs.")
    ] = True,
    log_format: Annotated[
        LogFormat | None,
        typer.Option(
            "--log-format",
            help="text (default) or json: one JSON object a line (LOTTERY_LOG_FORMAT).",
        ),
    ] = None,
) -> None:
    """Run the API, the staff console (/console/) and the scheduler.

    Health and metrics: /healthz, /readyz, /metrics (docs/operations.md).

    Behind a reverse proxy, set LOTTERY_TRUSTED_PROXIES to its address (docs/deploy.md).
    """
    import uvicorn

    from lottery.api import create_app
    from lottery.runtime.logs import uvicorn_log_config

    settings = settings_for(data_dir)  # a wrong setting (e.g. a proxy that is not an address):
    # one line, before anything starts
    require_initialised(settings)
    service = _started(data_dir)
    chosen = log_format.value if log_format is not None else settings.log_format
    # The same service: its fork guard keeps what the witnesses said at start.
    app = create_app(settings, service=service, scheduler=scheduler)
    typer.echo(f"serving on http://{host}:{port}/ (console /console/, API docs /docs)")
    # The app itself reads X-Forwarded-For, from LOTTERY_TRUSTED_PROXIES only: uvicorn's own
    # reading (on by default for 127.0.0.1) is turned off so that nothing else is trusted.
    config = uvicorn_log_config(chosen)
    if config is None:
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
    else:
        uvicorn.run(
            app, host=host, port=port, log_level="info", log_config=config, proxy_headers=False
        )


def _started(data_dir: Path) -> Lifecycle:
    """The service, once it is sure it would not sign a fork (docs/operations.md): the
    published checkpoint and the witnesses read at open, as for every signing command.

    Raises:
        InputError: naming the floor the log does not extend and ``lottery recover``.
    """
    service = open_service(data_dir)
    try:
        with service.session() as session:
            problem = service.log.fork_problem(session)  # never start to sign a fork
    except BaseException:
        service.engine.dispose()
        raise
    if problem is not None:
        service.engine.dispose()
        raise InputError(problem)
    return service


def export_command(
    out: Annotated[Path, typer.Argument(help="The public export directory (created or extended).")],
    data_dir: DataDir = Path("data"),
) -> None:
    """Write or extend the public export: log tiles, checkpoints, blobs, public keys."""
    if out.resolve() == data_dir.resolve() or data_dir.resolve() in out.resolve().parents:
        raise InputError("the export must not be inside the data directory")
    with service_at(data_dir) as service:
        checkpoint = service.export_to(out)
    typer.echo(f"export {out}: {checkpoint.size} records, root {checkpoint.root_hash.hex()}")


def register(app: typer.Typer) -> None:
    """Add the commands to ``app``."""
    app.command("init")(init_command)
    app.command("serve")(serve_command)
    app.command("export")(export_command)
