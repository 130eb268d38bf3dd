"""Numbers typed into a form field, a query or an address, read without surprises.

``str.isdigit`` accepts characters ``int`` refuses (``"²".isdigit()`` is true, ``int("²")``
raises), and ``int`` accepts digits of other scripts; an unbounded number overflows SQLite's
64-bit integers. :func:`ascii_int` reads only ASCII digits, a bounded count of them, so a caller
answers its own 4xx or field error instead of a 500.
"""

from __future__ import annotations

MAX_ID = 2**62  # the largest row id an address may name (the API's bound, le=2**62)


def ascii_int(text: str, max_digits: int = 18) -> int | None:
    """``text`` as a non-negative integer when it is 1 to ``max_digits`` ASCII digits, else
    None (no sign, no spaces, no other script's digits)."""
    if not (0 < len(text) <= max_digits and text.isascii() and text.isdigit()):
        return None
    return int(text)


def row_id(text: str) -> int | None:
    """A row id of an address (1 to :data:`MAX_ID`), or None when ``text`` names none."""
    value = ascii_int(text, 19)
    return value if value is not None and 1 <= value <= MAX_ID else None
