"""Settle an office key rotation a crash interrupted (:mod:`lottery.service.key_rotation`)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import col, select

from lottery.core.errors import InputError
from lottery.core.merkle import MerkleTree
from lottery.core.note import NoteVerifier, parse_note
from lottery.core.records import parse_record_text
from lottery.settings import Settings
from lottery.storage.engine import new_session
from lottery.storage.keys import (
    NEXT_STEM,
    PRIVATE_SUFFIX,
    PUBLIC_SUFFIX,
    archive_and_switch,
    discard_next,
    load_verifier,
)
from lottery.storage.models import LogEntry

from .log import last_entry_of_type
from .office_signer import SocketSigner


def _last_change_keys(engine: Engine) -> list[str]:
    with new_session(engine) as session:
        last = last_entry_of_type(session, "key-change")
    if last is None:
        return []
    return [str(k) for k in parse_record_text(parse_note(last[1]).text)["keys"]]


def settle_office_key(settings: Settings, engine: Engine) -> str | None:
    """Finish or undo a rotation a crash interrupted; what was done (None: nothing pending).

    The log decides: when its last ``key-change`` record names the pending key, the switch is
    finished; otherwise the pending pair is discarded.
    """
    keys_dir = settings.keys_dir
    next_pub = keys_dir / f"{NEXT_STEM}{PUBLIC_SUFFIX}"
    next_key = keys_dir / f"{NEXT_STEM}{PRIVATE_SUFFIX}"
    if not next_pub.exists() and not next_key.exists():
        return None
    pending: NoteVerifier | None = load_verifier(next_pub) if next_pub.exists() else None
    if pending is None or pending.vkey in _last_change_keys(engine):
        archive_and_switch(keys_dir)
        return "finished"
    discard_next(keys_dir)
    return "undone"


def admin_signer(settings: Settings) -> SocketSigner:
    """The signer's admin socket (key rotation).

    Raises:
        InputError: ``LOTTERY_SIGNER_ADMIN_SOCKET`` is not set.
        SignerUnavailable: it does not answer (not on the signer host, or not as its user).
    """
    if settings.signer_admin_socket is None:
        raise InputError(
            "the office key is in the signer process: run `lottery key rotate` on the signer "
            "host as root with LOTTERY_SIGNER_ADMIN_SOCKET set to the signer's admin socket "
            "(docs/operations.md, key ceremony)"
        )
    return SocketSigner(settings.signer_admin_socket, timeout=settings.signer_timeout)


@contextmanager
def rotation_lock(settings: Settings, *, wait: bool = False) -> Iterator[bool]:
    """Hold ``<data_dir>/state/key-rotation.lock`` (``flock``) while a rotation in the signer
    runs or is settled; yields whether it was taken (``wait=False``: not when another process
    holds it, i.e. is rotating)."""
    state = settings.data_dir / "state"
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(state / "key-rotation.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def settle_signer_rotation(admin: SocketSigner, engine: Engine) -> str | None:
    """:func:`settle_office_key` for a rotation a crash interrupted inside the signer process,
    through its admin socket and under :func:`rotation_lock`: finished when the log's last
    ``key-change`` names the signer's pending key (with the inclusion proof of that record in
    the signer's last checkpoint), else aborted (None: nothing pending)."""
    pending = admin.pending()
    if pending is None:
        return None
    with new_session(engine) as session:
        last = last_entry_of_type(session, "key-change")
        entries = list(session.exec(select(LogEntry.note).order_by(col(LogEntry.idx))))
    keys = [] if last is None else parse_record_text(parse_note(last[1]).text)["keys"]
    if last is not None and pending in keys:
        size = admin.state_size()
        tree = MerkleTree.from_entries(entries[:size])
        admin.rotate_finish(pending, last[0], tree.inclusion_proof(last[0], size))
        return "finished"
    admin.rotate_abort()
    return "undone"
