"""Canonical JSON: our fast encoder against the rfc8785 package as the oracle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from lottery.core.canonical import (
    b64decode,
    canonical_json,
    format_time,
    parse_canonical_json,
    parse_time,
)
from lottery.core.errors import EncodingError

json_scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1) | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5)
    ),
    max_leaves=25,
)


@given(json_values)
def test_matches_rfc8785(value: object) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(EncodingError):
            canonical_json(value)
        return
    assert canonical_json(value) == expected
    assert parse_canonical_json(expected) == value


def test_astral_keys_sort_by_utf16_units() -> None:
    # U+1F600 (surrogates D83D DE00) sorts before U+FFFF in UTF-16 but after it by code point.
    value = {"\uffff": 1, "\U0001f600": 2}
    assert canonical_json(value) == rfc8785.dumps(value)
    assert canonical_json(value).index("\U0001f600".encode()) < canonical_json(value).index(
        "\uffff".encode()
    )


@pytest.mark.parametrize("value", [1.5, {"a": 0.0}, [float("nan")], 2**53, {1: "x"}, b"x"])
def test_rejects_values_outside_records(value: object) -> None:
    with pytest.raises(EncodingError):
        canonical_json(value)


@pytest.mark.parametrize(
    "data",
    [b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":1.0}', b"[1e2]", b"\xff", b'{"a":NaN}', b"{"],
)
def test_parse_rejects_non_canonical(data: bytes) -> None:
    with pytest.raises(EncodingError):
        parse_canonical_json(data)


def test_time_round_trip_and_strictness() -> None:
    moment = datetime(2026, 3, 1, 16, 0, 0, 999, tzinfo=timezone(timedelta(hours=8)))
    assert format_time(moment) == "2026-03-01T08:00:00Z"
    assert parse_time("2026-03-01T08:00:00Z") == datetime(2026, 3, 1, 8, tzinfo=UTC)
    for bad in ["2026-03-01T08:00:00+08:00", "2026-02-30T00:00:00Z", "2026-03-01 08:00:00Z"]:
        with pytest.raises(EncodingError):
            parse_time(bad)
    with pytest.raises(EncodingError):
        format_time(datetime(2026, 3, 1))


def test_b64_strict() -> None:
    assert b64decode("AAE=") == b"\x00\x01"
    for bad in ["AAE", "AA E=", "AAF=", "!!!!"]:
        with pytest.raises(EncodingError):
            b64decode(bad)
