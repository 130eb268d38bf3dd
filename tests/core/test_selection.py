"""Selection: the properties of docs/spec.md §5 and the rounding rule of §4."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery.core.errors import EncodingError, InputError
from lottery.core.pool import (
    Candidate,
    Exclusion,
    Stratum,
    build_pool,
    check_counts,
    encode_pool,
    stratum_count,
)
from lottery.core.pool_blob import decode_pool
from lottery.core.selection import select, select_stratum, ticket

ids = st.from_regex(r"[0-9A-Z]{18}", fullmatch=True)
seeds = st.binary(min_size=32, max_size=32)


def reference_select(seed: bytes, key: str, candidates: list[str], count: int) -> list[str]:
    """Spec §5 written out literally: one hash per candidate, full sort."""
    skey = hashlib.sha256(b"lottery-v1 stratum\x00" + seed + key.encode()).digest()
    ranked = sorted(
        candidates, key=lambda c: hashlib.sha256(skey + c.encode()).digest() + c.encode()
    )
    return ranked[:count]


@given(seeds, st.sets(ids, min_size=1, max_size=300), st.integers(1, 300))
def test_matches_reference_and_is_deterministic(seed: bytes, cands: set[str], count: int) -> None:
    count = min(count, len(cands))
    stratum = Stratum("419901", "A", count, tuple(sorted(cands)))
    picks = select_stratum(seed, stratum)
    assert [p.target for p in picks] == reference_select(seed, "419901|A", sorted(cands), count)
    assert picks == select_stratum(seed, stratum)
    assert all(p.ticket == ticket(seed, "419901|A", p.target) for p in picks)


@given(seeds, st.lists(ids, min_size=2, max_size=200, unique=True), st.randoms())
def test_independent_of_input_order(seed: bytes, cands: list[str], rnd: object) -> None:
    shuffled = list(cands)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    ratios = {"A": 2500}
    a = build_pool("T1", [Candidate(c, "419901", "A") for c in cands], ratios)
    b = build_pool("T1", [Candidate(c, "419901", "A") for c in shuffled], ratios)
    assert encode_pool(a) == encode_pool(b)
    assert select(seed, a) == select(seed, b)


@given(seeds, st.lists(ids, min_size=3, max_size=200, unique=True), st.integers(1, 50))
def test_stable_when_unrelated_candidates_change(seed: bytes, cands: list[str], k: int) -> None:
    k = min(k, len(cands) - 1)
    base = [p.target for p in select_stratum(seed, Stratum("R", "A", k, tuple(sorted(cands))))]
    # Removing a candidate that was not picked changes nothing.
    loser = next(c for c in cands if c not in base)
    rest = tuple(sorted(c for c in cands if c != loser))
    assert [p.target for p in select_stratum(seed, Stratum("R", "A", k, rest))] == base
    # Adding one can only displace the last pick, and only by itself.
    new = "N" * 18 if "N" * 18 not in cands else "M" * 18
    grown = tuple(sorted([*cands, new]))
    after = [p.target for p in select_stratum(seed, Stratum("R", "A", k, grown))]
    assert set(after) <= set(base) | {new}
    assert len(set(base) - set(after)) <= 1


@given(st.integers(0, 10**6), st.integers(1, 10_000))
def test_rounding_rule(n: int, bp: int) -> None:
    k = stratum_count(n, bp)
    assert 0 <= k <= n
    # ceil: k is the least integer with k * 10000 >= n * bp, capped at n.
    assert k * 10_000 >= min(n * bp, n * 10_000)
    if 0 < k < n:
        assert (k - 1) * 10_000 < n * bp
    if n > 0:
        assert k >= 1


@pytest.mark.parametrize("bp", [0, -1, 10_001])
def test_ratio_out_of_range(bp: int) -> None:
    with pytest.raises(InputError, match="basis points"):
        stratum_count(10, bp)


def test_uniform_within_stratum() -> None:
    """Fixed seeds, so deterministic: chi-square of pick counts per candidate.

    20 candidates, 5 picked, 4000 draws: each is expected 1000 times. With 19 degrees of
    freedom, the statistic exceeds 51.0 with probability below 1e-4 for a uniform draw.
    """
    cands = tuple(f"C{i:02d}" for i in range(20))
    stratum = Stratum("R", "A", 5, cands)
    counts = dict.fromkeys(cands, 0)
    for i in range(4000):
        seed = hashlib.sha256(b"uniformity" + i.to_bytes(4, "big")).digest()
        for p in select_stratum(seed, stratum):
            counts[p.target] += 1
    expected = 4000 * 5 / 20
    chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
    assert chi2 < 51.0, counts


def test_large_stratum_uses_threshold_path_exactly() -> None:
    cands = tuple(sorted(f"X{i:07d}" for i in range(20_000)))
    seed = bytes(range(32))
    picks = [p.target for p in select_stratum(seed, Stratum("R", "B", 37, cands))]
    assert picks == reference_select(seed, "R|B", list(cands), 37)


def test_build_pool_strata_exclusions_and_errors() -> None:
    cands = [
        Candidate("A1", "419902", "B"),
        Candidate("A2", "419901", "A"),
        Candidate("A3", "419901", "A"),
        Candidate("A4", "419901", "C"),
    ]
    pool = build_pool("T1", cands, {"A": 5000, "B": 100, "C": 10_000}, [Exclusion("A3", "closed")])
    assert [st.key for st in pool.strata] == ["419901|A", "419901|C", "419902|B"]
    assert [st.count for st in pool.strata] == [1, 1, 1]
    assert pool.candidates == 3
    with pytest.raises(InputError, match="duplicate candidate id A1"):
        build_pool("T1", [*cands, cands[0]], {"A": 1, "B": 1, "C": 1})
    with pytest.raises(InputError, match="risk class 'C' has no ratio"):
        build_pool("T1", cands, {"A": 1, "B": 1})
    with pytest.raises(InputError, match="not a candidate: ZZ"):
        build_pool("T1", cands, {"A": 1, "B": 1, "C": 1}, [Exclusion("ZZ", "closed")])
    with pytest.raises(InputError, match="unknown reason"):
        build_pool("T1", cands, {"A": 1, "B": 1, "C": 1}, [Exclusion("A1", "friend")])
    with pytest.raises(InputError, match="pool is empty"):
        build_pool("T1", cands[:1], {"B": 1}, [Exclusion("A1", "closed")])
    with pytest.raises(InputError, match="candidate id"):
        build_pool("T1", [Candidate("bad id", "R", "A")], {"A": 1})


def test_pool_blob_round_trip_and_tampering() -> None:
    pool = build_pool("T1", [Candidate(f"C{i}", "R1", "A") for i in range(10)], {"A": 3000})
    blob = encode_pool(pool)
    assert decode_pool(blob) == pool
    check_counts(decode_pool(blob), {"A": 3000})
    with pytest.raises(EncodingError, match="rounding rule"):
        check_counts(pool, {"A": 1000})
    for bad, message in [
        (blob.replace(b'"C1","C2"', b'"C2","C1"'), "sorted"),
        (blob.replace(b'"C1","C2"', b'"C1","C1"'), "unique"),
        (blob.replace(b'"count":3', b'"count":30'), "exceeds"),
        (blob.replace(b'"v":1', b'"v":2'), "pool.v"),
        (blob + b" ", "canonical"),
    ]:
        with pytest.raises(EncodingError, match=message):
            decode_pool(bad)


@settings(max_examples=30)
@given(
    seeds,
    st.lists(
        st.tuples(ids, st.sampled_from("12"), st.sampled_from("AB")),
        min_size=1,
        max_size=100,
        unique_by=lambda t: t[0],
    ),
)
def test_counts_per_stratum(seed: bytes, rows: list[tuple[str, str, str]]) -> None:
    ratios = {"A": 1000, "B": 5000}
    pool = build_pool("T", [Candidate(i, "R" + r, c) for i, r, c in rows], ratios)
    for stratum, picks in select(seed, pool):
        assert len(picks) == stratum_count(len(stratum.candidates), ratios[stratum.risk])
        assert {p.target for p in picks} <= set(stratum.candidates)
