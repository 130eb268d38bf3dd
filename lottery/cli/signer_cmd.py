"""``lottery signer serve``: the office's signer process on a local Unix socket
(:mod:`lottery.service.signer_server`, docs/deploy.md "The signer")."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from lottery.core.checkpoint import open_checkpoint
from lottery.core.errors import InputError, LotteryError
from lottery.service.signer_server import (
    ADMIN_SOCKET,
    NEW_LOG_FILE,
    OfficeKeyHolder,
    SignerServer,
    hold_serve_lock,
    require_owner,
)
from lottery.storage.checkpoint_file import checkpoint_path, write_checkpoint_file
from lottery.storage.keys import OFFICE_STEM, generate_keypair

from .common import settings_for

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
    floor: Annotated[
        Path | None,
        typer.Option(
            "--floor",
            help="For a key moved from the service: its last signed checkpoint (the "
            "service's state/last-checkpoint), the first the signer must extend.",
        ),
    ] = None,
) -> None:
    """Make the office key pair in the signer's directory (a new office: before `lottery init`
    of the service), or with --floor give a moved key its last checkpoint (docs/operations.md).
    Run as the directory's owner (the signer's user): another user, root included, is refused.
    """
    if floor is not None:
        _install_floor(data_dir, floor)
        return
    if data_dir.exists():
        require_owner(data_dir)  # root would leave keys/ and state/ the signer cannot read
    name = origin or settings_for(data_dir).log_origin
    key = generate_keypair(data_dir / "keys", name, OFFICE_STEM)
    state = data_dir / "state"
    state.mkdir(mode=0o700, exist_ok=True)
    (state / NEW_LOG_FILE).touch(mode=0o600)  # a new key: its first checkpoint starts the log
    typer.echo(f"office public key: {key.vkey}")
    typer.echo(f"fingerprint: {key.verifier().fingerprint}")


def _install_floor(data_dir: Path, floor: Path) -> None:
    if not (data_dir / "keys" / "office.key").is_file():
        raise InputError(f"{data_dir} holds no keys/office.key: move the key there first")
    try:
        note = floor.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {floor}: {exc.strerror}") from exc
    with hold_serve_lock(data_dir):
        holder = OfficeKeyHolder(data_dir)
        target = checkpoint_path(data_dir)
        if target.exists():
            raise InputError(
                f"{target} exists: the signer has its floor (`lottery signer reset-state` "
                "puts back an earlier one)"
            )
        try:
            checkpoint = open_checkpoint(note, holder.verifiers, origin=holder.origin)
        except LotteryError as exc:
            raise InputError(f"{floor} is not a checkpoint of this log by this key: {exc}") from exc
        write_checkpoint_file(target, note)
    typer.echo(f"signer floor: checkpoint of {checkpoint.size} entries")


@signer_app.command("serve")
def serve_command(
    socket: Annotated[Path, typer.Option("--socket", help="The Unix socket to listen on.")],
    data_dir: SignerDir,
    admin_socket: Annotated[
        Path | None,
        typer.Option(
            "--admin-socket",
            help="The admin socket for key rotation, mode 0600 (default "
            "<data-dir>/state/admin.sock).",
        ),
    ] = None,
    first_log: Annotated[
        bool,
        typer.Option(
            "--first-log",
            help="A new log: sign a first checkpoint with no last one (refused for a signer "
            "that signed checkpoints before).",
        ),
    ] = False,
) -> None:
    """Hold the office key and sign what the service asks, when it is a record of this log or
    a checkpoint extending the last one signed (socket mode 0660); key rotation only on the
    admin socket (mode 0600). Stops on SIGTERM/SIGINT."""
    if not (data_dir / "keys" / "office.key").is_file():
        raise InputError(
            f"{data_dir} holds no keys/office.key: give the signer's data directory "
            "(docs/operations.md, key ceremony)"
        )
    lock = hold_serve_lock(data_dir)  # reset-state refuses while this is held
    try:
        holder = OfficeKeyHolder(data_dir, first_log=first_log)
        holder.check_can_serve()
        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s"
        )
        admin_path = admin_socket or data_dir / "state" / ADMIN_SOCKET
        server = SignerServer(socket, holder)
        try:
            admin = SignerServer(admin_path, holder, admin=True)
        except BaseException:
            server.server_close()
            raise
        admin_thread = threading.Thread(
            target=admin.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True
        )
        admin_thread.start()
        signal.signal(signal.SIGTERM, _stop)
        typer.echo(
            f"signer listening on {socket} (admin {admin_path}): key {holder.key.name} "
            f"fingerprint {holder.key.verifier().fingerprint}",
            err=True,
        )
        try:
            server.serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            admin.shutdown()
            admin.server_close()
            server.server_close()
    finally:
        lock.close()


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
    with hold_serve_lock(data_dir):  # refused while the signer runs
        before, after = OfficeKeyHolder(data_dir).reset_state(note, reason)
    typer.echo(f"signer state reset: last checkpoint {before} -> {after} entries")


def register(app: typer.Typer) -> None:
    """Add ``lottery signer`` to ``app``."""
    app.add_typer(signer_app, name="signer")
