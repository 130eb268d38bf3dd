"""The password policy (issue #23, defect 4), rule by rule, and the shipped common-password list.

The common passwords checked here are well known from outside this project: the top entries of
the public lists the file names as its sources (zxcvbn's "passwords" list, John the Ripper's
password.lst), and keyboard walks popular in China.
"""

from __future__ import annotations

from importlib.resources import files

import pytest

from lottery.service.password_policy import (
    MAX_LENGTH,
    MIN_LENGTH,
    PasswordPolicyError,
    check_new_password,
    check_password,
    common_passwords,
)


def test_the_minimum_length_is_twelve_characters() -> None:
    assert MIN_LENGTH == 12
    check_password("x7#kq9!vbn2w", "alice")  # exactly 12
    with pytest.raises(PasswordPolicyError, match="至少需要 12 个字符（现为 11 个）"):
        check_password("x7#kq9!vbn2", "alice")
    check_password("红色灯笼挂在古老的城门上", "alice")  # 12 characters, 36 bytes: characters count


def test_the_maximum_length_matches_the_login_form() -> None:
    check_password("k" * 3 + "z9" * ((MAX_LENGTH - 3) // 2), "alice")
    with pytest.raises(PasswordPolicyError, match="最多 1000 个字符"):
        check_password("k9" * 501, "alice")


@pytest.mark.parametrize("password", ["alice-secret-99", "MyALICEpass-77", "99-xx-Alice-707"])
def test_the_user_name_may_not_appear_in_any_case(password: str) -> None:
    with pytest.raises(PasswordPolicyError, match="不得包含用户名（alice）"):
        check_password(password, "alice")


def test_very_short_user_names_are_not_searched_for() -> None:
    check_password("a-perfectly-fine-pw", "a")  # "a" occurs, but forbidding it forbids too much
    with pytest.raises(PasswordPolicyError, match="用户名"):
        check_password("a-perfectly-bob-pw", "bob")


@pytest.mark.parametrize(
    "password",
    [
        "1qaz2wsx3edc",
        "123qweasdzxc",
        "Q1W2E3R4T5Y6",
        "qwerty123456",
        "123456654321",
        "QAZWSXEDCRFV",
    ],
)
def test_common_passwords_are_refused_in_any_case(password: str) -> None:
    with pytest.raises(PasswordPolicyError, match="过于常见"):
        check_password(password, "alice")


def test_the_list_holds_the_public_lists_top_entries_and_names_its_sources() -> None:
    listed = common_passwords()
    assert len(listed) > 30_000
    # The first entries of both public lists (zxcvbn's "passwords", John's password.lst).
    assert {"123456", "password", "12345678", "qwerty", "123456789", "12345", "1234"} <= listed
    header = (files("lottery") / "data" / "common-passwords.txt").read_text("utf-8")[:3000]
    assert "zxcvbn" in header and "MIT" in header
    assert "John the Ripper" in header and "public" in header
    assert all(p == p.lower() and p == p.strip() for p in listed)


def test_a_new_password_must_differ_from_the_old_one() -> None:
    check_new_password("violet-harbour-lantern-7", "alice", "old-password-here-1")
    with pytest.raises(PasswordPolicyError, match="不得与旧密码相同"):
        check_new_password("violet-harbour-lantern-7", "alice", "violet-harbour-lantern-7")
    with pytest.raises(PasswordPolicyError, match="至少需要"):
        check_new_password("short", "alice", "old-password-here-1")
