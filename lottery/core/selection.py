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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from math import isqrt

from .errors import InputError
from .outcome_text import section_of_entries
from .pool import Pool, Stratum
from .pool_blob import RawStratum
from .sharing import SERIAL, Claims, Job, Workers
from .teams import FirstDraws, first_draws

TAG_STRATUM = b"lottery-v1 stratum\x00"

_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
class Pick:
    """A drawn target and its ticket."""

    target: str
    ticket: bytes

    def __reduce__(self) -> tuple[type[Pick], tuple[str, bytes]]:
        # Pickled as its two fields (the site cache keeps every task's outcome): the
        # slotted dataclass's own state methods call fields() for each of ~50,000 picks.
        return (Pick, (self.target, self.ticket))


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
    return picks_of(stratum_entries(seed, stratum.key, stratum.count, stratum.encoded))


def stratum_entries(seed: bytes, key: str, count: int, encoded: Sequence[bytes]) -> list[bytes]:
    """The picks of one stratum as ``ticket || UTF-8 id`` entries, ascending.

    Raises:
        InputError: when the seed is not 32 bytes.
    """
    k = stratum_key(seed, key)
    return _lowest(k, encoded, count) if count > 0 else []


def picks_of(entries: Iterable[bytes]) -> list[Pick]:
    """``ticket || id`` entries as picks."""
    return [Pick(e[32:].decode("utf-8"), e[:32]) for e in entries]


StratumIds = tuple[str, int, Sequence[bytes]]  # (stratum key, count, encoded candidate ids)
Selection = list[tuple[Stratum, list[Pick]]]


@dataclass(frozen=True)
class TailResult:
    """What a worker sends back: the picks of the strata it drew (a suffix of the pool, from
    ``start``), each labelled with its key, their outcome sections and optionally their
    first team draws.

    Only the picks (``ticket || id`` entries), never the candidates.
    """

    start: int
    strata: list[tuple[str, list[bytes]]]
    sections: list[str]
    draws: FirstDraws | None


@dataclass(frozen=True)
class Drawn:
    """A joined parallel draw: the selection, and what both processes wrote ahead for it.

    ``draws`` (first team draws of every pick, in order) and ``sections`` (the outcome text of
    every stratum) are ``None`` unless known for all strata; they never change the outcome.
    """

    selection: Selection
    draws: FirstDraws | None
    sections: list[str] | None


def _draw_one(
    seed: bytes, key: str, count: int, encoded: Sequence[bytes], inspectors: int
) -> tuple[list[bytes], str, FirstDraws | None]:
    """The step both ends of a shared draw take per stratum: its ``ticket || id`` entries,
    its outcome section and, when the pool size is known, its picks' first team draws."""
    entries = stratum_entries(seed, key, count, encoded)
    ids = [e[32:] for e in entries]
    draws = first_draws(seed, ids, inspectors) if inspectors >= 1 else None
    return entries, section_of_entries(key, entries), draws


def join_draws(parts: Sequence[FirstDraws | None]) -> FirstDraws | None:
    """The first draws of consecutive runs of picks as one run (``None`` if any is missing or
    they were made for different seeds or pool sizes)."""
    if not parts or any(p is None for p in parts):
        return None
    known = [p for p in parts if p is not None]
    seed, n = known[0].seed, known[0].n
    if any((p.seed, p.n) != (seed, n) for p in known):
        return None
    ids = [i for p in known for i in p.ids]
    first = [[v for p in known for v in p.first[c]] for c in range(len(known[0].first))]
    return FirstDraws(seed, n, ids, first)


@dataclass(frozen=True)
class HeadResult:
    """What the parent drew from the front: each stratum's ``ticket || id`` entries (labelled
    with its key), outcome sections and first team draws (``None`` without a pool size)."""

    strata: list[tuple[str, list[bytes]]]
    sections: list[str]
    draws: list[FirstDraws | None]


def draw_from_front(
    seed: bytes, claims: Claims, ids_of: Callable[[int], StratumIds], inspectors: int
) -> HeadResult:
    """Draw strata taken from the front of ``claims`` until the worker's back meets them."""
    head = HeadResult([], [], [])
    while (i := claims.front()) is not None:
        key, count, enc = ids_of(i)
        entries, section, first = _draw_one(seed, key, count, enc, inspectors)
        head.strata.append((key, entries))
        head.sections.append(section)
        head.draws.append(first)
    return head


def draw_from_back(
    seed: bytes, claims: Claims, ids_of: Callable[[int], StratumIds], inspectors: int
) -> TailResult:
    """Draw strata taken from the back of ``claims`` until the parent's front meets them.

    Each stratum's outcome section follows its picks, and with ``inspectors`` (the pool
    size, when known) their first team draws (:func:`lottery.core.teams.first_draws`): the
    parent then has only the team loop left, and the last claim costs one stratum at most.
    """
    done: list[tuple[str, list[bytes]]] = []
    sections: list[str] = []
    draws: list[FirstDraws | None] = []
    while (i := claims.back()) is not None:
        key, count, enc = ids_of(i)
        entries, section, first = _draw_one(seed, key, count, enc, inspectors)
        done.append((key, entries))
        sections.append(section)
        draws.append(first)
    for part in (done, sections, draws):
        part.reverse()
    return TailResult(claims.n - len(done), done, sections, join_draws(draws))


@dataclass(frozen=True)
class Tail:
    """A worker drawing strata from the back while this process draws from the front."""

    claims: Claims
    job: Job[TailResult]
    inspectors: int  # the pool size the first team draws are made for (0: none are made)

    def cancel(self) -> None:
        """Stop the worker, if any."""
        self.job.cancel()


def _start(
    seed: bytes, n: int, ids_of: Callable[[int], StratumIds], workers: Workers, inspectors: int
) -> Tail:
    claims = workers.claims(n)
    job = workers.start(partial(draw_from_back, seed, claims, ids_of, inspectors))
    return Tail(claims, job, inspectors)


def start_tail(seed: bytes, pool: Pool, workers: Workers, *, inspectors: int = 0) -> Tail:
    """Start a worker drawing the pool's strata from the back (lazily in-process with
    :data:`~lottery.core.sharing.SERIAL`); :func:`finish` draws from the front until the two
    meet."""
    strata = pool.strata
    return _start(seed, len(strata), lambda i: stratum_ids(strata[i]), workers, inspectors)


def stratum_ids(st: Stratum) -> StratumIds:
    """A checked stratum as drawing needs it."""
    return st.key, st.count, st.encoded


def raw_stratum_ids(r: RawStratum) -> StratumIds:
    """A stratum cut from a pool blob, not yet checked, as drawing needs it.

    What the verifier's worker draws while the parent checks the same blob: if the blob turns
    out to be invalid, the answer is thrown away; if it is valid, these are exactly the ids
    :func:`lottery.core.pool_blob.decode_pool` gives.
    """
    return r.key, r.count, r.ids.split(b'","')


def finish(seed: bytes, pool: Pool, tail: Tail) -> Drawn:
    """Draw strata from the front here until the worker's claims are met, then join its picks.

    The worker's answer is checked against the pool (it starts where this process stopped,
    same keys, ``count`` picks each); on a mismatch, which a valid pool cannot cause, or if
    the worker failed, the rest is drawn in-process.

    Returns:
        The selection, with the first team draws of all picks (when the tail was started with
        the pool size) and the outcome sections of all strata, when the worker's answer was
        used.

    Raises:
        InputError: when the seed is not 32 bytes.
    """
    strata = pool.strata
    if tail.claims.n != len(strata):
        tail.cancel()
        return Drawn([(st, select_stratum(seed, st)) for st in strata], None, None)
    try:
        front = draw_from_front(
            seed, tail.claims, lambda i: stratum_ids(strata[i]), tail.inspectors
        )
    except BaseException:
        tail.cancel()
        raise
    head: Selection = [(st, picks_of(e)) for st, (_, e) in zip(strata, front.strata, strict=False)]
    sections, draws = front.sections, front.draws
    if tail.claims.broken:
        tail.cancel()
    rest = tail.job.result()
    k = len(head)
    labels = [(key, len(entries)) for key, entries in rest.strata]
    if rest.start != k or labels != [(st.key, st.count) for st in strata[k:]]:
        return Drawn(head + [(st, select_stratum(seed, st)) for st in strata[k:]], None, None)
    picks = [(st, picks_of(e)) for st, (_, e) in zip(strata[k:], rest.strata, strict=True)]
    if rest.strata:
        draws.append(rest.draws)
    return Drawn(head + picks, join_draws(draws), sections + rest.sections)


def select(seed: bytes, pool: Pool, workers: Workers = SERIAL) -> Selection:
    """Draw every stratum of the pool (strata in pool order).

    When ``workers`` share the work (:meth:`~lottery.core.sharing.Workers.share`), a worker
    draws strata from the back while this process draws from the front, until they meet; the
    result is identical to the serial one.

    Raises:
        InputError: when the seed is not 32 bytes.
    """
    return select_with_draws(seed, pool, workers).selection


def select_with_draws(
    seed: bytes, pool: Pool, workers: Workers = SERIAL, inspectors: int = 0
) -> Drawn:
    """:func:`select`, with what the processes wrote ahead (first team draws for a pool of
    ``inspectors``, outcome sections) when a worker shared the draw.

    Raises:
        InputError: when the seed is not 32 bytes.
    """
    if not workers.share(pool.candidates):
        return Drawn([(st, select_stratum(seed, st)) for st in pool.strata], None, None)
    stratum_key(seed, "")  # a bad seed fails here, not in the worker
    return finish(seed, pool, start_tail(seed, pool, workers, inspectors=inspectors))


def picks_in_order(selection: Sequence[tuple[Stratum, list[Pick]]]) -> list[str]:
    """The selection order used for team assignment: strata in order, tickets ascending."""
    return [p.target for _, picks in selection for p in picks]
