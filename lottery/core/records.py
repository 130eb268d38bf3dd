"""Records: every public fact, as RFC 8785 JSON signed as a C2SP signed note.

A record's *text* is ``canonical_json(body) + "\\n"``; its *id* is the lower-case hex SHA-256 of
that text (signatures are not part of the id, so cosignatures never change it). The published
bytes of a record are the whole signed note; verifiers parse and check those bytes and never
re-serialize a body to check a signature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import schema as s
from .canonical import canonical_json, format_time, parse_canonical_json, sha256, sha256_hex
from .errors import EncodingError, VerificationError
from .note import NoteVerifier, Signer, open_note, sign_note

SPEC_VERSION = 1

_COMMON: dict[str, s.Validator] = {
    "type": s.text(64),
    "v": s.const(SPEC_VERSION),
    "log": s.text(200),
    "time": s.time,
}

_ITEM = s.obj(
    {
        "code": s.ident,
        "name": s.text(200),
        "basis": s.text(),
        "subject": s.text(200),
        "item": s.text(500),
        "content": s.text(),
        "ratio": s.text(500),
        "frequency": s.text(500),
        "method": s.text(500),
        "requirements": s.text(empty=True),
        "key": s.boolean,
    },
    {"target_types": s.array(s.text(100))},
)

_REF = s.obj({"code": s.ident, "version": s.integer(1)})

SCHEMAS: dict[str, Mapping[str, s.Validator]] = {
    "item-list": {
        "version": s.integer(1),
        "effective": s.date,
        "items": s.array(_ITEM, min_len=1),
    },
    "registry-snapshot": {
        "registry": s.one_of("targets", "inspectors", "org-units"),
        "blob": s.hex32,
        "rows": s.integer(0),
        "as_of": s.time,
    },
    "task-announcement": {
        "task": s.ident,
        "title": s.text(200),
        "items": s.array(_REF),
        "org_units": s.array(s.ident, min_len=1),
        "window": s.obj({"start": s.date, "end": s.date}),
        "ratios": s.mapping(s.ident, s.integer(1, 10_000)),
        "team_size": s.integer(2, 20),
        "cap": s.integer(1),
        "pool": s.obj(
            {
                "sha256": s.hex32,
                "candidates": s.integer(1),
                "strata": s.integer(1),
                "picks": s.integer(1),
            }
        ),
        "inspector_pool": s.obj({"sha256": s.hex32, "inspectors": s.integer(2)}),
        "exclusions": s.obj({"sha256": s.hex32, "count": s.integer(0)}),
        "algorithm": s.const("lottery-v1"),
        "beacon": s.anything,
        "commit": s.hex32,
        "disclosure": s.time,
    },
    "task-draw": {
        "task": s.ident,
        "announcement": s.hex32,
        "beacon_value": s.anything,
        "fallback": s.boolean,
        "outcome": s.hex32,
        "picks": s.integer(1),
    },
    "task-reveal": {
        "task": s.ident,
        "draw": s.hex32,
        "secret": s.hex32,
        "outcome": s.hex32,
    },
    "task-cancellation": {
        "task": s.ident,
        "announcement": s.hex32,
        "draw": s.nullable(s.hex32),
        "reason": s.text(2000),
        "secret": s.hex32,
        "outcome": s.nullable(s.hex32),
    },
    # The remaining types carry payloads refined by the results/penalties issue; the
    # envelope and the linking fields are fixed here.
    "inspection-result": {"task": s.ident, "target": s.ident, "payload": s.anything},
    "penalty": {"decision": s.text(100), "target": s.ident, "payload": s.anything},
    "penalty-withdrawal": {"penalty": s.hex32, "reason": s.text(2000)},
    "task-report": {"task": s.ident, "payload": s.anything},
    "calendar": {"year": s.integer(1949, 9999), "payload": s.anything},
    "key-change": {"keys": s.array(s.text(300), min_len=1), "reason": s.text(2000)},
}

RECORD_TYPES = tuple(sorted(SCHEMAS))


def validate_body(body: Any) -> None:
    """Check a record body against its type's schema.

    Raises:
        EncodingError: naming the first field that is wrong or an unknown type.
    """
    if not isinstance(body, dict):
        raise EncodingError("record body must be a JSON object")
    kind = body.get("type")
    if kind not in SCHEMAS:
        raise EncodingError(f"unknown record type {kind!r}")
    s.obj(_COMMON | dict(SCHEMAS[kind]))(body, kind)


@dataclass(frozen=True)
class Record:
    """A parsed, signature-checked record.

    Attributes:
        note: the exact published bytes (signed note).
        text: the signed text (canonical JSON and a newline).
        body: the parsed JSON object.
    """

    note: bytes
    text: bytes
    body: dict[str, Any]

    @property
    def type(self) -> str:
        """The record type, e.g. ``task-announcement``."""
        return str(self.body["type"])

    @property
    def id(self) -> str:
        """Lower-case hex SHA-256 of the record text."""
        return sha256_hex(self.text)

    @property
    def digest(self) -> bytes:
        """SHA-256 of the record text (the announcement hash in the seed)."""
        return sha256(self.text)


def record_text(kind: str, log: str, time: datetime, fields: Mapping[str, Any]) -> bytes:
    """Build and validate the canonical text of a record.

    Raises:
        EncodingError: when the fields do not match the type's schema.
    """
    body = {"type": kind, "v": SPEC_VERSION, "log": log, "time": format_time(time), **fields}
    validate_body(body)
    return canonical_json(body) + b"\n"


def make_record(
    kind: str, log: str, time: datetime, fields: Mapping[str, Any], signers: Sequence[Signer]
) -> bytes:
    """Build, validate and sign a record; return the signed note bytes.

    Raises:
        EncodingError: when the fields do not match the type's schema.
    """
    return sign_note(record_text(kind, log, time, fields), signers)


def parse_record_text(text: bytes) -> dict[str, Any]:
    """Parse and validate a record text (without signatures).

    Raises:
        EncodingError: when the text is not one line of canonical JSON of a valid record.
    """
    if not text.endswith(b"\n") or b"\n" in text[:-1]:
        raise EncodingError("record text must be exactly one line of JSON ending in a newline")
    body = parse_canonical_json(text[:-1])
    validate_body(body)
    return dict(body)


def open_record(
    note: bytes, verifiers: Sequence[NoteVerifier], *, log: str | None = None
) -> Record:
    """Check a record's signature(s) and content; fail closed.

    Raises:
        VerificationError: ``record.signature`` for a bad or missing signature,
            ``record.format`` for malformed content, ``record.log`` for a foreign log.
    """
    try:
        opened = open_note(note, verifiers)
    except EncodingError as exc:
        raise VerificationError("record.format", str(exc)) from exc
    except VerificationError as exc:
        raise VerificationError("record.signature", exc.detail) from exc
    text = opened.note.text
    try:
        body = parse_record_text(text)
    except EncodingError as exc:
        raise VerificationError("record.format", str(exc)) from exc
    if log is not None and body["log"] != log:
        raise VerificationError("record.log", f"record belongs to log {body['log']!r}, not {log!r}")
    return Record(note=note, text=text, body=body)
