"""Inspector teams (检查组) for the picked targets, and the feasibility rule: docs/teams.md.

Byte layout of a draw (docs/teams.md §2)::

    x(t, c) = SHA-256("lottery-v1 team" 0x00 || seed || u32be(len(UTF-8 t)) || UTF-8 t || u32be(c))
    v       = first 8 bytes of x(t, c), unsigned big-endian
    index   = v mod n, unless v >= floor(2**64 / n) * n (then counter c gives no index)

Targets are staffed in selection order, slot by slot, from the pool sorted by UTF-8 bytes. A
slot takes the first *acceptable* inspector its counter sequence draws (no conflict, not sent
last time, not already on the team, under the workload cap); during a target's first 64
counter values, an inspector already paired in this task with a team member is passed over
("varied pairings"). After ``4 n + 64`` counter values without a taker, a cyclic scan from one
more drawn index guarantees termination. The feasibility rule (docs/teams.md §3), checked
before the announcement, guarantees that the scan always finds someone.

Everything is integer arithmetic and SHA-256; no language PRNG is involved, and the result does
not depend on the order of the inspector list or on the iteration order of the maps.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
from collections.abc import Collection, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from .errors import EncodingError, InfeasibleError, InputError

TAG_TEAM = b"lottery-v1 team\x00"
PAIR_PREFERENCE_DRAWS = 64  # counter values 0..63 of each target prefer unpaired inspectors
EXTRA_DRAWS = 64  # a slot's random phase lasts 4 n + EXTRA_DRAWS counter values
MAX_LISTED = 20  # targets named in an InfeasibleError message

_sha256 = hashlib.sha256
_EMPTY: frozenset[str] = frozenset()
_U32_LIMIT = 1 << 32
_U64_LIMIT = 1 << 64
_PRE = 256
_COUNTERS = [c.to_bytes(4, "big") for c in range(_PRE)]  # u32be(c), precomputed
_BULK = 2  # counter values drawn in bulk for every pick before the loop
_FIRST8 = operator.itemgetter(slice(0, 8))


@dataclass(frozen=True, slots=True)
class Team:
    """The inspectors sent to one target, in slot order."""

    target: str
    inspectors: tuple[str, ...]

    def __reduce__(self) -> tuple[type[Team], tuple[str, tuple[str, ...]]]:
        # Pickled as its two fields, as Pick is (lottery/core/selection.py).
        return (Team, (self.target, self.inspectors))


@dataclass(frozen=True)
class FirstDraws:
    """The indices that counters 0 and 1 draw for a run of picks, computed ahead of the loop.

    A worker process that drew the picks computes these for them; :func:`assign_teams` uses
    them only when they were made for the same seed, pool size and picks.
    """

    seed: bytes
    n: int
    ids: list[bytes]  # the picks as UTF-8, in selection order
    first: list[list[int]]  # first[c][j]: the index counter c draws for pick j, -1 for none


def first_draws(seed: bytes, ids: list[bytes], n: int) -> FirstDraws:
    """:class:`FirstDraws` for picks given as UTF-8 ids, with a pool of ``n`` inspectors."""
    limit = (_U64_LIMIT // n) * n
    prefix = TAG_TEAM + seed
    heads = [prefix + len(tb).to_bytes(4, "big") + tb for tb in ids]
    return FirstDraws(seed, n, ids, [_indices(heads, _COUNTERS[c], n, limit) for c in range(_BULK)])


def _check_team_size(team_size: int) -> None:
    if team_size < 2:
        raise InputError(f"team size must be at least 2, got {team_size}")


def _check_total(total_picks: int) -> None:
    if total_picks < 0:
        raise InputError(f"total picks must not be negative, got {total_picks}")


def _sorted_pool(inspectors: Iterable[str], team_size: int) -> list[str]:
    """The pool P: ids sorted by their UTF-8 bytes, checked for duplicates and size."""
    try:
        keyed = sorted((i.encode("utf-8"), i) for i in inspectors)
    except UnicodeEncodeError as exc:
        raise InputError(f"inspector id is not valid Unicode text: {exc.object!r}") from exc
    for (a, name), (b, _) in itertools.pairwise(keyed):
        if a == b:
            raise InputError(f"duplicate inspector id: {name}")
    if len(keyed) < team_size:
        raise InfeasibleError(
            f"the inspector pool ({len(keyed)}) is smaller than the team size ({team_size})"
        )
    return [name for _, name in keyed]


def assign_teams(
    seed: bytes,
    picks: Sequence[str],
    inspectors: Iterable[str],
    conflicts: Mapping[str, AbstractSet[str]],
    previous: Mapping[str, AbstractSet[str]],
    team_size: int,
    cap: int,
    *,
    ahead: FirstDraws | None = None,
    departments: Mapping[str, str] | None = None,
    team_departments: Sequence[str] = (),
) -> list[Team]:
    """Staff every pick with ``team_size`` inspectors (docs/teams.md §2, §8).

    Args:
        seed: the draw's final seed (32 bytes).
        picks: target ids in selection order (unique).
        inspectors: the task's eligible inspector ids (unique; any order).
        conflicts: target id -> inspector ids with a declared conflict of interest (回避).
        previous: target id -> inspector ids who checked the target last time.
        team_size: inspectors per target, at least 2.
        cap: the most targets any one inspector gets in this task, at least 1.
        ahead: first draws already computed for the last picks (or all of them, by the
            processes that drew them); used only if they match this seed, pool size and
            those picks. Never changes the result.
        departments: inspector id -> department (部门联合抽查, docs/teams.md §8); needed only
            with ``team_departments``.
        team_departments: the departments every team must include, one inspector each, in
            slot order (slot j of every team goes to department ``team_departments[j]``);
            empty: the rule is off and the assignment is exactly that of §2.

    Returns:
        One team per pick, in pick order.

    Raises:
        InputError: a seed that is not 32 bytes, a team size below 2, a cap below 1, a
            duplicate inspector id or pick, an id that is not valid Unicode text, a pool so
            large that the 32-bit draw counter could overflow, or a department rule that does
            not fit (§8).
        InfeasibleError: the pool is smaller than the team size, or a target has no acceptable
            inspector left (impossible when :func:`check_feasible` passed for these inputs).
    """
    if len(seed) != 32:
        raise InputError(f"seed must be 32 bytes, got {len(seed)}")
    _check_team_size(team_size)
    if cap < 1:
        raise InputError(f"workload cap must be at least 1, got {cap}")
    pool = _sorted_pool(inspectors, team_size)
    if team_size * (_budget(len(pool)) + 1) > _U32_LIMIT:
        raise InputError("inspector pool and team size too large for the 32-bit draw counter")
    staffing = _Staffing(seed, pool, _encode_picks(picks), team_size, cap, ahead)
    joint = bool(team_departments)
    if joint:
        staffing.dept, staffing.wanted = _slot_departments(
            pool, departments, team_departments, team_size
        )
    teams: list[Team] = []
    for j, target in enumerate(picks):
        conf = conflicts.get(target, _EMPTY)
        prev = previous.get(target, _EMPTY)
        quick = staffing.quick_pair(j, target) if not conf and not prev and not joint else None
        teams.append(staffing.staff(j, target, conf, prev) if quick is None else quick)
    return teams


def _check_team_departments(team_departments: Sequence[str], team_size: int) -> None:
    """The department rule's own shape (docs/teams.md §8): unique names, at most one per slot.

    Raises:
        InputError: a department named twice, an empty name, or more departments than slots.
    """
    if len(set(team_departments)) != len(team_departments):
        raise InputError("a department is named twice in the team rule")
    if any(not d for d in team_departments):
        raise InputError("a department name in the team rule is empty")
    if len(team_departments) > team_size:
        raise InputError(
            f"the team rule names {len(team_departments)} departments but a team has only "
            f"{team_size} inspectors"
        )


def _slot_departments(
    pool: Sequence[str],
    departments: Mapping[str, str] | None,
    team_departments: Sequence[str],
    team_size: int,
) -> tuple[list[int], list[int]]:
    """Each pool index's department number and each slot's wanted department number (-1: any).

    Department numbers are positions in ``team_departments``; an inspector of another
    department gets -1 and fills only the free slots.

    Raises:
        InputError: as :func:`_check_team_departments`, or a pool inspector without a department.
    """
    _check_team_departments(team_departments, team_size)
    number = {d: k for k, d in enumerate(team_departments)}
    dept = [number.get(d, -1) for d in _departments_of(pool, departments).values()]
    wanted = [number[d] for d in team_departments]
    return dept, wanted + [-1] * (team_size - len(wanted))


def _departments_of(pool: Sequence[str], departments: Mapping[str, str] | None) -> dict[str, str]:
    """Each pool inspector's department, in pool order.

    Raises:
        InputError: naming the first inspector without a department.
    """
    of: dict[str, str] = {}
    for i in pool:
        d = (departments or {}).get(i)
        if d is None:
            raise InputError(f"inspector {i} has no department")
        of[i] = d
    return of


def _budget(n: int) -> int:
    """The counter values of one slot's random phase, for a pool of ``n`` inspectors."""
    return 4 * n + EXTRA_DRAWS


def _first_counters(
    seed: bytes, encoded: list[bytes], n: int, ahead: FirstDraws | None
) -> list[list[int]]:
    """The indices counters 0 and 1 draw for every pick (docs/teams.md §2), reusing the draws
    another process made ahead for the last picks when they match this seed, pool and picks."""
    k = len(encoded) - len(ahead.ids) if ahead is not None else -1
    if (
        ahead is not None
        and k >= 0
        and (ahead.seed, ahead.n) == (seed, n)
        and (ahead.ids == encoded[k:])
    ):
        head = first_draws(seed, encoded[:k], n).first
        return [head[c] + ahead.first[c] for c in range(_BULK)]
    return first_draws(seed, encoded, n).first


class _Staffing:
    """The state of one team draw: each inspector's load and the pairs already formed.

    One target is staffed slot by slot (:meth:`staff`): a random phase of counter values
    (:meth:`_random_phase`), then, if it found no one, a deterministic scan
    (:meth:`_scan_phase`); the common case of a pair for a target without conflicts is
    :meth:`quick_pair`.
    """

    def __init__(
        self,
        seed: bytes,
        pool: list[str],
        encoded: list[bytes],
        team_size: int,
        cap: int,
        ahead: FirstDraws | None,
    ) -> None:
        n = len(pool)
        self.budget = _budget(n)
        self.pool, self.n, self.encoded = pool, n, encoded
        self.team_size, self.cap = team_size, cap
        self.limit = (_U64_LIMIT // n) * n
        self.prefix = TAG_TEAM + seed
        # Most slots take the index drawn by counter 0 or 1: drawn for every pick at once,
        # with C-level map chains (-1 where the value falls in the rejected tail).
        self.first = _first_counters(seed, encoded, n, ahead)
        self.load = [0] * n
        self.paired: set[int] = set()  # unordered pair {a, b} of pool indices, a < b: a * n + b
        # The department rule (§8): each index's department number, each slot's wanted one.
        self.dept: list[int] = []
        self.wanted: list[int] = [-1] * team_size
        # What the random phase reads on every counter value, unpacked once per call.
        self._hot = (self.first, self.load, cap, pool, self.paired, n, self.limit)

    def quick_pair(self, j: int, target: str) -> Team | None:
        """The team of a target without conflicts or previous inspectors when counters 0 and 1
        staff slots 1 and 2, exactly as :meth:`staff` would decide (both acceptable, not yet
        paired); ``None`` when the team is not a pair or that is not the case."""
        if self.team_size != 2:
            return None
        a, b = self.first[0][j], self.first[1][j]
        load, cap, n = self.load, self.cap, self.n
        if a < 0 or b < 0 or a == b or load[a] >= cap or load[b] >= cap:
            return None
        key = a * n + b if a < b else b * n + a
        if key in self.paired:
            return None
        self.paired.add(key)
        load[a] += 1
        load[b] += 1
        return Team(target, (self.pool[a], self.pool[b]))

    def staff(self, j: int, target: str, conf: AbstractSet[str], prev: AbstractSet[str]) -> Team:
        """Staff pick ``j`` slot by slot, its counter running on across its slots.

        Raises:
            InfeasibleError: when no acceptable inspector is left for a slot.
        """
        team: list[int] = []
        c = 0
        base: Any = None  # this target's hash state, made once counter _BULK is reached
        for slot in range(self.team_size):
            want = self.wanted[slot]
            chosen, c, base = self._random_phase(j, team, c, conf, prev, base, want)
            if chosen < 0:
                chosen, c = self._scan_phase(j, target, team, c, conf, prev, want)
            n = self.n
            for m in team:
                self.paired.add(chosen * n + m if chosen < m else m * n + chosen)
            team.append(chosen)
            self.load[chosen] += 1
        return Team(target, tuple(map(self.pool.__getitem__, team)))

    def _random_phase(
        self,
        j: int,
        team: list[int],
        c: int,
        conf: AbstractSet[str],
        prev: AbstractSet[str],
        base: Any,
        want: int = -1,
    ) -> tuple[int, int, Any]:
        """The first acceptable index among the next ``budget`` counter values (-1 if none),
        the counter after the last one used, and the target's hash state (made on first use).
        ``want``: the department number the slot needs (§8), -1 for any."""
        dept = self.dept
        first, load, cap, pool, paired, n, limit = self._hot
        from_bytes, counters = int.from_bytes, _COUNTERS
        end = c + self.budget
        while c < end:
            if c < _BULK:
                i = first[c][j]
            else:
                if base is None:
                    tb = self.encoded[j]
                    base = _sha256(self.prefix + len(tb).to_bytes(4, "big") + tb)
                h = base.copy()
                h.update(counters[c] if c < _PRE else c.to_bytes(4, "big"))
                v = from_bytes(h.digest()[:8], "big")
                i = v % n if v < limit else -1
            counter = c
            c += 1
            if i < 0 or load[i] >= cap or i in team:
                continue
            if want >= 0 and dept[i] != want:
                continue
            if (conf or prev) and (pool[i] in conf or pool[i] in prev):
                continue
            if team and counter < PAIR_PREFERENCE_DRAWS:
                clash = False
                for m in team:  # a plain loop: this is the hottest line of a draw
                    if (i * n + m if i < m else m * n + i) in paired:
                        clash = True
                        break
                if clash:
                    continue
            return i, c, base
        return -1, c, base

    def _scan_phase(
        self,
        j: int,
        target: str,
        team: list[int],
        c: int,
        conf: AbstractSet[str],
        prev: AbstractSet[str],
        want: int = -1,
    ) -> tuple[int, int]:
        """The first acceptable index scanning the pool from a drawn start (of department
        number ``want`` unless it is -1), and the counter after the one used.

        Raises:
            InfeasibleError: when no index is acceptable.
        """
        n, load, cap, pool = self.n, self.load, self.cap, self.pool
        tb = self.encoded[j]
        h = _sha256(self.prefix + len(tb).to_bytes(4, "big") + tb + c.to_bytes(4, "big"))
        v = int.from_bytes(h.digest()[:8], "big")
        start = v % n if v < self.limit else 0
        for k in range(n):
            i = (start + k) % n
            if want >= 0 and self.dept[i] != want:
                continue
            if load[i] < cap and i not in team and pool[i] not in conf and pool[i] not in prev:
                return i, c + 1
        raise InfeasibleError(
            f"no acceptable inspector left for target {target} "
            f"(slot {len(team) + 1} of {self.team_size})",
            (target,),
        )


def _encode_picks(picks: Sequence[str]) -> list[bytes]:
    """The picks as UTF-8, checked to be unique and valid text (first problem in pick order).

    Raises:
        InputError: for a duplicate pick or an id that is not valid Unicode text.
    """
    seen: set[str] = set()
    out: list[bytes] = []
    for target in picks:
        if target in seen:
            raise InputError(f"duplicate pick: {target}")
        seen.add(target)
        try:
            out.append(target.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise InputError(f"target id is not valid Unicode text: {target!r}") from exc
    return out


def _indices(heads: list[bytes], counter: bytes, n: int, limit: int) -> list[int]:
    """``index`` of every head for one counter value, ``-1`` where ``v >= limit``."""
    sha = _sha256  # looked up per call: the tests swap in scripted hash functions
    digest = type(sha()).digest
    digests = map(digest, map(sha, map(bytes.__add__, heads, itertools.repeat(counter))))
    values = map(int.from_bytes, map(_FIRST8, digests))
    return [v % n if v < limit else -1 for v in values]


@dataclass(frozen=True)
class _Eligibility:
    n: int  # pool size
    lacking: list[tuple[str, int]]  # (target, e) with e < team_size, sorted by UTF-8 id
    min_eligible: int  # the smallest e(t) over all candidates (n when none is restricted)
    tightest: str | None  # the least id with e(t) == min_eligible < n, if any


def _eligibility(
    candidates: Iterable[str],
    total_picks: int,
    inspectors: Iterable[str],
    conflicts: Mapping[str, AbstractSet[str]],
    previous: Mapping[str, AbstractSet[str]],
    team_size: int,
) -> _Eligibility:
    """e(t) for the candidates named in a map; every other candidate has e(t) = n.

    One pass over each map (not over the candidates), so the cost follows the number of
    restricted targets, not the size of the registry.
    """
    _check_team_size(team_size)
    _check_total(total_picks)
    pool = _sorted_pool(inspectors, team_size)
    n = len(pool)
    members = frozenset(pool)
    cands = candidates if isinstance(candidates, AbstractSet) else frozenset(candidates)
    if total_picks > len(cands):
        raise InputError(
            f"total picks ({total_picks}) exceed the number of candidates ({len(cands)})"
        )
    # Ids outside the pool block nobody; when there are none (the team-input blob is already
    # restricted to the pool), |blocked| is a plain length.
    referenced: set[str] = set()
    for m in (conflicts, previous):
        for ids in m.values():
            referenced.update(ids)
    all_members = referenced <= members
    low: list[tuple[str, int]] = []  # every candidate with e < team_size or e == min so far
    min_e = n
    for m, other, skip_shared in ((conflicts, previous, False), (previous, conflicts, True)):
        for t, ids in m.items():
            if t not in cands or (skip_shared and t in other):
                continue
            more = other.get(t)
            blocked = ids | more if more else ids
            e = n - (len(blocked) if all_members else len(members.intersection(blocked)))
            if e < team_size or e <= min_e:
                low.append((t, e))
                min_e = min(min_e, e)
    lacking = sorted(
        ((t, e) for t, e in low if e < team_size), key=lambda te: te[0].encode("utf-8")
    )
    tied = [t for t, e in low if e == min_e and e < n]
    tightest = min(tied, key=lambda t: t.encode("utf-8")) if tied else None
    return _Eligibility(n, lacking, min_e, tightest)


@dataclass(frozen=True)
class _DepartmentEligibility:
    lacking: list[tuple[str, str, int]]  # (target, department, e_d) with e_d < 1, sorted
    least: int  # the smallest e_d(t) over all candidates and rule departments
    tightest: str  # "department D (target t)" or "department D" where that least is reached


def _department_eligibility(
    candidates: AbstractSet[str],
    inspectors: Iterable[str],
    conflicts: Mapping[str, AbstractSet[str]],
    previous: Mapping[str, AbstractSet[str]],
    departments: Mapping[str, str] | None,
    team_departments: Sequence[str],
    team_size: int,
) -> _DepartmentEligibility:
    """e_d(t) (docs/teams.md §8) for every rule department ``d`` and candidate ``t``: the
    inspectors of ``d`` eligible for ``t``. Only candidates named in a map can have fewer
    than the department's size ``n_d``.

    Raises:
        InputError: as :func:`_slot_departments`.
    """
    pool = _sorted_pool(inspectors, team_size)
    _check_team_departments(team_departments, team_size)
    of = _departments_of(pool, departments)
    size = dict.fromkeys(team_departments, 0)
    for d in of.values():
        if d in size:
            size[d] += 1
    counts: dict[tuple[str, str], int] = {}  # (t, d) -> e_d(t) for restricted candidates
    for t in set(conflicts) | set(previous):
        if t not in candidates:
            continue
        blocked = conflicts.get(t, _EMPTY) | previous.get(t, _EMPTY)
        lost = dict.fromkeys(team_departments, 0)
        for i in blocked:
            got = of.get(i, "")
            if got in lost:
                lost[got] += 1
        for d in team_departments:
            counts[(t, d)] = size[d] - lost[d]

    def key(td: tuple[str, str]) -> tuple[bytes, bytes]:
        return td[0].encode("utf-8"), td[1].encode("utf-8")

    lacking = sorted(
        ((t, d, e) for (t, d), e in counts.items() if e < 1), key=lambda tde: key(tde[:2])
    )
    least, tightest = len(pool), ""
    for d in team_departments:  # an empty department lacks for every candidate
        if size[d] < least or (size[d] == least and not tightest):
            least, tightest = size[d], f"department {d}"
    for (t, d), e in sorted(counts.items(), key=lambda kv: key(kv[0])):
        if e < least:
            least, tightest = e, f"department {d} (target {t})"
    if candidates and any(size[d] < 1 for d in team_departments):
        empty = [d for d in team_departments if size[d] < 1]
        raise InfeasibleError(f"no eligible inspector of department {', '.join(empty)}")
    return _DepartmentEligibility(lacking, least, tightest)


def _raise_department_lacking(lacking: list[tuple[str, str, int]]) -> None:
    listed = ", ".join(f"{t} ({d})" for t, d, _ in lacking[:MAX_LISTED])
    more = len(lacking) - MAX_LISTED
    raise InfeasibleError(
        f"targets without an eligible inspector of a department the team rule names: {listed}"
        + (f" and {more} more" if more > 0 else ""),
        tuple(dict.fromkeys(t for t, _, _ in lacking)),
    )


def _raise_lacking(lacking: list[tuple[str, int]], team_size: int) -> None:
    listed = ", ".join(f"{t} (e={e})" for t, e in lacking[:MAX_LISTED])
    more = len(lacking) - MAX_LISTED
    raise InfeasibleError(
        f"targets without enough eligible inspectors (need {team_size}): {listed}"
        + (f" and {more} more" if more > 0 else ""),
        tuple(t for t, _ in lacking),
    )


def full_bound(total_picks: int, team_size: int, cap: int) -> int:
    """F: the most inspectors that can be at the cap when any target's turn comes.

    ``0`` when ``cap >= total_picks`` (an inspector gets at most one slot per earlier target,
    so nobody can be full), else ``floor(team_size * (total_picks - 1) / cap)``.

    Raises:
        InputError: a team size below 2, a cap below 1 or a negative number of picks.
    """
    _check_team_size(team_size)
    _check_total(total_picks)
    if cap < 1:
        raise InputError(f"workload cap must be at least 1, got {cap}")
    if cap >= total_picks:
        return 0
    return team_size * (total_picks - 1) // cap


def _cap_for(total_picks: int, team_size: int, min_eligible: int) -> int:
    """The smallest cap >= 1 with ``min_eligible - full_bound(...) >= team_size``."""
    return _cap_for_spare(total_picks, team_size, min_eligible - team_size)


def _cap_for_spare(total_picks: int, team_size: int, spare: int) -> int:
    """The smallest cap >= 1 with ``full_bound(...) <= spare`` (``spare >= 0``)."""
    return max(1, min(team_size * (total_picks - 1) // (spare + 1) + 1, total_picks))


def minimum_cap(
    candidates: Iterable[str],
    total_picks: int,
    inspectors: Iterable[str],
    conflicts: Mapping[str, AbstractSet[str]],
    previous: Mapping[str, AbstractSet[str]],
    team_size: int,
    *,
    departments: Mapping[str, str] | None = None,
    team_departments: Sequence[str] = (),
) -> int:
    """The smallest workload cap for which :func:`check_feasible` passes (docs/teams.md §4, §8).

    Raises:
        InputError: a team size below 2, negative or too many picks, a duplicate inspector id.
        InfeasibleError: no cap can work: the pool is smaller than the team size, or some
            candidates have fewer than ``team_size`` eligible inspectors (listed).
    """
    cands = candidates if isinstance(candidates, AbstractSet) else frozenset(candidates)
    pool = inspectors if isinstance(inspectors, Collection) else list(inspectors)
    el = _eligibility(cands, total_picks, pool, conflicts, previous, team_size)
    if el.lacking:
        _raise_lacking(el.lacking, team_size)
    cap = _cap_for(total_picks, team_size, el.min_eligible)
    if team_departments:
        de = _department_eligibility(
            cands, pool, conflicts, previous, departments, team_departments, team_size
        )
        if de.lacking:
            _raise_department_lacking(de.lacking)
        # e_d - F >= 1 is e_d - F >= s with s = 1 (§8).
        cap = max(cap, _cap_for_spare(total_picks, team_size, de.least - 1))
    return cap


def check_feasible(
    candidates: Iterable[str],
    total_picks: int,
    inspectors: Iterable[str],
    conflicts: Mapping[str, AbstractSet[str]],
    previous: Mapping[str, AbstractSet[str]],
    team_size: int,
    cap: int,
    *,
    departments: Mapping[str, str] | None = None,
    team_departments: Sequence[str] = (),
) -> None:
    """Refuse a task whose draw could fail to staff a pick (docs/teams.md §3, and §8 with a
    department rule: also ``e_d(t) - F >= 1`` for every rule department ``d``).

    Passes when every candidate ``t`` has ``e(t) - F >= team_size``, where ``e(t)`` counts the
    pool's inspectors not in ``conflicts[t]`` or ``previous[t]`` and ``F`` is
    :func:`full_bound`. Then :func:`assign_teams` cannot fail, whichever ``total_picks``
    candidates are picked, in whatever order.

    Args:
        candidates: every target that could be picked (a set avoids a pass over all of them).
        total_picks: how many targets the draw picks.
        inspectors: the task's eligible inspector ids.
        conflicts: target id -> inspector ids with a declared conflict of interest.
        previous: target id -> inspector ids who checked the target last time.
        team_size: inspectors per target.
        cap: the workload cap.

    Raises:
        InputError: a team size below 2, a cap below 1, negative picks or more picks than
            candidates, a duplicate inspector id.
        InfeasibleError: the pool is smaller than the team size; candidates with fewer than
            ``team_size`` eligible inspectors (listed, all in ``targets``); or a cap too low
            (the message gives the smallest cap that passes).
    """
    full = full_bound(total_picks, team_size, cap)
    cands = candidates if isinstance(candidates, AbstractSet) else frozenset(candidates)
    pool = inspectors if isinstance(inspectors, Collection) else list(inspectors)
    el = _eligibility(cands, total_picks, pool, conflicts, previous, team_size)
    if el.lacking:
        _raise_lacking(el.lacking, team_size)
    if el.min_eligible - full < team_size:
        where = (
            f"target {el.tightest} has {el.min_eligible} eligible inspectors"
            if el.tightest is not None
            else f"the pool has {el.n} inspectors"
        )
        raise InfeasibleError(
            f"workload cap {cap} is too low: up to {full} inspectors may be full when a "
            f"target's turn comes and {where}, {team_size} needed; the smallest cap that "
            f"passes is {_cap_for(total_picks, team_size, el.min_eligible)}"
        )
    if team_departments:
        de = _department_eligibility(
            cands, pool, conflicts, previous, departments, team_departments, team_size
        )
        if de.lacking:
            _raise_department_lacking(de.lacking)
        if de.least - full < 1:
            raise InfeasibleError(
                f"workload cap {cap} is too low for the department rule: up to {full} "
                f"inspectors may be full when a target's turn comes and {de.tightest} has "
                f"{de.least} eligible inspectors, 1 needed; the smallest cap that passes is "
                f"{_cap_for_spare(total_picks, team_size, de.least - 1)}"
            )


def default_cap(total_picks: int, n_inspectors: int, team_size: int) -> int:
    """The fair share plus one: ``ceil(team_size * total_picks / n_inspectors) + 1``.

    This spreads the work evenly but can be below :func:`minimum_cap` (small pools, many
    conflicts); :func:`suggest_cap` takes the larger of the two.

    Raises:
        InputError: a team size below 2 or a negative number of picks.
        InfeasibleError: fewer inspectors than the team size.
    """
    _check_team_size(team_size)
    _check_total(total_picks)
    if n_inspectors < team_size:
        raise InfeasibleError(
            f"the inspector pool ({n_inspectors}) is smaller than the team size ({team_size})"
        )
    return -(-team_size * total_picks // n_inspectors) + 1


def suggest_cap(
    candidates: Iterable[str],
    total_picks: int,
    inspectors: Iterable[str],
    conflicts: Mapping[str, AbstractSet[str]],
    previous: Mapping[str, AbstractSet[str]],
    team_size: int,
    *,
    departments: Mapping[str, str] | None = None,
    team_departments: Sequence[str] = (),
) -> int:
    """``max(default_cap, minimum_cap)``: an even spread that always passes the check.

    Raises:
        InputError: as :func:`minimum_cap`.
        InfeasibleError: as :func:`minimum_cap`.
    """
    cands = candidates if isinstance(candidates, Collection) else list(candidates)
    pool = inspectors if isinstance(inspectors, Collection) else list(inspectors)
    least = minimum_cap(
        cands,
        total_picks,
        pool,
        conflicts,
        previous,
        team_size,
        departments=departments,
        team_departments=team_departments,
    )
    return max(default_cap(total_picks, len(pool), team_size), least)


def teams_to_json(teams: Iterable[Team]) -> list[dict[str, str | list[str]]]:
    """The ``teams`` member of the outcome blob: ``[{"target", "inspectors": [...]}]``."""
    return [{"target": t.target, "inspectors": list(t.inspectors)} for t in teams]


def teams_from_json(data: object) -> list[Team]:
    """Parse the ``teams`` member of the outcome blob (the inverse of :func:`teams_to_json`).

    Raises:
        EncodingError: naming the first malformed entry.
    """
    if not isinstance(data, list):
        raise EncodingError("teams must be a JSON array")
    out: list[Team] = []
    for k, item in enumerate(data):
        if not isinstance(item, dict) or set(item) != {"target", "inspectors"}:
            raise EncodingError(f"teams[{k}] must be an object with target and inspectors")
        target, members = item["target"], item["inspectors"]
        if not isinstance(target, str):
            raise EncodingError(f"teams[{k}].target must be a string")
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise EncodingError(f"teams[{k}].inspectors must be an array of strings")
        out.append(Team(target, tuple(members)))
    return out
