"""The password policy, applied wherever a password is set (API, `lottery user`, `lottery init`).

Rules, each refused with a Chinese message that names it (staff read these):

1. at least :data:`MIN_LENGTH` characters (Unicode characters, not bytes);
2. at most :data:`MAX_LENGTH` characters (the login form accepts no longer one);
3. the user name (3 characters or more) does not appear in it, in any letter case;
4. it is not on the common-password list shipped as ``lottery/data/common-passwords.txt``
   (about 31,700 entries from zxcvbn's and John the Ripper's public lists; the file's header
   names the sources and their licences), compared case-insensitively.

A password change must also differ from the old password (checked by the caller, who knows it).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from lottery.core.errors import InputError

MIN_LENGTH = 12
MAX_LENGTH = 1000
# A one- or two-letter user name would forbid most passwords that merely contain those letters.
MIN_NAME_IN_PASSWORD = 3
COMMON_LIST = "common-passwords.txt"


class PasswordPolicyError(InputError):
    """A new password breaks a rule of the policy (HTTP 422; the message names the rule)."""


@cache
def common_passwords() -> frozenset[str]:
    """The shipped common-password list, lower-cased."""
    text = (files("lottery") / "data" / COMMON_LIST).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def check_password(password: str, name: str) -> None:
    """Refuse ``password`` for user ``name`` unless it follows every rule.

    Raises:
        PasswordPolicyError: naming the first rule broken.
    """
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(
            f"密码太短：至少需要 {MIN_LENGTH} 个字符（现为 {len(password)} 个）"
        )
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"密码太长：最多 {MAX_LENGTH} 个字符")
    if len(name) >= MIN_NAME_IN_PASSWORD and name.casefold() in password.casefold():
        raise PasswordPolicyError(f"密码不得包含用户名（{name}）")
    if password.strip().lower() in common_passwords():
        raise PasswordPolicyError("密码过于常见（在常见密码表中），请另选一个不易猜到的密码")


def check_new_password(password: str, name: str, old_password: str) -> None:
    """:func:`check_password`, and the new password must differ from the old one.

    Raises:
        PasswordPolicyError: naming the first rule broken.
    """
    check_password(password, name)
    if password == old_password:
        raise PasswordPolicyError("新密码不得与旧密码相同")
