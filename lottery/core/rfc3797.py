"""RFC 3797 "Publicly Verifiable Nominations Committee (NomCom) Random Selection".

The procedure of RFC 3797 sections 4 and 6 and its reference code, for integer sources:

1. Each source yields one or more non-negative integers (a stock-market volume, the numbers
   of a lottery draw...). Its fragment is the values sorted from smallest to largest, each
   written in decimal without leading zeros and followed by ``"."``, then ``"/"``:
   ``2,5,12,8,10`` gives ``"2.5.8.10.12./"``. Sorting applies to every source, even one whose
   draw order is public: the reference code always sorts, and the order of the sources in the
   announcement is what keeps them apart.
2. The key string is the fragments concatenated in the announced order of the sources:
   ``"9319./2.5.8.10.12./9.18.26.34.41.45./"`` for the RFC section 6 example.
3. The i-th value (i = 0, 1, ...) is ``MD5(u16be(i) || key || u16be(i))`` read as an unsigned
   128-bit big-endian integer. The i-th pick takes, among the not yet selected members in pool
   order, the one at 0-based position ``value mod remaining``; it is then removed.

Decimal fractions (the reference code's ``float`` input) are not supported: their
canonical form is ambiguous in the RFC text and nothing here needs them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import InputError

MAX_POOL = 65535
"""Largest pool the reference code accepts (the index prefix is two bytes)."""

_SOURCE_TEXT = re.compile(r"^[0-9]+(?:(?:\s*,\s*|\s+)[0-9]+)*\Z")


def parse_source(text: str) -> tuple[int, ...]:
    """Parse one source as typed on a command line or form: ``"9319"`` or ``"2,5,12,8,10"``.

    Values are ASCII decimal integers separated by commas and/or spaces; leading zeros are
    allowed (``"07"`` is 7, as printed on lottery tickets). The values keep their typed order;
    :func:`source_fragment` sorts them.

    Raises:
        InputError: for an empty text, a sign, a decimal point or any other character.
    """
    if not isinstance(text, str):
        raise InputError(f"a source must be text, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise InputError("empty randomness source")
    if "." in stripped:
        raise InputError(f"source {text!r}: decimal fractions are not supported, use integers")
    if not _SOURCE_TEXT.match(stripped):
        raise InputError(
            f"source {text!r} is not a list of non-negative integers separated by commas"
        )
    return tuple(int(part) for part in re.split(r"[\s,]+", stripped))


def _values(source: Sequence[int] | str, position: int) -> tuple[int, ...]:
    if isinstance(source, str):
        return parse_source(source)
    if isinstance(source, int):
        raise InputError(f"source {position}: give a list of integers, e.g. [{source}]")
    values = tuple(source)
    if not values:
        raise InputError(f"source {position} has no values")
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(f"source {position}: {value!r} is not an integer")
        if value < 0:
            raise InputError(f"source {position}: {value} is negative")
    return values


def source_fragment(values: Sequence[int]) -> str:
    """Key-string fragment of one source: sorted values, each ``"<decimal>."``, then ``"/"``.

    Raises:
        InputError: for an empty source, a negative value or a non-integer.
    """
    return _fragment(_values(values, 1))


def _fragment(values: tuple[int, ...]) -> str:
    return "".join(f"{value}." for value in sorted(values)) + "/"


def key_string(sources: Sequence[Sequence[int] | str]) -> str:
    """The RFC 3797 key string of ``sources``, in the given (announced) order.

    Each source is a sequence of integers or a text accepted by :func:`parse_source`.

    Raises:
        InputError: when there is no source, or a source is malformed.
    """
    if isinstance(sources, str) or not sources:
        raise InputError("at least one randomness source is required")
    return "".join(
        _fragment(_values(source, position)) for position, source in enumerate(sources, start=1)
    )


def digest(key: str, index: int) -> bytes:
    """``MD5(u16be(index) || key || u16be(index))``: the index-th random value (16 bytes).

    Raises:
        InputError: when ``index`` does not fit two bytes or the key is not ASCII.
    """
    if not 0 <= index <= 0xFFFF:
        raise InputError(f"RFC 3797 index out of range: {index}")
    try:
        key_bytes = key.encode("ascii")
    except UnicodeEncodeError as exc:
        raise InputError("an RFC 3797 key string is ASCII") from exc
    prefix = index.to_bytes(2, "big")
    # MD5 is what RFC 3797 specifies; it mixes public inputs here, no secrecy is involved.
    return hashlib.md5(prefix + key_bytes + prefix, usedforsecurity=False).digest()


@dataclass(frozen=True)
class SelectionStep:
    """One row of the RFC 3797 section 6 table.

    Attributes:
        index: 0-based index used in the MD5 prefix and suffix (the RFC prints index + 1).
        digest: the 16-byte MD5 value.
        remaining: pool members left before this pick (the table's ``div`` column).
        position: 1-based position of the pick in the original pool (``selected`` column).
        name: the selected pool member.
    """

    index: int
    digest: bytes
    remaining: int
    position: int
    name: str


def check_pool(pool: Sequence[str]) -> None:
    """Check a pool: 1 to :data:`MAX_POOL` distinct, non-empty, single-line names.

    Raises:
        InputError: naming the first problem found.
    """
    if isinstance(pool, str) or not pool:
        raise InputError("the pool is empty")
    if len(pool) > MAX_POOL:
        raise InputError(f"the pool has {len(pool)} members; RFC 3797 allows {MAX_POOL}")
    seen: dict[str, int] = {}
    for position, name in enumerate(pool, start=1):
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"pool member {position} is empty")
        if any(ch in name for ch in "\r\n\x00"):
            raise InputError(f"pool member {position} contains a line break")
        if name in seen:
            raise InputError(
                f"duplicate pool member {name!r} (positions {seen[name]} and {position})"
            )
        seen[name] = position


def selection_steps(pool: Sequence[str], key: str, count: int) -> list[SelectionStep]:
    """Run the RFC 3797 selection of ``count`` members of ``pool`` under ``key``.

    Raises:
        InputError: for a bad pool, ``count`` < 1 or ``count`` > the pool size.
    """
    check_pool(pool)
    if not isinstance(count, int) or isinstance(count, bool):
        raise InputError("the number to select must be an integer")
    if count < 1:
        raise InputError(f"the number to select must be at least 1, got {count}")
    if count > len(pool):
        raise InputError(f"the pool has only {len(pool)} members, {count} requested")
    remaining = list(range(len(pool)))
    steps = []
    for index in range(count):
        value = digest(key, index)
        pick = remaining.pop(int.from_bytes(value, "big") % len(remaining))
        steps.append(SelectionStep(index, value, len(remaining) + 1, pick + 1, pool[pick]))
    return steps


def select_with_key(pool: Sequence[str], key: str, count: int) -> list[str]:
    """Select ``count`` members of ``pool`` in selection order, from a ready key string.

    Raises:
        InputError: for a bad pool or count.
    """
    return [step.name for step in selection_steps(pool, key, count)]


def select(pool: Sequence[str], sources: Sequence[Sequence[int] | str], count: int) -> list[str]:
    """Select ``count`` members of ``pool`` (in pool order) from ``sources``, in selection order.

    Raises:
        InputError: for an empty pool, duplicate names, ``count`` < 1 or > the pool size, or
            a malformed source.
    """
    check_pool(pool)
    return select_with_key(pool, key_string(sources), count)
