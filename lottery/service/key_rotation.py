"""``lottery key rotate``: replace the office key by a lawful transition (docs/spec.md §2 "Key
changes", docs/operations.md "Key ceremony").

The new key pair is generated as ``keys/office-next.*``; one transaction appends the
``key-change`` record signed by the old and the new key, signs the checkpoint that covers it
with both, and records the audit event; then the files are switched (the old pair archived
under ``keys/archive/``). A crash leaves one of two states, both settled at the next start
(:func:`lottery.service.office_key.settle_office_key`): no key change committed (the next
pair is discarded, the old key stays in force) or committed (the switch is finished, the new
key is in force). Never neither.

With the office key in the signer process (``LOTTERY_SIGNER_SOCKET``) the same steps run
inside the signer (:mod:`lottery.service.signer_server`): it makes the next pair and the
key-change record signed by both keys, cosigns the checkpoint covering it, and switches its
files when the transaction committed, proving with an inclusion proof that its last checkpoint
covers the key change. Those requests are served only on the signer's admin socket
(``LOTTERY_SIGNER_ADMIN_SOCKET``, the signer's user and root): the rotation runs on the signer
host, never from the web service. It holds
:func:`lottery.service.office_key.rotation_lock` from before ``rotate-begin`` to the end, and
:func:`lottery.service.office_key.settle_signer_rotation` (a crash settled the same way, asking
the log) runs only under that lock, so no other process settles a rotation still running.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from lottery.core.errors import InputError, LotteryError
from lottery.core.merkle import MerkleTree
from lottery.core.records import make_record
from lottery.settings import Settings
from lottery.storage.keys import (
    NEXT_STEM,
    archive_and_switch,
    discard_next,
    generate_keypair,
)

from .audit_trail import record_audit
from .office_key import admin_signer, rotation_lock, settle_signer_rotation
from .office_signer import SocketSigner

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
    if isinstance(log.office, SocketSigner):
        return _rotate_in_signer(service, settings, reason, now, actor=actor)
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
            detail = {"old": old.vkey, "new": new.vkey, "reason": reason, "checkpoint": index + 1}
            record_audit(session, now, actor, "office-key.rotate", f"log:{index}", detail)
            log.sign_checkpoint(session, now, cosigners=[new])  # the last statement before commit
            committing = True
            session.commit()
    except BaseException:
        if not committing:
            discard_next(settings.keys_dir)  # nothing committed: the old key stays in force
        # else the commit's fate is unknown: settle_office_key asks the log at the next start
        raise
    archive_and_switch(settings.keys_dir)
    return Rotation(index, old.vkey, new.vkey, index + 1)


def _rotate_in_signer(
    service: Lifecycle, settings: Settings, reason: str, now: datetime, *, actor: str
) -> Rotation:
    """The rotation with the key in the signer process (module docstring)."""
    admin = admin_signer(settings)
    with rotation_lock(settings) as held:
        if not held:
            raise InputError("another key rotation is running (state/key-rotation.lock)")
        if settle_signer_rotation(admin, service.engine) == "finished":
            raise InputError(
                "an interrupted key rotation was just finished: restart the service, then "
                "rotate again only if another key change is wanted"
            )
        return _rotate_locked(service, admin, reason, now, actor=actor)


def _rotate_locked(
    service: Lifecycle, admin: SocketSigner, reason: str, now: datetime, *, actor: str
) -> Rotation:
    log = service.log
    old = admin.vkey
    if old != log.verifier.vkey:
        raise InputError("the signer's admin socket holds another key than the service's")
    note, new = admin.rotate_begin(reason, now)
    log.office = admin  # the checkpoint covering the change is cosigned on the admin socket
    committing = False
    try:
        with service.session() as session:
            session.begin()
            index = log.append(session, note).idx
            detail = {"old": old, "new": new.vkey, "reason": reason, "checkpoint": index + 1}
            record_audit(session, now, actor, "office-key.rotate", f"log:{index}", detail)
            # The last statement before the commit (cosigned by the next key in the signer).
            log.sign_checkpoint(session, now)
            committing = True
            session.commit()
    except BaseException:
        if not committing:
            # Refused when the cosigned checkpoint already left: settled at the next rotation.
            with contextlib.suppress(LotteryError):
                admin.rotate_abort()
        raise
    with service.session() as session:
        entries = log.entries(session)
    size = index + 1
    proof = MerkleTree.from_entries(entries[:size]).inclusion_proof(index, size)
    admin.rotate_finish(new.vkey, index, proof)
    return Rotation(index, old, new.vkey, size)
