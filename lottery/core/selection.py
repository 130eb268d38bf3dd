"""Target selection: per-candidate keyed-hash tickets, the k lowest per stratum.

Byte layout (docs/spec.md, "Selection")::

    stratum_key = SHA-256("lottery-v1 stratum" 0x00 || seed || UTF-8(region "|" risk))
    ticket(c)   = SHA-256(stratum_key || UTF-8(candidate id))

Within a stratum, candidates are ranked by ``(ticket, UTF-8 id)`` compared as unsigned
big-endian byte strings, and the ``count`` lowest are picked, in that order. A ticket depends
only on the seed, the stratum and the candidate's own id, so the result does not depend on row
order, and adding or removing other candidates never changes a candidate's ticket (it can only
move the cut-off line).

The stratum key is 32 bytes and candidate ids at most 23 bytes fit in one SHA-256 block with
it, so a ticket costs one compression: the same work as hashing each id once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from math import isqrt

from .errors import InputError
from .pool import Pool, Stratum

TAG_STRATUM = b"lottery-v1 stratum\x00"

_sha256 = hashlib.sha256


@dataclass(frozen=True)
class Pick:
    """A drawn target and its ticket."""

    target: str
    ticket: bytes


def stratum_key(seed: bytes, key: str) -> bytes:
    """The per-stratum hash key.

    Raises:
        InputError: when the seed is not 32 bytes.
    """
    if len(seed) != 32:
        raise InputError("seed must be 32 bytes")
    return _sha256(TAG_STRATUM + seed + key.encode("utf-8")).digest()


def ticket(seed: bytes, key: str, candidate: str) -> bytes:
    """One candidate's ticket (for explanations and tests; the draw uses the batch path)."""
    return _sha256(stratum_key(seed, key) + candidate.encode("utf-8")).digest()


_DIGEST = type(_sha256()).digest


def _lowest(key: bytes, encoded: list[bytes], count: int) -> list[tuple[bytes, bytes]]:
    """The ``count`` candidates with the smallest ``ticket || id``, ascending.

    Exactly ``sorted(ticket(c) + c for c in encoded)[:count]``. Tickets are computed with
    C-level ``map`` chains; for a small count, only candidates whose ticket falls below a
    threshold near the expected cut-off (tickets are uniform) are sorted, falling back to a
    full sort when fewer than ``count`` pass. The threshold saves time; it never changes the
    result.
    """
    n = len(encoded)
    tickets = list(map(_DIGEST, map(_sha256, map(key.__add__, encoded))))
    # Expected number of tickets below the threshold: count + 6 standard deviations + 64.
    margin = count + 6 * isqrt(count) + 64
    if margin < n:
        threshold = ((margin << 256) // n).to_bytes(32, "big")
        kept_tickets = list(filter(threshold.__gt__, tickets))
        if len(kept_tickets) >= count:
            kept_ids = compress(encoded, map(threshold.__gt__, tickets))
            entries = sorted(map(bytes.__add__, kept_tickets, kept_ids))
            return [(e[:32], e[32:]) for e in entries[:count]]
    entries = sorted(map(bytes.__add__, tickets, encoded))
    return [(e[:32], e[32:]) for e in entries[:count]]


def select_stratum(seed: bytes, stratum: Stratum) -> list[Pick]:
    """Draw ``stratum.count`` candidates from one stratum, in ticket order."""
    if stratum.count == 0:
        return []
    key = stratum_key(seed, stratum.key)
    return [Pick(c.decode("utf-8"), t) for t, c in _lowest(key, stratum.encoded, stratum.count)]


def select(seed: bytes, pool: Pool) -> list[tuple[Stratum, list[Pick]]]:
    """Draw every stratum of the pool (strata in pool order)."""
    return [(st, select_stratum(seed, st)) for st in pool.strata]


def picks_in_order(selection: Sequence[tuple[Stratum, list[Pick]]]) -> list[str]:
    """The selection order used for team assignment: strata in order, tickets ascending."""
    return [p.target for _, picks in selection for p in picks]
