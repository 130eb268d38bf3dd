"""The target registry as sharded JSON with a SHA-256 manifest, for lookups in the browser.

Layout under the site's ``targets/data/`` (docs/site.md)::

    manifest.json        {"type": "target-shards", "v": 1, "registry": "targets",
                          "snapshot": <blob sha256>, "record": <record id>, "as_of": ...,
                          "fields": [...], "rows": N,
                          "shards": [{"path": "<sha256>.json", "sha256": ..., "rows": n,
                                      "first": <first key>, "last": <last key>}, ...]}
    <sha256>.json        {"fields": [...], "rows": [[...], ...]}  (canonical JSON)

Shards are consecutive runs of the snapshot's rows, which are sorted by USCC, so a USCC lookup
reads one shard (binary search over ``first``/``last``) and a name search reads the shards one
by one. Each shard is named by its own SHA-256: unchanged shards keep their URL across
rebuilds, and the browser checks every shard it loads against the manifest.
"""

from __future__ import annotations

import json
from pathlib import Path

from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.records import Record
from publisher.snapshot import Snapshot

SHARD_ROWS = 2000
MANIFEST = "manifest.json"


def write_shards(out: Path, record: Record, snapshot: Snapshot, rows: int = SHARD_ROWS) -> int:
    """Write the shards and the manifest of ``snapshot`` into ``out``; return the shard count."""
    out.mkdir(parents=True, exist_ok=True)
    fields = list(snapshot.fields)
    shards = []
    for start in range(0, len(snapshot.rows), rows):
        part = snapshot.rows[start : start + rows]
        data = canonical_json({"fields": fields, "rows": [list(r) for r in part]})
        digest = sha256_hex(data)
        (out / f"{digest}.json").write_bytes(data)
        shards.append(
            {
                "path": f"{digest}.json",
                "sha256": digest,
                "rows": len(part),
                "first": part[0][0],
                "last": part[-1][0],
            }
        )
    manifest = {
        "type": "target-shards",
        "v": 1,
        "registry": snapshot.registry,
        "snapshot": record.body["blob"],
        "record": record.id,
        "as_of": record.body["as_of"],
        "fields": fields,
        "rows": len(snapshot.rows),
        "shards": shards,
    }
    (out / MANIFEST).write_bytes(canonical_json(manifest))
    return len(shards)


def shard_files(manifest: bytes) -> list[str]:
    """The file names of the shards a manifest (as :func:`write_shards` wrote it) lists."""
    return [str(shard["path"]) for shard in json.loads(manifest)["shards"]]
