"""A tiny strict validator for record bodies and blob headers.

Each validator takes ``(value, path)`` and raises :class:`EncodingError` naming the path and
what is wrong. Objects reject unknown fields: verifiers fail closed on anything they do not
understand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from . import uscc as _uscc_rules
from .canonical import check_date, parse_time
from .errors import EncodingError, InputError

Validator = Callable[[Any, str], None]

ID_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}\Z")
HEX32_RE = re.compile(r"^[0-9a-f]{64}\Z")


def text(max_len: int = 10_000, *, empty: bool = False) -> Validator:
    """A string of at most ``max_len`` characters (non-empty unless ``empty``)."""

    def check(value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise EncodingError(f"{path} must be a string")
        if not value and not empty:
            raise EncodingError(f"{path} must not be empty")
        if len(value) > max_len:
            raise EncodingError(f"{path} is longer than {max_len} characters")

    return check


def ident(value: Any, path: str) -> None:
    """An identifier: ASCII letters, digits, '.', '_', '-', 1-64 long, starting alphanumeric."""
    if not isinstance(value, str) or not ID_RE.match(value):
        raise EncodingError(
            f"{path} must be an id of 1-64 ASCII letters, digits, '.', '_' or '-', got {value!r}"
        )


def integer(minimum: int | None = None, maximum: int | None = None) -> Validator:
    """An integer (not a bool) within optional bounds."""

    def check(value: Any, path: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise EncodingError(f"{path} must be an integer")
        if minimum is not None and value < minimum:
            raise EncodingError(f"{path} must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise EncodingError(f"{path} must be at most {maximum}, got {value}")

    return check


def boolean(value: Any, path: str) -> None:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise EncodingError(f"{path} must be true or false")


def hex32(value: Any, path: str) -> None:
    """32 bytes as 64 lower-case hex digits."""
    if not isinstance(value, str) or not HEX32_RE.match(value):
        raise EncodingError(f"{path} must be 64 lower-case hex digits")


def uscc(value: Any, path: str) -> None:
    """A 统一社会信用代码: 18 characters of the standard's set with a right check character,
    written upper case without spaces."""
    if not isinstance(value, str):
        raise EncodingError(f"{path} must be a string")
    try:
        normal = _uscc_rules.validate(value)
    except InputError as exc:
        raise EncodingError(f"{path}: {exc}") from None
    if normal != value:
        raise EncodingError(f"{path} must be upper case without spaces")


def time(value: Any, path: str) -> None:
    """An RFC 3339 UTC time in the exact form ``YYYY-MM-DDTHH:MM:SSZ``."""
    parse_time(value, what=path)


def date(value: Any, path: str) -> None:
    """A calendar date ``YYYY-MM-DD``."""
    check_date(value, what=path)


def const(expected: Any) -> Validator:
    """Exactly this value."""

    def check(value: Any, path: str) -> None:
        if value != expected or type(value) is not type(expected):
            raise EncodingError(f"{path} must be {expected!r}, got {value!r}")

    return check


def one_of(*allowed: str) -> Validator:
    """One of the given strings."""

    def check(value: Any, path: str) -> None:
        if value not in allowed:
            raise EncodingError(f"{path} must be one of {', '.join(allowed)}, got {value!r}")

    return check


def nullable(inner: Validator) -> Validator:
    """``null`` or a value accepted by ``inner``."""

    def check(value: Any, path: str) -> None:
        if value is not None:
            inner(value, path)

    return check


def array(inner: Validator, *, min_len: int = 0, max_len: int | None = None) -> Validator:
    """A list whose items all pass ``inner``."""

    def check(value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise EncodingError(f"{path} must be a list")
        if len(value) < min_len:
            raise EncodingError(f"{path} must have at least {min_len} items")
        if max_len is not None and len(value) > max_len:
            raise EncodingError(f"{path} must have at most {max_len} items")
        for i, item in enumerate(value):
            inner(item, f"{path}[{i}]")

    return check


def anything(value: Any, path: str) -> None:
    """Any JSON value (used for payloads validated elsewhere)."""


def obj(
    required: Mapping[str, Validator], optional: Mapping[str, Validator] | None = None
) -> Validator:
    """An object with exactly these fields (``optional`` ones may be absent)."""
    opt = dict(optional or {})

    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise EncodingError(f"{path} must be an object")
        missing = [k for k in required if k not in value]
        if missing:
            raise EncodingError(f"{path} is missing field {missing[0]!r}")
        unknown = sorted(k for k in value if k not in required and k not in opt)
        if unknown:
            raise EncodingError(f"{path} has unknown field {unknown[0]!r}")
        for key, inner in required.items():
            inner(value[key], f"{path}.{key}")
        for key, inner in opt.items():
            if key in value:
                inner(value[key], f"{path}.{key}")

    return check


def mapping(key_check: Validator, inner: Validator) -> Validator:
    """An object used as a map: every key passes ``key_check``, every value ``inner``."""

    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise EncodingError(f"{path} must be an object")
        for key, item in value.items():
            key_check(key, f"{path} key")
            inner(item, f"{path}.{key}")

    return check


ID_CHARS = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-"  # of ID_RE


def split_ids(joined: bytes, sep: bytes, count: int, what: str) -> list[bytes]:
    """Split ``count`` ids joined by ``sep`` and check them all at once.

    The bulk form of :func:`ident` with C-level operations only (a million ids take tens of
    milliseconds); ``sep`` must not contain id characters (``b"\\n"`` or ``b'","'``).

    Raises:
        EncodingError: naming the list when an id is empty, longer than 64, starts with '.',
            '_' or '-', or holds a character outside the id alphabet.
    """
    parts = joined.split(sep)
    ok = (
        count >= 1
        and len(parts) == count
        and joined.translate(None, ID_CHARS) == sep * (count - 1)
        and parts[0][:1] not in (b"", b".", b"_", b"-")  # the first id (not the separator)
        and all(sep + bad not in joined for bad in (sep, b".", b"_", b"-"))
        and not joined.endswith(sep)
        and max(map(len, parts)) <= 64
    )
    if not ok:
        raise EncodingError(f"{what} holds a malformed id (ids are 1-64 of 0-9 A-Z a-z . _ -)")
    return parts


def encode_ids(ids: list[str], what: str) -> list[bytes]:
    """Check many identifiers at once and return them as ASCII bytes.

    Raises:
        EncodingError: naming the first malformed id.
    """
    try:
        return split_ids("\n".join(ids).encode("ascii"), b"\n", len(ids), what)
    except (UnicodeEncodeError, EncodingError):
        for i, value in enumerate(ids):
            ident(value, f"{what}[{i}]")
        raise EncodingError(f"{what} holds a malformed id") from None


def check_ids(ids: list[str], what: str) -> None:
    """Check many identifiers at once (see :func:`encode_ids`).

    Raises:
        EncodingError: naming the first malformed id.
    """
    if ids:
        encode_ids(ids, what)
