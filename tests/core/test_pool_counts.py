"""Strata, counts and the candidate rules of a frozen pool (docs/spec.md, "Pool").

The rounding rule is the published one, ``count = min(n, ceil(n * bp / 10000))``; the
expected counts below are worked out by hand from it. Everything else pins what an office can
get wrong in a task or a registry and the message that tells them which entry it is.
"""

from __future__ import annotations

import re

import pytest

from lottery.core.errors import EncodingError, InputError
from lottery.core.pool import (
    Candidate,
    Exclusion,
    Pool,
    Stratum,
    build_pool,
    check_counts,
    stratum_count,
)


@pytest.mark.parametrize(
    ("n", "bp", "count"),
    [
        (0, 1, 0),  # an empty stratum draws nothing
        (1, 1, 1),  # 0.01% of one candidate still draws one ("不低于")
        (10_000, 1, 1),  # exactly 1
        (10_001, 1, 2),  # just above: rounds up
        (7, 5_000, 4),  # 3.5 -> 4
        (8, 5_000, 4),  # exact
        (3, 10_000, 3),  # 100%
        (19_999, 5, 10),  # 9.9995 -> 10
        (20_000, 5, 10),
        (20_001, 5, 11),
    ],
)
def test_the_published_rounding_rule(n: int, bp: int, count: int) -> None:
    assert stratum_count(n, bp) == count


@pytest.mark.parametrize("bp", [0, -5, 10_001])
def test_a_ratio_outside_the_range_names_itself(bp: int) -> None:
    with pytest.raises(InputError, match=f"got {bp}$"):
        stratum_count(10, bp)


def test_a_negative_stratum_size_is_refused() -> None:
    with pytest.raises(InputError, match=r"^stratum size must not be negative$"):
        stratum_count(-1, 100)
    assert stratum_count(0, 10_000) == 0


def rows(*spec: str) -> list[Candidate]:
    """``"id region risk"`` strings as candidates."""
    return [Candidate(*s.split()) for s in spec]


def test_strata_are_keyed_sorted_and_counted_per_risk_ratio() -> None:
    pool = build_pool(
        "T-1",
        rows("b2 R2 high", "a1 R1 low", "c3 R1 low", "d4 R1 high", "e5 R1 low", "Z9 R10 low"),
        {"low": 5_000, "high": 10_000},
    )
    # Keys in UTF-8 byte order ("R10|..." < "R1|..." since "0" < "|"), ids in byte order.
    assert [(st.key, tuple(st.candidates), st.count) for st in pool.strata] == [
        ("R10|low", ("Z9",), 1),
        ("R1|high", ("d4",), 1),
        ("R1|low", ("a1", "c3", "e5"), 2),
        ("R2|high", ("b2",), 1),
    ]
    assert pool.task == "T-1"
    assert pool.candidates == 6 and pool.picks == 5
    assert set(pool.members) == {"a1", "b2", "c3", "d4", "e5", "Z9"}
    assert pool.strata[2].encoded == [b"a1", b"c3", b"e5"]


def test_exclusions_leave_the_pool_and_its_members() -> None:
    pool = build_pool(
        "T-1",
        rows("a1 R1 low", "b2 R1 low", "c3 R1 low", "d4 R2 low"),
        {"low": 10_000},
        [Exclusion("b2", "annual-cap"), Exclusion("d4", "closed", "已注销")],
    )
    assert [(st.key, tuple(st.candidates), st.count) for st in pool.strata] == [
        ("R1|low", ("a1", "c3"), 2)
    ]
    assert "b2" not in pool.members and "d4" not in pool.members
    assert "a1" in pool.members and pool.candidates == 2


def test_a_risk_class_left_empty_by_exclusions_needs_no_ratio() -> None:
    pool = build_pool(
        "T-1",
        rows("a1 R1 low", "b2 R1 odd"),
        {"low": 100},
        [Exclusion("b2", "not-in-scope")],
    )
    assert [st.key for st in pool.strata] == ["R1|low"]


def test_a_stratum_left_empty_by_exclusions_does_not_hide_the_others() -> None:
    # Strata are grouped in no particular order: whichever comes after the emptied one must
    # still be in the pool.
    cands = [Candidate(f"k{i:02d}", f"R{i:02d}", "low") for i in range(30)]
    cands.append(Candidate("gone", "RX", "low"))
    pool = build_pool("T-1", cands, {"low": 10_000}, [Exclusion("gone", "closed")])
    assert [st.key for st in pool.strata] == [f"R{i:02d}|low" for i in range(30)]
    assert pool.candidates == 30


def test_a_candidate_in_a_class_without_ratio_is_refused_by_name() -> None:
    with pytest.raises(InputError, match="risk class 'odd' has no ratio"):
        build_pool("T-1", rows("a1 R1 low", "b2 R1 odd"), {"low": 100})


def test_a_duplicate_id_is_named() -> None:
    with pytest.raises(InputError, match=r"duplicate candidate id b2$"):
        build_pool("T-1", rows("a1 R1 low", "b2 R1 low", "c3 R2 low", "b2 R2 low"), {"low": 1})


def test_exclusion_mistakes_are_named() -> None:
    cands = rows("a1 R1 low", "b2 R1 low")
    known = r"\(known: annual-cap, closed, not-in-scope, other\)$"
    with pytest.raises(InputError, match=r"^exclusion of a1: unknown reason 'friend' " + known):
        build_pool("T-1", cands, {"low": 1}, [Exclusion("a1", "friend")])
    with pytest.raises(InputError, match="target a1 is excluded twice"):
        build_pool("T-1", cands, {"low": 1}, [Exclusion("a1", "closed"), Exclusion("a1", "other")])
    with pytest.raises(InputError, match=r"not a candidate: q9$"):
        build_pool("T-1", cands, {"low": 1}, [Exclusion("q9", "closed")])


def test_nothing_left_is_an_empty_pool() -> None:
    empty = r"^the pool is empty: no candidate is left after exclusions$"
    with pytest.raises(InputError, match=empty):
        build_pool("T-1", rows("a1 R1 low"), {"low": 1}, [Exclusion("a1", "closed")])
    with pytest.raises(InputError, match=empty):
        build_pool("T-1", [], {"low": 1})


@pytest.mark.parametrize(
    "bad", ["a b", "-a", ".a", "_a", "x" * 65, "", "甲1", "a/b", "a,b", 'a"b', "a\nb"]
)
def test_a_malformed_candidate_id_is_refused(bad: str) -> None:
    cands = [*rows("m1 R1 low", "a0 R1 low", "zz R1 low"), Candidate(bad, "R1", "low")]
    with pytest.raises(InputError) as refused:
        build_pool("T-1", cands, {"low": 1})
    # The message names the id, as the registry import shows it to staff.
    assert re.match(r"candidate ids\[\d\] must be an id of 1-64 ASCII", str(refused.value))
    assert str(refused.value).endswith(f"got {bad!r}")


@pytest.mark.parametrize("good", ["a-b", "a.b", "a_b", "0", "Z" * 64, "9x_-."])
def test_every_id_character_is_accepted(good: str) -> None:
    cands = [*rows("m1 R1 low", "A0 R1 low"), Candidate(good, "R1", "low")]
    pool = build_pool("T-1", cands, {"low": 1})
    assert good in pool.members


@pytest.mark.parametrize("others", [("A1", "B2", "c3"), ("A1", "Y1", "Z9", "c3"), ("Z", "a")])
def test_an_underscore_id_is_refused_among_many(others: tuple[str, ...]) -> None:
    # Sorted, "_x" lands between upper and lower case ids ("Z" < "_" < "a"), not at the front.
    cands = [Candidate(i, "R1", "low") for i in (*others, "_x")]
    with pytest.raises(InputError, match="candidate id"):
        build_pool("T-1", cands, {"low": 1})


@pytest.mark.parametrize(
    ("region", "risk", "what"),
    [("R 1", "low", "region"), ("R1", "lo w", "risk class"), ("", "low", "region")],
)
def test_a_malformed_region_or_risk_class_is_named(region: str, risk: str, what: str) -> None:
    ratios = {"low": 1}
    with pytest.raises((InputError, EncodingError), match=f"^{what} must be an id"):
        build_pool("T-1", [Candidate("a1", region, risk)], ratios)


def test_a_malformed_task_or_ratio_is_refused() -> None:
    with pytest.raises(EncodingError, match=r"^task must be an id"):
        build_pool("T 1", rows("a1 R1 low"), {"low": 1})
    with pytest.raises(EncodingError, match=r"^ratio class 'lo w' must be an id"):
        build_pool("T-1", rows("a1 R1 low"), {"low": 1, "lo w": 1})
    with pytest.raises(InputError, match="got 0"):
        build_pool("T-1", rows("a1 R1 low"), {"low": 1, "unused": 0})


def pool_of(*strata: tuple[str, str, int, tuple[str, ...]]) -> Pool:
    return Pool("T-1", tuple(Stratum(*s) for s in strata))


def test_check_counts_accepts_the_rounding_rule() -> None:
    check_counts(
        pool_of(("R1", "low", 2, ("a", "b", "c")), ("R1", "high", 3, ("d", "e", "f"))),
        {"low": 5_000, "high": 10_000},
    )


def test_check_counts_names_a_stratum_with_a_wrong_count() -> None:
    pool = pool_of(("R1", "high", 3, ("d", "e", "f")), ("R1", "low", 1, ("a", "b", "c")))
    with pytest.raises(EncodingError, match=r"stratum R1\|low: count 1 .*= 2\)$"):
        check_counts(pool, {"low": 5_000, "high": 10_000})
    too_many = pool_of(("R1", "low", 3, ("a", "b", "c")))
    with pytest.raises(EncodingError, match=r"R1\|low: count 3"):
        check_counts(too_many, {"low": 5_000})


def test_check_counts_names_a_risk_class_without_ratio() -> None:
    pool = pool_of(("R1", "low", 2, ("a", "b", "c")), ("R2", "odd", 1, ("x",)))
    with pytest.raises(EncodingError, match=r"stratum R2\|odd: no announced ratio for .*odd$"):
        check_counts(pool, {"low": 5_000})
