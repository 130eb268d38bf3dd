"""USCC check characters: python-stdnum is the independent oracle for digit-leading codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from lottery.core.errors import InputError
from lottery.core.uscc import ALPHABET, check_character, validate

ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(
    st.sampled_from("159"),
    st.sampled_from("123"),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(ORG, min_size=9, max_size=9),
)
def test_agrees_with_stdnum(first: str, kind: str, region: str, org: str) -> None:
    body = first + kind + region + org
    code = body + check_character(body)
    assert validate(code) == code
    # stdnum also checks the embedded organization code; when it accepts, so must we, and
    # it must never accept a different final character.
    for ch in ALPHABET:
        if ch != code[-1]:
            assert not stdnum_uscc.is_valid(body + ch)


def test_letter_leading_codes() -> None:
    # Codes issued by other registration authorities start with a letter (e.g. N: rural
    # collectives, Y: others); the check character rule is the same MOD 31-3.
    body = "N2410481MA3X00012"
    code = body + check_character(body)
    assert validate(code.lower()) == code


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91110000600037341", "18 characters"),
        ("91110000600037341I", "outside"),
        ("91110000600037341M", "check character"),
    ],
)
def test_bad_codes(code: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate(code)


def test_known_real_code() -> None:
    # A published code (a large state-owned company's business licence), valid per stdnum.
    assert stdnum_uscc.is_valid("91110000600037341L")
    assert validate("91110000600037341L") == "91110000600037341L"
