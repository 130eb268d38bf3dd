"""``lottery signer serve``: the office's signer process on a local Unix socket
(:mod:`lottery.service.signer_server`, docs/deploy.md "The signer")."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from lottery.core.errors import InputError
from lottery.service.signer_server import OfficeKeyHolder, SignerServer
from lottery.settings import get_settings
from lottery.storage.keys import OFFICE_STEM, generate_keypair

signer_app = typer.Typer(help="The office's signer process (机关签名服务).")


SignerDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        help="The signer's own directory: keys/office.key, state/ (never the service's).",
        envvar="LOTTERY_SIGNER_DATA_DIR",
    ),
]


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@signer_app.command("init")
def init_command(
    data_dir: SignerDir,
    origin: Annotated[
        str | None,
        typer.Option(help="The log's origin, the key's name (default LOTTERY_LOG_ORIGIN)."),
    ] = None,
) -> None:
    """Make the office key pair in the signer's directory (a new office: before `lottery init`
    of the service; an existing one moves its key instead, docs/operations.md)."""
    name = origin or get_settings().log_origin
    key = generate_keypair(data_dir / "keys", name, OFFICE_STEM)
    typer.echo(f"office public key: {key.vkey}")
    typer.echo(f"fingerprint: {key.verifier().fingerprint}")


@signer_app.command("serve")
def serve_command(
    socket: Annotated[Path, typer.Option("--socket", help="The Unix socket to listen on.")],
    data_dir: SignerDir,
) -> None:
    """Hold the office key and sign what the service asks, when it is a record of this log or
    a checkpoint extending the last one signed (socket mode 0660). Stops on SIGTERM/SIGINT."""
    if not (data_dir / "keys" / "office.key").is_file():
        raise InputError(
            f"{data_dir} holds no keys/office.key: give the signer's data directory "
            "(docs/operations.md, key ceremony)"
        )
    holder = OfficeKeyHolder(data_dir)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    server = SignerServer(socket, holder)
    signal.signal(signal.SIGTERM, _stop)
    typer.echo(
        f"signer listening on {socket}: key {holder.key.name} "
        f"fingerprint {holder.key.verifier().fingerprint}",
        err=True,
    )
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@signer_app.command("reset-state")
def reset_command(
    data_dir: SignerDir,
    to: Annotated[
        Path,
        typer.Option(
            "--to",
            help="The checkpoint to put back: the service's state/last-checkpoint.",
        ),
    ],
    reason: Annotated[str, typer.Option(help="Why (written to the signer's audit file).")],
) -> None:
    """With the signer stopped: put back the service's last committed checkpoint as the
    signer's floor, after a transaction rolled back once the signer had signed its checkpoint
    (docs/operations.md, "The office key in the signer process")."""
    try:
        note = to.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {to}: {exc.strerror}") from exc
    before, after = OfficeKeyHolder(data_dir).reset_state(note, reason)
    typer.echo(f"signer state reset: last checkpoint {before} -> {after} entries")


def register(app: typer.Typer) -> None:
    """Add ``lottery signer`` to ``app``."""
    app.add_typer(signer_app, name="signer")
