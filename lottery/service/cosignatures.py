"""Witness cosignatures received by the office: stored write-once, published with the log.

A witness returns the office's signed checkpoint with its cosignature line added
(docs/witness.md). :func:`add_cosignatures` checks that the checkpoint is one the office signed
(same size and root: the note text must equal the stored checkpoint's text) and stores each new
cosignature line in the ``cosignature`` table. :func:`lottery.service.log.cosigned_notes`
rebuilds, per size, the office's checkpoint note followed by every stored line in the order
received, so a published ``cosigned/<size>`` file only ever gains lines at its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import select

from lottery.core.checkpoint import open_checkpoint
from lottery.core.cosignature import CosignatureVerifier, cosignature_lines, verify_cosignatures
from lottery.core.errors import EncodingError, InputError
from lottery.core.note import MAX_SIGNATURES, NoteSignature, parse_note
from lottery.storage.models import AuditEvent, CheckpointRow, CosignatureRow

if TYPE_CHECKING:  # lifecycle -> log -> this module at run time
    from .lifecycle import Lifecycle


@dataclass
class AddedCosignatures:
    """What :func:`add_cosignatures` did for one checkpoint."""

    size: int
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _who(sig: NoteSignature) -> str:
    return f"{sig.name} ({sig.key_id.hex()})"


def add_cosignatures(
    service: Lifecycle,
    note: bytes,
    now: datetime,
    *,
    witnesses: Sequence[CosignatureVerifier] = (),
    actor: str = "cli",
) -> AddedCosignatures:
    """Store the cosignature lines of a cosigned office checkpoint.

    With ``witnesses``, only lines by those witnesses are kept, and each must verify; other
    lines are reported as ignored. Without, every line shaped like a cosignature (8-byte
    timestamp and 64-byte signature) other than the office's own signature is kept: readers
    ignore lines of keys they do not trust, and fail on a bad line of a key they trust.

    Raises:
        VerificationError: when the office signature does not verify, or a line by a given
            witness does not verify.
        InputError: when the checkpoint is not one the office signed, or carries no
            cosignature to add.
    """
    log = service.log
    try:
        checkpoint = open_checkpoint(note, [log.verifier], origin=log.origin)
        text = parse_note(note).text
        lines = cosignature_lines(note, [(log.verifier.name, log.verifier.key_id)])
    except EncodingError as exc:  # open_checkpoint already maps these; parse_note cannot fail
        raise InputError(f"not a signed checkpoint: {exc}") from exc
    result = AddedCosignatures(checkpoint.size)
    if witnesses:
        verified = {(c.name, c.key_id) for c in verify_cosignatures(note, witnesses)}
        result.ignored = [_who(s) for s in lines if (s.name, s.key_id) not in verified]
        lines = [s for s in lines if (s.name, s.key_id) in verified]
    if not lines:
        raise InputError(
            f"the checkpoint of size {checkpoint.size} carries no cosignature to add"
            + (f" (ignored: {', '.join(result.ignored)})" if result.ignored else "")
        )
    with service.session() as session, session.begin():
        log.lock(session)  # serialize with other writers of published data
        row = session.get(CheckpointRow, checkpoint.size)
        if row is None or parse_note(row.note).text != text:
            raise InputError(
                f"the office never signed this checkpoint (size {checkpoint.size}, root "
                f"{checkpoint.root_hash.hex()}): not one of its published checkpoints"
            )
        stored = session.exec(
            select(CosignatureRow.id).where(CosignatureRow.size == checkpoint.size)
        ).all()
        room = MAX_SIGNATURES - 1 - len(stored)  # the office's own line counts too
        for sig in lines:
            existing = session.exec(
                select(CosignatureRow.id).where(
                    CosignatureRow.size == checkpoint.size,
                    CosignatureRow.name == sig.name,
                    CosignatureRow.key_id == sig.key_id.hex(),
                )
            ).first()
            if existing is not None:
                result.already.append(_who(sig))
                continue
            if room <= 0:
                raise InputError(
                    f"checkpoint {checkpoint.size} already carries the most cosignatures a "
                    f"note can hold ({MAX_SIGNATURES - 1}); nothing was added"
                )
            room -= 1
            session.add(
                CosignatureRow(
                    size=checkpoint.size,
                    name=sig.name,
                    key_id=sig.key_id.hex(),
                    line=sig.line(),
                    created_at=now,
                )
            )
            result.added.append(_who(sig))
            session.flush()  # ids follow the order received: the order of published lines
        if result.added:
            session.add(
                AuditEvent(
                    time=now,
                    actor=actor,
                    action="checkpoint.cosignature",
                    object=f"checkpoint/{checkpoint.size}",
                    detail={"added": result.added},
                )
            )
    return result
