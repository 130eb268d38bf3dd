"""Canonical bytes: RFC 8785 JSON, RFC 3339 UTC times, hashing and base64 helpers.

One function produces the bytes that are signed, stored, hashed and published
(:func:`canonical_json`). Verifiers parse published bytes with :func:`parse_canonical_json`,
which also refuses bytes that are not already canonical, so a record has exactly one encoding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import rfc8785

from .errors import EncodingError

JSONValue = None | bool | int | str | list["JSONValue"] | dict[str, "JSONValue"]

_RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


_MAX_INT = 2**53 - 1


def _check_value(value: object, path: str = "$") -> bool:
    """Check a value for JSON-in-records rules; return True when a key lies outside the BMP.

    Raises:
        EncodingError: for floats, non-string keys, out-of-range integers or unsupported types.
    """
    if value is None or isinstance(value, bool | str):
        return False
    if isinstance(value, int):
        # I-JSON: integers must be exactly representable as IEEE doubles.
        if abs(value) > _MAX_INT:
            raise EncodingError(f"integer out of the I-JSON range at {path}")
        return False
    if isinstance(value, float):
        raise EncodingError(
            f"floats are not allowed in records (at {path}); use an integer or a string"
        )
    if isinstance(value, list | tuple):
        # Fast path for the long lists of ids in blobs.
        if set(map(type, value)) <= {str}:
            return False
        astral = False
        for i, item in enumerate(value):
            astral = _check_value(item, f"{path}[{i}]") or astral
        return astral
    if isinstance(value, Mapping):
        astral = False
        for key, item in value.items():
            if not isinstance(key, str):
                raise EncodingError(f"object keys must be strings (at {path})")
            if not key.isascii() and any(ord(ch) > 0xFFFF for ch in key):
                astral = True
            astral = _check_value(item, f"{path}.{key}") or astral
        return astral
    raise EncodingError(f"unsupported JSON value of type {type(value).__name__} at {path}")


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical encoding of ``value`` (no floats allowed).

    Without floats, RFC 8785 output equals Python's ``json.dumps`` with sorted keys, no
    whitespace and no ASCII escaping, except for the order of object keys outside the Basic
    Multilingual Plane (RFC 8785 sorts by UTF-16 code units); such rare values go through the
    ``rfc8785`` package. The suite checks both paths against ``rfc8785`` on generated values.

    Raises:
        EncodingError: when the value holds a float, a non-string key, an integer outside the
            I-JSON range, a lone surrogate or an unsupported type.
    """
    astral_keys = _check_value(value)
    try:
        if astral_keys:
            return rfc8785.dumps(value)
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return text.encode("utf-8")
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, ValueError, TypeError) as exc:
        raise EncodingError(f"cannot canonicalize: {exc}") from exc


def parse_canonical_json(data: bytes) -> Any:
    """Parse JSON bytes and insist that they are already in canonical form.

    Raises:
        EncodingError: when the bytes are not UTF-8 JSON, hold floats, or are not canonical.
    """
    try:
        text = data.decode("utf-8")
        value = json.loads(text, parse_float=_reject_float, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise EncodingError("record is not valid UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise EncodingError(f"record is not valid JSON: {exc.msg} at offset {exc.pos}") from exc
    if canonical_json(value) != data:
        raise EncodingError("record JSON is not in RFC 8785 canonical form")
    return value


def _reject_float(text: str) -> Any:
    raise EncodingError(f"floats are not allowed in records: {text}")


def _reject_constant(text: str) -> Any:
    raise EncodingError(f"non-standard JSON constant: {text}")


def sha256(data: bytes) -> bytes:
    """SHA-256 digest of ``data``."""
    return hashlib.sha256(data).digest()


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def b64encode(data: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, *, what: str = "base64") -> bytes:
    """Strict standard base64 decoding.

    Raises:
        EncodingError: naming ``what`` when the text is not canonical base64.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise EncodingError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise EncodingError(f"{what} is not canonical base64")
    return raw


def hex_to_bytes(text: str, *, length: int | None = None, what: str = "hex value") -> bytes:
    """Decode lower- or upper-case hex, optionally checking the byte length.

    Raises:
        EncodingError: when the text is not hex or has the wrong length.
    """
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise EncodingError(f"{what} is not valid hex") from exc
    if length is not None and len(raw) != length:
        raise EncodingError(f"{what} must be {length} bytes, got {len(raw)}")
    return raw


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with second precision, e.g. ``2026-03-01T08:00:00Z``.

    Raises:
        InputError: for a naive datetime (no time zone).
    """
    if moment.tzinfo is None:
        raise EncodingError("times must carry a time zone")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# The office's time zone: Beijing time, UTC+8 all year since 1991. Records carry UTC; a
# record's day (a publication day, a withdrawal day) is its day in Beijing.
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def beijing_date(text: str) -> date:
    """The Beijing date of a record time (RFC 3339 UTC, as :func:`parse_time` reads it)."""
    return parse_time(text).astimezone(CHINA_STANDARD_TIME).date()


def parse_time(text: str, *, what: str = "time") -> datetime:
    """Parse the exact form produced by :func:`format_time`.

    Raises:
        EncodingError: when the text is not ``YYYY-MM-DDTHH:MM:SSZ`` or not a real instant.
    """
    if not isinstance(text, str) or not _RFC3339_UTC.match(text):
        raise EncodingError(f"{what} must be RFC 3339 UTC like 2026-03-01T08:00:00Z, got {text!r}")
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise EncodingError(f"{what} is not a real date and time: {text!r}") from exc


def check_date(text: str, *, what: str = "date") -> str:
    """Check an ISO calendar date ``YYYY-MM-DD`` and return it unchanged.

    Raises:
        EncodingError: when the text is not a real date in that form.
    """
    if not isinstance(text, str) or not _DATE.match(text):
        raise EncodingError(f"{what} must be YYYY-MM-DD, got {text!r}")
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError as exc:
        raise EncodingError(f"{what} is not a real date: {text!r}") from exc
    return text
