"""Settle an office key rotation a crash interrupted (:mod:`lottery.service.key_rotation`)."""

from __future__ import annotations

from sqlalchemy import Engine

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


def settle_signer_rotation(signer: SocketSigner, engine: Engine) -> str | None:
    """:func:`settle_office_key` for a rotation a crash interrupted inside the signer process:
    finished when the log's last ``key-change`` names the signer's pending key, else aborted
    (None: nothing pending)."""
    pending = signer.pending()
    if pending is None:
        return None
    if pending in _last_change_keys(engine):
        signer.rotate_finish()
        return "finished"
    signer.rotate_abort()
    return "undone"
