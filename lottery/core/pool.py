"""The frozen candidate pool of a task: strata, counts and the blobs that fix them.

Strata are (region, risk class) pairs; the stratum key is ``region + "|" + risk``. The count
drawn from a stratum of ``n`` candidates with a ratio of ``bp`` basis points (1/10,000) is the
published rounding rule::

    count = min(n, ceil(n * bp / 10000)) = min(n, (n * bp + 9999) // 10000)

so every non-empty stratum with a positive ratio contributes at least one target ("不低于" the
ratio). All arithmetic is on integers.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, compress, repeat
from operator import attrgetter, not_
from typing import Any, overload

from . import schema as s
from .canonical import canonical_json, parse_canonical_json
from .errors import EncodingError, InputError

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


class IdList(Sequence[str]):
    """Candidate ids held as their ASCII bytes (a checked pool blob's), decoded when read.

    A verifier reads a million ids to hash them as bytes; only the picks need to become
    strings. Compares equal to a tuple or list of the same ids.
    """

    __slots__ = ("encoded",)

    def __init__(self, encoded: list[bytes]) -> None:
        """Wrap ids already checked to be ASCII identifiers."""
        self.encoded = encoded

    def __len__(self) -> int:
        return len(self.encoded)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(map(_ascii, self.encoded[index]))
        return self.encoded[index].decode("ascii")

    def __iter__(self) -> Iterator[str]:
        return map(_ascii, self.encoded)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IdList):
            return self.encoded == other.encoded
        if isinstance(other, (tuple, list)):
            return len(other) == len(self) and all(map(str.__eq__, self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"IdList({tuple(self)!r})"


def _ascii(b: bytes) -> str:
    return b.decode("ascii")


@dataclass(frozen=True)
class Stratum:
    """One stratum of the pool: its candidates (sorted) and how many are drawn."""

    region: str
    risk: str
    count: int
    candidates: Sequence[str]

    @classmethod
    def of_encoded(cls, region: str, risk: str, count: int, encoded: list[bytes]) -> Stratum:
        """A stratum whose ids are checked ASCII bytes, kept as such (:class:`IdList`)."""
        st = cls(region, risk, count, IdList(encoded))
        st.__dict__["encoded"] = encoded
        return st

    @property
    def key(self) -> str:
        """``region|risk``."""
        return f"{self.region}|{self.risk}"

    @cached_property
    def encoded(self) -> list[bytes]:
        """The candidate ids as UTF-8 bytes (what the tickets hash)."""
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

    @cached_property
    def sorted_ids(self) -> list[bytes]:
        """Every candidate id as UTF-8 bytes, in byte order (the bulk reader's merge)."""
        return sorted(chain.from_iterable(st.encoded for st in self.strata))

    def lookup(self, ids: Iterable[str]) -> AbstractSet[str]:
        """The pool's members as a set in which ``ids`` are looked up in advance.

        A verifier asks about the few thousand targets named by exclusions, conflicts and
        previous inspections: each is a bisection in :attr:`sorted_ids`, which the bulk reader
        made anyway, instead of a set of the whole pool. Any other id falls back to
        :attr:`members`, so the answer is exact for every id.
        """
        members = self.__dict__.get("members")
        if isinstance(members, AbstractSet):
            return members
        table = self.sorted_ids
        size = len(table)
        asked = {i.encode("utf-8", "surrogatepass") for i in ids}
        found = frozenset(
            q.decode("utf-8", "surrogatepass")
            for q, at in zip(asked, map(bisect_left, repeat(table), asked), strict=True)
            if at < size and table[at] == q
        )
        return _Members(self, found, asked)


class _Members(AbstractSet[str]):
    """:meth:`Pool.lookup`'s answer: exact for every id, quick for the ones looked up."""

    def __init__(self, pool: Pool, found: frozenset[str], asked: set[bytes]) -> None:
        self._pool, self._found, self._asked = pool, found, asked

    def __contains__(self, item: object) -> bool:
        if item in self._found:
            return True
        if isinstance(item, str) and item.encode("utf-8", "surrogatepass") in self._asked:
            return False
        return item in self._pool.members

    def __len__(self) -> int:
        return self._pool.candidates

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(st.candidates for st in self._pool.strata)


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
    excluded = _excluded_by_target(exclusions)
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
    strata = [_stratum(region, risk, ids, ratios) for (region, risk), ids in groups.items() if ids]
    if not strata:
        raise InputError("the pool is empty: no candidate is left after exclusions")
    strata.sort(key=lambda st: _utf8_key(st.key))
    pool = Pool(task, tuple(strata))
    pool.__dict__["members"] = members  # fill the cache: already computed (never mutated)
    return pool


def _excluded_by_target(exclusions: Iterable[Exclusion]) -> dict[str, Exclusion]:
    """The exclusions by target.

    Raises:
        InputError: for an unknown reason, or a target excluded twice.
    """
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
    return excluded


def _stratum(region: str, risk: str, ids: list[str], ratios: Mapping[str, int]) -> Stratum:
    """The stratum of ``ids`` (sorted in place), its count from the risk class's ratio.

    Raises:
        InputError: for a risk class without a ratio, or a malformed id.
    """
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
    return stratum


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
        joined.translate(None, s.ID_CHARS) != b"\n" * (n - 1)
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
