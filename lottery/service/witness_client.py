"""Ask a C2SP tlog-witness for a cosignature (``POST <prefix>/add-checkpoint``).

The office (its future pusher, or anyone holding the log: tests, an operator with an export)
sends the signed checkpoint with a consistency proof from the size the witness last cosigned.
When that size is wrong the witness answers 409 with its own size; the client rebuilds the
proof from that size and tries again. The answer's cosignature lines are checked against the
witness's public key when one is given (the spec: lines by unknown keys are ignored).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from lottery.core.audit import Getter
from lottery.core.checkpoint import claimed_checkpoint
from lottery.core.cosignature import CosignatureVerifier
from lottery.core.errors import EncodingError, InputError, VerificationError
from lottery.core.merkle import MerkleTree
from lottery.core.note import Note, NoteSignature, parse_note
from lottery.core.tiles import check_tiles
from lottery.core.witness_protocol import format_request, parse_size

Post = Callable[[str, bytes], tuple[int, str, bytes]]
"""``post(url, body) -> (status, content type, body)``; raises ``InputError`` when unreachable."""


class WitnessRefused(InputError):
    """The witness did not cosign: its status, one-line reason and, when it named one (409),
    the size it has cosigned."""

    def __init__(self, status: int, message: str, size: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.size = size


@dataclass(frozen=True)
class WitnessAnswer:
    """A witness's cosignature lines for a checkpoint, and the size it has now recorded."""

    lines: tuple[NoteSignature, ...]
    size: int

    def cosigned(self, note: bytes) -> bytes:
        """``note`` with these lines appended (what ``lottery checkpoint add-cosignature``
        accepts)."""
        parsed = parse_note(note)
        extra = tuple(s for s in self.lines if s not in parsed.signatures)
        return Note(parsed.text, parsed.signatures + extra).to_bytes()


def httpx_post(timeout: float = 30.0) -> Post:
    """A :data:`Post` over one keep-alive ``httpx`` client."""
    client = httpx.Client(timeout=timeout)

    def post(url: str, body: bytes) -> tuple[int, str, bytes]:
        try:
            response = client.post(url, content=body)
        except httpx.HTTPError as exc:
            raise InputError(f"cannot reach the witness at {url}: {exc}") from exc
        return response.status_code, response.headers.get("content-type", ""), response.content

    return post


def export_log(get: Getter) -> tuple[bytes, MerkleTree]:
    """The latest signed checkpoint of a published log and its tree, rebuilt from the tiles.

    Raises:
        InputError: when the export has no checkpoint, or a malformed one.
        VerificationError: when the tiles do not give the checkpoint's root.
    """
    try:
        note = get("checkpoint")
    except KeyError as exc:
        raise InputError("the log publishes no checkpoint") from exc
    checkpoint = claimed_checkpoint(note)
    return note, check_tiles(checkpoint.size, checkpoint.root_hash, get)


def _proof(tree: MerkleTree, old: int, new: int) -> list[bytes]:
    return [] if old in (0, new) else tree.consistency_proof(old, new)


def _lines(body: bytes, note: bytes, witness: CosignatureVerifier | None) -> list[NoteSignature]:
    try:
        parsed = parse_note(parse_note(note).text + b"\n" + body)
    except EncodingError as exc:
        raise InputError(f"the witness's answer is not cosignature lines: {exc}") from exc
    if witness is None:
        return list(parsed.signatures)
    mine = [s for s in parsed.signatures if (s.name, s.key_id) == (witness.name, witness.key_id)]
    try:
        for sig in mine:
            witness.verify(parsed.text, sig)
    except VerificationError as exc:
        raise InputError(f"the witness's answer does not verify: {exc.detail}") from exc
    if not mine:
        raise InputError(f"the witness's answer holds no cosignature by {witness.name}")
    return mine


def request_cosignature(
    url: str,
    note: bytes,
    tree: MerkleTree,
    known_size: int = 0,
    *,
    witness: CosignatureVerifier | None = None,
    post: Post | None = None,
    attempts: int = 3,
) -> WitnessAnswer:
    """Ask the witness at ``url`` (its submission prefix) to cosign ``note``.

    ``tree`` is the log's tree (at least ``note``'s size); ``known_size`` the size the caller
    believes the witness cosigned last (0 when unknown). A 409 answer carrying another size
    is retried from that size, at most ``attempts`` times in all.

    Raises:
        WitnessRefused: when the witness answers anything but 200 (a 409 naming the size we
            sent, or a size above the checkpoint's, is a split view or a rollback: refused).
        InputError: when the witness cannot be reached or its answer is malformed.
    """
    checkpoint = claimed_checkpoint(note)
    if tree.size < checkpoint.size or tree.root(checkpoint.size) != checkpoint.root_hash:
        raise InputError("the tree given is not the checkpoint's tree")
    send = post or httpx_post()
    endpoint = url.rstrip("/") + "/add-checkpoint"
    old = known_size
    for _ in range(attempts):
        if not 0 <= old <= checkpoint.size:
            raise WitnessRefused(
                409,
                f"the witness at {url} has cosigned a tree of size {old}, larger than "
                f"this checkpoint's {checkpoint.size}",
                old,
            )
        body = format_request(old, _proof(tree, old, checkpoint.size), note)
        status, _content_type, answer = send(endpoint, body)
        if status == 200:
            return WitnessAnswer(tuple(_lines(answer, note, witness)), checkpoint.size)
        if status == 409:
            try:
                size = parse_size(answer)
            except EncodingError as exc:
                raise InputError(f"the witness at {url}: {exc}") from exc
            if size != old:
                old = size
                continue
            raise WitnessRefused(
                409,
                f"the witness at {url} refuses: it cosigned a different tree of size {size}",
                size,
            )
        reason = answer.decode("utf-8", "replace").strip().splitlines()[:1]
        raise WitnessRefused(status, f"the witness at {url} answered {status}: {''.join(reason)}")
    raise WitnessRefused(409, f"the witness at {url} kept changing its size; giving up")
