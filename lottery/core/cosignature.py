"""C2SP Ed25519 checkpoint cosignatures (https://c2sp.org/tlog-cosignature, ``cosignature/v1``).

A cosignature is one more signature line on a signed checkpoint, by a *witness* (cosigner):

- key id ``SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4]`` (type byte 0x04, so a
  cosigner key never collides with a note key of type 0x01, even with the same name);
- verifier key ``<name>+<hex id>+<base64(0x04 || public key)>``;
- signature bytes ``u64 big-endian timestamp || Ed25519 signature`` of the message
  ``"cosignature/v1\\n" "time <timestamp>\\n"`` followed by the checkpoint's note text.

A v1 cosignature states: "as of this POSIX time, the largest consistent tree I have seen for
this origin has this root hash". The timestamp is a parameter: this module has no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from . import ed25519
from .check_names import CheckName
from .checkpoint import Checkpoint
from .errors import InputError, VerificationError
from .note import (
    MAX_SIGNATURES,
    Note,
    NoteSignature,
    _PrivateKey,
    _PublicKey,
    key_id,
    parse_note,
)

ALG_COSIGNATURE_V1 = 0x04
"""Signature type byte of Ed25519 ``cosignature/v1`` keys."""

MAX_TIMESTAMP = 2**63 - 1
"""The spec's upper bound on a cosignature timestamp."""

HEADER = b"cosignature/v1\n"
"""The domain-separation line that starts every signed message."""

_SIGNATURE_SIZE = 64
_TIMESTAMP_SIZE = 8


def _check_timestamp(timestamp: object) -> int:
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise InputError("a cosignature timestamp must be an integer")
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InputError(f"cosignature timestamp {timestamp} is outside 0..2**63-1")
    return timestamp


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    """Return ``SHA-256(name || 0x0A || 0x04 || public_key)[:4]``."""
    return key_id(name, public_key, ALG_COSIGNATURE_V1)


def signed_message(checkpoint_text: bytes, timestamp: int) -> bytes:
    """Return the bytes a ``cosignature/v1`` signature covers.

    Raises:
        InputError: for a timestamp outside ``0..2**63-1``.
    """
    ts = _check_timestamp(timestamp)
    return HEADER + f"time {ts}\n".encode("ascii") + checkpoint_text


class Cosigner(_PrivateKey):
    """A witness's private cosigning key (never shown by ``repr``): type byte 0x04."""

    __slots__ = ()
    ALG: ClassVar[int] = ALG_COSIGNATURE_V1
    _KIND: ClassVar[str] = "a cosignature/v1 key (0x04 || 32-byte seed)"

    def verifier(self) -> CosignatureVerifier:
        """The matching public key."""
        return CosignatureVerifier(self._name, self._public)

    def signature(self, checkpoint_text: bytes, timestamp: int) -> NoteSignature:
        """The cosignature line (as a :class:`NoteSignature`) over ``checkpoint_text``.

        Raises:
            InputError: for a timestamp outside ``0..2**63-1``.
        """
        message = signed_message(checkpoint_text, timestamp)
        sig = bytes(self._key.sign(message).signature)
        return NoteSignature(self._name, self._key_id, timestamp.to_bytes(8, "big") + sig)


class CosignatureVerifier(_PublicKey):
    """A witness's public key, as a verifier of ``cosignature/v1`` lines: type byte 0x04."""

    __slots__ = ()
    ALG: ClassVar[int] = ALG_COSIGNATURE_V1
    _WHAT: ClassVar[str] = "witness key"
    _KIND: ClassVar[str] = "a cosignature/v1 key (type 0x04)"

    @staticmethod
    def _other_type(raw: bytes) -> str:
        return " but a note key (type 0x01)" if raw[:1] == b"\x01" else ""

    def verify(self, checkpoint_text: bytes, sig: NoteSignature) -> int:
        """Check one cosignature line of this key and return its timestamp.

        Raises:
            VerificationError: ``cosignature.format`` when the signature is not 8 + 64 bytes
                or the timestamp exceeds 2**63-1, ``cosignature.signature`` when it does not
                verify.
        """
        who = f"{self._name} ({self._key_id.hex()})"
        if len(sig.signature) != _TIMESTAMP_SIZE + _SIGNATURE_SIZE:
            raise VerificationError(
                CheckName.COSIGNATURE_FORMAT,
                f"the cosignature by {who} is {len(sig.signature)} bytes, not 8 + 64",
            )
        timestamp = int.from_bytes(sig.signature[:_TIMESTAMP_SIZE], "big")
        if timestamp > MAX_TIMESTAMP:
            raise VerificationError(
                CheckName.COSIGNATURE_FORMAT,
                f"the cosignature by {who} has a timestamp above 2**63-1",
            )
        message = signed_message(checkpoint_text, timestamp)
        if not ed25519.verify(self._public, message, sig.signature[_TIMESTAMP_SIZE:]):
            raise VerificationError(
                CheckName.COSIGNATURE_SIGNATURE, f"the cosignature by {who} does not verify"
            )
        return timestamp


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: who, and the POSIX time they vouched for."""

    name: str
    key_id: bytes
    timestamp: int


def cosign(checkpoint_note: bytes, signer: Cosigner, timestamp: int) -> bytes:
    """Add ``signer``'s cosignature to a signed checkpoint; keep every other signature line.

    A line by the same name and key id is replaced in place (a witness re-cosigning the same
    tree at a later time). The caller must have verified the log's signature and the tree's
    consistency first: this function checks only that the text is a checkpoint.

    Raises:
        EncodingError: when ``checkpoint_note`` is not a signed note holding a checkpoint.
        InputError: for a timestamp outside ``0..2**63-1`` or more than 100 signatures.
    """
    if not isinstance(signer, Cosigner):
        raise InputError(f"not a Cosigner: {type(signer).__name__}")
    note = parse_note(checkpoint_note)
    Checkpoint.from_text(note.text)
    fresh = signer.signature(note.text, timestamp)
    lines = [
        fresh if (s.name, s.key_id) == (fresh.name, fresh.key_id) else s for s in note.signatures
    ]
    if fresh not in lines:
        lines.append(fresh)
    if len(lines) > MAX_SIGNATURES:
        raise InputError(f"a note carries at most {MAX_SIGNATURES} signatures")
    return Note(note.text, tuple(lines)).to_bytes()


def verify_cosignatures(note: bytes, verifiers: Sequence[CosignatureVerifier]) -> list[Cosignature]:
    """Verify the cosignatures of known witnesses on a signed note; fail closed.

    Lines whose name and key id match no known witness are ignored (the log's own signature,
    witnesses this reader does not trust). Every line of a known witness must be well formed
    and verify. A witness with several lines is listed once, with its earliest timestamp.
    The log's own signature is *not* checked here (use :func:`open_checkpoint`).

    Returns:
        One :class:`Cosignature` per known witness that cosigned, in note order.

    Raises:
        EncodingError: when ``note`` is not a well-formed signed note.
        InputError: for two different keys with the same name and key id.
        VerificationError: ``cosignature.format`` / ``cosignature.signature`` for a bad line
            of a known witness.
    """
    known: dict[tuple[str, bytes], CosignatureVerifier] = {}
    for v in verifiers:
        if not isinstance(v, CosignatureVerifier):
            raise InputError(f"not a CosignatureVerifier: {type(v).__name__}")
        other = known.setdefault((v.name, v.key_id), v)
        if other.public_key != v.public_key:
            raise InputError(f"two different keys named {v.name} share key id {v.key_id.hex()}")
    parsed = parse_note(note)
    found: dict[tuple[str, bytes], Cosignature] = {}
    for sig in parsed.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        ts = verifier.verify(parsed.text, sig)
        key = (sig.name, sig.key_id)
        if key not in found or ts < found[key].timestamp:
            found[key] = Cosignature(sig.name, sig.key_id, ts)
    return list(found.values())


def cosignature_lines(note: bytes, exclude: Sequence[tuple[str, bytes]]) -> list[NoteSignature]:
    """The signature lines of ``note`` shaped like cosignatures (8 + 64 bytes), except the
    lines whose (name, key id) is in ``exclude`` (the log's own keys).

    Raises:
        EncodingError: when ``note`` is not a well-formed signed note.
    """
    skip = set(exclude)
    return [
        s
        for s in parse_note(note).signatures
        if (s.name, s.key_id) not in skip
        and len(s.signature) == _TIMESTAMP_SIZE + _SIGNATURE_SIZE
        and int.from_bytes(s.signature[:_TIMESTAMP_SIZE], "big") <= MAX_TIMESTAMP
    ]
