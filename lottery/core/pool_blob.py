"""Reading a pool blob: the bulk reader for valid blobs and the general one that names errors.

A published pool blob is canonical JSON with a fixed grammar (docs/spec.md, "Pool blob"), so a
valid one is read with byte operations: :func:`raw_strata` cuts it into strata, then each
stratum's ids are checked in bulk (alphabet, sorted order, length) and uniqueness over all of
them by one merge. Anything the bulk reader refuses goes through :func:`_decode_general`
(``json`` and re-encoding), which says what is wrong; the suite checks that the two agree.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, islice
from operator import lt
from typing import Any

from . import schema as s
from .errors import EncodingError
from .pool import POOL_BLOB_TYPE, Pool, Stratum, encode_pool

_STRATUM_SCHEMA = s.obj(
    {
        "region": s.ident,
        "risk": s.ident,
        "count": s.integer(0),
        "candidates": s.anything,
    }
)


_ID = rb"[0-9A-Za-z][0-9A-Za-z._-]{0,63}"
_HEAD = b'{"strata":['
_OPEN = b'{"candidates":["'
# What follows a stratum's ids: its count, region and risk, then "," or the blob's end. Ids
# hold no '"', so the first '"]' after the ids ends them.
_REST = re.compile(
    rb'"\],"count":(0|[1-9][0-9]{0,17}),"region":"(' + _ID + rb')","risk":"(' + _ID + rb')"\}'
    rb'(?:,|\],"task":"(' + _ID + rb')","type":"lottery-pool","v":1\})'
)


@dataclass(frozen=True)
class RawStratum:
    """One stratum of a pool blob as bytes, before its ids are checked."""

    region: str
    risk: str
    count: int
    ids: bytes  # the ids joined by '","', exactly as in the blob

    @property
    def key(self) -> str:
        """``region|risk``."""
        return f"{self.region}|{self.risk}"


@dataclass(frozen=True)
class PoolCut:
    """A pool blob cut into its task and strata by :func:`raw_strata` (ids not checked)."""

    data: bytes
    task: str
    strata: list[RawStratum]


def raw_strata(data: bytes) -> PoolCut | None:
    """Cut a pool blob in canonical form into its task and strata, without checking the ids.

    The blob's grammar is fixed (keys in RFC 8785 order, no whitespace, ids that need no
    escaping), so this reads it with one split and one regular expression per stratum.

    Returns:
        ``None`` when the blob is not in that exact form (:func:`decode_pool` then says why).
    """
    if not data.startswith(_HEAD):
        return None
    segments = data[len(_HEAD) :].split(_OPEN)
    if segments[0] or len(segments) < 2:
        return None
    strata = []
    task = None
    last = len(segments) - 1
    for i, segment in enumerate(segments[1:], 1):
        end = segment.rfind(b'"]')  # ids hold no '"': the last '"]' ends them
        m = _REST.fullmatch(segment, end) if end > 0 else None
        if m is None or (m[4] is None) != (i < last):
            return None
        region, risk = m[2].decode("ascii"), m[3].decode("ascii")
        strata.append(RawStratum(region, risk, int(m[1]), segment[:end]))
        task = m[4]
    if task is None:  # unreachable: the last segment matched the blob's end
        return None
    return PoolCut(data, task.decode("ascii"), strata)


_SEP = b'","'


def _ids_of(raw: bytes) -> list[bytes] | None:
    """The ids joined in ``raw`` as bytes, when each is a valid id and they are sorted.

    Duplicates, within and across strata, are left to :func:`_merged_unique`.
    """
    ids = raw.split(_SEP)
    n = len(ids)
    if raw.translate(None, s.ID_CHARS) != _SEP * (n - 1):
        return None
    # Every byte left is an id character. Sorted (timsort's check of a sorted list is one pass
    # of byte comparisons) puts every empty id and every id starting with '-' or '.' (which
    # sort before digits) first, and the ids starting with '_' (between 'Z' and 'a') at one
    # bisection point.
    if ids != sorted(ids):
        return None
    underscore = bisect_left(ids, b"_")
    if (
        ids[0][:1] in (b"", b"-", b".")
        or (underscore < n and ids[underscore][:1] == b"_")
        or max(map(len, ids)) > 64
    ):
        return None
    return ids


def _merged_unique(strata: Sequence[list[bytes]]) -> list[bytes] | None:
    """All ids of these sorted lists in one sorted list, or ``None`` if one occurs twice.

    Merged by timsort (each list is one run: at most n log2(strata) byte comparisons, with
    galloping far fewer), then every neighbour pair compared: cheaper than a set of a million
    ids, whose table does not fit in a cache. The pool keeps the list for
    :meth:`lottery.core.pool.Pool.lookup`.
    """
    merged = sorted(chain.from_iterable(strata))
    return merged if all(map(lt, merged, islice(merged, 1, None))) else None


def _decode_canonical(data: bytes, cut: PoolCut | None = None) -> Pool | None:
    """:func:`decode_pool` for a valid blob, in bulk; ``None`` when anything is off.

    The ids stay bytes (:class:`lottery.core.pool.IdList`): no string is made per candidate.
    """
    if cut is None or cut.data is not data:
        cut = raw_strata(data)
    if cut is None:
        return None
    strata = []
    lists = []
    previous_key = b""
    for r in cut.strata:
        key = r.key.encode("ascii")
        ids = _ids_of(r.ids)
        if ids is None or key <= previous_key or r.count > len(ids):
            return None
        previous_key = key
        strata.append(Stratum.of_encoded(r.region, r.risk, r.count, ids))
        lists.append(ids)
    merged = _merged_unique(lists)
    if merged is None:
        return None
    pool = Pool(cut.task, tuple(strata))
    pool.__dict__["sorted_ids"] = merged
    return pool


def decode_pool(data: bytes, *, cut: PoolCut | None = None) -> Pool:
    """Parse and check a pool blob (canonical form, sorted ids, order of strata, no duplicates).

    A valid blob is read in bulk (:func:`raw_strata`, or ``cut`` when it was made from this
    very bytes object, then the ids checked with C-level operations: alphabet, sorted order,
    uniqueness within and across strata); anything else goes through the general parser,
    which names what is wrong.

    Raises:
        EncodingError: naming what is malformed.
    """
    pool = _decode_canonical(data, cut)
    if pool is not None:
        return pool
    _decode_general(data)
    # The general parser accepted what the bulk reader refused: fail closed.
    raise EncodingError("pool blob is not in canonical form")


def _decode_general(data: bytes) -> Pool:
    """Parse and check a pool blob with ``json`` and re-encoding; the specific error messages.

    Raises:
        EncodingError: naming what is malformed.
    """
    try:
        body: Any = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EncodingError(f"pool blob is not valid JSON: {exc}") from exc
    s.obj(
        {
            "type": s.const(POOL_BLOB_TYPE),
            "v": s.const(1),
            "task": s.ident,
            "strata": s.array(_STRATUM_SCHEMA, min_len=1),
        }
    )(body, "pool")
    strata = []
    total = 0
    previous_key = b""
    for i, raw in enumerate(body["strata"]):
        ids = raw["candidates"]
        path = f"pool.strata[{i}]"
        if not isinstance(ids, list) or not ids or set(map(type, ids)) != {str}:
            raise EncodingError(f"{path}.candidates must be a non-empty list of ids")
        if ids != sorted(ids):
            raise EncodingError(f"{path}.candidates must be sorted")
        total += len(ids)
        st = Stratum(raw["region"], raw["risk"], raw["count"], tuple(ids))
        key = st.key.encode("utf-8")
        if key <= previous_key:
            raise EncodingError(f"{path}: strata must be sorted by key and unique")
        previous_key = key
        if st.count > len(ids):
            raise EncodingError(f"{path}: count {st.count} exceeds {len(ids)} candidates")
        strata.append(st)
    pool = Pool(body["task"], tuple(strata))
    # Each stratum's ids are the raw text between '{"candidates":["' and '"]': checking the
    # id alphabet there, in bulk, and splitting it gives the encoded ids in one pass.
    segments = data.split(b'{"candidates":["')[1:]
    if len(segments) != len(strata):
        raise EncodingError("pool blob is not in canonical form")
    for i, (st, segment) in enumerate(zip(strata, segments, strict=True)):
        raw_ids = segment[: segment.find(b'"]')]
        what = f"pool.strata[{i}].candidates"
        if raw_ids.startswith(b'","'):  # an empty first id, which split_ids lets through
            raise EncodingError(f"{what}[0] is empty (ids are 1-64 of 0-9 A-Z a-z . _ -)")
        st.__dict__["encoded"] = s.split_ids(raw_ids, b'","', len(st.candidates), what)
    if encode_pool(pool) != data:
        raise EncodingError("pool blob is not in canonical form")
    members = frozenset(chain.from_iterable(st.candidates for st in strata))
    if len(members) != total:
        raise EncodingError("pool: candidates must be unique (within and across strata)")
    pool.__dict__["members"] = members
    return pool
