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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from math import isqrt

from . import parallel
from .errors import InputError
from .pool import Pool, RawStratum, Stratum
from .teams import FirstDraws, first_draws

TAG_STRATUM = b"lottery-v1 stratum\x00"

_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
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


def _lowest(key: bytes, encoded: Sequence[bytes], count: int) -> list[bytes]:
    """The ``count`` smallest ``ticket || id`` entries, ascending.

    Exactly ``sorted(ticket(c) + c for c in encoded)[:count]``. The hash state after the
    32-byte stratum key is computed once and copied per candidate: with OpenSSL 3 a copy is
    cheaper than a new context, so a ticket costs about what the floor's one hash of the bare
    id costs. For a small count, only candidates whose ticket falls below a threshold near the
    expected cut-off (tickets are uniform) are kept and sorted, falling back to a full sort
    when fewer than ``count`` pass. The threshold saves time; it never changes the result.
    """
    n = len(encoded)
    copy = _sha256(key).copy
    # Expected number of tickets below the threshold: count + 6 standard deviations + 64.
    margin = count + 6 * isqrt(count) + 64
    if margin < n:
        threshold = ((margin << 256) // n).to_bytes(32, "big")
        kept: list[bytes] = []
        keep = kept.append
        for c in encoded:  # the hottest loop of a draw: plain locals, one branch
            h = copy()
            h.update(c)
            t = h.digest()
            if t < threshold:
                keep(t + c)
        if len(kept) >= count:
            kept.sort()
            return kept[:count]
    entries = []
    for c in encoded:
        h = copy()
        h.update(c)
        entries.append(h.digest() + c)
    entries.sort()
    return entries[:count]


def select_stratum(seed: bytes, stratum: Stratum) -> list[Pick]:
    """Draw ``stratum.count`` candidates from one stratum, in ticket order."""
    return _picks(stratum_entries(seed, stratum.key, stratum.count, stratum.encoded))


def stratum_entries(seed: bytes, key: str, count: int, encoded: Sequence[bytes]) -> list[bytes]:
    """The picks of one stratum as ``ticket || UTF-8 id`` entries, ascending.

    Raises:
        InputError: when the seed is not 32 bytes.
    """
    k = stratum_key(seed, key)
    return _lowest(k, encoded, count) if count > 0 else []


def _picks(entries: Iterable[bytes]) -> list[Pick]:
    """``ticket || id`` entries as picks."""
    return [Pick(e[32:].decode("utf-8"), e[:32]) for e in entries]


StratumIds = tuple[str, int, Sequence[bytes]]  # (stratum key, count, encoded candidate ids)
Selection = list[tuple[Stratum, list[Pick]]]


@dataclass(frozen=True)
class TailResult:
    """What a worker sends back: each stratum's picks and, optionally, their first team draws.

    Only the picks (``ticket || id`` entries, labelled with the stratum key), never the
    candidates.
    """

    strata: list[tuple[str, list[bytes]]]
    draws: FirstDraws | None


def entries_of(seed: bytes, strata: Sequence[StratumIds], inspectors: int = 0) -> TailResult:
    """:func:`stratum_entries` for several strata, each labelled with its key.

    With ``inspectors`` (the pool size, when known), also the picks' first team draws
    (:func:`lottery.core.teams.first_draws`), so that the parent's team loop need not hash
    them.
    """
    out = [(key, stratum_entries(seed, key, count, enc)) for key, count, enc in strata]
    draws = None
    if inspectors >= 1:
        draws = first_draws(seed, [e[32:] for _, entries in out for e in entries], inspectors)
    return TailResult(out, draws)


def raw_entries(seed: bytes, strata: Sequence[RawStratum], inspectors: int = 0) -> TailResult:
    """:func:`entries_of` for strata cut from a pool blob, not yet checked.

    What the verifier's worker computes while the parent checks the same blob: if the blob
    turns out to be invalid, the answer is thrown away; if it is valid, these are exactly the
    ids :func:`lottery.core.pool.decode_pool` would give.
    """
    split = [(r.key, r.count, r.ids.split(b'","')) for r in strata]
    return entries_of(seed, split, inspectors)


def split_point(sizes: Sequence[int], share: float) -> int:
    """The first index of the suffix of strata that holds about ``share`` of all candidates.

    The parent draws the prefix while a worker draws the suffix; in pool order, so the parent
    can go on with the first strata's picks. Always leaves the parent at least one stratum.
    """
    total = sum(sizes)
    tail = 0
    i = len(sizes)
    while i > 1 and tail + sizes[i - 1] <= share * total:
        i -= 1
        tail += sizes[i]
    return i


Tail = parallel.Background[TailResult]


def start_tail(
    seed: bytes, strata: Sequence[StratumIds], *, fork: bool, inspectors: int = 0
) -> Tail:
    """Start drawing ``strata`` in a worker process (or lazily in-process without ``fork``)."""
    return parallel.Background(partial(entries_of, seed, strata, inspectors), fork=fork)


def start_raw_tail(seed: bytes, strata: Sequence[RawStratum], inspectors: int = 0) -> Tail:
    """Start drawing strata cut from a pool blob in a worker process (:func:`raw_entries`)."""
    return parallel.Background(partial(raw_entries, seed, strata, inspectors))


def finish(seed: bytes, pool: Pool, split: int, tail: Tail) -> tuple[Selection, FirstDraws | None]:
    """Draw ``pool.strata[:split]`` here, then join the worker's picks for the rest.

    The worker's answer is checked against the pool (same keys, ``count`` picks each); on a
    mismatch, which a valid pool cannot cause, the rest is drawn in-process.

    Returns:
        The selection, and the first team draws the worker computed for its picks, if any.

    Raises:
        InputError: when the seed is not 32 bytes.
    """
    strata = pool.strata
    try:
        head = [(st, select_stratum(seed, st)) for st in strata[:split]]
    except BaseException:
        tail.cancel()
        raise
    rest = tail.result()
    labels = [(key, len(entries)) for key, entries in rest.strata]
    if labels != [(st.key, st.count) for st in strata[split:]]:
        return head + [(st, select_stratum(seed, st)) for st in strata[split:]], None
    picks = [(st, _picks(e)) for st, (_, e) in zip(strata[split:], rest.strata, strict=True)]
    return head + picks, rest.draws


def select(seed: bytes, pool: Pool, workers: int = 1) -> Selection:
    """Draw every stratum of the pool (strata in pool order).

    With ``workers >= 2`` (and a pool large enough, in a process that may fork: see
    :mod:`lottery.core.parallel`), a forked worker draws the second half of the candidates
    while this process draws the first; the result is identical to the serial one.

    Raises:
        InputError: when the seed is not 32 bytes.
        ValueError: for a worker count below 1.
    """
    return select_with_draws(seed, pool, workers)[0]


def select_with_draws(
    seed: bytes, pool: Pool, workers: int = 1, inspectors: int = 0
) -> tuple[Selection, FirstDraws | None]:
    """:func:`select`, with the worker's first team draws for a pool of ``inspectors``.

    Raises:
        InputError: when the seed is not 32 bytes.
        ValueError: for a worker count below 1.
    """
    if not parallel.use_workers(workers, pool.candidates):
        return [(st, select_stratum(seed, st)) for st in pool.strata], None
    stratum_key(seed, "")  # a bad seed fails here, not in the worker
    split = split_point([len(st.candidates) for st in pool.strata], 0.5)
    raw = [(st.key, st.count, st.encoded) for st in pool.strata[split:]]
    return finish(seed, pool, split, start_tail(seed, raw, fork=True, inspectors=inspectors))


def picks_in_order(selection: Sequence[tuple[Stratum, list[Pick]]]) -> list[str]:
    """The selection order used for team assignment: strata in order, tickets ascending."""
    return [p.target for _, picks in selection for p in picks]
