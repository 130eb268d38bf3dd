"""The published witness policy: which witnesses, how many must cosign, and the margin.

A ``witness-policy`` record (docs/records.md) carries what a C2SP tlog-policy file says for
this log, as JSON: the witnesses (a name and a cosigner vkey each), the quorum ``k`` (at least
``k`` of the ``n`` witnesses, tlog-policy's ``group <name> <k> ...`` made the quorum) and, our
addition, the ``margin`` in seconds a quorum's cosignatures must precede a beacon's time.
:func:`policy_text` renders the equivalent tlog-policy file; :func:`check_policy_body` is the
record's format rule (docs/spec.md §2, §8 ``announcement.witnessed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import schema as s
from .cosignature import CosignatureVerifier
from .errors import EncodingError, InputError

MAX_WITNESSES = 32
"""tlog-policy recommends supporting at least 32 witnesses; we allow no more."""
MAX_MARGIN = 86_400

FIELDS: dict[str, s.Validator] = {
    "witnesses": s.array(
        s.obj({"name": s.text(64), "vkey": s.text(300)}), min_len=1, max_len=MAX_WITNESSES
    ),
    "quorum": s.integer(1, MAX_WITNESSES),
    "margin": s.integer(0, MAX_MARGIN),
}
"""The record's own fields (besides the common ones)."""

_RESERVED = {"none", "quorum"}


def _check_name(name: str, path: str) -> None:
    if any(c.isspace() for c in name) or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise EncodingError(f"{path} must not contain spaces or control characters")
    if name in _RESERVED:
        raise EncodingError(f"{path} must not be {name!r} (a tlog-policy keyword)")


def witness_keys(body: Mapping[str, Any]) -> tuple[CosignatureVerifier, ...]:
    """The witnesses' cosigner keys, in the record's order.

    Raises:
        EncodingError: when a vkey is not a cosigner key.
    """
    keys = []
    for i, w in enumerate(body["witnesses"]):
        try:
            keys.append(CosignatureVerifier.from_vkey(w["vkey"]))
        except InputError as exc:
            raise EncodingError(f"witness-policy.witnesses[{i}].vkey: {exc}") from exc
    return tuple(keys)


def check_policy_body(body: Mapping[str, Any]) -> None:
    """The format rules beyond the field types: names distinct and usable as tlog-policy
    names, every vkey a cosigner (type 0x04) key, no public key twice, ``quorum <= n``.

    Raises:
        EncodingError: naming the first rule broken.
    """
    names = [w["name"] for w in body["witnesses"]]
    for i, name in enumerate(names):
        _check_name(name, f"witness-policy.witnesses[{i}].name")
    if len(set(names)) != len(names):
        raise EncodingError("witness-policy.witnesses names a witness twice")
    keys = witness_keys(body)
    if len({k.public_key for k in keys}) != len(keys):
        raise EncodingError("witness-policy.witnesses lists a public key twice")
    if body["quorum"] > len(keys):
        raise EncodingError(
            f"witness-policy.quorum {body['quorum']} is more than its {len(keys)} witnesses"
        )


def policy_text(body: Mapping[str, Any], office_vkey: str | None = None) -> str:
    """The equivalent C2SP tlog-policy file (the margin, which it cannot say, as a comment)."""
    lines = [f"# witness-policy of {body['log']}, margin {body['margin']} s"]
    if office_vkey:
        lines.append(f"log {office_vkey}")
    lines += [f"witness {w['name']} {w['vkey']}" for w in body["witnesses"]]
    members = " ".join(w["name"] for w in body["witnesses"])
    lines += [f"group quorum {body['quorum']} {members}", "quorum quorum"]
    return "\n".join(lines) + "\n"
