"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

``python-stdnum``'s ``stdnum.cn.uscc`` rejects valid codes whose first character is a letter
(A, N, Y: registration authorities other than the market regulator), so the check character is
computed here from the standard's MOD 31-3 rule, which covers every code.
"""

from __future__ import annotations

from .errors import InputError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The 18th character of a code whose first 17 characters are given.

    Raises:
        InputError: when the text is not 17 characters of the USCC alphabet.
    """
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise InputError("a USCC body must be 17 characters from 0-9 and A-Y without I O S V Z")
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str) -> str:
    """Return the normalized (upper-case, stripped) code when it is valid.

    Raises:
        InputError: naming what is wrong (length, character, check character).
    """
    norm = code.strip().upper()
    if len(norm) != 18:
        raise InputError(f"USCC {code!r} must have 18 characters, has {len(norm)}")
    bad = [ch for ch in norm if ch not in _VALUE]
    if bad:
        raise InputError(f"USCC {code!r} holds a character outside the standard's set: {bad[0]!r}")
    want = check_character(norm[:17])
    if norm[17] != want:
        raise InputError(f"USCC {code!r} has a wrong check character (expected {want})")
    return norm
