"""``lottery user add|list|disable|passwd|org-unit``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from lottery.core.errors import InputError
from lottery.service import users
from lottery.service.lifecycle import Lifecycle

from .common import Actor, DataDir, actor_name, service_at, utc_now
from .password_input import read_new_password

T = TypeVar("T")
OrgUnitOption = Annotated[
    str | None,
    typer.Option(
        "--org-unit",
        help="The org unit code the account acts within, with the units below it "
        "(default: the whole office).",
    ),
]
PASSWORD_ENV = "LOTTERY_USER_PASSWORD"  # noqa: S105 - a variable name
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
MustChange = Annotated[
    bool,
    typer.Option(
        "--must-change/--no-must-change",
        help="The user must change the password at the next login (default: yes).",
    ),
]


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="admin, planner, inspector, reviewer or auditor; repeatable."),
    ],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
    must_change: MustChange = True,
    org_unit: OrgUnitOption = None,
) -> None:
    """Add a staff account (password from LOTTERY_USER_PASSWORD or a prompt).

    The password policy applies; by default the user must change the password at first login.
    With --org-unit the account acts within that unit and the units below it.
    """
    if org_unit is not None:
        with service_at(data_dir, signs=False) as service:
            users.check_org_unit(service, org_unit, actor_name(actor))
    user = _store_new_password(
        data_dir,
        name,
        lambda service, password, now: users.create_user(
            service,
            name,
            password,
            role,
            now,
            actor=actor_name(actor),
            must_change_password=must_change,
            org_unit=org_unit,
        ),
        existing=False,
    )
    then = "; must change the password at first login" if must_change else ""
    unit = f" in org unit {user.org_unit}" if user.org_unit else ""
    typer.echo(f"user {user.name} added with roles {', '.join(user.roles)}{unit}{then}")


@user_app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(help="Login name.")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
    must_change: MustChange = True,
) -> None:
    """Reset a user's password (from LOTTERY_USER_PASSWORD or a prompt); ends their sessions.

    The password policy applies; by default the user must change the password at next login.
    """
    _store_new_password(
        data_dir,
        name,
        lambda service, password, now: users.reset_password(
            service, name, password, now, actor=actor_name(actor), must_change_password=must_change
        ),
        existing=True,
    )
    then = "; must change it at next login" if must_change else ""
    typer.echo(f"password of {name} reset, sessions ended{then}")


@user_app.command("list")
def list_(data_dir: DataDir = Path("data")) -> None:
    """List the accounts."""
    with service_at(data_dir, signs=False) as service:
        for u in users.list_users(service):
            state = "active" if u.active else "disabled"
            unit = u.org_unit or "-"
            typer.echo(f"{u.name}\t{','.join(u.roles)}\t{state}\t{unit}")


@user_app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="Login name.")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Disable an account and end its sessions."""
    with service_at(data_dir, signs=False) as service:
        users.set_active(service, name, False, utc_now(), actor=actor_name(actor))
    typer.echo(f"user {name} disabled")


@user_app.command("org-unit")
def org_unit_(
    name: Annotated[str, typer.Argument(help="Login name.")],
    unit: Annotated[str, typer.Argument(help="Org unit code; '-' for the whole office (no unit).")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Move an account to an org unit: it acts within that unit and the units below it."""
    code = None if unit.strip() in ("", "-") else unit
    with service_at(data_dir, signs=False) as service:
        users.set_org_unit(service, name, code, utc_now(), actor=actor_name(actor))
    typer.echo(f"user {name} now in org unit {code or '- (the whole office)'}")


def _store_new_password(
    data_dir: Path, name: str, store: Callable[[Lifecycle, str, datetime], T], *, existing: bool
) -> T:
    """Read the new password of ``name`` and pass it to ``store``, with the service and the time.

    The password comes from LOTTERY_USER_PASSWORD or a prompt, its policy checked first.

    Raises:
        InputError: ``existing`` and there is no user ``name`` (said before any prompt).
        PasswordPolicyError: the password breaks a rule of the policy.
    """
    with service_at(data_dir, signs=False) as service:
        if existing and not any(u.name == name for u in users.list_users(service)):
            raise InputError(f"no user {name}")
        password = read_new_password(PASSWORD_ENV, name)
        return store(service, password, utc_now())


def register(app: typer.Typer) -> None:
    """Add ``lottery user`` to ``app``."""
    app.add_typer(user_app, name="user")
