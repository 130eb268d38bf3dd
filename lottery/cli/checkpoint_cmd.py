"""``lottery checkpoint add-cosignature``: store a witness's cosignature for publication."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lottery.core.cosignature import CosignatureVerifier
from lottery.core.errors import EncodingError, InputError
from lottery.service.cosignatures import add_cosignatures

from .common import Actor, DataDir, actor_name, open_service, utc_now

checkpoint_app = typer.Typer(help="The office's signed checkpoints and their cosignatures.")


def _witnesses(keys: list[str]) -> list[CosignatureVerifier]:
    lines: list[str] = []
    for key in keys:
        path = Path(key)
        lines += path.read_text("utf-8").split() if "+" not in key and path.is_file() else [key]
    try:
        return [CosignatureVerifier.from_vkey(v) for v in lines]
    except EncodingError as exc:
        raise InputError(f"--witness: {exc}") from exc


@checkpoint_app.command("add-cosignature")
def add_cosignature_command(
    file: Annotated[Path, typer.Argument(help="A cosigned checkpoint returned by a witness.")],
    data_dir: DataDir = Path("data"),
    witness: Annotated[
        list[str] | None,
        typer.Option(help="Keep only (and verify) lines by this witness key; repeatable."),
    ] = None,
    actor: Actor = None,
) -> None:
    """Store the cosignature lines of a checkpoint the office signed; the export publishes
    them under cosigned/<size>."""
    try:
        note = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from exc
    witnesses = _witnesses(witness or [])
    service = open_service(data_dir)
    try:
        result = add_cosignatures(
            service, note, utc_now(), witnesses=witnesses, actor=actor_name(actor)
        )
    finally:
        service.engine.dispose()
    for who in result.added:
        typer.echo(f"added     checkpoint {result.size}: {who}")
    for who in result.already:
        typer.echo(f"kept      checkpoint {result.size}: {who} (already stored)")
    for who in result.ignored:
        typer.echo(f"ignored   checkpoint {result.size}: {who} (not a given --witness)")
    if not witnesses:
        typer.echo(
            "note: cosignatures stored without checking them; pass --witness to verify",
            err=True,
        )


def register(app: typer.Typer) -> None:
    """Add ``lottery checkpoint`` to ``app``."""
    app.add_typer(checkpoint_app, name="checkpoint")
