"""Characters that staff may not put into any text the service stores or publishes.

A published record cannot be changed, so what it says must be readable as it is, on every page,
in the feed and in every tool: no NUL or other control characters (they break XML and terminals),
no bidirectional overrides, embeddings, isolates or marks (they make text display in another
order than it is stored: "Trojan Source", CVE-2021-42574), no lone surrogates (not encodable in
UTF-8) and no noncharacters. Line feeds (and tabs) are allowed where a field allows several lines.

This module only finds such characters; the service refuses input that holds them (with the
field's name), and the publisher renders records that already hold them safely.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Bidirectional formatting characters (Unicode UAX #9): embeddings and overrides, isolates,
# and the implicit marks.
BIDI_CONTROLS = frozenset(
    (0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C)
)
ALLOWED_CONTROLS = frozenset([0x09, 0x0A])  # tab, line feed


@dataclass(frozen=True)
class UnsafeChar:
    """The first disallowed character found: where (a field path) and which."""

    path: str
    codepoint: int
    kind: str  # "control", "bidi", "surrogate" or "noncharacter"


def classify(ch: str, *, multiline: bool = True) -> str | None:
    """Why ``ch`` is not allowed, or ``None`` when it is."""
    cp = ord(ch)
    if cp < 0x20 or 0x7F <= cp <= 0x9F:
        if multiline and cp in ALLOWED_CONTROLS:
            return None
        return "control"
    if cp in BIDI_CONTROLS:
        return "bidi"
    if 0xD800 <= cp <= 0xDFFF:
        return "surrogate"
    if 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE:
        return "noncharacter"
    return None


def first_unsafe(text: str, path: str = "", *, multiline: bool = True) -> UnsafeChar | None:
    """The first disallowed character of ``text``, or ``None``."""
    for ch in text:
        if ch.isprintable():
            continue  # the common case: every character refused here is non-printable
        kind = classify(ch, multiline=multiline)
        if kind is not None:
            return UnsafeChar(path, ord(ch), kind)
    return None


def find_unsafe(value: Any, path: str = "") -> UnsafeChar | None:
    """The first disallowed character in a JSON-like value (keys included), or ``None``.

    ``path`` names fields as ``title``, ``findings[2].text``.
    """
    if isinstance(value, str):
        return first_unsafe(value, path)
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found = first_unsafe(str(key), where) or find_unsafe(item, where)
            if found is not None:
                return found
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for i, item in enumerate(value):
            found = find_unsafe(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None
