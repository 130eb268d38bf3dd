"""The office keys in force along the log: lawful key changes (docs/spec.md §2 "Key changes").

A ``key-change`` record at log index ``c`` is *lawful* when it verifies with a key in force at
``c`` (the pinned keys before the first change) **and** carries a valid signature by every key
it names (each new key proves its possession). Its keys are in force from index ``c + 1`` on.
A checkpoint of size ``n`` is signed by a key in force at index ``n``; the checkpoint of size
``c + 1`` (the first one covering the change, which the service signs with both the old and the
new key) may instead be verified with a key in force at ``c``.

Any ``key-change`` record that is not lawful fails ``log.key_change``: an office key changes
only through a lawful transition, never by a swapped key file or a record one key signed alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .check_names import CheckName
from .errors import EncodingError, InputError, VerificationError
from .note import NoteVerifier, open_note, parse_note
from .records import open_record, parse_record_text

KEY_CHANGE = "key-change"


@dataclass(frozen=True)
class KeySchedule:
    """The keys in force along a log.

    Attributes:
        pinned: the keys in force at index 0 (what the reader pinned).
        changes: per lawful change, the index of its record and the keys in force after it.
    """

    pinned: tuple[NoteVerifier, ...]
    changes: tuple[tuple[int, tuple[NoteVerifier, ...]], ...] = ()

    def at(self, index: int) -> tuple[NoteVerifier, ...]:
        """The keys that sign the record at ``index``."""
        keys = self.pinned
        for change, new in self.changes:
            if change < index:
                keys = new
        return keys

    def for_checkpoint(self, size: int) -> tuple[NoteVerifier, ...]:
        """The keys any of which may sign a checkpoint of ``size`` records."""
        keys = self.at(size)
        if any(change == size - 1 for change, _ in self.changes):
            keys = _distinct((*keys, *self.at(size - 1)))
        return keys

    def every_key(self) -> tuple[NoteVerifier, ...]:
        """Every key that was ever in force, pinned first."""
        return _distinct((*self.pinned, *(k for _, new in self.changes for k in new)))

    @property
    def final(self) -> tuple[NoteVerifier, ...]:
        """The keys in force after the last change."""
        return self.changes[-1][1] if self.changes else self.pinned


def _distinct(keys: Sequence[NoteVerifier]) -> tuple[NoteVerifier, ...]:
    seen: dict[tuple[str, bytes, bytes], NoteVerifier] = {}
    for key in keys:
        seen.setdefault((key.name, key.key_id, key.public_key), key)
    return tuple(seen.values())


def _is_key_change(entry: bytes) -> bool:
    if b'"type":"key-change"' not in entry:
        return False
    try:
        return parse_record_text(parse_note(entry).text).get("type") == KEY_CHANGE
    except (EncodingError, InputError):
        return False


def _fail(index: int, detail: str) -> VerificationError:
    return VerificationError(CheckName.LOG_KEY_CHANGE, f"log index {index}: {detail}")


def lawful_change(
    index: int, entry: bytes, in_force: Sequence[NoteVerifier], origin: str
) -> tuple[NoteVerifier, ...]:
    """The keys the ``key-change`` record ``entry`` at ``index`` puts in force.

    Raises:
        VerificationError: ``log.key_change`` when the record is not signed by a key in
            force, names a key that is not a valid vkey, or lacks a valid signature by one of
            the keys it names.
    """
    try:
        record = open_record(entry, in_force, log=origin)
    except VerificationError as exc:
        raise _fail(
            index, f"key change not signed by a key in force ({exc.detail}): unlawful"
        ) from exc
    try:
        new = _distinct([NoteVerifier.from_vkey(str(k)) for k in record.body["keys"]])
    except (EncodingError, InputError) as exc:
        raise _fail(index, f"key change names an invalid key: {exc}") from exc
    try:
        open_note(entry, new, required=len(new))
    except (EncodingError, InputError, VerificationError) as exc:
        detail = getattr(exc, "detail", str(exc))
        raise _fail(
            index, f"key change not signed by every new key it names ({detail}): unlawful"
        ) from exc
    return new


def follow_key_changes(
    entries: Sequence[bytes], pinned: Sequence[NoteVerifier], origin: str, *, start: int = 0
) -> KeySchedule:
    """Follow the key changes among ``entries`` (log indexes ``start``, ``start + 1``, ...)
    from the ``pinned`` keys.

    Raises:
        VerificationError: ``log.key_change`` for the first key change that is not lawful.
    """
    keys = tuple(pinned)
    changes: list[tuple[int, tuple[NoteVerifier, ...]]] = []
    for offset, entry in enumerate(entries):
        if _is_key_change(entry):
            keys = lawful_change(start + offset, entry, keys, origin)
            changes.append((start + offset, keys))
    return KeySchedule(tuple(pinned), tuple(changes))
