"""The public log served from the database in the export's layout (``/log/...``).

Paths are those of the static export (docs/export.md), so ``lottery verify <url>/log`` audits
a running service exactly as it audits a site: ``checkpoint``, ``checkpoints/list``,
``checkpoints/<size>``, ``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]``,
``blobs/<sha256>``, ``records/<id>``, ``keys/office.vkey`` and the witness cosignatures
``cosigned/list`` and ``cosigned/<size>`` (docs/witness.md). Everything here is public by
construction: only ``log_entry``, ``blob``, ``checkpoint`` and ``cosignature`` rows are read.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from sqlmodel import col, select

from lottery.core.errors import EncodingError
from lottery.core.merkle import MerkleTree
from lottery.core.tiles import TILE_HEIGHT, TILE_WIDTH, encode_entry_bundle, parse_tile_path
from lottery.storage.models import Blob, CheckpointRow, CosignatureRow, LogEntry

from .lifecycle import Lifecycle
from .log import cosigned_notes

_HEX64 = re.compile(r"^[0-9a-f]{64}\Z")
_SIZE = re.compile(r"^[0-9]{1,12}\Z")


@dataclass(frozen=True)
class _Snapshot:
    size: int
    entries: list[bytes]
    tree: MerkleTree
    withdrawn: frozenset[str]


class LogView:
    """Reads public log paths; the tree is rebuilt only when the log has grown."""

    def __init__(self, service: Lifecycle) -> None:
        """Serve the log of ``service``."""
        self.service = service
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def _current(self) -> _Snapshot:
        with self.service.session() as session:
            size = self.service.log.size(session)
            with self._lock:
                snap = self._snapshot
                if snap is not None and snap.size == size:
                    return snap
            entries = list(
                session.exec(select(LogEntry.note).order_by(col(LogEntry.idx)).limit(size))
            )
        withdrawn = frozenset(self.service.log.withdrawn(entries))
        snap = _Snapshot(len(entries), entries, MerkleTree.from_entries(entries), withdrawn)
        with self._lock:
            self._snapshot = snap
        return snap

    def withdrawn(self, path: str) -> bool:
        """Whether ``path`` is a sealed blob that a withdrawal removed (answered 410 Gone)."""
        digest = path[len("blobs/") :]
        return path.startswith("blobs/") and digest in self._current().withdrawn

    def get(self, path: str) -> bytes | None:
        """The bytes published at ``path``, or None when nothing is."""
        if path == "checkpoint":
            with self.service.session() as session:
                return self.service.log.latest_checkpoint(session)
        if path == "checkpoints/list":
            with self.service.session() as session:
                sizes = session.exec(select(CheckpointRow.size).order_by(col(CheckpointRow.size)))
                text = "".join(f"{s}\n" for s in sizes)
            return text.encode("ascii") if text else None
        if path.startswith("checkpoints/") and _SIZE.match(path[len("checkpoints/") :]):
            with self.service.session() as session:
                row = session.get(CheckpointRow, int(path[len("checkpoints/") :]))
                return row.note if row else None
        if path == "cosigned/list":
            with self.service.session() as session:
                sizes = session.exec(
                    select(CosignatureRow.size).distinct().order_by(col(CosignatureRow.size))
                )
                text = "".join(f"{s}\n" for s in sizes)
            return text.encode("ascii") if text else None
        if path.startswith("cosigned/") and _SIZE.match(path[len("cosigned/") :]):
            size = int(path[len("cosigned/") :])
            with self.service.session() as session:
                return cosigned_notes(session, size=size).get(size)
        if path.startswith("blobs/") and _HEX64.match(path[len("blobs/") :]):
            with self.service.session() as session:
                blob = session.get(Blob, path[len("blobs/") :])
                return blob.data if blob else None
        if path.startswith("records/") and _HEX64.match(path[len("records/") :]):
            with self.service.session() as session:
                note = session.exec(
                    select(LogEntry.note).where(LogEntry.record_id == path[len("records/") :])
                ).one_or_none()
                return note
        if path == "keys/office.vkey":
            return (self.service.log.verifier.vkey + "\n").encode("utf-8")
        if path.startswith("tile/"):
            return self._tile(path)
        return None

    def _tile(self, path: str) -> bytes | None:
        try:
            level, index, width = parse_tile_path(path)
        except EncodingError:
            return None
        snap = self._current()
        if level is None:
            start = index * TILE_WIDTH
            if start + width > snap.size:
                return None
            return encode_entry_bundle(snap.entries[start : start + width])
        leaves_per_hash = 1 << (TILE_HEIGHT * level)
        start = index * TILE_WIDTH
        if (start + width) * leaves_per_hash > snap.size:
            return None
        return snap.tree.level_hashes(TILE_HEIGHT * level, start, start + width)
