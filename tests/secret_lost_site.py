"""Exports of the "cancelled, secret lost" known-answer vector
(tests/vectors/lottery-v1/task-secret-lost.json), for the site and browser tests."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lottery.core.note import Signer
from lottery.core.records import make_record
from lottery.export.write import write_export
from tests.publisher.factory import _item

VECTORS = Path(__file__).resolve().parent / "vectors" / "lottery-v1"
LOST: dict[str, Any] = json.loads((VECTORS / "task-secret-lost.json").read_text("utf-8"))
SEED = json.loads((VECTORS / "task-drand.json").read_text("utf-8"))["inputs"]["signing_key_seed"]
TASK = "V-DRAND"
ITEMS_AT = datetime(2023, 8, 1, 1, 0, tzinfo=UTC)


def case(name: str) -> dict[str, Any]:
    """One case of the vector."""
    return next(c for c in LOST["cases"] if c["name"] == name)


def write_case(out: Path, name: str) -> Path:
    """Publish case ``name``'s records as a whole log signed with the vector's TEST-ONLY key
    (the outcome blob too when the case reveals it)."""
    blobs = [*LOST["blobs"].values(), LOST["outcome_blob"]]
    data = {hashlib.sha256(b.encode()).hexdigest(): b.encode() for b in blobs}
    if name != "lost-after-reveal":
        data.pop(hashlib.sha256(LOST["outcome_blob"].encode()).hexdigest())
    signer = Signer.from_seed(LOST["log"], bytes.fromhex(SEED))
    # The item list the announcement cites (RF-01 of version 1), published before it.
    items = {"version": 1, "effective": "2023-08-01", "items": [_item("RF-01", "人防工程使用")]}
    listed = make_record("item-list", LOST["log"], ITEMS_AT, items, [signer])
    notes = [listed, *(n.encode() for n in case(name)["notes"])]
    write_export(out, notes, data, signer, origin=LOST["log"], public_keys=[signer.vkey])
    return out
