"""The frozen candidate pool of a task: strata, counts and the blobs that fix them.

Strata are (region, risk class) pairs; the stratum key is ``region + "|" + risk``. The count
drawn from a stratum of ``n`` candidates with a ratio of ``bp`` basis points (1/10,000) is the
published rounding rule::

    count = min(n, ceil(n * bp / 10000)) = min(n, (n * bp + 9999) // 10000)

so every non-empty stratum with a positive ratio contributes at least one target ("不低于" the
ratio). All arithmetic is on integers.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, compress
from operator import attrgetter, not_
from typing import Any

from . import schema as s
from .canonical import canonical_json, parse_canonical_json
from .errors import EncodingError, InputError
from .gcpause import bulk

BP_DENOMINATOR = 10_000
POOL_BLOB_TYPE = "lottery-pool"
EXCLUSIONS_BLOB_TYPE = "lottery-exclusions"

EXCLUSION_REASONS = {
    "annual-cap": "同一年度内已抽查2次",
    "closed": "已注销、吊销、撤销或停业",
    "not-in-scope": "不属本次抽查范围",
    "other": "其他（见说明）",
}


@dataclass(frozen=True)
class Candidate:
    """A target as the draw sees it: id, region and risk class."""

    id: str
    region: str
    risk: str


@dataclass(frozen=True)
class Exclusion:
    """A target kept out of the pool before the announcement, with its reason."""

    target: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Stratum:
    """One stratum of the pool: its candidates (sorted) and how many are drawn."""

    region: str
    risk: str
    count: int
    candidates: tuple[str, ...]

    @property
    def key(self) -> str:
        """``region|risk``."""
        return f"{self.region}|{self.risk}"

    @cached_property
    def encoded(self) -> list[bytes]:
        """The candidate ids as UTF-8 bytes (what the tickets hash)."""
        raw = self.__dict__.get("_raw_ids")  # set by decode_pool: the blob's checked bytes
        if isinstance(raw, bytes):
            return raw.split(b'","')
        return "\n".join(self.candidates).encode("utf-8").split(b"\n")


@dataclass(frozen=True)
class Pool:
    """All strata of a task, ordered by stratum key (UTF-8 bytes order)."""

    task: str
    strata: tuple[Stratum, ...]

    @property
    def candidates(self) -> int:
        """Number of candidates over all strata."""
        return sum(len(st.candidates) for st in self.strata)

    @property
    def picks(self) -> int:
        """Number of targets drawn over all strata."""
        return sum(st.count for st in self.strata)

    @cached_property
    def members(self) -> AbstractSet[str]:
        """Every candidate id of the pool (read-only)."""
        return frozenset(chain.from_iterable(st.candidates for st in self.strata))


def stratum_count(n: int, ratio_bp: int) -> int:
    """The published rounding rule: ``min(n, ceil(n * bp / 10000))``.

    Raises:
        InputError: for a negative size or a ratio outside 1..10000 basis points.
    """
    if n < 0:
        raise InputError("stratum size must not be negative")
    if not 1 <= ratio_bp <= BP_DENOMINATOR:
        raise InputError(f"ratio must be 1..10000 basis points (0.01%..100%), got {ratio_bp}")
    return min(n, (n * ratio_bp + BP_DENOMINATOR - 1) // BP_DENOMINATOR)


def _utf8_key(text: str) -> bytes:
    return text.encode("utf-8")


@bulk
def build_pool(
    task: str,
    candidates: Iterable[Candidate],
    ratios: Mapping[str, int],
    exclusions: Iterable[Exclusion] = (),
) -> Pool:
    """Group candidates into strata, drop exclusions and apply the rounding rule.

    Raises:
        InputError: for duplicate or malformed ids, a risk class without a ratio, an
            exclusion of an unknown target, an unknown exclusion reason, or an empty pool.
    """
    s.ident(task, "task")
    for risk, bp in ratios.items():
        s.ident(risk, f"ratio class {risk!r}")
        stratum_count(0, bp)
    excluded: dict[str, Exclusion] = {}
    for ex in exclusions:
        if ex.reason not in EXCLUSION_REASONS:
            raise InputError(
                f"exclusion of {ex.target}: unknown reason {ex.reason!r} "
                f"(known: {', '.join(EXCLUSION_REASONS)})"
            )
        if ex.target in excluded:
            raise InputError(f"target {ex.target} is excluded twice")
        excluded[ex.target] = ex
    rows = list(candidates)
    all_ids = list(map(attrgetter("id"), rows))
    regions = list(map(attrgetter("region"), rows))
    risks = list(map(attrgetter("risk"), rows))
    del rows
    keys = set(zip(regions, risks, strict=True))
    try:
        for region, risk in keys:
            s.ident(region, "region")
            s.ident(risk, "risk class")
    except EncodingError as exc:
        raise InputError(str(exc)) from exc
    members = set(all_ids)
    if len(members) != len(all_ids):
        raise InputError(f"duplicate candidate id {_first_duplicate(all_ids)}")
    unknown = sorted(set(excluded) - members)
    if unknown:
        raise InputError(f"exclusion names a target that is not a candidate: {unknown[0]}")
    groups: dict[tuple[str, str], list[str]] = {k: [] for k in keys}
    pairs: Iterable[tuple[str, str]] = zip(regions, risks, strict=True)
    ids_in: Iterable[str] = all_ids
    if excluded:
        kept = list(map(not_, map(excluded.__contains__, all_ids)))
        pairs, ids_in = compress(pairs, kept), compress(all_ids, kept)
        members.difference_update(excluded)
    # list.append(groups[region, risk], id) for every row, in row order, in one C-level pass.
    deque(map(list.append, map(groups.__getitem__, pairs), ids_in), maxlen=0)
    strata = []
    for (region, risk), ids in groups.items():
        if not ids:
            continue
        if risk not in ratios:
            raise InputError(f"risk class {risk!r} has no ratio in the task parameters")
        encoded = _encode_sorted(ids)  # sorts ids in place
        if encoded is None:
            try:
                s.encode_ids(ids, "candidate ids")  # names the first malformed id
            except EncodingError as exc:
                raise InputError(str(exc)) from exc
            raise InputError("candidate ids hold a malformed id (1-64 of 0-9 A-Z a-z . _ -)")
        stratum = Stratum(region, risk, stratum_count(len(ids), ratios[risk]), tuple(ids))
        stratum.__dict__["encoded"] = encoded  # validated ids, kept for the draw's tickets
        strata.append(stratum)
    if not strata:
        raise InputError("the pool is empty: no candidate is left after exclusions")
    strata.sort(key=lambda st: _utf8_key(st.key))
    pool = Pool(task, tuple(strata))
    pool.__dict__["members"] = members  # fill the cache: already computed (never mutated)
    return pool


def _encode_sorted(ids: list[str]) -> list[bytes] | None:
    """Sort ``ids`` in place and return them as ASCII, or ``None`` if one is not a valid id.

    The bulk form of :func:`lottery.core.schema.ident` for a list of unique ids, with the
    checks of :func:`_ids_of` (sorted order puts the ids with a bad first character where a
    bisection finds them).
    """
    try:
        if ids != sorted(ids):  # registries usually arrive in id order: then this is O(n)
            ids.sort()  # valid ids are ASCII: character order is UTF-8 byte order
        joined = "\n".join(ids).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None
    n = len(ids)
    underscore = bisect_left(ids, "_")
    if (
        joined.translate(None, _ID_CHARS) != b"\n" * (n - 1)
        or ids[0][:1] in ("", "-", ".")
        or (underscore < n and ids[underscore].startswith("_"))
        or max(map(len, ids)) > 64
    ):
        return None
    return joined.split(b"\n")


def _first_duplicate(ids: Iterable[str]) -> str:
    seen: set[str] = set()
    for cid in ids:
        if cid in seen:
            return cid
        seen.add(cid)
    return ""


def encode_pool(pool: Pool) -> bytes:
    """The pool blob: canonical JSON of ``{"strata": [...], "task", "type", "v"}``.

    Written directly (ids, regions and risk classes are validated ASCII identifiers that need
    no escaping, and the keys are emitted in RFC 8785 order); the suite checks the bytes
    against the general canonical encoder.
    """
    s.ident(pool.task, "task")
    parts = []
    for st in pool.strata:
        s.ident(st.region, "region")
        s.ident(st.risk, "risk class")
        ids = '","'.join(st.candidates)
        parts.append(
            f'{{"candidates":["{ids}"],"count":{st.count},'
            f'"region":"{st.region}","risk":"{st.risk}"}}'
        )
    text = f'{{"strata":[{",".join(parts)}],"task":"{pool.task}","type":"{POOL_BLOB_TYPE}","v":1}}'
    return text.encode("ascii")


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
_ID_CHARS = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-"


def _ids_of(raw: bytes) -> tuple[str, ...] | None:
    """The ids joined in ``raw``, when each is a valid id and they are sorted."""
    ids = raw.decode("latin-1").split('","')
    n = len(ids)
    if raw.translate(None, _ID_CHARS) != _SEP * (n - 1):
        return None
    # Every byte left is an id character, so this is ASCII and str order is byte order.
    # Sorted (timsort's check of a sorted list is one pass of byte comparisons); duplicates,
    # within and across strata, are left to the pool's member set. Sorted puts every empty id
    # and every id starting with '-' or '.' (which sort before digits) first, and the ids
    # starting with '_' (between 'Z' and 'a') at one bisection point.
    if ids != sorted(ids):
        return None
    underscore = bisect_left(ids, "_")
    if (
        ids[0][:1] in ("", "-", ".")
        or (underscore < n and ids[underscore].startswith("_"))
        or max(map(len, ids)) > 64
    ):
        return None
    return tuple(ids)


def _decode_canonical(data: bytes, cut: PoolCut | None = None) -> Pool | None:
    """:func:`decode_pool` for a valid blob, in bulk; ``None`` when anything is off."""
    if cut is None or cut.data is not data:
        cut = raw_strata(data)
    if cut is None:
        return None
    task, raw = cut.task, cut.strata
    strata = []
    previous_key = b""
    total = 0
    for r in raw:
        key = _utf8_key(r.key)
        ids = _ids_of(r.ids)
        if ids is None or key <= previous_key or r.count > len(ids):
            return None
        previous_key = key
        total += len(ids)
        st = Stratum(r.region, r.risk, r.count, ids)
        st.__dict__["_raw_ids"] = r.ids  # Stratum.encoded splits these bytes when needed
        strata.append(st)
    members = frozenset(chain.from_iterable(st.candidates for st in strata))
    if len(members) != total:
        return None
    pool = Pool(task, tuple(strata))
    pool.__dict__["members"] = members
    return pool


@bulk
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
        key = _utf8_key(st.key)
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


def check_counts(pool: Pool, ratios: Mapping[str, int]) -> None:
    """Check that every stratum's count follows the rounding rule for the announced ratios.

    Raises:
        EncodingError: naming the stratum whose count is wrong.
    """
    for st in pool.strata:
        if st.risk not in ratios:
            raise EncodingError(f"stratum {st.key}: no announced ratio for risk class {st.risk}")
        want = stratum_count(len(st.candidates), ratios[st.risk])
        if st.count != want:
            raise EncodingError(
                f"stratum {st.key}: count {st.count} does not follow the rounding rule "
                f"(ceil({len(st.candidates)} x {ratios[st.risk]} / 10000) = {want})"
            )


def encode_exclusions(task: str, exclusions: Sequence[Exclusion]) -> bytes:
    """The exclusions blob: every excluded target with its reason, sorted by target id."""
    rows = sorted(exclusions, key=lambda e: _utf8_key(e.target))
    return canonical_json(
        {
            "type": EXCLUSIONS_BLOB_TYPE,
            "v": 1,
            "task": task,
            "exclusions": [
                {"target": e.target, "reason": e.reason, "detail": e.detail} for e in rows
            ],
        }
    )


def decode_exclusions(data: bytes) -> list[Exclusion]:
    """Parse an exclusions blob.

    Raises:
        EncodingError: naming what is malformed.
    """
    body: Any = parse_canonical_json(data)
    row = s.obj(
        {"target": s.ident, "reason": s.one_of(*EXCLUSION_REASONS), "detail": s.text(empty=True)}
    )
    s.obj(
        {
            "type": s.const(EXCLUSIONS_BLOB_TYPE),
            "v": s.const(1),
            "task": s.ident,
            "exclusions": s.array(row),
        }
    )(body, "exclusions")
    return [Exclusion(r["target"], r["reason"], r["detail"]) for r in body["exclusions"]]
