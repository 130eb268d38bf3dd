"""Regenerate the office key transition vectors (docs/spec.md §2 "Key changes").

    .venv/bin/python tests/vectors/key-change/make_vectors.py

The keys are TEST-ONLY: their seeds are SHA-256 of fixed labels, written into the file, so
anyone can re-sign. The records and checkpoints are built and signed with lottery's own note
and record code (Ed25519 is deterministic, so a regeneration gives the same bytes); each case's
``verdict`` is what docs/spec.md §2 "Key changes" says of it, written by hand below, not read
from the verifier. tests/test_key_change_vectors.py checks the verdicts twice: with
``lottery verify``'s audit, and with a second reading of the spec written in the test itself
(PyNaCl and hashlib, no lottery code).
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from lottery.core.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from lottery.core.merkle import MerkleTree  # noqa: E402
from lottery.core.note import Signer  # noqa: E402
from lottery.core.records import make_record  # noqa: E402

LOG = "example.org/renfang-log"  # TEST-ONLY origin, also the keys' name
LABELS = {
    "old": b"TEST ONLY key-change vector: old office key",
    "new": b"TEST ONLY key-change vector: new office key",
    "third": b"TEST ONLY key-change vector: third office key",
    "rogue": b"TEST ONLY key-change vector: rogue key",
}
SEEDS = {name: hashlib.sha256(label).digest() for name, label in LABELS.items()}
KEYS = {name: Signer.from_seed(LOG, seed) for name, seed in SEEDS.items()}


def _t(day: int) -> datetime:
    return datetime(2026, 3, day, 1, 0, tzinfo=UTC)


def calendar(year: int, signers: list[str]) -> bytes:
    fields = {
        "year": year,
        "holidays": [f"{year}-01-01"],
        "workdays": [],
        "notice": "",
        "supersedes": None,
    }
    return make_record("calendar", LOG, _t(year - 2025), fields, [KEYS[s] for s in signers])


def change(to: list[str], signers: list[str], day: int = 10) -> bytes:
    fields = {"keys": [KEYS[k].vkey for k in to], "reason": "密钥定期更换（测试）"}
    return make_record("key-change", LOG, _t(day), fields, [KEYS[s] for s in signers])


def checkpoint(entries: list[bytes], signers: list[str]) -> bytes:
    tree = MerkleTree.from_entries(entries)
    return sign_checkpoint(Checkpoint(LOG, tree.size, tree.root()), [KEYS[s] for s in signers])


def case(
    name: str,
    why: str,
    entries: list[bytes],
    signers: list[str],
    verdict: str,
    *,
    pinned: tuple[str, ...] = ("old",),
    final: tuple[str, ...] = (),
    keys_at: tuple[str, ...] = (),
) -> dict[str, object]:
    out: dict[str, object] = {
        "name": name,
        "description": why,
        "pinned": [KEYS[k].vkey for k in pinned],
        "entries": [e.decode("utf-8") for e in entries],
        "checkpoint": checkpoint(entries, signers).decode("utf-8"),
        "verdict": verdict,
    }
    if verdict == "ok":
        out["keys_at"] = [KEYS[k].vkey for k in keys_at]
        out["final"] = [KEYS[k].vkey for k in final]
    return out


def build() -> dict[str, object]:
    c26, c27 = calendar(2026, ["old"]), calendar(2027, ["new"])
    lawful = change(["new"], ["old", "new"])
    cases = [
        case(
            "lawful",
            "a change signed by the old and the new key; later records and the checkpoint "
            "by the new key",
            [c26, lawful, c27],
            ["new"],
            "ok",
            final=("new",),
            keys_at=("old", "old", "new"),
        ),
        case(
            "transition-checkpoint",
            "the checkpoint first covering the change, signed by both keys (as the service "
            "signs it)",
            [c26, lawful],
            ["old", "new"],
            "ok",
            final=("new",),
            keys_at=("old", "old"),
        ),
        case(
            "transition-checkpoint-old-key",
            "the checkpoint first covering the change may carry the old key's signature alone",
            [c26, lawful],
            ["old"],
            "ok",
            final=("new",),
            keys_at=("old", "old"),
        ),
        case(
            "chain",
            "two lawful changes, old to new to third",
            [c26, lawful, change(["third"], ["new", "third"], 11), calendar(2028, ["third"])],
            ["third"],
            "ok",
            final=("third",),
            keys_at=("old", "old", "new", "third"),
        ),
        case(
            "singly-signed",
            "the change is signed by the old key only: the new key never proved itself",
            [c26, change(["new"], ["old"]), c27],
            ["new"],
            "log.key_change",
        ),
        case(
            "unsigned-by-old",
            "the change is signed by the new key only: no key in force authorised it",
            [c26, change(["new"], ["new"]), c27],
            ["new"],
            "log.key_change",
        ),
        case(
            "rogue",
            "a change to a key nobody announced, signed by that key alone",
            [c26, change(["rogue"], ["rogue"]), calendar(2027, ["rogue"])],
            ["rogue"],
            "log.key_change",
        ),
        case(
            "no-change-record",
            "the key was swapped without a key-change record: the checkpoint is by an unknown key",
            [c26, c27],
            ["new"],
            "checkpoint.signature",
        ),
        case(
            "later-checkpoint-old-key",
            "a checkpoint beyond the first covering the change, signed by the old key alone",
            [c26, lawful, c27],
            ["old"],
            "checkpoint.signature",
        ),
        case(
            "old-key-after-change",
            "a record after the change signed by the old key",
            [c26, lawful, calendar(2027, ["old"])],
            ["new"],
            "record.signature",
        ),
        case(
            "pinned-new-key",
            "a reader pinning the new key cannot check the records before the change",
            [c26, lawful, c27],
            ["new"],
            "record.signature",
            pinned=("new",),
        ),
    ]
    return {
        "description": "Office key transitions (docs/spec.md §2 'Key changes'); TEST-ONLY keys",
        "origin": LOG,
        "keys": {
            name: {"seed": SEEDS[name].hex(), "label": LABELS[name].decode(), "vkey": k.vkey}
            for name, k in KEYS.items()
        },
        "cases": cases,
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    (HERE / "cases.json").write_text(render(), encoding="utf-8")
