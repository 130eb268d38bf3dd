"""Writing the public export: the log as C2SP tiles, checkpoints, blobs and public keys.

The export only ever grows. Before writing, the entries already published (those covered by
the export's current checkpoint) must be a prefix of what is being written: if the new log does
not extend the old one, nothing is written and :class:`ExportError` says so.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from lottery.core.canonical import sha256_hex
from lottery.core.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from lottery.core.errors import InputError, LotteryError
from lottery.core.merkle import MerkleTree
from lottery.core.note import NoteVerifier, Signer
from lottery.core.tiles import entry_bundles_to_write, tiles_to_write


class ExportError(LotteryError):
    """The export cannot be written without rewriting what was already published."""


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _write_once(path: Path, data: bytes) -> None:
    """Write immutable content; an existing file must already hold exactly these bytes."""
    if path.exists():
        if path.read_bytes() != data:
            raise ExportError(f"{path} already exists with other content: refusing to rewrite")
        return
    _write(path, data)


def write_export(
    out: Path,
    entries: Sequence[bytes],
    blobs: Mapping[str, bytes],
    signer: Signer | NoteVerifier,
    *,
    origin: str,
    public_keys: Sequence[str],
    cosigned: Mapping[int, bytes] | None = None,
    withdrawn: Collection[str] = (),
    known: Sequence[NoteVerifier] = (),
    signed: bytes | None = None,
) -> Checkpoint:
    """Bring the export at ``out`` up to the log ``entries``; return the new checkpoint.

    ``withdrawn`` names sealed blobs that a withdrawal record removed (docs/spec.md §2.1):
    their files are deleted, the one exception to "the export only grows"; the log itself
    (tiles, bundles, checkpoints) is never touched.

    ``signed``: a checkpoint of exactly these entries signed already (the service's stored
    one), published instead of a new signature by ``signer``; required when ``signer`` is only
    the office's public key (the key held by the signer process: docs/deploy.md).

    ``cosigned`` maps checkpoint sizes to the office's checkpoint note with the witness
    cosignature lines received (docs/witness.md); each is written to ``cosigned/<size>``,
    which may only gain lines at its end, and listed in ``cosigned/list``.

    Raises:
        ExportError: when the existing export is not a prefix of ``entries``, or a published
            file would change.
        InputError: for a blob whose name is not its SHA-256, or a cosigned checkpoint that
            is not the office's checkpoint of this log at its size.
        VerificationError: when a cosigned checkpoint does not carry the office signature.
    """
    tree = MerkleTree.from_entries(entries)
    verifier = signer.verifier() if isinstance(signer, Signer) else signer
    old_size = 0
    current = out / "checkpoint"
    if current.exists():
        # ``known``: the office's earlier keys, which signed the checkpoints before a rotation.
        keys = [verifier, *known]
        old = open_checkpoint(current.read_bytes(), keys, origin=origin)
        if old.size > tree.size or tree.root(old.size) != old.root_hash:
            raise ExportError(
                f"the export at {out} holds a log of {old.size} records that the new log does "
                "not extend: refusing to rewrite published history"
            )
        old_size = old.size
    for digest, data in blobs.items():
        if sha256_hex(data) != digest:
            raise InputError(f"blob {digest} does not match its SHA-256")
        if digest in withdrawn:
            raise InputError(f"blob {digest} is withdrawn: it may not be exported")
        _write_once(out / "blobs" / digest, data)
    for digest in withdrawn:
        (out / "blobs" / digest).unlink(missing_ok=True)
    # Full tiles are immutable; partial tiles are new paths. Either way, write-once.
    for path, data in tiles_to_write(old_size, tree.size, tree).items():
        _write_once(out / path, data)
    for path, data in entry_bundles_to_write(old_size, tree.size, entries).items():
        _write_once(out / path, data)
    checkpoint = Checkpoint(origin, tree.size, tree.root())
    if signed is not None:
        # The service's own signed checkpoint of this size (the one first covering a key
        # change carries the old and the new key's signatures): published as it is.
        stored = open_checkpoint(signed, [verifier, *known], origin=origin)
        if stored != checkpoint:
            raise InputError(f"the stored checkpoint is not the checkpoint of these {tree.size}")
    elif isinstance(signer, Signer):
        signed = sign_checkpoint(checkpoint, [signer])
    else:
        raise InputError("an export signed elsewhere needs its signed checkpoint (signed=)")
    archive = out / "checkpoints"
    if old_size != tree.size or not (archive / str(tree.size)).exists():
        _write_once(archive / str(tree.size), signed)
        listing = archive / "list"
        sizes = listing.read_text("ascii").split() if listing.exists() else []
        if str(tree.size) not in sizes:
            sizes.append(str(tree.size))
        _write(listing, ("\n".join(sizes) + "\n").encode("ascii"))
        _write(current, signed)
    _write(out / "keys" / "office.vkey", ("\n".join(public_keys) + "\n").encode("utf-8"))
    if cosigned:
        _write_cosigned(out, cosigned, tree, [verifier, *known], origin)
    return checkpoint


def _write_cosigned(
    out: Path,
    cosigned: Mapping[int, bytes],
    tree: MerkleTree,
    keys: Sequence[NoteVerifier],
    origin: str,
) -> None:
    """Write ``cosigned/<size>`` (growing only by appended lines) and ``cosigned/list``."""
    for size, note in sorted(cosigned.items()):
        office = open_checkpoint(note, keys, origin=origin)
        if office.size != size or size > tree.size or office.root_hash != tree.root(size):
            raise InputError(f"cosigned checkpoint {size} is not a checkpoint of this log")
        path = out / "cosigned" / str(size)
        if path.exists():
            old = path.read_bytes()
            if not note.startswith(old):
                raise ExportError(
                    f"{path} would lose or change cosignature lines: a cosigned checkpoint "
                    "may only gain lines at its end"
                )
            if old == note:
                continue
        _write(path, note)
    listing = out / "cosigned" / "list"
    sizes = set(listing.read_text("ascii").split()) if listing.exists() else set()
    sizes |= {str(s) for s in cosigned}
    _write(listing, "".join(f"{s}\n" for s in sorted(sizes, key=int)).encode("ascii"))
