"""``lottery key rotate``: replace the office key by a lawful transition (docs/spec.md §2 "Key
changes", docs/operations.md "Key ceremony").

The new key pair is generated as ``keys/office-next.*``; one transaction appends the
``key-change`` record signed by the old and the new key, signs the checkpoint that covers it
with both, and records the audit event; then the files are switched (the old pair archived
under ``keys/archive/``). A crash leaves one of two states, both settled at the next start
(:func:`lottery.service.office_key.settle_office_key`): no key change committed (the next
pair is discarded, the old key stays in force) or committed (the switch is finished, the new
key is in force). Never neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from lottery.core.errors import InputError
from lottery.core.records import make_record
from lottery.settings import Settings
from lottery.storage.keys import (
    NEXT_STEM,
    archive_and_switch,
    discard_next,
    generate_keypair,
)

from .audit_trail import record_audit

if TYPE_CHECKING:
    from .lifecycle import Lifecycle


@dataclass(frozen=True)
class Rotation:
    """A committed rotation: the record's log index, the old and the new vkey, the size of
    the checkpoint signed by both."""

    index: int
    old: str
    new: str
    checkpoint_size: int


def rotate_office_key(
    service: Lifecycle, settings: Settings, reason: str, now: datetime, *, actor: str
) -> Rotation:
    """Rotate the office key (module docstring). ``service`` must have been opened from
    ``settings`` and is unusable afterwards (its log holds the old key): open it again.

    Raises:
        InputError: for an empty or unsafe reason, or a leftover ``office-next`` pair.
        LogIdentityError: when this process's key is not the one in force.
    """
    if not reason.strip():
        raise InputError("a key change needs a reason (--reason)")
    log = service.log
    old = log.signer
    new = generate_keypair(settings.keys_dir, settings.log_origin, NEXT_STEM)
    committing = False
    try:
        with service.session() as session:
            session.begin()
            note = make_record(
                "key-change", log.origin, now, {"keys": [new.vkey], "reason": reason}, [old, new]
            )
            index = log.append(session, note).idx
            log.sign_checkpoint(session, now, cosigners=[new])
            detail = {"old": old.vkey, "new": new.vkey, "reason": reason, "checkpoint": index + 1}
            record_audit(session, now, actor, "office-key.rotate", f"log:{index}", detail)
            committing = True
            session.commit()
    except BaseException:
        if not committing:
            discard_next(settings.keys_dir)  # nothing committed: the old key stays in force
        # else the commit's fate is unknown: settle_office_key asks the log at the next start
        raise
    archive_and_switch(settings.keys_dir)
    return Rotation(index, old.vkey, new.vkey, index + 1)
