"""Removable content under a kept, salted commitment (docs/spec.md §2.1).

A record whose content may have to leave public view (a penalty's party, facts, basis and
amounts) carries, instead of that content, ``sealed``: the SHA-256 of a *sealed blob*, the
RFC 8785 canonical JSON ::

    {"content": {...}, "record": "penalty", "salt": "<32 random bytes, hex>",
     "type": "lottery-sealed", "v": 1}

published beside the log under that hash. Withdrawing the content deletes the blob; the
record, the log, every checkpoint and every proof stay. The salt is drawn per item from the
operating system's CSPRNG, so a guess ("罚款 30000 元") cannot be confirmed against a
commitment whose blob is gone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from . import schema as s
from .canonical import canonical_json, parse_canonical_json, sha256_hex
from .check_names import CheckName
from .errors import EncodingError, VerificationError
from .onsite import ANSWERS, EVIDENCE_KINDS

SEALED_TYPE = "lottery-sealed"
SEALED_VERSION = 1
SALT_BYTES = 32

_AMOUNT = s.obj({"kind": s.text(100), "fen": s.integer(0)}, {"text": s.text(200)})
# ``kind`` and ``source`` came with the on-site record (issue #16); older evidence has neither.
_EVIDENCE = s.obj(
    {"name": s.text(200), "sha256": s.hex32, "size": s.integer(0)},
    {"kind": s.one_of(*EVIDENCE_KINDS), "source": s.text(200)},
)
# A checklist point of a cited item, answered (lottery.core.onsite).
_ANSWER = s.obj(
    {
        "item": s.ident,
        "point": s.text(500),
        "answer": s.one_of(*ANSWERS),
        "note": s.text(2000, empty=True),
    }
)


# The content each record type seals (docs/spec.md §2.1 gives the legal reason per field).
SEALED_CONTENT: dict[str, Mapping[str, s.Validator]] = {
    "penalty": {
        "target": s.ident,
        "entity": s.text(200),
        "facts": s.text(),
        "basis": s.text(),
        "kind": s.text(200),
        "content": s.text(),
        "amounts": s.array(_AMOUNT, max_len=20),
        "result": s.nullable(s.hex32),
    },
    # What the inspectors found at a named target and how it is followed up, and the names of
    # the evidence files (which describe it); the categories, dates and team stay public.
    "inspection-result": {
        "findings": s.text(10_000, empty=True),
        "follow_up": s.text(10_000, empty=True),
        "evidence": s.array(_EVIDENCE, max_len=1000),
    },
    # What the party must rectify describes its violations; so does the re-check's note.
    "rectification-order": {"requirements": s.text(10_000)},
    "rectification-check": {"note": s.text(10_000, empty=True)},
}

# Members a type's content may leave out (docs/spec.md §2.1): the place of an inspection was
# added after the first results were sealed, and a result entered without one seals none.
SEALED_OPTIONAL: dict[str, Mapping[str, s.Validator]] = {
    # The 双公示 fields of the 行政处罚 publicity layout (issue #18): the party's 住所 and
    # 法定代表人（负责人）, the deciding authority's 统一社会信用代码, the 违法行为类型 and the
    # 暂扣或吊销证照名称及编号; a penalty sealed before they existed has none of them.
    "penalty": {
        "address": s.text(500),
        "representative": s.text(100),
        "authority_code": s.uscc,
        "violation": s.text(200),
        "licence": s.text(500),
    },
    # The on-site record (issue #16): checklist answers, the time of the check, and why a
    # result with findings lists no evidence.
    "inspection-result": {
        "place": s.text(500, empty=True),
        "checklist": s.array(_ANSWER, min_len=1, max_len=1000),
        "started": s.time,
        "ended": s.time,
        "no_evidence_reason": s.text(2000),
    },
    "rectification-order": {},
    "rectification-check": {},
}


def content_schema(record_type: str, omit: Collection[str] = ()) -> s.Validator:
    """The schema of the content a record of ``record_type`` seals; ``omit``: required
    members a reviewed record may leave out (withheld by a publication rule, spec §2.3)."""
    required = {k: v for k, v in SEALED_CONTENT[record_type].items() if k not in omit}
    optional = dict(SEALED_OPTIONAL[record_type])
    optional |= {k: v for k, v in SEALED_CONTENT[record_type].items() if k in omit}
    return s.obj(required, optional)


WITHDRAWALS: dict[str, tuple[str, str]] = {
    "penalty-withdrawal": ("penalty", "penalty"),
    "result-withdrawal": ("result", "inspection-result"),
    "rectification-withdrawal": ("record", "rectification-order|rectification-check"),
}
"""Withdrawal record type -> (the field naming the record it withdraws, that record's type;
``|`` separates the types when it may name either)."""

_PREFIX = b'{"content":'  # canonical key order: content < record < salt < type < v


def seal(
    record_type: str, content: Mapping[str, Any], salt: bytes, *, omit: Collection[str] = ()
) -> bytes:
    """The sealed blob of ``content`` for a record of ``record_type``.

    Raises:
        EncodingError: for a record type that seals nothing, content that does not match its
            schema (``omit``: required members it may leave out, withheld by the publication
            review), or a salt that is not 32 bytes.
    """
    if record_type not in SEALED_CONTENT:
        raise EncodingError(f"a {record_type!r} record seals no content")
    if len(salt) != SALT_BYTES:
        raise EncodingError(f"the salt must be {SALT_BYTES} bytes, not {len(salt)}")
    content_schema(record_type, omit)(dict(content), f"{record_type} content")
    return canonical_json(
        {
            "content": dict(content),
            "record": record_type,
            "salt": salt.hex(),
            "type": SEALED_TYPE,
            "v": SEALED_VERSION,
        }
    )


def is_sealed_blob(data: bytes) -> bool:
    """Whether ``data`` looks like a sealed blob (removable: served with short caching)."""
    return data.startswith(_PREFIX)


def open_sealed(
    data: bytes, digest: str, record_type: str, omit: Collection[str] = ()
) -> dict[str, Any]:
    """Check a published sealed blob against its commitment and return its content
    (``omit``: required members a reviewed record's content may leave out).

    Raises:
        VerificationError: ``sealed.content`` when the bytes do not hash to ``digest``, are
            not canonical JSON of a sealed blob, or seal content of another record type or
            content that does not match that type's schema.
    """
    if sha256_hex(data) != digest:
        raise VerificationError(
            CheckName.SEALED_CONTENT,
            f"blob {digest[:16]} does not match its commitment: SHA-256 is {sha256_hex(data)[:16]}",
        )
    try:
        blob = parse_canonical_json(data)
        s.obj(
            {
                "content": s.anything,
                "record": s.const(record_type),
                "salt": s.hex32,
                "type": s.const(SEALED_TYPE),
                "v": s.const(SEALED_VERSION),
            }
        )(blob, "sealed blob")
        content_schema(record_type, omit)(blob["content"], f"{record_type} content")
    except EncodingError as exc:
        raise VerificationError(
            CheckName.SEALED_CONTENT, f"blob {digest[:16]} is not a sealed {record_type}: {exc}"
        ) from exc
    return dict(blob["content"])


def sealed_digest(body: Mapping[str, Any]) -> str | None:
    """The commitment a record carries (``sealed``), or None for a record that seals nothing."""
    value = body.get("sealed") if body.get("type") in SEALED_CONTENT else None
    return None if value is None else str(value)


__all__ = [
    "SALT_BYTES",
    "SEALED_CONTENT",
    "SEALED_TYPE",
    "WITHDRAWALS",
    "is_sealed_blob",
    "open_sealed",
    "seal",
    "sealed_digest",
]
