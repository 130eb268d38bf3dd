"""The feasibility and workload-cap rules of docs/teams.md (§3, §4) and the team draw's inputs.

The expected caps and bounds are worked out by hand from the documented formulas:

    F(cap)      = 0 if cap >= T else floor(team_size * (T - 1) / cap)
    passes      iff  e(t) - F(cap) >= team_size for every candidate t
    default cap = ceil(team_size * T / n) + 1

with T the number of picks, n the pool size and e(t) the inspectors of the pool not in
conflict with nor previously at t. tests/core/test_teams.py checks the draw itself against a
reference implementation; this file pins the rules around it and the messages staff read.
"""

from __future__ import annotations

import pytest

from lottery.core.errors import EncodingError, InfeasibleError, InputError
from lottery.core.teams import (
    FirstDraws,
    Team,
    assign_teams,
    check_feasible,
    default_cap,
    first_draws,
    full_bound,
    minimum_cap,
    suggest_cap,
    teams_from_json,
    teams_to_json,
)

SEED = bytes(range(32))
POOL5 = ["i1", "i2", "i3", "i4", "i5"]
CANDS = {"t1", "t2", "t3"}


@pytest.mark.parametrize(
    ("total", "size", "cap", "bound"),
    [
        (10, 2, 3, 6),  # floor(2 * 9 / 3)
        (10, 3, 4, 6),  # floor(3 * 9 / 4) = floor(6.75)
        (5, 2, 4, 2),  # floor(2 * 4 / 4)
        (5, 2, 5, 0),  # cap >= T: nobody can be full
        (5, 2, 9, 0),
        (0, 2, 1, 0),
        (2, 2, 1, 2),  # floor(2 * 1 / 1)
    ],
)
def test_full_bound(total: int, size: int, cap: int, bound: int) -> None:
    assert full_bound(total, size, cap) == bound


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((5, 1, 2), "team size must be at least 2, got 1"),
        ((-1, 2, 2), "total picks must not be negative, got -1"),
        ((5, 2, 0), "workload cap must be at least 1, got 0"),
    ],
)
def test_full_bound_refuses_bad_parameters(args: tuple[int, int, int], message: str) -> None:
    with pytest.raises(InputError, match=message):
        full_bound(*args)


@pytest.mark.parametrize(
    ("total", "n", "size", "cap"),
    [(10, 4, 2, 6), (10, 3, 2, 8), (0, 2, 2, 1), (7, 7, 3, 4), (1, 2, 2, 2)],
)
def test_default_cap_is_the_fair_share_plus_one(total: int, n: int, size: int, cap: int) -> None:
    assert default_cap(total, n, size) == cap


def test_default_cap_needs_a_pool_of_at_least_one_team() -> None:
    assert default_cap(4, 2, 2) == 5
    with pytest.raises(InfeasibleError, match=r"inspector pool \(1\) is smaller .*\(2\)"):
        default_cap(4, 1, 2)
    with pytest.raises(InputError, match="team size"):
        default_cap(4, 5, 1)
    with pytest.raises(InputError, match="negative"):
        default_cap(-1, 5, 2)


def test_without_restrictions_the_minimum_cap_is_the_first_that_passes() -> None:
    # T = 10, n = 4, size 2: cap 7 gives F = 2, and 4 - 2 >= 2; cap 6 gives F = 3.
    cands = {f"t{i}" for i in range(12)}
    pool = POOL5[:4]
    assert minimum_cap(cands, 10, pool, {}, {}, 2) == 7
    check_feasible(cands, 10, pool, {}, {}, 2, 7)
    with pytest.raises(InfeasibleError) as low:
        check_feasible(cands, 10, pool, {}, {}, 2, 6)
    message = str(low.value)
    assert message.startswith("workload cap 6 is too low: up to 3 inspectors may be full")
    assert "the pool has 4 inspectors, 2 needed" in message
    assert message.endswith("the smallest cap that passes is 7")
    assert low.value.targets == ()
    assert suggest_cap(cands, 10, pool, {}, {}, 2) == 7  # default 6 is below the minimum


def test_the_tightest_target_sets_the_minimum_cap() -> None:
    # e(t2) = 5 - |{i1} | {i2}| = 3, e(t3) = 4: with T = 3, cap 2 gives F = 2 and 3 - 2 < 2.
    conflicts = {"t2": frozenset({"i1"})}
    previous = {"t2": frozenset({"i2"}), "t3": frozenset({"i1"})}
    assert minimum_cap(CANDS, 3, POOL5, conflicts, previous, 2) == 3
    check_feasible(CANDS, 3, POOL5, conflicts, previous, 2, 3)
    with pytest.raises(InfeasibleError, match="target t2 has 3 eligible inspectors, 2 needed"):
        check_feasible(CANDS, 3, POOL5, conflicts, previous, 2, 2)


@pytest.mark.parametrize("order", [["t3", "t2"], ["t2", "t3"]])
def test_of_targets_tied_for_the_fewest_the_message_names_the_least_id(order: list[str]) -> None:
    # e(t2) = e(t3) = 4, T = 3: cap 1 gives F = floor(2 * 2 / 1) = 4 and 4 - 4 < 2; cap 2
    # gives F = 2. Whichever the map names first, the message names t2, the smaller id.
    blocked = {"t2": frozenset({"i2"}), "t3": frozenset({"i1"})}
    conflicts = {t: blocked[t] for t in order}
    with pytest.raises(InfeasibleError) as low:
        check_feasible(CANDS, 3, POOL5, conflicts, {}, 2, 1)
    assert str(low.value) == (
        "workload cap 1 is too low: up to 4 inspectors may be full when a target's turn comes"
        " and target t2 has 4 eligible inspectors, 2 needed; the smallest cap that passes is 2"
    )


def test_the_message_names_a_target_with_the_fewest_not_one_met_earlier() -> None:
    # e(t1) = 4 is read first, then e(t2) = 3: the tightest is t2, although t1 sorts first.
    conflicts = {"t1": frozenset({"i1"}), "t2": frozenset({"i1", "i2"})}
    with pytest.raises(InfeasibleError, match="and target t2 has 3 eligible inspectors, 2 needed"):
        check_feasible(CANDS, 3, POOL5, conflicts, {}, 2, 2)


def test_a_target_whose_restrictions_block_nobody_is_not_named_as_the_tightest() -> None:
    # x9 is not in the pool: e(t1) = 5 = n, as for every other candidate. The cap is too low
    # because of the pool's size (T = 3, cap 1: F = 4, 5 - 4 < 2), not because of t1.
    with pytest.raises(InfeasibleError) as low:
        check_feasible(CANDS, 3, POOL5, {"t1": frozenset({"x9"})}, {}, 2, 1)
    assert "and the pool has 5 inspectors, 2 needed" in str(low.value)
    assert "t1" not in str(low.value)


def test_the_candidates_may_be_a_one_pass_iterable() -> None:
    # As a set (above): minimum cap 3 for e(t2) = 3 and T = 3; a generator gives the same.
    conflicts = {"t2": frozenset({"i1", "i2"})}
    assert minimum_cap(iter(sorted(CANDS)), 3, POOL5, conflicts, {}, 2) == 3
    check_feasible((t for t in sorted(CANDS)), 3, POOL5, conflicts, {}, 2, 3)
    with pytest.raises(InputError, match=r"total picks \(4\) exceed the number of candidates"):
        check_feasible(iter(sorted(CANDS)), 4, POOL5, conflicts, {}, 2, 4)


def test_a_conflict_and_a_previous_visit_by_the_same_inspector_count_once() -> None:
    both = {"t1": frozenset({"i1", "i2", "i3"})}
    # e(t1) = 2 either way: still feasible with size 2 and a cap >= T.
    check_feasible(CANDS, 3, POOL5, both, both, 2, 3)
    assert minimum_cap(CANDS, 3, POOL5, both, both, 2) == 3


def test_inspectors_outside_the_pool_block_nobody() -> None:
    conflicts = {"t1": frozenset({"x1", "x2", "x3", "x4", "i1"})}
    assert minimum_cap(CANDS, 2, POOL5, conflicts, {}, 2) == minimum_cap(
        CANDS, 2, POOL5, {"t1": frozenset({"i1"})}, {}, 2
    )
    check_feasible(CANDS, 2, POOL5, conflicts, {}, 2, 1)


def test_restrictions_on_targets_that_cannot_be_picked_are_ignored() -> None:
    everyone = {"gone": frozenset(POOL5)}
    check_feasible(CANDS, 3, POOL5, everyone, everyone, 2, 3)


def test_targets_lacking_inspectors_are_listed_in_id_order() -> None:
    conflicts = {"t3": frozenset(POOL5[:4]), "t1": frozenset(POOL5)}
    with pytest.raises(InfeasibleError) as lacking:
        check_feasible(CANDS, 1, POOL5, conflicts, {}, 2, 5)
    assert str(lacking.value) == (
        "targets without enough eligible inspectors (need 2): t1 (e=0), t3 (e=1)"
    )
    assert lacking.value.targets == ("t1", "t3")
    with pytest.raises(InfeasibleError, match=r"t1 \(e=0\), t3 \(e=1\)$"):
        minimum_cap(CANDS, 1, POOL5, conflicts, {}, 2)


def test_a_long_list_of_lacking_targets_is_cut_at_twenty() -> None:
    cands = {f"t{i:02d}" for i in range(25)}
    conflicts = {t: frozenset(POOL5) for t in cands}
    with pytest.raises(InfeasibleError) as lacking:
        check_feasible(cands, 1, POOL5, conflicts, {}, 2, 1)
    message = str(lacking.value)
    assert "t19 (e=0)" in message and "t20" not in message
    assert message.endswith(" and 5 more")
    assert len(lacking.value.targets) == 25


@pytest.mark.parametrize(("lacking", "tail"), [(20, "t19 (e=0)"), (21, " and 1 more")])
def test_the_cut_of_the_lacking_list_is_announced_only_when_it_cuts(
    lacking: int, tail: str
) -> None:
    cands = {f"t{i:02d}" for i in range(lacking)}
    conflicts = {t: frozenset(POOL5) for t in cands}
    with pytest.raises(InfeasibleError) as failed:
        minimum_cap(cands, 1, POOL5, conflicts, {}, 2)
    assert str(failed.value).startswith("targets without enough eligible inspectors (need 2): ")
    assert str(failed.value).endswith(tail)


def test_suggest_cap_takes_one_pass_iterables() -> None:
    cands = [f"t{i}" for i in range(12)]
    expected = suggest_cap(cands, 10, POOL5[:4], {}, {}, 2)
    assert suggest_cap(iter(cands), 10, iter(POOL5[:4]), {}, {}, 2) == expected == 7


def test_feasibility_refuses_impossible_parameters() -> None:
    with pytest.raises(
        InputError, match=r"total picks \(4\) exceed the number of candidates \(3\)"
    ):
        check_feasible(CANDS, 4, POOL5, {}, {}, 2, 9)
    check_feasible(CANDS, 3, POOL5, {}, {}, 2, 9)  # exactly all of them
    with pytest.raises(InputError, match="duplicate inspector id: i1"):
        check_feasible(CANDS, 1, ["i1", "i2", "i1"], {}, {}, 2, 9)
    with pytest.raises(InfeasibleError, match=r"pool \(2\) is smaller than the team size \(3\)"):
        check_feasible(CANDS, 1, ["i1", "i2"], {}, {}, 3, 9)
    check_feasible(CANDS, 1, ["i1", "i2", "i3"], {}, {}, 3, 9)  # exactly one team


def staff(targets: list[str], **kw: object) -> list[Team]:
    args: dict[str, object] = {
        "seed": SEED,
        "picks": targets,
        "inspectors": POOL5,
        "conflicts": {},
        "previous": {},
        "team_size": 2,
        "cap": 5,
    }
    args.update(kw)
    return assign_teams(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"seed": bytes(31)}, "seed must be 32 bytes, got 31"),
        ({"team_size": 1}, "team size must be at least 2, got 1"),
        ({"cap": 0}, "workload cap must be at least 1, got 0"),
        ({"inspectors": ["i1", "i2", "i1"]}, "duplicate inspector id: i1"),
        ({"picks": ["t1", "t2", "t1"]}, "duplicate pick: t1"),
        ({"picks": ["t1", "bad\ud800"]}, "target id is not valid Unicode text"),
        ({"inspectors": ["i1", "bad\ud800"]}, "inspector id is not valid Unicode text"),
    ],
)
def test_the_draw_refuses_bad_inputs(kw: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        args = dict(kw)  # the parameter dict is shared by every run of the test
        staff(args.pop("picks", ["t1", "t2"]), **args)  # type: ignore[arg-type]


# docs/teams.md §1: refused when s * (4n + 65) > 2**32. The smallest refusals need a team of
# about 32,760 (a pool is at least one team): worked out by hand,
#   32760 * (4 * 32760 + 65) = 4,294,999,800 > 2**32 = 4,294,967,296 (by less than s: with
#     4n + 64 in place of 4n + 65 the product would fit),
#   32677 * (4 * 32843 + 65) = 4,294,966,849 <= 2**32 (with 4n + 66 it would not fit).
# No pick is needed: the inputs are refused before any draw.
@pytest.mark.parametrize(
    ("size", "n", "refused"), [(32760, 32760, True), (32677, 32843, False), (32759, 32759, False)]
)
def test_the_draw_counter_must_fit_in_32_bits(size: int, n: int, refused: bool) -> None:
    assert (size * (4 * n + 65) > 2**32) == refused  # the rule itself, for the reader
    pool = [f"i{k:05d}" for k in range(n)]
    if refused:
        with pytest.raises(
            InputError,
            match=r"^inspector pool and team size too large for the 32-bit draw counter$",
        ):
            staff([], inspectors=pool, team_size=size, cap=1)
    else:
        assert staff([], inspectors=pool, team_size=size, cap=1) == []


def test_a_pool_of_exactly_one_team_staffs_every_pick() -> None:
    teams = staff(["t1", "t2"], inspectors=["i2", "i1"], cap=2)
    assert [sorted(t.inspectors) for t in teams] == [["i1", "i2"], ["i1", "i2"]]
    with pytest.raises(InfeasibleError, match=r"pool \(1\) is smaller"):
        staff(["t1"], inspectors=["i1"])


def test_the_cap_binds_and_restrictions_are_respected() -> None:
    # 6 picks of 2 = 12 slots over 5 inspectors: someone takes 3, nobody more with cap 3.
    picks = [f"t{i}" for i in range(6)]
    check_feasible(set(picks), 6, POOL5, {}, {}, 2, 3)
    teams = staff(picks, cap=3)
    load = {i: sum(i in t.inspectors for t in teams) for i in POOL5}
    assert max(load.values()) == 3 and sum(load.values()) == 12
    conflicts = {"t0": frozenset({"i1", "i2"})}
    previous = {"t0": frozenset({"i3"})}
    (first, *_) = staff(picks, conflicts=conflicts, previous=previous, cap=3)
    assert set(first.inspectors) == {"i4", "i5"}


def test_an_exhausted_pool_names_the_target_it_could_not_staff() -> None:
    # With cap 1 and 5 inspectors, the third pick of size 2 has one inspector left.
    with pytest.raises(InfeasibleError, match=r"target t2 \(slot 2 of 2\)") as failed:
        staff(["t0", "t1", "t2"], cap=1)
    assert failed.value.targets == ("t2",)


def test_first_draws_made_ahead_never_change_the_teams() -> None:
    picks = [f"t{i}" for i in range(6)]
    plain = staff(picks)
    ids = [p.encode() for p in picks]
    assert staff(picks, ahead=first_draws(SEED, ids, 5)) == plain
    assert staff(picks, ahead=first_draws(SEED, ids[2:], 5)) == plain  # the last picks
    # Draws for another seed, pool size or picks are not used.
    assert staff(picks, ahead=first_draws(bytes(32), ids, 5)) == plain
    assert staff(picks, ahead=first_draws(SEED, ids, 4)) == plain
    assert staff(picks, ahead=first_draws(SEED, ids[::-1], 5)) == plain
    assert staff(picks[:2], ahead=first_draws(SEED, ids, 5)) == staff(picks[:2])


def test_first_draws_made_ahead_are_taken_as_they_are_when_they_match() -> None:
    """The draws a worker made for the last picks are used, not drawn again: forged ones show
    it, the teams follow them (made honestly, they are the very same draws). Slot 1 takes the
    index of counter 0 and slot 2 that of counter 1 when both are acceptable and unpaired."""
    picks = ["t0", "t1", "t2"]
    plain = staff(picks)
    forged = [("i3", "i4"), ("i5", "i1")]  # indices 2, 3 and 4, 0 of the pool i1..i5
    assert [t.inspectors for t in plain[1:]] != forged
    got = staff(picks, ahead=FirstDraws(SEED, 5, [b"t1", b"t2"], [[2, 4], [3, 0]]))
    assert got[0] == plain[0]  # drawn here: t0 was not among the picks drawn ahead
    assert [t.inspectors for t in got[1:]] == forged
    # Made for every pick.
    got = staff(picks, ahead=FirstDraws(SEED, 5, [b"t0", b"t1", b"t2"], [[0, 2, 4], [1, 3, 0]]))
    assert [t.inspectors for t in got] == [("i1", "i2"), *forged]


def test_teams_json_round_trip() -> None:
    teams = [Team("t1", ("i1", "i2")), Team("t2", ("i3", "i4", "i5"))]
    data = teams_to_json(teams)
    assert data == [
        {"target": "t1", "inspectors": ["i1", "i2"]},
        {"target": "t2", "inspectors": ["i3", "i4", "i5"]},
    ]
    assert teams_from_json(data) == teams
    assert teams_from_json([]) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "t1"}, "^teams must be a JSON array$"),
        ([{"target": "t1", "inspectors": []}, []], r"^teams\[1\] must be an object with"),
        ([{"target": "t1"}], r"^teams\[0\] must be an object with target and inspectors$"),
        ([{"target": "t1", "inspectors": [], "x": 1}], r"^teams\[0\] must be an object"),
        ([{"target": 1, "inspectors": []}], r"^teams\[0\]\.target must be a string$"),
        ([{"target": "t", "inspectors": "i1"}], r"^teams\[0\]\.inspectors must be an array of"),
        ([{"target": "t", "inspectors": ["i1", 2]}], r"^teams\[0\]\.inspectors must be an"),
    ],
)
def test_malformed_teams_json_is_named(data: object, message: str) -> None:
    with pytest.raises(EncodingError, match=message):
        teams_from_json(data)
