"""The bulk readers of the pool and team-input blobs accept exactly what the general ones do.

The general readers (``json`` + schema + re-encoding) are the oracle: on generated blobs, valid
or subtly wrong (unsorted, duplicated or malformed ids, wrong counts, stray bytes), the bulk
reader either gives the same value or declines, and it declines exactly when the general
reader raises.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery.core import outcome as outcome_mod
from lottery.core import pool as pool_mod
from lottery.core import pool_blob
from lottery.core.errors import EncodingError
from lottery.core.outcome import TeamInput, decode_team_input, encode_team_input
from lottery.core.pool import Candidate, build_pool, encode_pool

keys = st.sampled_from(["R1", "R2", "R3", "R4", "R5", "R6", "_R", "R 7"])


def _blob(task: str, strata: list[tuple[str, str, int, list[str]]]) -> bytes:
    """A pool blob laid out as encode_pool does, from possibly invalid parts."""
    parts = []
    for region, risk, count, ids in strata:
        joined = '","'.join(ids)
        parts.append(
            f'{{"candidates":["{joined}"],"count":{count},"region":"{region}","risk":"{risk}"}}'
        )
    return (
        f'{{"strata":[{",".join(parts)}],"task":"{task}","type":"lottery-pool","v":1}}'
    ).encode()


def _general(data: bytes) -> pool_mod.Pool | None:
    try:
        return pool_blob._decode_general(data)
    except EncodingError:
        return None


def _agree(data: bytes) -> None:
    fast = pool_blob._decode_canonical(data)
    general = _general(data)
    assert (fast is None) == (general is None)
    if fast is not None and general is not None:
        assert fast == general
        assert fast.members == general.members
        assert [s.encoded for s in fast.strata] == [s.encoded for s in general.strata]


valid_ids = st.from_regex(r"[0-9A-Za-z][0-9A-Za-z._-]{0,5}", fullmatch=True)
BAD_IDS = ["", ".a", "_a", "-a", 'a"b', "a b", "a\\b", "é", "A" * 65, "a,b"]


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            keys,
            st.sampled_from("AB"),
            st.integers(0, 3),
            st.lists(valid_ids, min_size=1, max_size=6),
        ),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from([None, "unsorted", "bad id", "repeat", "bad task"]),
    st.integers(0, 100),
    st.sampled_from(BAD_IDS),
)
def test_bulk_pool_reader_agrees_on_generated_blobs(
    strata: list[tuple[str, str, int, list[str]]], fault: str | None, k: int, bad: str
) -> None:
    # Mostly valid (sorted ids, sorted strata; ids may repeat across strata), then one fault.
    tidy = sorted((r, c, n, sorted(set(ids))) for r, c, n, ids in strata)
    flat = [(i, j) for i, (_, _, _, ids) in enumerate(tidy) for j in range(len(ids))]
    task = "_T" if fault == "bad task" else "T1"
    if flat and fault in ("unsorted", "bad id", "repeat"):
        i, j = flat[k % len(flat)]
        ids = tidy[i][3]
        if fault == "unsorted":
            ids.reverse()
        elif fault == "bad id":
            ids[j] = bad
        else:
            ids.insert(j, ids[j])
    _agree(_blob(task, tidy))


@settings(max_examples=300)
@given(
    st.lists(st.from_regex(r"[0-9A-Z]{1,6}", fullmatch=True), min_size=1, max_size=30),
    st.integers(0, 10_000),
    st.sampled_from([b"", b'"', b",", b"]", b"[", b"{", b"}", b":", b"0", b"9", b"a", b" ", b"\\"]),
    st.sampled_from(["replace", "insert", "delete"]),
)
def test_bulk_pool_reader_agrees_on_mutated_blobs(
    ids: list[str], where: int, byte: bytes, how: str
) -> None:
    cands = [Candidate(c, f"R{len(c) % 3}", "AB"[len(c) % 2]) for c in dict.fromkeys(ids)]
    blob = encode_pool(build_pool("T1", cands, {"A": 3000, "B": 5000}))
    assert pool_blob._decode_canonical(blob) is not None
    i = where % len(blob)
    edited = {
        "replace": blob[:i] + byte + blob[i + 1 :],
        "insert": blob[:i] + byte + blob[i:],
        "delete": blob[:i] + blob[i + 1 :],
    }[how]
    _agree(edited)


def test_bulk_pool_reader_declines_known_tampering() -> None:
    blob = _blob("T1", [("R1", "A", 1, ["A1", "A2"]), ("R2", "A", 1, ["B1", "B2"])])
    assert pool_blob._decode_canonical(blob) is not None
    for bad in [
        blob.replace(b'"B1"', b'"A1"'),  # an id in two strata
        blob.replace(b'"A1","A2"', b'"A2","A1"'),  # unsorted
        blob.replace(b'"A1","A2"', b'"A1","A1"'),  # repeated
        blob.replace(b'"A1"', b'"_1"'),  # leading '_' sorts inside the list
        blob.replace(b'"B1"', b'""'),  # an empty first id
        blob.replace(b'"count":1,"region":"R2"', b'"count":3,"region":"R2"'),  # count > n
        blob.replace(b'"count":1', b'"count":01', 1),  # not canonical
        blob[:-1] + b" }",
    ]:
        assert pool_blob._decode_canonical(bad) is None
        with pytest.raises(EncodingError):
            pool_blob.decode_pool(bad)


def _team_general(data: bytes, monkeypatch: pytest.MonkeyPatch) -> TeamInput | None:
    with monkeypatch.context() as m:
        m.setattr(outcome_mod, "_team_input_bulk", lambda _: None)
        try:
            return decode_team_input(data)
        except EncodingError:
            return None


@settings(max_examples=200)
@given(
    st.lists(valid_ids, min_size=0, max_size=6),
    st.lists(st.tuples(valid_ids, valid_ids), max_size=4),
    st.lists(st.tuples(valid_ids, valid_ids), max_size=4),
    st.sampled_from(
        [None, "v2", "vtrue", "vstr", "unsorted", "bad id", "triple", "bad pair id", "bad task"]
    ),
    st.sampled_from(BAD_IDS),
)
def test_bulk_team_input_reader_agrees(
    inspectors: list[str],
    conflicts: list[tuple[str, str]],
    previous: list[tuple[str, str]],
    fault: str | None,
    bad: str,
) -> None:
    body: dict[str, object] = {
        "type": "lottery-team-input",
        "v": {"v2": 2, "vtrue": True, "vstr": "1"}.get(fault or "", 1),
        "task": bad if fault == "bad task" else "T1",
        "inspectors": sorted(set(inspectors)),
        "conflicts": [list(p) for p in conflicts],
        "previous": [list(p) for p in previous],
    }
    names: list[str] = body["inspectors"]  # type: ignore[assignment]
    pairs: list[list[str]] = body["conflicts"]  # type: ignore[assignment]
    if fault == "unsorted":
        names.reverse()
    elif fault == "bad id" and names:
        names[0] = bad
    elif fault == "triple" and pairs:
        pairs[0].append("X")
    elif fault == "bad pair id" and pairs:
        pairs[-1][1] = bad
    data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    fast = outcome_mod._team_input_bulk(data)
    with pytest.MonkeyPatch.context() as mp:
        general = _team_general(data, mp)
    assert (fast is None) == (general is None)
    assert fast == general


def test_bulk_team_input_reader_round_trip() -> None:
    ti = TeamInput(
        "T1",
        ("I1", "I2", "I3"),
        {"A": frozenset({"I1", "I2"})},
        {"B": frozenset({"I3"})},
    )
    data = encode_team_input(ti)
    assert outcome_mod._team_input_bulk(data) == ti
    assert outcome_mod._team_input_bulk(data + b" ") is None
    assert outcome_mod._team_input_bulk(data.replace(b'"I1","I2","I3"', b'"I2","I1","I3"')) is None


def test_a_cut_of_other_bytes_is_ignored() -> None:
    a = _blob("T1", [("R1", "A", 1, ["A1", "A2"])])
    b = _blob("T1", [("R1", "A", 1, ["A1", "A3"])])
    cut = pool_blob.raw_strata(a)
    assert cut is not None
    assert pool_blob.decode_pool(a, cut=cut).strata[0].candidates == ("A1", "A2")
    assert pool_blob.decode_pool(b, cut=cut).strata[0].candidates == ("A1", "A3")
    with pytest.raises(EncodingError, match="unique"):
        pool_blob.decode_pool(_blob("T1", [("R1", "A", 1, ["A1", "A1"])]), cut=cut)


@settings(max_examples=200)
@given(
    st.lists(st.one_of(valid_ids, st.sampled_from(BAD_IDS)), min_size=1, max_size=8, unique=True)
)
def test_build_pool_accepts_exactly_valid_ids(ids: list[str]) -> None:
    from lottery.core.errors import InputError
    from lottery.core.schema import ID_RE

    cands = [Candidate(i, "R1", "A") for i in ids]
    if all(ID_RE.match(i) for i in ids):
        pool = build_pool("T1", cands, {"A": 5000})
        assert pool.strata[0].candidates == tuple(sorted(ids))
        assert pool.strata[0].encoded == [i.encode() for i in sorted(ids)]
    else:
        with pytest.raises(InputError, match="id"):
            build_pool("T1", cands, {"A": 5000})
