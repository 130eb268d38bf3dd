"""The bulk id checks agree with the one-id check, including at the first position."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lottery.core import schema as s
from lottery.core.errors import EncodingError


def _one_ok(value: str) -> bool:
    try:
        s.ident(value, "id")
    except EncodingError:
        return False
    return True


@pytest.mark.parametrize(
    "ids",
    [["", "abc"], ["abc", ""], [".a", "b"], ["a", "-b"], ["a" * 65, "b"], ["a b", "c"], [""]],
)
def test_malformed_ids_are_refused_wherever_they_stand(ids: list[str]) -> None:
    with pytest.raises(EncodingError):
        s.check_ids(ids, "ids")
    with pytest.raises(EncodingError):
        s.split_ids("\n".join(ids).encode(), b"\n", len(ids), "ids")


@given(st.lists(st.text(alphabet="ab._-\n ", max_size=4), min_size=1, max_size=5))
def test_bulk_check_equals_the_one_id_check(ids: list[str]) -> None:
    expected = all(map(_one_ok, ids))
    try:
        s.check_ids(ids, "ids")
    except EncodingError:
        assert not expected
    else:
        assert expected


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (s.ident, "T2026-001\n"),
        (s.hex32, "ab" * 32 + "\n"),
        (s.time, "2026-03-01T02:00:00Z\n"),
        (s.date, "2026-03-01\n"),
    ],
)
def test_a_trailing_newline_is_not_part_of_a_valid_value(check: s.Validator, value: str) -> None:
    # `$` in a regular expression also matches before a final newline; our checks must not.
    with pytest.raises(EncodingError):
        check(value, "field")
