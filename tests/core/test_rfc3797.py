"""RFC 3797 key strings and selection, checked against the RFC's own worked example."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lottery.core import rfc3797
from lottery.core.errors import InputError

# RFC 3797 section 6 ("Fully Worked Example"): the 25 eligible volunteers in pool order,
# the three sources (a single number, then two lottery draws given in draw order), the key
# string, and the table "index / hex value of MD5 / div / selected": the MD5 of the key with
# the 2-byte prefix and suffix 0x0000, 0x0001, ..., the pool size left, and the position in
# the original pool of the member selected. Transcribed from the RFC text as quoted by
# independent implementations' test suites (Perl Algorithm::Voting::Sortition, Go
# kleroterion, Python votelib); the tool used here could not open the RFC page in full.
RFC_POOL = [
    "John", "Mary", "Bashful", "Dopey", "Sleepy",
    "Grouchy", "Doc", "Sneazy", "Handsome", "Cassandra",
    "Pollyanna", "Pendragon", "Pandora", "Faith", "Hope",
    "Charity", "Lee", "Longsuffering", "Chastity", "Smith",
    "Pride", "Sloth", "Envy", "Anger", "Kasczynski",
]  # fmt: skip
RFC_SOURCES = ["9319", "2,5,12,8,10", "9,18,26,34,41,45"]
RFC_KEY = "9319./2.5.8.10.12./9.18.26.34.41.45./"
RFC_TABLE = [  # (index + 1, MD5, div, selected position)
    (1, "990DD0A5692A029A98B5E01AA28F3459", 25, 17),
    (2, "3691E55CB63FCC37914430B2F70B5EC6", 24, 7),
    (3, "FE814EDF564C190AC1D25753979990FA", 23, 2),
    (4, "1863CCACEB568C31D7DDBDF1D4E91387", 22, 16),
    (5, "F4AB33DF4889F0AF29C513905BE1D758", 21, 25),
    (6, "13EAEB529F61ACFB9A29D0BA3A60DE4A", 20, 23),
    (7, "992DB77C382CA2BDB9727001F3CDCCD9", 19, 8),
    (8, "63AB4258ECA922976811C7F55C383CE7", 18, 24),
    (9, "DFBC5AC97CED01B3A6E348E3CC63F40D", 17, 19),
    (10, "31CB111C4A4EBE9287CEAE16FE51B909", 16, 13),
    (11, "07FA46C122F164C215BBC72793B189A3", 15, 22),
    (12, "AC52F8D75CCBE2E61AFEB3387637D501", 14, 5),
    (13, "53306F73E14FC0B2FBF434218D25948E", 13, 18),
    (14, "B5D1403501A81F9A47318BE7893B347C", 12, 9),
    (15, "85B10B356AA06663EF1B1B407765100A", 11, 1),
    (16, "3269E6CE559ABD57E2BA6AAB495EB9BD", 10, 4),
]
# The RFC's "resulting first ten selected, in order selected" is Lee, Doc, Mary, Charity,
# Kasczynski, Envy, Sneazy, Anger, Chastity, Pandora; the table continues with six more.
RFC_SELECTED = [
    "Lee", "Doc", "Mary", "Charity", "Kasczynski", "Envy", "Sneazy", "Anger",
    "Chastity", "Pandora", "Sloth", "Sleepy", "Longsuffering", "Handsome", "John", "Dopey",
]  # fmt: skip


def test_rfc_example_key_string() -> None:
    assert rfc3797.key_string(RFC_SOURCES) == RFC_KEY
    assert rfc3797.key_string([[9319], [2, 5, 12, 8, 10], [9, 18, 26, 34, 41, 45]]) == RFC_KEY


def test_rfc_example_table() -> None:
    steps = rfc3797.selection_steps(RFC_POOL, RFC_KEY, 16)
    table = [(s.index + 1, s.digest.hex().upper(), s.remaining, s.position) for s in steps]
    assert table == RFC_TABLE
    assert [s.name for s in steps] == [RFC_POOL[row[3] - 1] for row in RFC_TABLE]


def test_rfc_example_selection() -> None:
    assert rfc3797.select(RFC_POOL, RFC_SOURCES, 16) == RFC_SELECTED
    assert rfc3797.select(RFC_POOL, RFC_SOURCES, 10) == RFC_SELECTED[:10]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("9319", (9319,)),
        ("2,5,12,8,10", (2, 5, 12, 8, 10)),
        (" 9, 18 ,26,34, 41,45 ", (9, 18, 26, 34, 41, 45)),
        ("07 3\t11", (7, 3, 11)),
        ("0", (0,)),
    ],
)
def test_parse_source(text: str, values: tuple[int, ...]) -> None:
    assert rfc3797.parse_source(text) == values


@pytest.mark.parametrize("text", ["", "  ", "1.5", "-3", "+3", "a", "1,,2", "1,", ",1", "１２"])
def test_parse_source_rejects(text: str) -> None:
    with pytest.raises(InputError):
        rfc3797.parse_source(text)


def test_fragment_drops_leading_zeros_and_sorts() -> None:
    assert rfc3797.source_fragment([10, 2, 0, 7]) == "0.2.7.10./"
    assert rfc3797.key_string(["007", "05,03"]) == "7./3.5./"


@pytest.mark.parametrize(
    "sources",
    [[], "9319", [[]], [[1, -2]], [[True]], [[1.5]], [9319], ["1", []]],
)
def test_key_string_rejects(sources: Any) -> None:
    with pytest.raises(InputError):
        rfc3797.key_string(sources)


def test_digest_index_must_fit_two_bytes() -> None:
    with pytest.raises(InputError):
        rfc3797.digest(RFC_KEY, 65536)
    with pytest.raises(InputError):
        rfc3797.digest("中", 0)


@pytest.mark.parametrize(
    ("pool", "count", "fragment"),
    [
        ([], 1, "empty"),
        (["a", "b"], 3, "only 2"),
        (["a", "b"], 0, "at least 1"),
        (["a", "b"], -1, "at least 1"),
        (["a", "b", "a"], 1, "duplicate"),
        (["a", ""], 1, "empty"),
        (["a", "b\nc"], 1, "line break"),
    ],
)
def test_select_rejects(pool: list[str], count: int, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        rfc3797.select(pool, RFC_SOURCES, count)


def test_select_rejects_a_pool_above_the_reference_limit() -> None:
    pool = [str(i) for i in range(rfc3797.MAX_POOL + 1)]
    with pytest.raises(InputError):
        rfc3797.select(pool, RFC_SOURCES, 1)


numbers = st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=8)
pools = st.lists(st.text(min_size=1, max_size=6).filter(str.strip), min_size=1, max_size=30)


@given(st.lists(numbers, min_size=1, max_size=4), st.randoms())
def test_key_string_ignores_the_order_within_a_source(sources: Any, rnd: Any) -> None:
    shuffled = [rnd.sample(source, len(source)) for source in sources]
    assert rfc3797.key_string(shuffled) == rfc3797.key_string(sources)


@given(pools.map(lambda p: list(dict.fromkeys(p))), st.lists(numbers, min_size=1, max_size=3))
def test_selection_is_a_deterministic_permutation_prefix(pool: list[str], sources: Any) -> None:
    pool = [name for name in pool if "\n" not in name and "\r" not in name and "\x00" not in name]
    if not pool:
        return
    everyone = rfc3797.select(pool, sources, len(pool))
    assert sorted(everyone) == sorted(pool)
    for k in (1, len(pool) // 2 or 1):
        assert rfc3797.select(pool, sources, k) == everyone[:k]
