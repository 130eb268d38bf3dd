"""Team assignment and the feasibility rule: the properties and vectors of docs/teams.md."""

from __future__ import annotations

import hashlib
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lottery.core import teams as team_mod
from lottery.core.canonical import canonical_json
from lottery.core.errors import EncodingError, InfeasibleError, InputError
from lottery.core.teams import (
    Team,
    assign_teams,
    check_feasible,
    default_cap,
    full_bound,
    minimum_cap,
    suggest_cap,
    teams_from_json,
    teams_to_json,
)

Sets = Mapping[str, frozenset[str]]
SEED = hashlib.sha256(b"test_teams").digest()
EMPTY: frozenset[str] = frozenset()


# ---------------------------------------------------------------------------------------------
# The second implementation: docs/teams.md §2 written out literally, unoptimized.


def reference_assign(  # noqa: C901 - the spec's algorithm, step by step as docs/teams.md words it
    seed: bytes,
    picks: list[str],
    inspectors: list[str],
    conflicts: Sets,
    previous: Sets,
    team_size: int,
    cap: int,
    sha: Callable[[bytes], Any] = hashlib.sha256,
    stats: Counter[str] | None = None,
) -> list[Team]:
    pool = sorted(inspectors, key=lambda i: i.encode("utf-8"))
    n = len(pool)
    limit = (2**64 // n) * n
    load = dict.fromkeys(pool, 0)
    pairs: set[frozenset[str]] = set()
    out = []
    for t in picks:
        t_utf8 = t.encode("utf-8")

        def draw(c: int, t_utf8: bytes = t_utf8) -> int | None:
            msg = b"lottery-v1 team\x00" + seed + len(t_utf8).to_bytes(4, "big") + t_utf8
            x = sha(msg + c.to_bytes(4, "big")).digest()
            v = int.from_bytes(x[:8], "big")
            return None if v >= limit else v % n

        def acceptable(i: str, team: list[str], t: str = t) -> bool:
            return (
                i not in conflicts.get(t, EMPTY)
                and i not in previous.get(t, EMPTY)
                and i not in team
                and load[i] < cap
            )

        team: list[str] = []
        c = 0
        for _slot in range(team_size):
            chosen = None
            for _ in range(4 * n + 64):
                idx = draw(c)
                this_c = c
                c += 1
                if idx is None:
                    continue
                i = pool[idx]
                if not acceptable(i, team):
                    continue
                if this_c < 64 and any(frozenset((i, m)) in pairs for m in team):
                    if stats is not None:
                        stats["pair_skip"] += 1
                    continue
                chosen = i
                break
            if chosen is None:
                idx = draw(c)
                c += 1
                start = 0 if idx is None else idx
                for k in range(n):
                    if acceptable(pool[(start + k) % n], team):
                        chosen = pool[(start + k) % n]
                        break
                if chosen is None:
                    raise InfeasibleError("no acceptable inspector", (t,))
                if stats is not None:
                    stats["scan"] += 1
            for m in team:
                pairs.add(frozenset((chosen, m)))
            team.append(chosen)
            load[chosen] += 1
        out.append(Team(t, tuple(team)))
    return out


def reference_feasible(
    candidates: list[str],
    total: int,
    inspectors: list[str],
    conflicts: Sets,
    previous: Sets,
    team_size: int,
    cap: int,
) -> bool:
    """docs/teams.md §3 literally: per-target sets, no shortcuts."""
    full = 0 if cap >= total else team_size * (total - 1) // cap
    for t in candidates:
        e = len(set(inspectors) - conflicts.get(t, EMPTY) - previous.get(t, EMPTY))
        if e - full < team_size:
            return False
    return len(inspectors) >= team_size


# ---------------------------------------------------------------------------------------------
# Instances


@st.composite
def instances(draw: st.DrawFn, max_pool: int = 10, max_cands: int = 8) -> dict[str, Any]:
    n = draw(st.integers(2, max_pool))
    pool = [f"I{k:02d}" for k in range(n)]
    cands = [f"T{k:02d}" for k in range(draw(st.integers(1, max_cands)))]
    team_size = draw(st.integers(2, min(4, n)))
    # Up to n - team_size + 1 ids per map (X99 is outside the pool): often tight, sometimes
    # one short, and the two maps together can leave a target with too few.
    subsets = st.frozensets(st.sampled_from([*pool, "X99"]), max_size=n - team_size + 1)
    conflicts = draw(st.dictionaries(st.sampled_from(cands), subsets, max_size=len(cands)))
    previous = draw(st.dictionaries(st.sampled_from(cands), subsets, max_size=len(cands)))
    return {
        "seed": draw(st.binary(min_size=32, max_size=32)),
        "pool": pool,
        "cands": cands,
        "team_size": team_size,
        "conflicts": conflicts,
        "previous": previous,
        "cap": draw(st.integers(1, len(cands) + 1)),
        "total": draw(st.integers(0, len(cands))),
        "order": draw(st.permutations(cands)),
    }


def feasible(inst: dict[str, Any], total: int | None = None, cap: int | None = None) -> bool:
    try:
        check_feasible(
            set(inst["cands"]),
            inst["total"] if total is None else total,
            inst["pool"],
            inst["conflicts"],
            inst["previous"],
            inst["team_size"],
            inst["cap"] if cap is None else cap,
        )
    except InfeasibleError:
        return False
    return True


def tighten(inst: dict[str, Any]) -> dict[str, Any]:
    """The instance with its cap raised to the smallest that passes, if it is below; rejects
    instances that no cap can make feasible. Caps at the minimum are the adversarial case."""
    if not feasible(inst):
        try:
            cap = minimum_cap(
                set(inst["cands"]),
                inst["total"],
                inst["pool"],
                inst["conflicts"],
                inst["previous"],
                inst["team_size"],
            )
        except InfeasibleError:
            assume(False)
            raise
        inst = {**inst, "cap": cap}
        assert feasible(inst)
    return inst


def run(inst: dict[str, Any], picks: list[str] | None = None, seed: bytes | None = None) -> Any:
    return assign_teams(
        inst["seed"] if seed is None else seed,
        inst["order"][: inst["total"]] if picks is None else picks,
        inst["pool"],
        inst["conflicts"],
        inst["previous"],
        inst["team_size"],
        inst["cap"],
    )


# ---------------------------------------------------------------------------------------------
# Second implementation and vectors


@settings(max_examples=300, deadline=None)
@given(instances(max_pool=12, max_cands=10))
def test_matches_reference(inst: dict[str, Any]) -> None:
    picks = inst["order"][: inst["total"]]
    args = (inst["pool"], inst["conflicts"], inst["previous"], inst["team_size"], inst["cap"])
    try:
        want = reference_assign(inst["seed"], picks, *args)
    except InfeasibleError as exc:
        with pytest.raises(InfeasibleError) as got:
            assign_teams(inst["seed"], picks, *args)
        assert got.value.targets == exc.targets
        return
    assert assign_teams(inst["seed"], picks, *args) == want


def scan_instance() -> tuple[list[str], list[str], dict[str, frozenset[str]]]:
    """docs/teams.md vector 3: every target has exactly two eligible inspectors."""
    pool = [f"J{k:03d}" for k in range(150)]
    picks = [f"S{k:03d}" for k in range(300)]
    conflicts = {
        t: frozenset(pool) - {pool[k % 150], pool[(7 * k + 1) % 150]} for k, t in enumerate(picks)
    }
    return pool, picks, conflicts


def test_matches_reference_through_scan_phase_and_pair_fallback() -> None:
    pool, picks, conflicts = scan_instance()
    check_feasible(set(picks), 300, pool, conflicts, {}, 2, 300)
    stats: Counter[str] = Counter()
    seed = hashlib.sha256(b"lottery-v1 teams.md vector 3").digest()
    want = reference_assign(seed, picks, pool, conflicts, {}, 2, 300, stats=stats)
    assert stats["scan"] >= 1  # the scan phase is exercised
    assert stats["pair_skip"] >= 1  # targets k and k + 150 share their only possible pair
    assert assign_teams(seed, picks, pool, conflicts, {}, 2, 300) == want


class _RejectingSha:
    """SHA-256 whose draws are out of range (v = 2**64 - 1) half the time, and always for a
    target whose id contains "REJECT": exercises the skip and the "no index: start at 0" rule,
    which real SHA-256 hits with probability below n / 2**64."""

    def __init__(self, data: bytes = b"") -> None:
        self.data = bytearray(data)

    def copy(self) -> _RejectingSha:
        return type(self)(bytes(self.data))

    def update(self, data: bytes) -> None:
        self.data += data

    def digest(self) -> bytes:
        d = hashlib.sha256(self.data).digest()
        if b"REJECT" in self.data or d[31] & 1:
            return b"\xff" * 8 + d[8:]
        return d


@pytest.mark.parametrize("n", [3, 5, 6, 7])  # not powers of two: 2**64 - 1 >= limit
def test_rejection_rule_matches_reference(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    pool = [f"I{k}" for k in range(n)]
    picks = ["A1", "REJECT-1", "B2", "REJECT-2", "C3"]
    conflicts = {"REJECT-1": frozenset({"I0"}), "REJECT-2": frozenset({"I1"})}
    want = reference_assign(SEED, picks, pool, conflicts, {}, 2, 5, sha=_RejectingSha)
    monkeypatch.setattr(team_mod, "_sha256", _RejectingSha)
    got = assign_teams(SEED, picks, pool, conflicts, {}, 2, 5)
    assert got == want
    # No index at all: the scan starts at index 0 and takes the first acceptable ones.
    assert got[1].inspectors == ("I1", "I2")
    assert got[3].inspectors == ("I0", "I2")


class _ScriptedSha(_RejectingSha):
    """Every draw gives index 0, except counter 4n + 64 (n = 6), which gives index 3."""

    def digest(self) -> bytes:
        c = int.from_bytes(self.data[-4:], "big")
        return (3 if c == 4 * 6 + 64 else 0).to_bytes(8, "big") + bytes(24)


def test_random_phase_length_and_scan_start(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = [f"I{k}" for k in range(6)]
    conflicts = {"CTRL": frozenset({"I0"})}
    want = reference_assign(SEED, ["CTRL"], pool, conflicts, {}, 2, 1, sha=_ScriptedSha)
    monkeypatch.setattr(team_mod, "_sha256", _ScriptedSha)
    got = assign_teams(SEED, ["CTRL"], pool, conflicts, {}, 2, 1)
    assert got == want
    # Slot 1: counters 0..87 all draw I0 (a conflict); the scan starts at counter 88's index 3.
    # Slot 2: counters 89..176 draw I0 again; counter 177 gives index 0, the scan takes I1.
    assert got[0].inspectors == ("I3", "I1")


def test_the_random_phase_is_exactly_4n_plus_64_counter_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same script with I3 in conflict too: counter 88 (= 4 * 6 + 64) then decides by
    where it falls. As the scan counter (§2.4), it only gives the scan's start, I3, and the
    scan moves on to I4. Were it still in the random phase, it would draw I3 (refused), and a
    later scan counter (index 0) would start the scan at I0 and take I1."""
    pool = [f"I{k}" for k in range(6)]
    conflicts = {"CTRL": frozenset({"I0", "I3"})}
    want = reference_assign(SEED, ["CTRL"], pool, conflicts, {}, 2, 1, sha=_ScriptedSha)
    monkeypatch.setattr(team_mod, "_sha256", _ScriptedSha)
    got = assign_teams(SEED, ["CTRL"], pool, conflicts, {}, 2, 1)
    assert got == want
    # Slot 1: counters 0..87 draw I0 (a conflict); scan counter 88 starts at I3 (a conflict):
    # I4. Slot 2: counters 89..176 draw I0; scan counter 177 starts at I0: I1.
    assert got[0].inspectors == ("I4", "I1")


class _ScanRealSha(_RejectingSha):
    """Index 0 for counters 0..87 (n = 6: slot 1's whole random phase), real SHA-256 from
    counter 88 on: the scan's start then comes from the real x(t, 88) of docs/teams.md §2.1."""

    def digest(self) -> bytes:
        if int.from_bytes(self.data[-4:], "big") < 4 * 6 + 64:
            return bytes(32)
        return hashlib.sha256(self.data).digest()


def test_the_scan_start_is_drawn_from_the_scan_counter_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """§2.4: the scan of slot 1 starts at the index that counter 4n + 64 = 88 draws, with the
    hash input of §2.1 byte for byte (u32be length of the id, u32be counter); the scan takes
    the first acceptable inspector from there (I0 is a conflict)."""
    pool = [f"I{k}" for k in range(6)]
    target = "SCAN-7"
    conflicts = {target: frozenset({"I0"})}
    t = target.encode()
    x = hashlib.sha256(
        b"lottery-v1 team\x00" + SEED + len(t).to_bytes(4, "big") + t + (88).to_bytes(4, "big")
    ).digest()
    v = int.from_bytes(x[:8], "big")
    start = v % 6 if v < (2**64 // 6) * 6 else 0
    first = pool[start] if start != 0 else "I1"  # P[0] = I0 is refused: the scan moves on
    want = reference_assign(SEED, [target], pool, conflicts, {}, 2, 1, sha=_ScanRealSha)
    monkeypatch.setattr(team_mod, "_sha256", _ScanRealSha)
    got = assign_teams(SEED, [target], pool, conflicts, {}, 2, 1)
    assert got == want
    assert got[0].inspectors[0] == first


_AFTER_SCAN_SCRIPT = {b"A": {88: 3, 89: 5}, b"B": {88: 3, 175: 3}}


class _AfterScanSha(_RejectingSha):
    """Draws by script (n = 6): index 0 except where _AFTER_SCAN_SCRIPT says otherwise."""

    def digest(self) -> bytes:
        target, c = bytes(self.data[52:-4]), int.from_bytes(self.data[-4:], "big")
        return _AFTER_SCAN_SCRIPT[target].get(c, 0).to_bytes(8, "big") + bytes(24)


def test_after_a_scan_the_next_slot_goes_on_from_the_following_counter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """§2.4: slot 2 starts with the counter after slot 1's scan counter, and its random phase
    again lasts 4n + 64 = 88 counter values. I0 is a conflict of A and B; index 0 draws I0.

    A: counters 0..87 give I0; the scan counter 88 starts the scan at I3: slot 1. Slot 2
    starts at counter 89, which draws I5. B: the same slot 1, I3; slot 2 runs counters
    89..176 (counter 175 draws I3, already on the team) and its scan counter 177 starts at
    I0 (a conflict): I1. Starting slot 2 one counter late would miss A's I5; two counters
    early would make 175 B's scan counter and start the scan at I3, giving I4."""
    pool = [f"I{k}" for k in range(6)]
    conflicts = {"A": frozenset({"I0"}), "B": frozenset({"I0"})}
    want = reference_assign(SEED, ["A", "B"], pool, conflicts, {}, 2, 2, sha=_AfterScanSha)
    monkeypatch.setattr(team_mod, "_sha256", _AfterScanSha)
    got = assign_teams(SEED, ["A", "B"], pool, conflicts, {}, 2, 2)
    assert got == want
    assert [t.inspectors for t in got] == [("I3", "I5"), ("I3", "I1")]


class _PairScriptSha(_RejectingSha):
    """Draws by script (n = 4): target A draws index 0 then 1; target B draws 0, then 1 up to
    counter 64, then 3."""

    def digest(self) -> bytes:
        target, c = bytes(self.data[52:-4]), int.from_bytes(self.data[-4:], "big")
        index = c if target == b"A" else 0 if c == 0 else 1 if c <= 64 else 3
        return index.to_bytes(8, "big") + bytes(24)


def test_pair_preference_ends_at_counter_64(monkeypatch: pytest.MonkeyPatch) -> None:
    """§2.4: an acceptable inspector already paired with a team member is passed over while the
    counter is below 64, and taken from counter 64 on. A is staffed I0, I1. B's slot 1 takes I0
    (counter 0); its slot 2 passes over I1 (paired with I0) at counters 1..63 and takes it at
    counter 64, before counter 65 would offer the unpaired I3."""
    pool = ["I0", "I1", "I2", "I3"]
    want = reference_assign(SEED, ["A", "B"], pool, {}, {}, 2, 2, sha=_PairScriptSha)
    monkeypatch.setattr(team_mod, "_sha256", _PairScriptSha)
    got = assign_teams(SEED, ["A", "B"], pool, {}, {}, 2, 2)
    assert got == want
    assert [t.inspectors for t in got] == [("I0", "I1"), ("I0", "I1")]


_CAP_SCRIPT = {b"A": (0, 1), b"B": (0, 2, 3), b"C": (4, 1, 5)}


class _CapScriptSha(_RejectingSha):
    """Draws by script (n = 6): A draws 0, 1; B draws 0, 2, 3; C draws 4, 1, 5 (then 5)."""

    def digest(self) -> bytes:
        script = _CAP_SCRIPT[bytes(self.data[52:-4])]
        index = script[min(int.from_bytes(self.data[-4:], "big"), len(script) - 1)]
        return index.to_bytes(8, "big") + bytes(24)


def test_an_inspector_at_the_cap_is_passed_over_in_either_slot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """§2.3 rule 4 with cap 1 and teams of two, no restrictions: A takes I0, I1. B's counter 0
    draws I0, at the cap: slot 1 goes on to I2, slot 2 to I3. C's counter 1 (slot 2) draws I1,
    at the cap: slot 2 goes on to I5."""
    pool = [f"I{k}" for k in range(6)]
    want = reference_assign(SEED, ["A", "B", "C"], pool, {}, {}, 2, 1, sha=_CapScriptSha)
    monkeypatch.setattr(team_mod, "_sha256", _CapScriptSha)
    got = assign_teams(SEED, ["A", "B", "C"], pool, {}, {}, 2, 1)
    assert got == want
    assert [t.inspectors for t in got] == [("I0", "I1"), ("I2", "I3"), ("I4", "I5")]


# Vector 1 of docs/teams.md, step by step.
V1_SEED = hashlib.sha256(b"lottery-v1 teams.md vector 1/10").digest()
V1_POOL = ["E05", "E01", "E07", "E06", "E03", "E02", "E04"]
V1_PICKS = ["T3", "T1", "T4", "T2"]
V1_CONFLICTS = {"T1": frozenset({"E02"})}
V1_PREVIOUS = {"T2": frozenset({"E05", "E06"})}
V1_TEAMS = [
    ("T3", ("E01", "E06")),
    ("T1", ("E07", "E04")),
    ("T4", ("E07", "E03")),
    ("T2", ("E04", "E03")),
]
V1_FIRST_DIGEST = "7c8fc54b541780a717e0418e85de99abc422a5558e17a403e6f6b317e48a7be6"
# (target, counter, v) of every draw, as tabulated in docs/teams.md.
V1_DRAWS = [
    ("T3", 0, 8975609509696733351),
    ("T3", 1, 3457027115141964467),
    ("T1", 0, 9182816245154417643),
    ("T1", 1, 14980062548586732505),
    ("T1", 2, 17184228672455205455),
    ("T4", 0, 7977724055939748494),
    ("T4", 1, 10145135717403405722),
    ("T4", 2, 16137759232046060044),
    ("T2", 0, 12692355357550960019),
    ("T2", 1, 6483386454792486826),
    ("T2", 2, 606442662202696532),
    ("T2", 3, 14462180623385824334),
    ("T2", 4, 6305692873245776993),
    ("T2", 5, 8015508338739187120),
]


def test_vector_1() -> None:
    assert V1_SEED.hex() == "8adfd1fa45318587ccc198644a039a9cb77a8a4b1d1b6c6a01374e0dc926e54e"
    args = (V1_POOL, V1_CONFLICTS, V1_PREVIOUS, 2)
    check_feasible(set(V1_PICKS), 4, *args, 2)
    assert minimum_cap(set(V1_PICKS), 4, *args) == 2
    assert full_bound(4, 2, 2) == 3
    got = assign_teams(V1_SEED, V1_PICKS, *args, 2)
    assert [(t.target, t.inspectors) for t in got] == V1_TEAMS

    def draw(target: str, c: int) -> bytes:
        t = target.encode()
        msg = b"lottery-v1 team\x00" + V1_SEED + len(t).to_bytes(4, "big") + t
        return hashlib.sha256(msg + c.to_bytes(4, "big")).digest()

    assert draw("T3", 0).hex() == V1_FIRST_DIGEST
    assert [(t, c, int.from_bytes(draw(t, c)[:8], "big")) for t, c, _ in V1_DRAWS] == V1_DRAWS


def vector_2() -> tuple[list[str], list[str], dict[str, frozenset[str]], dict[str, Any]]:
    pool = [f"I{k:02d}" for k in range(40)]
    picks = [f"T{k:03d}" for k in range(200)]
    conflicts = {f"T{k:03d}": frozenset({pool[3 * k % 40]}) for k in range(200)}
    previous = {f"T{k:03d}": frozenset({pool[k % 40], pool[(k + 1) % 40]}) for k in range(200)}
    return pool, picks, conflicts, previous


V2_DIGEST = "d078299685c5334675a251c52aaec32bc93c26774a5792e20aa22d1a06ae6296"
V3_DIGEST = "8762749f056879961116b9f5f71ebe0181434c242a37184a79a2d0a85112e18a"


def test_vectors_2_and_3() -> None:
    pool, picks, conflicts, previous = vector_2()
    assert default_cap(200, 40, 2) == 11  # too low here: T001 has only 37 eligible
    cap = suggest_cap(set(picks), 200, pool, conflicts, previous, 2)
    assert cap == 12
    check_feasible(set(picks), 200, pool, conflicts, previous, 2, cap)
    seed = hashlib.sha256(b"lottery-v1 teams.md vector 2").digest()
    got = assign_teams(seed, picks, pool, conflicts, previous, 2, cap)
    assert hashlib.sha256(canonical_json(teams_to_json(got))).hexdigest() == V2_DIGEST

    pool, picks, conflicts = scan_instance()
    seed = hashlib.sha256(b"lottery-v1 teams.md vector 3").digest()
    got = assign_teams(seed, picks, pool, conflicts, {}, 2, 300)
    assert hashlib.sha256(canonical_json(teams_to_json(got))).hexdigest() == V3_DIGEST


V4_DIGEST = "9079b653b67f7b56058f4c234e406d4e62bf8fc876ebcb47fc22186075870e71"


def test_vector_4_scan_start_by_the_core_and_by_the_reference() -> None:
    """docs/teams.md vector 4: vector 3's shape with mixed-case, unpadded ids; slot 1 of S107
    ends in a scan that starts on one of its two eligible inspectors (c107)."""
    pool = ["AaBbCc"[k % 6] + str(k) for k in range(150)]
    assert sorted(pool, key=lambda i: i.encode())[:5] == ["A0", "A102", "A108", "A114", "A12"]
    picks = [f"S{k:03d}" for k in range(300)]
    conflicts = {
        t: frozenset(pool) - {pool[k % 150], pool[(7 * k + 1) % 150]} for k, t in enumerate(picks)
    }
    seed = hashlib.sha256(b"lottery-v1 teams.md vector 4/1788").digest()
    assert seed.hex() == "3422793dea3228edc546c71c190b0d4a381a23126c9b844fe33edf62078012dc"
    stats: Counter[str] = Counter()
    want = reference_assign(seed, picks, pool, conflicts, {}, 2, 300, stats=stats)
    assert stats["scan"] == 5
    got = assign_teams(seed, picks, pool, conflicts, {}, 2, 300)
    assert got == want
    assert [t.inspectors for t in got[:3]] == [("a1", "A0"), ("a1", "B8"), ("b15", "B2")]
    assert got[107].inspectors == ("c107", "A0")
    assert hashlib.sha256(canonical_json(teams_to_json(got))).hexdigest() == V4_DIGEST


V5_DIGEST = "df96914f70c787eea11e516a274f54bc3bafa9a527ea07770c0efbe7ba58f8c2"


def test_vector_5_one_counter_per_target_by_the_core_and_by_the_reference() -> None:
    """docs/teams.md vector 5: three eligible inspectors per target; slot 2 of S053 draws its
    inspector at counter 714, past the 664 counter values a restarted counter would try."""
    pool = ["AaBbCc"[k % 6] + str(k) for k in range(150)]
    picks = [f"S{k:03d}" for k in range(300)]
    conflicts = {
        t: frozenset(pool) - {pool[k % 150], pool[(7 * k + 1) % 150], pool[(13 * k + 2) % 150]}
        for k, t in enumerate(picks)
    }
    seed = hashlib.sha256(b"lottery-v1 teams.md vector 5/33").digest()
    assert seed.hex() == "065b1b3c939cff26ab9d9a45119118aac54a2319dba0c343c63c6d31fc4f7e02"
    stats: Counter[str] = Counter()
    want = reference_assign(seed, picks, pool, conflicts, {}, 2, 300, stats=stats)
    assert stats["scan"] == 0
    assert stats["pair_skip"] == 12
    got = assign_teams(seed, picks, pool, conflicts, {}, 2, 300)
    assert got == want
    assert [t.inspectors for t in got[:3]] == [("A0", "B2"), ("B8", "b15"), ("b15", "C28")]
    assert got[53].inspectors == ("A72", "c53")
    assert hashlib.sha256(canonical_json(teams_to_json(got))).hexdigest() == V5_DIGEST


# ---------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=200, deadline=None)
@given(instances())
def test_teams_are_valid(inst: dict[str, Any]) -> None:
    inst = tighten(inst)
    teams = run(inst)
    assert [t.target for t in teams] == inst["order"][: inst["total"]]
    load: Counter[str] = Counter()
    for t in teams:
        assert len(t.inspectors) == inst["team_size"]
        assert len(set(t.inspectors)) == inst["team_size"]
        assert set(t.inspectors) <= set(inst["pool"])
        assert not set(t.inspectors) & inst["conflicts"].get(t.target, EMPTY)
        assert not set(t.inspectors) & inst["previous"].get(t.target, EMPTY)
        load.update(t.inspectors)
    assert all(v <= inst["cap"] for v in load.values())


@settings(max_examples=100, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_deterministic_and_order_independent(inst: dict[str, Any], rnd: random.Random) -> None:
    inst = tighten(inst)
    picks = inst["order"][: inst["total"]]
    first = run(inst)
    assert run(inst) == first
    shuffled = list(inst["pool"])
    rnd.shuffle(shuffled)

    def remap(m: Sets) -> dict[str, frozenset[str]]:
        items = list(m.items())
        rnd.shuffle(items)
        return {t: frozenset(sorted(ids, reverse=True)) for t, ids in items}

    again = assign_teams(
        inst["seed"],
        picks,
        tuple(shuffled),
        remap(inst["conflicts"]),
        remap(inst["previous"]),
        inst["team_size"],
        inst["cap"],
    )
    assert again == first


def test_different_seeds_give_different_teams() -> None:
    pool = [f"I{k:02d}" for k in range(20)]
    picks = [f"T{k:02d}" for k in range(30)]
    outcomes = set()
    for k in range(20):
        seed = hashlib.sha256(b"seed %d" % k).digest()
        outcomes.add(tuple(t.inspectors for t in assign_teams(seed, picks, pool, {}, {}, 2, 4)))
    assert len(outcomes) == 20
    # And a one-bit change of the seed changes most teams.
    a = assign_teams(SEED, picks, pool, {}, {}, 2, 4)
    b = assign_teams(bytes([SEED[0] ^ 1]) + SEED[1:], picks, pool, {}, {}, 2, 4)
    assert sum(x != y for x, y in zip(a, b, strict=True)) >= 20


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(instances(max_pool=6, max_cands=5))
def test_feasible_draws_never_fail_whatever_is_picked(inst: dict[str, Any]) -> None:
    """The guarantee of docs/teams.md §3: every ordered subset of the announced size."""
    inst = tighten(inst)
    seeds = [inst["seed"], hashlib.sha256(inst["seed"]).digest()]
    for picks in itertools.permutations(inst["cands"], inst["total"]):
        for seed in seeds:
            teams = run(inst, list(picks), seed)
            assert len(teams) == len(picks)


@settings(max_examples=200, deadline=None)
@given(instances(max_pool=8, max_cands=6))
def test_full_bound_holds_at_every_turn(inst: dict[str, Any]) -> None:
    """F of §3 bounds how many inspectors are at the cap when each target's turn comes."""
    total = inst["total"]
    bound = full_bound(total, inst["team_size"], inst["cap"])
    try:
        teams = run(inst)
    except InfeasibleError:
        assert not feasible(inst)
        return
    load: Counter[str] = Counter()
    for t in teams:
        assert sum(v >= inst["cap"] for v in load.values()) <= bound
        load.update(t.inspectors)


@settings(max_examples=300, deadline=None)
@given(instances())
def test_check_agrees_with_reference_and_names_targets(inst: dict[str, Any]) -> None:
    args = (inst["pool"], inst["conflicts"], inst["previous"], inst["team_size"])
    ok = reference_feasible(inst["cands"], inst["total"], *args, inst["cap"])
    assert feasible(inst) == ok
    short = sorted(
        t
        for t in inst["cands"]
        if len(set(inst["pool"]) - inst["conflicts"].get(t, EMPTY) - inst["previous"].get(t, EMPTY))
        < inst["team_size"]
    )
    if short:
        with pytest.raises(InfeasibleError) as err:
            check_feasible(inst["cands"], inst["total"], *args, inst["cap"])
        assert list(err.value.targets) == short
        for t in short[:20]:
            assert t in str(err.value)
        with pytest.raises(InfeasibleError):
            minimum_cap(inst["cands"], inst["total"], *args)
    else:
        least = minimum_cap(inst["cands"], inst["total"], *args)
        passing = [
            c
            for c in range(1, inst["total"] + 2)
            if reference_feasible(inst["cands"], inst["total"], *args, c)
        ]
        assert least == min(passing)
        assert feasible(inst, cap=least)
        assert least == 1 or not feasible(inst, cap=least - 1)
        assert suggest_cap(inst["cands"], inst["total"], *args) >= least
        if not ok:
            with pytest.raises(InfeasibleError, match=f"smallest cap that passes is {least}$"):
                check_feasible(inst["cands"], inst["total"], *args, inst["cap"])


# ---------------------------------------------------------------------------------------------
# Pair variety and uniformity


def repeated_pairs(teams: list[Team]) -> int:
    seen = Counter(frozenset(p) for t in teams for p in itertools.combinations(t.inspectors, 2))
    return sum(v - 1 for v in seen.values())


def test_pairings_vary() -> None:
    """200 targets, 40 inspectors, teams of 2.

    Without the preference, 200 random pairs out of C(40, 2) = 780 would repeat about
    200 - 780 * (1 - (1 - 1/780)**200) ~ 23.5 times. With it, a repeat at slot 2 needs all the
    target's draws 1..63 to miss the inspectors that are acceptable and unpaired with the first
    member m. With a cap that does not bind, those are everyone except m and its earlier
    partners, at least n - L of them for a largest load L, so a repeat has probability at most
    ((L / n) ** 63) per target: the bound below is below 1e-6 on these seeds, so the expected
    number of repeats is too, and we assert there are none. With the default cap (11), full
    inspectors also count against a slot; we still assert at most 2 in total over 20 seeds,
    against ~470 expected without the preference.
    """
    pool = [f"I{k:02d}" for k in range(40)]
    picks = [f"T{k:03d}" for k in range(200)]
    total_default = 0
    for k in range(20):
        seed = hashlib.sha256(b"pairs %d" % k).digest()
        free = assign_teams(seed, picks, pool, {}, {}, 2, 200)
        top = max(Counter(i for t in free for i in t.inspectors).values())
        assert 200 * (top / 40) ** 63 < 1e-6
        assert repeated_pairs(free) == 0
        capped = assign_teams(seed, picks, pool, {}, {}, 2, default_cap(200, 40, 2))
        total_default += repeated_pairs(capped)
    assert total_default <= 2


def chi_square_critical(df: int, z: float) -> float:
    """Wilson-Hilferty approximation of the chi-square quantile at normal quantile z."""
    a = 2 / (9 * df)
    return float(df * (1 - a + z * math.sqrt(a)) ** 3)


def test_uniform_load_without_constraints() -> None:
    n, targets = 50, 5000
    pool = [f"I{k:02d}" for k in range(n)]
    picks = [f"T{k:04d}" for k in range(targets)]
    teams = assign_teams(SEED, picks, pool, {}, {}, 2, targets)
    counts = Counter(i for t in teams for i in t.inspectors)
    expected = 2 * targets / n
    chi2 = sum((counts[i] - expected) ** 2 / expected for i in pool)
    # z = 4.75: a false-positive rate near 1e-6 for a fair draw (deterministic: fixed seed).
    assert chi2 < chi_square_critical(n - 1, 4.75)
    # The first slot alone is a plain uniform draw.
    first = Counter(t.inspectors[0] for t in teams)
    chi2 = sum((first[i] - targets / n) ** 2 / (targets / n) for i in pool)
    assert chi2 < chi_square_critical(n - 1, 4.75)


# ---------------------------------------------------------------------------------------------
# Caps, messages, JSON and errors


def test_full_bound_and_caps() -> None:
    assert full_bound(0, 2, 1) == 0
    assert full_bound(10, 2, 10) == 0  # nobody can be full with cap >= picks
    assert full_bound(10, 2, 9) == 2
    assert full_bound(10, 2, 3) == 6
    assert default_cap(200, 40, 2) == 11
    assert default_cap(0, 5, 2) == 1
    assert default_cap(7, 7, 3) == 4
    pool = ["A", "B", "C"]
    cands = {f"T{k}" for k in range(10)}
    # 3 inspectors, teams of 2: the fair share (8) is too low, only cap = picks works.
    assert default_cap(10, 3, 2) == 8
    assert minimum_cap(cands, 10, pool, {}, {}, 2) == 10
    assert suggest_cap(cands, 10, pool, {}, {}, 2) == 10
    with pytest.raises(InfeasibleError, match="workload cap 8 is too low") as err:
        check_feasible(cands, 10, pool, {}, {}, 2, 8)
    assert "smallest cap that passes is 10" in str(err.value)
    assert err.value.targets == ()


def test_lacking_targets_message() -> None:
    pool = [f"I{k}" for k in range(3)]
    cands = [f"T{k:02d}" for k in range(30)]
    conflicts = {t: frozenset(pool[: 2 + k % 2]) for k, t in enumerate(cands[5:])}
    with pytest.raises(InfeasibleError) as err:
        check_feasible(cands, 3, pool, conflicts, {}, 2, 3)
    msg = str(err.value)
    assert msg.startswith("targets without enough eligible inspectors (need 2): T05 (e=1), T06")
    assert "T06 (e=0)" in msg
    assert msg.endswith(" and 5 more")
    assert err.value.targets == tuple(cands[5:])


def test_feasibility_at_scale_is_sparse() -> None:
    """A million candidates cost one pass over the maps, not over the candidates."""
    pool = [f"I{k:04d}" for k in range(5000)]
    cands = {f"T{k:07d}" for k in range(1_000_000)}
    conflicts = {f"T{k:07d}": frozenset({pool[k % 5000]}) for k in range(0, 1_000_000, 100)}
    check_feasible(cands, 50_000, pool, conflicts, {}, 2, default_cap(50_000, 5000, 2))


def test_json_round_trip() -> None:
    teams = assign_teams(V1_SEED, V1_PICKS, V1_POOL, V1_CONFLICTS, V1_PREVIOUS, 2, 2)
    data = teams_to_json(teams)
    assert data[0] == {"target": "T3", "inspectors": ["E01", "E06"]}
    assert teams_from_json(data) == teams
    assert teams_from_json([]) == []


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"target": "T"}, "must be a JSON array"),
        (["T"], r"teams\[0\] must be an object"),
        ([{"target": "T"}], r"teams\[0\] must be an object"),
        ([{"target": 1, "inspectors": []}], r"teams\[0\]\.target"),
        ([{"target": "T", "inspectors": "AB"}], r"teams\[0\]\.inspectors"),
        ([{"target": "T", "inspectors": ["A", 2]}], r"teams\[0\]\.inspectors"),
    ],
)
def test_json_rejects_malformed(data: object, match: str) -> None:
    with pytest.raises(EncodingError, match=match):
        teams_from_json(data)


POOL4 = ("A", "B", "C", "D")


def _assign(**kw: Any) -> object:
    args = {"seed": SEED, "picks": ["T"], "inspectors": POOL4, "team_size": 2, "cap": 2}
    return assign_teams(conflicts={}, previous={}, **(args | kw))


def _check(**kw: Any) -> object:
    args = {"candidates": {"T"}, "total_picks": 1, "inspectors": POOL4, "team_size": 2, "cap": 2}
    return check_feasible(conflicts={}, previous={}, **(args | kw))


def _minimum(**kw: Any) -> object:
    args = {"candidates": {"T"}, "total_picks": 1, "inspectors": POOL4, "team_size": 2}
    return minimum_cap(conflicts={}, previous={}, **(args | kw))


def _default(**kw: Any) -> object:
    return default_cap(**({"total_picks": 1, "n_inspectors": 4, "team_size": 2} | kw))


TEAM_SIZE = "team size must be at least 2"
CAP = "workload cap must be at least 1"
SMALL_POOL = r"inspector pool \(1\) is smaller than the team size \(2\)"


@pytest.mark.parametrize(
    ("call", "kwargs", "error", "match"),
    [
        (_assign, {"team_size": 1}, InputError, TEAM_SIZE),
        (_assign, {"inspectors": [*POOL4, "B"]}, InputError, "duplicate inspector id: B"),
        (_assign, {"picks": ["T", "U", "T"]}, InputError, "duplicate pick: T"),
        (_assign, {"seed": SEED[:31]}, InputError, "seed must be 32 bytes, got 31"),
        (_assign, {"cap": 0}, InputError, CAP),
        (_assign, {"inspectors": ["A"]}, InfeasibleError, SMALL_POOL),
        (_assign, {"picks": ["\ud800"]}, InputError, "target id is not valid Unicode"),
        (_assign, {"inspectors": ["A", "\ud800"]}, InputError, "inspector id is not valid"),
        (_check, {"team_size": 1}, InputError, TEAM_SIZE),
        (_check, {"total_picks": -1}, InputError, "total picks must not be negative"),
        (_check, {"total_picks": 2}, InputError, r"total picks \(2\) exceed .* candidates \(1\)"),
        (_check, {"cap": 0}, InputError, CAP),
        (_check, {"inspectors": ["A", "A"]}, InputError, "duplicate inspector id: A"),
        (_check, {"inspectors": ["A"]}, InfeasibleError, SMALL_POOL),
        (_minimum, {"team_size": 1}, InputError, TEAM_SIZE),
        (_minimum, {"inspectors": ["A"]}, InfeasibleError, SMALL_POOL),
        (_default, {"team_size": 1}, InputError, TEAM_SIZE),
        (_default, {"total_picks": -1}, InputError, "total picks must not be negative"),
        (_default, {"n_inspectors": 1}, InfeasibleError, SMALL_POOL),
    ],
)
def test_errors_name_the_problem(
    call: Callable[..., object], kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        call(**kwargs)


def test_infeasible_draw_names_its_target() -> None:
    # Not checked for feasibility: the second target finds everyone at the cap.
    with pytest.raises(InfeasibleError, match="no acceptable inspector left for target U") as err:
        assign_teams(SEED, ["T", "U"], ["A", "B"], {}, {}, 2, 1)
    assert err.value.targets == ("U",)
