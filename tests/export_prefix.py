"""A copy of an export cut at an earlier size, or grown again: the same log as it stood then.

For tests and benchmarks of the tools that go on from an earlier run (``lottery verify
--state``, ``lottery monitor``): the office's key signs a checkpoint at the cut size. Blobs are
copied as published (a blob withdrawn since stays withdrawn), and so are the cosigned
checkpoints (``cosigned/<size>``, docs/witness.md) of the sizes the cut holds whose root is
this log's, so a log under a published witness policy still verifies when cut.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from lottery.core.checkpoint import claimed_checkpoint
from lottery.core.merkle import MerkleTree
from lottery.core.note import Signer
from lottery.core.tiles import entries_from_bundles
from lottery.export.read import file_getter
from lottery.export.write import write_export

_DIGEST = re.compile(rb"[0-9a-f]{64}")


def log_entries(export: Path) -> list[bytes]:
    """Every entry of the export's log, in order (unverified: read its bundles)."""
    get = file_getter(export)
    size = int(get("checkpoint").split(b"\n")[1])
    return entries_from_bundles(size, get)


def write_prefix(
    export: Path,
    out: Path,
    entries: list[bytes],
    signer: Signer,
    *,
    origin: str,
    later: Sequence[bytes] = (),
) -> Path:
    """Write (or grow) at ``out`` an export of ``entries`` with ``export``'s blobs and keys,
    its checkpoints signed by ``signer``; return ``out``. ``later``: the entries after the
    cut; blobs that only they name are left out, as the export of that day would hold."""
    only_later = set(_DIGEST.findall(b"".join(later))) - set(_DIGEST.findall(b"".join(entries)))
    blobs = {
        p.name: p.read_bytes()
        for p in (export / "blobs").iterdir()
        if p.is_file() and p.name.encode() not in only_later
    }
    public_keys = (export / "keys" / "office.vkey").read_text("utf-8").split()
    listing = export / "cosigned" / "list"
    sizes = [int(n) for n in listing.read_text("ascii").split()] if listing.is_file() else []
    tree = MerkleTree.from_entries(entries)
    cosigned = {}
    for n in (n for n in sizes if n <= len(entries)):
        note = (export / "cosigned" / str(n)).read_bytes()
        if claimed_checkpoint(note).root_hash == tree.root(n):  # this very log's checkpoint
            cosigned[n] = note
    write_export(
        out, entries, blobs, signer, origin=origin, public_keys=public_keys, cosigned=cosigned
    )
    return out
