"""The append-only public log in the database: records, blobs, checkpoints and the export.

Appends serialize on the one-row ``log_head`` table: ``SELECT ... FOR UPDATE`` on PostgreSQL,
the ``BEGIN IMMEDIATE`` write transaction on SQLite (:mod:`lottery.storage.engine`). The index
of a new entry is the head's size, taken under that lock, so concurrent appenders never race
for an index and the log has no gaps. Every call here runs inside the caller's transaction:
a lifecycle step appends its record, its blobs and a new checkpoint, or nothing at all.

Only public data enters ``log_entry`` and ``blob``; sealed outcomes and office secrets live in
their own encrypted tables and reach ``blob``/``log_entry`` only by being revealed. So the
export (:meth:`PublicLog.export_to`) is everything in those two tables, by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func
from sqlmodel import Session, col, select

from lottery.core.canonical import parse_time, sha256_hex
from lottery.core.checkpoint import (
    Checkpoint,
    check_checkpoint_successor,
    open_checkpoint,
)
from lottery.core.errors import EncodingError, LotteryError, VerificationError
from lottery.core.merkle import MerkleTree, leaf_hash
from lottery.core.note import NoteVerifier, Signer, parse_note
from lottery.core.records import Record, open_record, parse_record_text, record_text
from lottery.core.sealed import WITHDRAWALS
from lottery.core.sealed_audit import withdrawn_blobs
from lottery.export.write import write_export
from lottery.storage.engine import new_session
from lottery.storage.models import (
    Blob,
    CheckpointRow,
    CosignatureRow,
    LogEntry,
    LogHead,
    WithdrawnBlob,
)

from .fork_guard import ForkGuard
from .office_signer import KeyFileSigner, OfficeSigner
from .text_input import refuse_unsafe_text

_PENDING = "fork_guard_pending"


class LogIntegrityError(LotteryError):
    """The stored log does not extend the last signed checkpoint; nothing is signed."""


class LogIdentityError(LotteryError):
    """The settings name another log or key than the stored log's; the service does not start."""


def last_entry_of_type(session: Session, kind: str) -> tuple[int, bytes] | None:
    """(index, signed note) of the log's last record of type ``kind``, unopened, or None."""
    row = session.exec(
        select(LogEntry.idx, LogEntry.note)
        .where(LogEntry.type == kind)
        .order_by(col(LogEntry.idx).desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def log_entry(
    idx: int, record: Record, *, task: str | None = None, step: str | None = None
) -> LogEntry:
    """The ``log_entry`` row of the opened ``record`` at index ``idx`` (its id, type, note,
    leaf hash and time); ``task`` and ``step`` name a lifecycle record. Shared by
    :meth:`PublicLog.append` and ``lottery recover`` (:mod:`.recovery`)."""
    return LogEntry(
        idx=idx,
        record_id=record.id,
        type=record.type,
        task=task,
        step=step,
        note=record.note,
        leaf_hash=leaf_hash(record.note),
        time=parse_time(record.body["time"]),
    )


class PublicLog:
    """The office's log: appends signed records and signs checkpoints with ``signer``."""

    def __init__(
        self,
        origin: str,
        signer: OfficeSigner | Signer,
        guard: ForkGuard | None = None,
        archived: Sequence[NoteVerifier] = (),
    ) -> None:
        """Serve the log named ``origin``; new records must be signed by ``signer`` (an
        :class:`~lottery.service.office_signer.OfficeSigner`, or a key, which signs in process).

        ``guard``: the checkpoints outside the database every new checkpoint must extend
        (:mod:`lottery.service.fork_guard`); None only for logs without a data directory.
        ``archived``: the office's earlier keys, oldest first (after ``lottery key rotate``):
        they open the stored records they signed; they never sign again.
        """
        self.origin = origin
        self.office: OfficeSigner = (
            signer if isinstance(signer, OfficeSigner) else KeyFileSigner(signer)
        )
        self.verifier = self.office.verifier
        self.archived = tuple(archived)
        self.office_keys: tuple[NoteVerifier, ...] = (self.verifier, *self.archived)
        self.guard = guard

    @property
    def signer(self) -> Signer:
        """The office key itself, when this process holds it (``lottery key rotate``).

        Raises:
            SignerRefused: the key is held by the signer process (``LOTTERY_SIGNER_SOCKET``).
        """
        return self.office.key

    def make_record(self, kind: str, now: datetime, fields: dict[str, Any]) -> bytes:
        """Build, validate and sign (through the office signer) a record of this log.

        Raises:
            EncodingError: when the fields do not match the type's schema.
            SignerUnavailable, SignerRefused: the signer process did not sign it.
        """
        return self.office.sign_record(record_text(kind, self.origin, now, fields))

    def fork_problem(self, session: Session) -> str | None:
        """Why the next checkpoint would be refused as a fork of the published log, or None."""
        if self.guard is None:
            return None
        tree = MerkleTree.from_entries(self.entries(session))
        return self.guard.problem(tree, self.origin, self.office_keys)

    def remember(self, note: bytes) -> None:
        """Keep the office checkpoint ``note`` where a database restore cannot reach, as a floor
        every later checkpoint must extend (nothing without a guard)."""
        if self.guard is not None:
            self.guard.remember(note, self.origin, self.office_keys)

    def remember_after_commit(self, session: Session, note: bytes) -> None:
        """:meth:`remember` ``note`` once this transaction has committed."""
        if self.guard is None:
            return
        if _PENDING not in session.info:

            def committed(sess: Session) -> None:
                pending = sess.info.pop(_PENDING, None)
                if pending is not None:
                    self.remember(pending)

            def rolled_back(sess: Session) -> None:
                sess.info.pop(_PENDING, None)

            event.listen(session, "after_commit", committed)
            event.listen(session, "after_rollback", rolled_back)
        session.info[_PENDING] = note

    # -- start-up ---------------------------------------------------------------------------

    def check_identity(self, session: Session) -> None:
        """Refuse settings that do not match the stored log: its origin and its signing key.

        Without this, a service started with another ``LOTTERY_LOG_ORIGIN`` or another office
        key starts normally and fails only at its first write.

        Raises:
            LogIdentityError: naming the setting that differs and what the stored log holds.
        """
        last = session.exec(
            select(CheckpointRow).order_by(col(CheckpointRow.size).desc()).limit(1)
        ).one_or_none()
        first = session.exec(select(LogEntry).where(LogEntry.idx == 0)).one_or_none()
        note = last.note if last is not None else first.note if first is not None else None
        if note is None:
            return  # an empty log: anything may start it
        try:
            parsed = parse_note(note)
        except EncodingError as exc:
            raise LogIdentityError(f"the stored log's newest note does not parse: {exc}") from exc
        try:
            stored = (
                parsed.text.split(b"\n", 1)[0].decode("utf-8")
                if last is not None
                else str(parse_record_text(parsed.text)["log"])
            )
        except (UnicodeDecodeError, EncodingError, KeyError) as exc:
            raise LogIdentityError(f"the stored log's first record does not parse: {exc}") from exc
        if stored != self.origin:
            raise LogIdentityError(
                f"LOTTERY_LOG_ORIGIN is {self.origin!r} but the stored log is {stored!r}: "
                "set it to the stored log's origin (a log's origin never changes)"
            )
        ours = (self.verifier.name, self.verifier.key_id)
        if not any((sig.name, sig.key_id) == ours for sig in parsed.signatures):
            theirs = ", ".join(f"{sig.name} {sig.key_id.hex()}" for sig in parsed.signatures)
            raise LogIdentityError(
                f"the office key ({self.verifier.name} {self.verifier.key_id.hex()}) did not sign "
                f"the stored log (signed by {theirs}): keys/office.key is not this log's key"
            )
        self.require_in_force(session, [self.verifier])

    def require_in_force(self, session: Session, keys: Sequence[NoteVerifier]) -> None:
        """Refuse to sign with ``keys`` when the log's last ``key-change`` record put none of
        them in force (a process still holding a rotated key: docs/operations.md).

        Raises:
            LogIdentityError: naming the log index of that key change.
        """
        last = last_entry_of_type(session, "key-change")
        if last is None:
            return
        index, note = last
        in_force = set(parse_record_text(parse_note(note).text)["keys"])
        if not any(k.vkey in in_force for k in keys):
            raise LogIdentityError(
                f"the office key was rotated at log index {index}; this process still holds "
                f"the old key ({self.verifier.name} {self.verifier.key_id.hex()}): restart it"
            )

    # -- writing (inside the caller's transaction) ----------------------------------------

    def lock(self, session: Session) -> LogHead:
        """Take the log lock for the rest of the transaction and return the head row."""
        head = session.exec(select(LogHead).where(LogHead.id == 1).with_for_update()).one_or_none()
        if head is None:
            raise LogIntegrityError("the log head row is missing: run the migrations")
        return head

    def append(
        self, session: Session, note: bytes, *, task: str | None = None, step: str | None = None
    ) -> LogEntry:
        """Append a signed record at the next index; an identical record is not added twice.

        ``task`` and ``step`` name a lifecycle record; the database allows one per pair.

        Raises:
            VerificationError: when the note is not a valid record of this log and key.
            UnsafeTextError: when a text field holds a control, bidi or other refused character
                (:mod:`lottery.core.text_safety`); nothing is appended.
        """
        record = open_record(note, [self.verifier], log=self.origin)
        fields = {k: v for k, v in record.body.items() if k not in ("type", "v", "log", "time")}
        refuse_unsafe_text(fields)
        head = self.lock(session)
        self.require_in_force(session, [self.verifier])
        existing = session.exec(
            select(LogEntry).where(LogEntry.record_id == record.id)
        ).one_or_none()
        if existing is not None:
            return existing
        entry = log_entry(head.size, record, task=task, step=step)
        session.add(entry)
        head.size += 1
        session.add(head)
        session.flush()
        return entry

    def put_blob(self, session: Session, data: bytes) -> str:
        """Store a public blob under its SHA-256 (idempotent); return the digest.

        Raises:
            LogIntegrityError: for a blob that a withdrawal removed (it never comes back).
        """
        self.lock(session)  # blob writers serialize with appenders: no insert race
        digest = sha256_hex(data)
        if session.get(WithdrawnBlob, digest) is not None:
            raise LogIntegrityError(f"blob {digest} was withdrawn: it is not published again")
        if session.get(Blob, digest) is None:
            session.add(Blob(sha256=digest, data=data))
            session.flush()
        return digest

    def remove_blob(self, session: Session, digest: str, withdrawal: str) -> None:
        """Delete the sealed blob ``digest`` that the withdrawal record ``withdrawal`` (already
        appended in this transaction) removes; the database refuses any other deletion."""
        self.lock(session)
        if session.get(WithdrawnBlob, digest) is None:
            session.add(WithdrawnBlob(sha256=digest, record_id=withdrawal))
            session.flush()
        blob = session.get(Blob, digest)
        if blob is not None:
            session.delete(blob)
            session.flush()

    def sign_checkpoint(
        self, session: Session, now: datetime, *, cosigners: Sequence[Signer] = ()
    ) -> bytes:
        """Sign a checkpoint of the whole log, refusing one that does not extend the last.

        ``cosigners`` sign it too: the new key, when the checkpoint first covers a key change
        (docs/spec.md §2 "Key changes").

        The tree is rebuilt from the stored note bytes (not from stored hashes), so an entry
        edited in the database makes the tree inconsistent with the last checkpoint.

        Raises:
            LogIntegrityError: when the stored log does not extend the last signed checkpoint
                (an entry edited, deleted or reordered) or the head size is wrong.
        """
        head = self.lock(session)
        pending = [] if self.office.cosigning is None else [self.office.cosigning]
        keys = [self.verifier, *(c.verifier() for c in cosigners), *pending]
        self.require_in_force(session, keys)
        notes = self.entries(session)
        if len(notes) != head.size:
            raise LogIntegrityError(f"log head says {head.size} entries, found {len(notes)}")
        tree = MerkleTree.from_entries(notes)
        new = Checkpoint(self.origin, tree.size, tree.root())
        last = session.exec(
            select(CheckpointRow).order_by(col(CheckpointRow.size).desc()).limit(1)
        ).one_or_none()
        if last is not None:
            old = open_checkpoint(last.note, self.office_keys, origin=self.origin)
            if old.size > tree.size:
                raise LogIntegrityError(
                    f"refusing to sign: the log holds {tree.size} entries but the last "
                    f"checkpoint covers {old.size}"
                )
            proof = tree.consistency_proof(old.size) if 0 < old.size < tree.size else []
            try:
                check_checkpoint_successor(old, new, proof)
            except VerificationError as exc:
                raise LogIntegrityError(
                    f"refusing to sign a checkpoint of {tree.size} entries: {exc}"
                ) from exc
            if old.size == tree.size:
                return last.note
        if self.guard is not None:
            self.guard.check(tree, self.origin, self.office_keys)
        signed = self.office.sign_checkpoint(new, tree, cosigners)
        session.add(CheckpointRow(size=tree.size, note=signed, created_at=now))
        session.flush()
        self.remember_after_commit(session, signed)
        return signed

    # -- reading ---------------------------------------------------------------------------

    def entries(self, session: Session) -> list[bytes]:
        """Every entry's signed note, in log order."""
        return list(session.exec(select(LogEntry.note).order_by(col(LogEntry.idx))))

    def blobs(self, session: Session) -> dict[str, bytes]:
        """Every public blob by SHA-256."""
        return {b.sha256: b.data for b in session.exec(select(Blob))}

    def blobs_by_digest(self, session: Session, digests: Sequence[str]) -> dict[str, bytes]:
        """The public blobs named by ``digests``.

        Raises:
            LogIntegrityError: when one is missing.
        """
        found = {
            b.sha256: b.data
            for b in session.exec(select(Blob).where(col(Blob.sha256).in_(digests)))
        }
        missing = [d for d in digests if d not in found]
        if missing:
            raise LogIntegrityError(f"missing blob(s): {', '.join(missing)}")
        return found

    def withdrawn(self, entries: Sequence[bytes]) -> set[str]:
        """The sealed blobs that withdrawal records among ``entries`` (the office's own stored
        log, whatever key signed each entry) removed."""
        records = []
        for note in entries:
            if any(b'"type":"%s"' % kind.encode() in note for kind in WITHDRAWALS):
                text = parse_note(note).text
                records.append(Record(note=note, text=text, body=parse_record_text(text)))
        return set(withdrawn_blobs(records))

    def size(self, session: Session) -> int:
        """The number of entries."""
        return int(session.exec(select(func.count()).select_from(LogEntry)).one())

    def task_record(self, session: Session, task: str, step: str) -> Record | None:
        """The lifecycle record ``step`` of ``task``, opened, or None."""
        note = session.exec(
            select(LogEntry.note).where(LogEntry.task == task, LogEntry.step == step)
        ).one_or_none()
        return None if note is None else open_record(note, self.office_keys, log=self.origin)

    def latest_checkpoint(self, session: Session) -> bytes | None:
        """The last signed checkpoint, or None before the first."""
        return session.exec(
            select(CheckpointRow.note).order_by(col(CheckpointRow.size).desc()).limit(1)
        ).one_or_none()

    def export_to(self, engine: Engine, out: Path) -> Checkpoint:
        """Bring the public export at ``out`` up to date with the log (public data only).

        Raises:
            ExportError: when the export at ``out`` is not a prefix of this log.
        """
        with new_session(engine) as session, session.begin():
            entries, blobs, cosigned, signed = self._export_view(session)
        tree = MerkleTree.from_entries(entries)
        if signed is None:
            # Read again and sign under the log lock: no writer signs a larger checkpoint
            # between this read and the signature (the signer would refuse ours as shrinking).
            with new_session(engine) as session, session.begin():
                self.lock(session)
                entries, blobs, cosigned, signed = self._export_view(session)
                tree = MerkleTree.from_entries(entries)
                if signed is None:
                    if self.guard is not None and entries:
                        self.guard.check(tree, self.origin, self.office_keys)
                    signed = self.office.sign_checkpoint(
                        Checkpoint(self.origin, tree.size, tree.root()), tree
                    )
        if self.guard is not None and entries:
            # What leaves the service is first kept where a database restore cannot reach.
            self.guard.check(tree, self.origin, self.office_keys)
            self.remember(signed)
        return write_export(
            Path(out),
            entries,
            blobs,
            self.verifier,
            origin=self.origin,
            public_keys=[*(k.vkey for k in self.archived), self.verifier.vkey],
            known=self.office_keys,
            signed=signed,
            cosigned=cosigned,
            withdrawn=self.withdrawn(entries),
        )

    def _export_view(
        self, session: Session
    ) -> tuple[list[bytes], dict[str, bytes], dict[int, bytes], bytes | None]:
        """Entries, blobs, witness cosignatures and the stored checkpoint of exactly those
        entries (None when none is stored)."""
        entries = self.entries(session)
        blobs = self.blobs(session)
        cosigned = cosigned_notes(session)  # witness cosignatures (docs/witness.md)
        last = session.exec(
            select(CheckpointRow.size, CheckpointRow.note)
            .order_by(col(CheckpointRow.size).desc())
            .limit(1)
        ).one_or_none()
        signed = last[1] if last is not None and last[0] == len(entries) else None
        return entries, blobs, cosigned, signed


def cosigned_notes(session: Session, *, size: int | None = None) -> dict[int, bytes]:
    """Per checkpoint size with cosignatures (or only ``size``): the office note, then every
    stored line in the order received."""
    query = select(CosignatureRow.size, CosignatureRow.line).order_by(col(CosignatureRow.id))
    if size is not None:
        query = query.where(CosignatureRow.size == size)
    rows = session.exec(query).all()
    lines: dict[int, list[bytes]] = {}
    for size, line in rows:
        lines.setdefault(size, []).append(line)
    notes: dict[int, bytes] = {}
    for size in sorted(lines):
        office = session.get(CheckpointRow, size)
        if office is not None:  # a foreign key guarantees it
            notes[size] = office.note + b"".join(lines[size])
    return notes
