"""C2SP tlog-witness ``add-checkpoint`` (https://c2sp.org/tlog-witness): the witness's decision.

The request body is an old size line ``old <size>``, at most 63 consistency proof lines (one
base64 hash each), an empty line, then the signed checkpoint. The witness keeps, per log
origin, the latest checkpoint it cosigned (size and root hash) and answers, in the spec's
order of checks:

- 400 for a body that does not parse, or an old size above the checkpoint's size;
- 404 for an origin it is not configured for;
- 403 when no signature by a pinned key of that log verifies (or one of them is bad);
- 409 with its recorded size (``text/x.tlog.size``) when the old size is not that size, or
  when the sizes match but the root hashes do not (a split view);
- 422 when the consistency proof from its recorded tree to the new one does not verify;
- 200 with the cosignature line otherwise, after recording the new checkpoint.

It never goes back: the old size must be the recorded size and the new size at least that,
so it never cosigns a smaller tree, and never two trees of the same size. This module only
decides; the caller holds the lock, persists the new state before answering and supplies the
clock.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .canonical import b64encode
from .checkpoint import Checkpoint, claimed_checkpoint
from .cosignature import Cosigner
from .errors import EncodingError, InputError, VerificationError
from .merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from .note import NoteSignature, NoteVerifier, open_note, parse_note

MAX_PROOF_LINES = 63
"""The spec's limit on consistency proof lines in a request."""

SIZE_CONTENT_TYPE = "text/x.tlog.size"
"""Content type of a 409 answer's body (the witness's recorded size)."""

_OLD = re.compile(rb"old (0|[1-9][0-9]{0,19})")


@dataclass(frozen=True)
class LogState:
    """The latest checkpoint a witness cosigned for one log, and when."""

    size: int
    root_hash: bytes
    timestamp: int


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed ``add-checkpoint`` request body (nothing verified yet)."""

    old_size: int
    proof: tuple[bytes, ...]
    note: bytes


@dataclass(frozen=True)
class Refusal:
    """A non-200 answer: HTTP status, a one-line reason and, for 409, the recorded size."""

    status: int
    message: str
    size: int | None = None

    def body(self) -> bytes:
        """The response body: the size line for 409, else the reason."""
        if self.size is not None:
            return f"{self.size}\n".encode("ascii")
        return (self.message + "\n").encode("utf-8")


@dataclass(frozen=True)
class Cosigned:
    """A 200 answer: the checkpoint, the new state to persist, the cosignature line."""

    checkpoint: Checkpoint
    state: LogState
    signature: NoteSignature

    def body(self) -> bytes:
        """The response body: the cosignature line."""
        return self.signature.line()


def _b64_hash(line: bytes, number: int) -> bytes:
    try:
        value = binascii.a2b_base64(line, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise EncodingError(f"consistency proof line {number} is not base64") from exc
    if len(value) != HASH_SIZE or b64encode(value).encode("ascii") != line:
        raise EncodingError(f"consistency proof line {number} is not one {HASH_SIZE}-byte hash")
    return value


def parse_request(body: bytes) -> AddCheckpoint:
    """Parse an ``add-checkpoint`` body strictly.

    Raises:
        EncodingError: naming the problem (no old size line, a malformed size or proof line,
            more than 63 proof lines, no empty line before the checkpoint, a body that is not
            a signed note holding a checkpoint).
    """
    if not isinstance(body, bytes):
        raise EncodingError("the request body must be bytes")
    end = body.find(b"\n")
    if end < 0 or not _OLD.fullmatch(body[:end]):
        raise EncodingError('the body must start with the line "old <size>"')
    old_size = int(body[4:end])
    proof: list[bytes] = []
    pos = end + 1
    while True:
        nl = body.find(b"\n", pos)
        if nl < 0:
            raise EncodingError("no empty line between the proof and the checkpoint")
        line = body[pos:nl]
        pos = nl + 1
        if not line:
            break
        if len(proof) == MAX_PROOF_LINES:
            raise EncodingError(f"more than {MAX_PROOF_LINES} consistency proof lines")
        proof.append(_b64_hash(line, len(proof) + 1))
    note = body[pos:]
    claimed_checkpoint(note)
    return AddCheckpoint(old_size, tuple(proof), note)


def format_request(old_size: int, proof: Sequence[bytes], note: bytes) -> bytes:
    """The ``add-checkpoint`` body for ``note``, extending the tree of ``old_size``.

    Raises:
        InputError: for a negative size, more than 63 proof lines or a hash of the wrong size.
    """
    if not isinstance(old_size, int) or isinstance(old_size, bool) or old_size < 0:
        raise InputError(f"old size must be a non-negative integer, got {old_size!r}")
    if len(proof) > MAX_PROOF_LINES:
        raise InputError(f"a consistency proof has at most {MAX_PROOF_LINES} hashes")
    if any(not isinstance(h, bytes) or len(h) != HASH_SIZE for h in proof):
        raise InputError(f"every proof hash must be {HASH_SIZE} bytes")
    lines = [f"old {old_size}\n".encode("ascii")]
    lines += [(b64encode(h) + "\n").encode("ascii") for h in proof]
    return b"".join(lines) + b"\n" + note


def parse_size(body: bytes) -> int:
    """The size in a 409 answer's body (``<decimal>\\n``).

    Raises:
        EncodingError: when the body is not one decimal size line.
    """
    if not re.fullmatch(rb"(0|[1-9][0-9]{0,19})\n", body):
        raise EncodingError("a 409 answer must hold one decimal size and a newline")
    return int(body[:-1])


def add_checkpoint(
    request: AddCheckpoint,
    logs: Mapping[str, Sequence[NoteVerifier]],
    states: Mapping[str, LogState],
    cosigner: Cosigner,
    now: int,
) -> Cosigned | Refusal:
    """Decide one ``add-checkpoint`` request; cosign at time ``now`` when every check passes.

    ``logs`` maps each configured origin to its pinned office keys; ``states`` holds the
    latest cosigned checkpoint per origin (absent: never cosigned, recorded size 0). The
    caller must run this and persist :attr:`Cosigned.state` under one lock, before answering.
    """
    note = parse_note(request.note)
    checkpoint = Checkpoint.from_text(note.text)
    origin = checkpoint.origin
    if origin not in logs:
        return Refusal(404, f"this witness does not follow the log {origin!r}")
    try:
        open_note(request.note, list(logs[origin]))
    except VerificationError as exc:
        return Refusal(
            403, f"the checkpoint is not signed by a pinned key of {origin}: {exc.detail}"
        )
    if request.old_size > checkpoint.size:
        return Refusal(
            400, f"old size {request.old_size} is above the checkpoint size {checkpoint.size}"
        )
    state = states.get(origin)
    known_size, known_root = (state.size, state.root_hash) if state else (0, EMPTY_ROOT)
    if request.old_size != known_size:
        return Refusal(409, f"this witness's latest checkpoint has size {known_size}", known_size)
    if checkpoint.size == known_size and checkpoint.root_hash != known_root:
        if known_size == 0:
            return Refusal(400, "a checkpoint of size 0 must carry the empty tree's root")
        return Refusal(
            409,
            f"a different tree of size {known_size} was already cosigned (a split view)",
            known_size,
        )
    if known_size == 0 or checkpoint.size == known_size:
        if request.proof:
            return Refusal(422, "the consistency proof must be empty here")
    else:
        try:
            verify_consistency(
                known_size, checkpoint.size, known_root, checkpoint.root_hash, request.proof
            )
        except VerificationError as exc:
            return Refusal(
                422,
                f"the tree of size {checkpoint.size} does not extend the cosigned tree of size "
                f"{known_size}: {exc.detail}",
            )
    if state is not None and now < state.timestamp:
        return Refusal(
            503,
            f"the witness clock ({now}) is before its last cosignature ({state.timestamp})",
        )
    signature = cosigner.signature(note.text, now)
    return Cosigned(checkpoint, LogState(checkpoint.size, checkpoint.root_hash, now), signature)
