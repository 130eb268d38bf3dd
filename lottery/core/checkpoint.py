"""C2SP transparency-log checkpoints (https://c2sp.org/tlog-checkpoint).

A checkpoint is a signed note whose text is, one item per line::

    <origin>
    <tree size, decimal, no leading zeros>
    <base64 of the 32-byte RFC 6962 root hash>
    [<extension line>...]

:func:`open_checkpoint` verifies the signature over the exact published bytes first, then
parses the text. :func:`check_checkpoint_successor` is what a log runs before signing a new
checkpoint: it must never sign one inconsistent with the last one it signed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .canonical import b64decode, b64encode
from .check_names import CheckName
from .errors import EncodingError, InputError, VerificationError
from .merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from .note import NoteVerifier, Signer, open_note, parse_note, sign_note

MAX_TREE_SIZE = 2**64 - 1
"""Largest tree size accepted (the size is a uint64 in every implementation)."""

_SIZE = re.compile(r"0|[1-9][0-9]*")


def _line_problem(value: object, what: str) -> str | None:
    if not isinstance(value, str) or not value:
        return f"{what} must be a non-empty line"
    if any(c < " " for c in value):
        return f"{what} must not contain a newline or control character"
    return None


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, size and root hash, plus optional extension lines.

    Raises:
        InputError: on construction with an empty or multi-line origin or extension, a size
            outside ``0..2**64-1`` or a root hash that is not 32 bytes.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Validate the fields so that every Checkpoint has exactly one text form."""
        if not isinstance(self.extensions, tuple):
            raise InputError("checkpoint: extensions must be a tuple")
        problems = [_line_problem(self.origin, "the origin")]
        problems += [_line_problem(ext, "an extension line") for ext in self.extensions]
        for problem in problems:
            if problem is not None:
                raise InputError(f"checkpoint: {problem}")
        if not isinstance(self.size, int) or isinstance(self.size, bool):
            raise InputError("checkpoint: the size must be an integer")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise InputError(f"checkpoint: size {self.size} is outside 0..2**64-1")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise InputError(f"checkpoint: the root hash must be {HASH_SIZE} bytes")

    def to_text(self) -> bytes:
        """Return the checkpoint's note text (the bytes that are signed)."""
        lines = [self.origin, str(self.size), b64encode(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines).encode("utf-8")

    @classmethod
    def from_text(cls, text: bytes) -> Checkpoint:
        """Parse a checkpoint's note text strictly.

        Raises:
            EncodingError: naming the problem: not UTF-8, no final newline, fewer than three
                lines, an empty line, a size with leading zeros or out of range, or a root hash
                that is not canonical base64 of 32 bytes.
        """
        if not isinstance(text, bytes):
            raise EncodingError("checkpoint text must be bytes")
        try:
            decoded = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EncodingError("checkpoint text is not valid UTF-8") from exc
        if not decoded.endswith("\n"):
            raise EncodingError("checkpoint text must end with a newline")
        lines = decoded[:-1].split("\n")
        if len(lines) < 3:
            raise EncodingError("checkpoint text needs an origin, a size and a root hash line")
        origin, size_text, root_text, *extensions = lines
        for i, line in enumerate(lines, 1):
            problem = _line_problem(line, f"line {i}")
            if problem is not None:
                raise EncodingError(f"checkpoint: {problem}")
        if not _SIZE.fullmatch(size_text):
            raise EncodingError(
                f"checkpoint size {size_text!r} is not a decimal number without leading zeros"
            )
        size = int(size_text)
        if size > MAX_TREE_SIZE:
            raise EncodingError(f"checkpoint size {size_text} is larger than 2**64-1")
        root = b64decode(root_text, what="checkpoint root hash")
        if len(root) != HASH_SIZE:
            raise EncodingError(f"checkpoint root hash is {len(root)} bytes, not {HASH_SIZE}")
        return cls(origin, size, root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[Signer]) -> bytes:
    """Return the checkpoint as a signed note.

    Raises:
        InputError: when there is no signer or the same key twice.
    """
    return sign_note(checkpoint.to_text(), signers)


def open_checkpoint(
    data: bytes, verifiers: Sequence[NoteVerifier], *, origin: str, required: int = 1
) -> Checkpoint:
    """Verify a signed checkpoint from the log ``origin`` and return it; fail closed.

    Raises:
        VerificationError: ``checkpoint.format`` for a malformed note or text,
            ``checkpoint.signature`` for a bad or missing signature by a known key,
            ``checkpoint.origin`` for a checkpoint of another log.
    """
    try:
        opened = open_note(data, verifiers, required=required)
    except EncodingError as exc:
        raise VerificationError(CheckName.CHECKPOINT_FORMAT, str(exc)) from exc
    except VerificationError as exc:
        raise VerificationError(CheckName.CHECKPOINT_SIGNATURE, exc.detail) from exc
    try:
        checkpoint = Checkpoint.from_text(opened.note.text)
    except EncodingError as exc:
        raise VerificationError(CheckName.CHECKPOINT_FORMAT, str(exc)) from exc
    if checkpoint.origin != origin:
        raise VerificationError(
            CheckName.CHECKPOINT_ORIGIN,
            f"checkpoint is from log {checkpoint.origin!r}, not {origin!r}",
        )
    return checkpoint


def check_checkpoint_successor(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """Check that ``new`` extends ``old``: same log, no shrinking, consistency proof verifies.

    An empty old tree is extended by every tree; an old tree of the same size must have the
    same root. In both cases the proof must be empty.

    Raises:
        VerificationError: ``checkpoint.consistency`` naming the failed condition.
    """
    check = CheckName.CHECKPOINT_CONSISTENCY
    if old.origin != new.origin:
        raise VerificationError(check, f"origin changed from {old.origin!r} to {new.origin!r}")
    if new.size < old.size:
        raise VerificationError(check, f"tree shrank from {old.size} to {new.size}")
    if old.size == 0:
        if old.root_hash != EMPTY_ROOT:
            raise VerificationError(check, "a checkpoint of size 0 must carry the empty root")
        if new.size == 0 and new.root_hash != EMPTY_ROOT:
            raise VerificationError(check, "a checkpoint of size 0 must carry the empty root")
        if proof:
            raise VerificationError(check, "no proof is needed from the empty tree")
        return
    try:
        verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    except VerificationError as exc:
        raise VerificationError(
            check, f"tree {new.size} does not extend tree {old.size}: {exc.detail}"
        ) from exc


def claimed_checkpoint(note: bytes) -> Checkpoint:
    """The checkpoint a signed note claims, its signatures not checked.

    Raises:
        EncodingError: when the note or its checkpoint text is malformed.
    """
    return Checkpoint.from_text(parse_note(note).text)
