"""``lottery backup``, ``lottery restore``, ``lottery recover`` and ``lottery db upgrade``.

docs/operations.md says when to run each: the backup schedule, the restore drill and the
"database lost" incident.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from lottery.core.errors import InputError
from lottery.storage.backup import backup_database, restore_database
from lottery.storage.engine import make_engine
from lottery.storage.migrate import current_revision, head_revision, upgrade_to_head

from .common import DataDir, require_initialised, service_at, settings_for, utc_now


def backup_command(
    out: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
    keys_to: Annotated[
        Path | None,
        typer.Option(
            "--keys-to",
            help="Also copy the key files into this directory (kept apart from the backup).",
        ),
    ] = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Write a consistent backup of the database while the service runs (no key files)."""
    settings = settings_for(data_dir)
    require_initialised(settings)
    if out.parent.resolve() == settings.keys_dir.resolve():
        raise InputError("the backup must not be written into the keys directory")
    if keys_to is not None and keys_to.resolve() == out.parent.resolve():
        raise InputError(
            "--keys-to must be another directory than the backup's (docs/secrets.md: the key "
            "files are never stored beside the database backup)"
        )
    backup_database(settings.url, out)
    typer.echo(
        f"backup written: {out} (database only; key files and the checkpoint file are not in it)"
    )
    if keys_to is not None:
        keys_to.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in sorted(settings.keys_dir.glob("*")):
            target = keys_to / path.name
            if target.exists():
                raise InputError(f"{target} already exists: refusing to overwrite a key file")
            shutil.copy2(path, target)
        typer.echo(f"key files copied to {keys_to}: store them apart from the backup")


def restore_command(
    backup: Annotated[Path, typer.Argument(help="A file written by `lottery backup`.")],
    data_dir: DataDir = Path("data"),
) -> None:
    """Replace the database with a backup (stop the service first). Keys and the last
    checkpoint file are left as they are; run `lottery recover --from SITE` next."""
    settings = settings_for(data_dir)
    restore_database(settings.url, backup)
    typer.echo(
        f"database restored from {backup}. Next: `lottery recover --from <site dir or URL> "
        f"--data-dir {data_dir}` before starting the service"
    )


def recover_command(
    source: Annotated[
        str, typer.Option("--from", help="The published site or export (directory or URL).")
    ],
    data_dir: DataDir = Path("data"),
) -> None:
    """Re-ingest the records and blobs published after the database's log, each verified."""
    from lottery.service.recovery import recover_from

    from .verify_cmd import open_export

    get = open_export(source)
    with service_at(data_dir) as service, service.session() as session, session.begin():
        result = recover_from(service.log, session, get, utc_now(), service.keeper)
    added = result.after - result.before
    typer.echo(
        f"recovered {added} records ({result.before} -> {result.after}) and {result.blobs} "
        f"blobs from {source}"
    )
    for kind, count in sorted(result.types.items()):
        typer.echo(f"  {kind}: {count}")
    if result.rows or result.not_rebuilt:
        rows = ", ".join(f"{kind} {count}" for kind, count in sorted(result.rows.items()))
        typer.echo(f"重建的工作记录 / office rows rebuilt: {rows or '-'}")
    for skipped in result.not_rebuilt:
        typer.echo(f"  未重建 / not rebuilt: {skipped}")
    if result.lost:
        typer.echo(
            "以下任务的保密数据产生于备份之后，无法从公开日志恢复 / tasks that lost secrets:"
        )
        for lost in result.lost:
            typer.echo(f"  {lost.task}: {', '.join(lost.lost)}. {lost.action}")


def upgrade_command(data_dir: DataDir = Path("data")) -> None:
    """Run the database migrations up to this code's schema (back up first)."""
    settings = settings_for(data_dir)
    engine = make_engine(settings)
    try:
        before = current_revision(engine)
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    head = head_revision()
    if before == head:
        typer.echo(f"the database schema is already at {head}")
    else:
        typer.echo(f"database schema upgraded: {before or 'empty'} -> {head}")


def register(app: typer.Typer) -> None:
    """Add the commands to ``app``."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.command("recover")(recover_command)
    db_app = typer.Typer(help="The database's schema.", no_args_is_help=True)
    db_app.command("upgrade")(upgrade_command)
    app.add_typer(db_app, name="db")
