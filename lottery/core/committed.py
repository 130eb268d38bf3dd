"""Committed pools: targets published as salted commitments, opened only for the picks
(docs/spec.md §4 "Committed pools", issue #18).

A target of a type whose identity the office withholds appears in the ``targets`` registry
snapshot, in pool blobs, exclusions, team inputs and outcomes under its **commitment id**: the
lower-case hex SHA-256 of the canonical JSON ::

    {"name": N, "salt": "<32 bytes, hex>", "type": "lottery-target-commitment",
     "uscc": U, "v": 1}

64 hex digits: a valid identifier (spec §1), never a 统一社会信用代码 (18 characters, upper
case). The salt is per target and stable, so the same target has the same id in every snapshot
and task. At the reveal, the office opens the commitment of every picked target, and of nothing
else, in an **openings blob** ::

    {"type": "lottery-openings", "v": 1, "task": T,
     "openings": [{"id", "name", "salt", "uscc"}, ...]}   (sorted by id, each once)

whose SHA-256 the ``task-reveal`` names in ``openings``. ``pool.openings`` checks it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import schema as s
from .canonical import canonical_json, parse_canonical_json, sha256_hex
from .check_names import CheckName
from .errors import EncodingError, InputError, VerificationError

COMMITMENT_TYPE = "lottery-target-commitment"
OPENINGS_TYPE = "lottery-openings"
VERSION = 1
SALT_BYTES = 32

_COMMITMENT_ID = re.compile(r"[0-9a-f]{64}")


def is_commitment_id(target: str) -> bool:
    """Whether ``target`` has the form of a commitment id (64 lower-case hex digits)."""
    return _COMMITMENT_ID.fullmatch(target) is not None


def commitment_id(target_uscc: str, name: str, salt: bytes) -> str:
    """The commitment id of a target: SHA-256 of its commitment's canonical JSON, hex.

    Raises:
        InputError: when the salt is not 32 bytes.
    """
    if len(salt) != SALT_BYTES:
        raise InputError(f"a target commitment's salt is {SALT_BYTES} bytes")
    return sha256_hex(
        canonical_json(
            {
                "name": name,
                "salt": salt.hex(),
                "type": COMMITMENT_TYPE,
                "uscc": target_uscc,
                "v": VERSION,
            }
        )
    )


@dataclass(frozen=True)
class Opening:
    """One opened commitment: the target behind a picked commitment id."""

    id: str
    uscc: str
    name: str
    salt: bytes

    def opens(self) -> bool:
        """Whether the USCC, name and salt hash to the id."""
        return commitment_id(self.uscc, self.name, self.salt) == self.id


_OPENING = s.obj({"id": s.hex32, "name": s.text(200), "salt": s.hex32, "uscc": s.uscc})
_OPENINGS = s.obj(
    {
        "type": s.const(OPENINGS_TYPE),
        "v": s.const(VERSION),
        "task": s.ident,
        "openings": s.array(_OPENING, min_len=1),
    }
)


def encode_openings(task: str, openings: Iterable[Opening]) -> bytes:
    """The openings blob of ``task`` (sorted by id).

    Raises:
        InputError: when an id is opened twice or an opening does not open its id.
    """
    ordered = sorted(openings, key=lambda o: o.id)
    if len({o.id for o in ordered}) != len(ordered) or not ordered:
        raise InputError("an openings blob opens each picked commitment once")
    bad = [o.id for o in ordered if not o.opens()]
    if bad:
        raise InputError(f"the opening of {bad[0]} does not hash to it")
    return canonical_json(
        {
            "type": OPENINGS_TYPE,
            "v": VERSION,
            "task": task,
            "openings": [
                {"id": o.id, "name": o.name, "salt": o.salt.hex(), "uscc": o.uscc} for o in ordered
            ],
        }
    )


def decode_openings(data: bytes) -> tuple[str, list[Opening]]:
    """The task and the openings of an openings blob (canonical, sorted by id, each once).

    Raises:
        EncodingError: naming what is malformed.
    """
    body = parse_canonical_json(data)
    _OPENINGS(body, "openings")
    ids = [o["id"] for o in body["openings"]]
    if ids != sorted(set(ids)):
        raise EncodingError("openings must be sorted by id, each id once")
    return body["task"], [
        Opening(o["id"], o["uscc"], o["name"], bytes.fromhex(o["salt"])) for o in body["openings"]
    ]


def check_openings(
    task: str,
    picks: Sequence[str],
    reveal: Mapping[str, Any],
    blobs: Mapping[str, bytes],
) -> dict[str, Opening]:
    """``pool.openings``: the reveal opens exactly the picked commitment ids, each correctly.

    ``picks``: the revealed outcome's picked target ids; ``reveal``: the ``task-reveal`` body.
    Returns the openings by commitment id (empty for a task with no committed pick).

    Raises:
        VerificationError: ``blob.missing`` / ``blob.hash`` for the openings blob, otherwise
            ``pool.openings`` naming the first fault.
    """
    committed = sorted(p for p in picks if is_commitment_id(p))
    digest = reveal.get("openings")
    if digest is None:
        if committed:
            raise VerificationError(
                CheckName.POOL_OPENINGS,
                f"{len(committed)} picks are commitments but the reveal opens none, "
                f"first {committed[0]}",
            )
        return {}
    data = blobs.get(digest)
    if data is None:
        raise VerificationError(CheckName.BLOB_MISSING, f"openings blob {digest} is not published")
    if sha256_hex(data) != digest:
        raise VerificationError(
            CheckName.BLOB_HASH, f"openings blob does not match its SHA-256 {digest}"
        )
    try:
        owner, openings = decode_openings(data)
    except EncodingError as exc:
        raise VerificationError(CheckName.POOL_OPENINGS, f"openings blob: {exc}") from exc
    if owner != task:
        raise VerificationError(
            CheckName.POOL_OPENINGS, f"the openings blob is of task {owner!r}, not {task!r}"
        )
    wrong = [o.id for o in openings if not o.opens()]
    if wrong:
        raise VerificationError(
            CheckName.POOL_OPENINGS,
            f"{len(wrong)} openings do not hash to their commitment id, first {wrong[0]}",
        )
    opened = [o.id for o in openings]
    extra = sorted(set(opened) - set(committed))
    if extra:
        raise VerificationError(
            CheckName.POOL_OPENINGS,
            f"{len(extra)} opened commitments are not picks, first {extra[0]}: only the "
            "picked may be named",
        )
    unopened = sorted(set(committed) - set(opened))
    if unopened:
        raise VerificationError(
            CheckName.POOL_OPENINGS,
            f"{len(unopened)} picked commitments are not opened, first {unopened[0]}",
        )
    return {o.id: o for o in openings}


def named_picks(picks: Sequence[str], openings: Mapping[str, Opening]) -> list[str]:
    """The picks with every opened commitment id replaced by its USCC (results name it)."""
    return [openings[p].uscc if p in openings else p for p in picks]
