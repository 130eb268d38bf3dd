"""Selection's byte rules (docs/spec.md, "Selection") and the shared draw's bookkeeping.

The known answers are computed here from the spec's formulas with hashlib, a second
implementation of::

    stratum_key = SHA-256("lottery-v1 stratum" 0x00 || seed || UTF-8(region "|" risk))
    ticket(c)   = SHA-256(stratum_key || UTF-8(candidate id))
    picks       = the ``count`` lowest (ticket, UTF-8 id), ascending

The shared draw (a worker drawing strata from the back) must give exactly the serial answer;
its extras (first team draws, outcome sections) must be those of the picks, or absent.
"""

from __future__ import annotations

import hashlib

import pytest

from lottery.core import selection, sharing
from lottery.core.errors import InputError
from lottery.core.outcome_text import section_of_entries
from lottery.core.pool import Pool, Stratum
from lottery.core.selection import (
    HeadResult,
    Pick,
    TailResult,
    draw_from_back,
    draw_from_front,
    finish,
    join_draws,
    picks_in_order,
    picks_of,
    raw_stratum_ids,
    select,
    select_stratum,
    select_with_draws,
    start_tail,
    stratum_entries,
    stratum_ids,
    stratum_key,
    ticket,
)
from lottery.core.sharing import SERIAL
from lottery.core.teams import first_draws
from lottery.runtime import forking

SEED = bytes(range(32))
OTHER = bytes(range(1, 33))


def spec_key(seed: bytes, key: str) -> bytes:
    return hashlib.sha256(b"lottery-v1 stratum\x00" + seed + key.encode("utf-8")).digest()


def spec_ticket(seed: bytes, key: str, cand: str) -> bytes:
    return hashlib.sha256(spec_key(seed, key) + cand.encode("utf-8")).digest()


def spec_picks(seed: bytes, key: str, cands: list[str], count: int) -> list[Pick]:
    ranked = sorted((spec_ticket(seed, key, c), c.encode("utf-8"), c) for c in cands)
    return [Pick(c, t) for t, _, c in ranked[:count]]


def stratum(region: str, risk: str, count: int, n: int, prefix: str = "c") -> Stratum:
    return Stratum(region, risk, count, tuple(sorted(f"{prefix}{i:05d}" for i in range(n))))


def test_stratum_key_and_ticket_follow_the_spec() -> None:
    assert stratum_key(SEED, "R1|low") == spec_key(SEED, "R1|low")
    assert ticket(SEED, "R1|low", "c00001") == spec_ticket(SEED, "R1|low", "c00001")
    # Every input moves the ticket: seed, stratum and id.
    assert ticket(OTHER, "R1|low", "c00001") != ticket(SEED, "R1|low", "c00001")
    assert ticket(SEED, "R1|high", "c00001") != ticket(SEED, "R1|low", "c00001")


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_a_seed_of_the_wrong_size_is_refused(size: int) -> None:
    bad = bytes(size)
    with pytest.raises(InputError) as refused:
        stratum_key(bad, "R1|low")
    assert str(refused.value) == "seed must be 32 bytes"
    pool = Pool("T", (stratum("R1", "low", 1, 3),))
    with pytest.raises(InputError, match="seed must be 32 bytes"):
        select(bad, pool)


@pytest.mark.parametrize(
    ("n", "count"), [(1, 1), (5, 2), (5, 5), (300, 7), (3000, 3), (3000, 1500)]
)
def test_a_stratum_draws_its_lowest_tickets_in_order(n: int, count: int) -> None:
    st = stratum("R1", "low", count, n)
    assert select_stratum(SEED, st) == spec_picks(SEED, "R1|low", list(st.candidates), count)


def test_a_count_of_zero_draws_nothing_and_a_count_above_n_draws_all() -> None:
    st = stratum("R1", "low", 0, 10)
    assert select_stratum(SEED, st) == []
    assert stratum_entries(SEED, "R1|low", 0, st.encoded) == []
    every = stratum_entries(SEED, "R1|low", 15, st.encoded)
    assert [e[32:].decode() for e in every] == [
        p.target for p in spec_picks(SEED, "R1|low", list(st.candidates), 10)
    ]


def test_picks_of_splits_ticket_and_id() -> None:
    t = bytes(range(100, 132))
    assert picks_of([t + "甲1".encode()]) == [Pick("甲1", t)]


def test_the_team_order_is_strata_in_order_then_tickets() -> None:
    pool = Pool("T", (stratum("R1", "a", 2, 6), stratum("R2", "b", 3, 6, "d")))
    chosen = select(SEED, pool)
    assert [st.key for st, _ in chosen] == ["R1|a", "R2|b"]
    expected = spec_picks(SEED, "R1|a", list(pool.strata[0].candidates), 2) + spec_picks(
        SEED, "R2|b", list(pool.strata[1].candidates), 3
    )
    assert picks_in_order(chosen) == [p.target for p in expected]


def test_raw_and_checked_strata_give_the_same_ids() -> None:
    st = stratum("R1", "low", 2, 3)

    class Raw:
        key, count, ids = "R1|low", 2, b'c00000","c00001","c00002'

    assert raw_stratum_ids(Raw()) == stratum_ids(st)  # type: ignore[arg-type]
    assert stratum_ids(st) == ("R1|low", 2, [b"c00000", b"c00001", b"c00002"])


def test_join_draws_concatenates_runs_of_one_seed_and_pool() -> None:
    a = first_draws(SEED, [b"x1", b"x2"], 5)
    b = first_draws(SEED, [b"y1"], 5)
    joined = join_draws([a, b])
    assert joined == first_draws(SEED, [b"x1", b"x2", b"y1"], 5)
    assert join_draws([a]) == a


def test_join_draws_refuses_missing_or_mismatched_runs() -> None:
    a = first_draws(SEED, [b"x1"], 5)
    assert join_draws([]) is None
    assert join_draws([a, None]) is None
    assert join_draws([None, a]) is None
    assert join_draws([a, first_draws(OTHER, [b"y1"], 5)]) is None
    assert join_draws([a, first_draws(SEED, [b"y1"], 6)]) is None


def pool_of_strata(k: int) -> Pool:
    return Pool("T", tuple(stratum(f"R{i}", "low", 2, 5 + i) for i in range(k)))


def serial(pool: Pool) -> list[tuple[Stratum, list[Pick]]]:
    return [(st, select_stratum(SEED, st)) for st in pool.strata]


def test_front_and_back_share_the_strata_without_overlap() -> None:
    pool = pool_of_strata(5)
    claims = sharing.Claims(5)

    def ids_of(i: int) -> selection.StratumIds:
        return stratum_ids(pool.strata[i])

    assert claims.front() == 0 and claims.front() == 1  # the parent took two already
    tail = draw_from_back(SEED, claims, ids_of, 4)
    assert isinstance(tail, TailResult)
    assert tail.start == 2
    assert [key for key, _ in tail.strata] == ["R2|low", "R3|low", "R4|low"]
    for (key, entries), st in zip(tail.strata, pool.strata[2:], strict=True):
        assert entries == stratum_entries(SEED, key, st.count, st.encoded)
    assert tail.sections == [section_of_entries(k, e) for k, e in tail.strata]
    ids = [e[32:] for _, entries in tail.strata for e in entries]
    assert tail.draws == first_draws(SEED, ids, 4)
    head = draw_from_front(SEED, claims, ids_of, 4)
    assert head == HeadResult([], [], [])  # nothing left for the parent


def test_without_a_pool_size_no_team_draws_are_made_ahead() -> None:
    pool = pool_of_strata(3)
    claims = sharing.Claims(3)
    head = draw_from_front(SEED, claims, lambda i: stratum_ids(pool.strata[i]), 0)
    assert [k for k, _ in head.strata] == ["R0|low", "R1|low", "R2|low"]
    assert head.draws == [None, None, None]
    assert head.sections == [section_of_entries(k, e) for k, e in head.strata]


@pytest.mark.parametrize("inspectors", [0, 3])
def test_an_in_process_tail_gives_the_serial_answer(inspectors: int) -> None:
    pool = pool_of_strata(4)
    drawn = finish(SEED, pool, start_tail(SEED, pool, SERIAL, inspectors=inspectors))
    assert drawn.selection == serial(pool)
    picks = [p.target.encode() for _, ps in drawn.selection for p in ps]
    if inspectors:
        assert drawn.draws == first_draws(SEED, picks, inspectors)
    else:
        assert drawn.draws is None
    assert drawn.sections == [
        section_of_entries(st.key, stratum_entries(SEED, st.key, st.count, st.encoded))
        for st in pool.strata
    ]


def test_a_tail_for_another_pool_is_ignored() -> None:
    pool = pool_of_strata(4)
    other = start_tail(SEED, pool_of_strata(2), SERIAL, inspectors=3)
    drawn = finish(SEED, pool, other)
    assert drawn.selection == serial(pool)
    assert drawn.draws is None and drawn.sections is None


def test_a_wrong_worker_answer_is_redrawn_here() -> None:
    pool = pool_of_strata(4)
    tail = start_tail(SEED, pool, SERIAL, inspectors=3)
    wrong = TailResult(1, [("R9|low", [])], ["x"], None)  # not where the parent stopped
    tail.job._fn = lambda: wrong  # type: ignore[attr-defined]
    drawn = finish(SEED, pool, tail)
    assert drawn.selection == serial(pool)
    assert drawn.draws is None and drawn.sections is None


def split_tail(pool: Pool, taken_back: int, inspectors: int) -> selection.Tail:
    """A tail whose worker drew the last ``taken_back`` strata while the parent waited, as
    a forked worker does when it is faster: the parent's front then stops where it began."""
    n = len(pool.strata)
    tail = start_tail(SEED, pool, SERIAL, inspectors=inspectors)
    worker = sharing.Claims(n)
    for _ in range(n - taken_back):
        worker.front()  # what the parent will take
    answer = draw_from_back(SEED, worker, lambda i: stratum_ids(pool.strata[i]), inspectors)
    for _ in range(taken_back):
        tail.claims.back()  # the worker's share of the real claims
    tail.job._fn = lambda: answer  # type: ignore[attr-defined]
    return tail


@pytest.mark.parametrize("taken_back", [1, 3, 5])
def test_a_worker_answer_is_joined_after_the_parent_share(taken_back: int) -> None:
    pool = pool_of_strata(5)
    drawn = finish(SEED, pool, split_tail(pool, taken_back, 3))
    assert drawn.selection == serial(pool)
    picks = [p.target.encode() for _, ps in drawn.selection for p in ps]
    assert drawn.draws == first_draws(SEED, picks, 3)
    assert drawn.sections == [
        section_of_entries(st.key, stratum_entries(SEED, st.key, st.count, st.encoded))
        for st in pool.strata
    ]


def test_a_worker_answer_that_starts_elsewhere_is_redrawn_here() -> None:
    # The labels of what follows the parent's share match (none), the start does not.
    pool = pool_of_strata(4)
    tail = start_tail(SEED, pool, SERIAL, inspectors=3)
    tail.job._fn = lambda: TailResult(3, [], [], None)  # type: ignore[attr-defined]
    drawn = finish(SEED, pool, tail)
    assert drawn.selection == serial(pool)
    assert drawn.draws is None and drawn.sections is None


def test_a_worker_answer_for_other_strata_is_redrawn_here() -> None:
    # The start matches the parent's share, the strata do not.
    pool = pool_of_strata(4)
    tail = split_tail(pool, 2, 3)
    tail.job._fn = lambda: TailResult(2, [("R2|low", []), ("R9|low", [])], [], None)  # type: ignore[attr-defined]
    drawn = finish(SEED, pool, tail)
    assert drawn.selection == serial(pool)
    assert drawn.draws is None and drawn.sections is None


def test_a_shared_draw_writes_ahead_the_team_draws_and_sections(small_parallel: None) -> None:
    pool = pool_of_strata(6)
    drawn = select_with_draws(SEED, pool, workers=forking.workers(2), inspectors=3)
    assert drawn.selection == serial(pool)
    picks = [p.target.encode() for _, ps in drawn.selection for p in ps]
    assert drawn.draws == first_draws(SEED, picks, 3)
    assert drawn.sections == [
        section_of_entries(st.key, stratum_entries(SEED, st.key, st.count, st.encoded))
        for st in pool.strata
    ]
    with pytest.raises(InputError, match="seed must be 32 bytes"):
        select_with_draws(bytes(31), pool, workers=forking.workers(2), inspectors=3)


def test_a_small_pool_is_not_shared() -> None:
    pool = pool_of_strata(2)
    # A small pool stays in-process: nothing is written ahead.
    drawn = select_with_draws(SEED, pool, workers=forking.workers(2), inspectors=3)
    assert drawn.selection == serial(pool)
    assert drawn.draws is None and drawn.sections is None
