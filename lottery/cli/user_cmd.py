"""``lottery user add|list|disable``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from lottery.service import users

from .common import Actor, DataDir, actor_name, service_at, utc_now

PASSWORD_ENV = "LOTTERY_USER_PASSWORD"  # noqa: S105 - a variable name
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="admin, planner, inspector, reviewer or auditor; repeatable."),
    ],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Add a staff account (password from LOTTERY_USER_PASSWORD or a prompt)."""
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = typer.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    with service_at(data_dir) as service:
        user = users.create_user(service, name, password, role, utc_now(), actor=actor_name(actor))
    typer.echo(f"user {user.name} added with roles {', '.join(user.roles)}")


@user_app.command("list")
def list_(data_dir: DataDir = Path("data")) -> None:
    """List the accounts."""
    with service_at(data_dir) as service:
        for u in users.list_users(service):
            state = "active" if u.active else "disabled"
            typer.echo(f"{u.name}\t{','.join(u.roles)}\t{state}")


@user_app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="Login name.")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Disable an account and end its sessions."""
    with service_at(data_dir) as service:
        users.set_active(service, name, False, utc_now(), actor=actor_name(actor))
    typer.echo(f"user {name} disabled")


def register(app: typer.Typer) -> None:
    """Add ``lottery user`` to ``app``."""
    app.add_typer(user_app, name="user")
