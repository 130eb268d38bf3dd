"""Staff accounts and logins: argon2 password hashes, opaque tokens stored by hash.

A login issues a random 32-byte token (URL-safe base64). Only its SHA-256 is stored
(``api_token``), so a stolen database holds no usable session. The same token works as a bearer
token (``Authorization: Bearer ...``) and as the console's session cookie. Every login, failed
login, logout and account change is an audit event (R9).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import col, select

from lottery.core.errors import InputError, LotteryError
from lottery.storage.models import ApiToken, User

from .lifecycle import Lifecycle, record_audit
from .roles import Perm, Role, permissions

TOKEN_TTL = timedelta(hours=12)
MIN_PASSWORD = 10
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
_HASHER = PasswordHasher()
# Verified against when the user does not exist, so a missing account costs the same time.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


class AuthError(LotteryError):
    """Not logged in, wrong credentials, or an expired or revoked token (HTTP 401)."""


class Forbidden(LotteryError):
    """Logged in, but no role of the user allows this (HTTP 403)."""


class UserExists(InputError):
    """A user with this name exists already (HTTP 409)."""


@dataclass(frozen=True)
class StaffUser:
    """A logged-in staff member."""

    name: str
    roles: tuple[str, ...]

    def can(self, perm: Perm) -> bool:
        """Whether any role of the user holds ``perm``."""
        return perm in permissions(self.roles)

    def require(self, perm: Perm) -> None:
        """Raise :class:`Forbidden` unless the user holds ``perm``."""
        if not self.can(perm):
            raise Forbidden(
                f"user {self.name} ({', '.join(self.roles) or 'no role'}) may not {perm}"
            )


def check_roles(roles: Iterable[str]) -> list[str]:
    """Validate role names; return them sorted and unique.

    Raises:
        InputError: for an unknown role or none at all.
    """
    names = sorted(set(roles))
    valid = {r.value for r in Role}
    unknown = [r for r in names if r not in valid]
    if unknown:
        raise InputError(f"unknown role(s): {', '.join(unknown)}; roles are {', '.join(valid)}")
    if not names:
        raise InputError("a user needs at least one role")
    return names


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password must be at least {MIN_PASSWORD} characters")


def token_digest(token: str) -> str:
    """SHA-256 hex of a token: the form stored in the database."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(
    lc: Lifecycle,
    name: str,
    password: str,
    roles: Iterable[str],
    now: datetime,
    *,
    actor: str,
    remote_addr: str | None = None,
) -> StaffUser:
    """Create an account.

    Raises:
        InputError: for a bad name, short password or unknown role.
        UserExists: when the name is taken.
    """
    if not NAME_RE.match(name):
        raise InputError(f"invalid user name {name!r}: 1-64 ASCII letters, digits, '.', '_' or '-'")
    _check_password(password)
    role_list = check_roles(roles)
    with lc.session() as session, session.begin():
        if session.get(User, name) is not None:
            raise UserExists(f"user {name} exists already")
        session.add(
            User(name=name, password_hash=_HASHER.hash(password), roles=role_list, created_at=now)
        )
        record_audit(session, now, actor, "user.create", name, {"roles": role_list}, remote_addr)
    return StaffUser(name, tuple(role_list))


def list_users(lc: Lifecycle) -> list[User]:
    """Every account, by name."""
    with lc.session() as session:
        return list(session.exec(select(User).order_by(col(User.name))))


def login(
    lc: Lifecycle, name: str, password: str, now: datetime, *, remote_addr: str | None = None
) -> tuple[str, datetime, StaffUser]:
    """Check a password and issue a token; return (token, expiry, user).

    Raises:
        AuthError: for an unknown user, a wrong password or a disabled account (one message
            for all three, so names cannot be probed).
    """
    with lc.session() as session, session.begin():
        user = session.get(User, name)
        ok = False
        try:
            ok = _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if user is None or not user.active or not ok:
            record_audit(
                session, now, name[:100], "auth.login-failed", name[:200], None, remote_addr
            )
            failed = True
        else:
            failed = False
            token = secrets.token_urlsafe(32)
            expires = now + TOKEN_TTL
            session.add(
                ApiToken(
                    token_sha256=token_digest(token),
                    user=name,
                    created_at=now,
                    expires_at=expires,
                    remote_addr=remote_addr,
                )
            )
            if _HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = _HASHER.hash(password)
                session.add(user)
            record_audit(session, now, name, "auth.login", name, None, remote_addr)
            staff = StaffUser(user.name, tuple(user.roles))
    if failed:
        raise AuthError("wrong user name or password")
    return token, expires, staff


def authenticate(lc: Lifecycle, token: str, now: datetime) -> StaffUser:
    """The user a token belongs to.

    Raises:
        AuthError: for an unknown, expired or revoked token, or a disabled account.
    """
    with lc.session() as session:
        row = session.get(ApiToken, token_digest(token))
        if row is None or row.revoked or row.expires_at <= now:
            raise AuthError("not logged in, or the session has expired")
        user = session.get(User, row.user)
        if user is None or not user.active:
            raise AuthError("the account is disabled")
        return StaffUser(user.name, tuple(user.roles))


def logout(lc: Lifecycle, token: str, now: datetime, *, remote_addr: str | None = None) -> None:
    """Revoke a token (idempotent)."""
    with lc.session() as session, session.begin():
        row = session.get(ApiToken, token_digest(token))
        if row is None or row.revoked:
            return
        row.revoked = True
        session.add(row)
        record_audit(session, now, row.user, "auth.logout", row.user, None, remote_addr)


def set_active(
    lc: Lifecycle,
    name: str,
    active: bool,
    now: datetime,
    *,
    actor: str,
    remote_addr: str | None = None,
) -> None:
    """Enable or disable an account; disabling revokes its tokens.

    Raises:
        InputError: when there is no such user.
    """
    with lc.session() as session, session.begin():
        user = session.get(User, name)
        if user is None:
            raise InputError(f"no user {name}")
        user.active = active
        session.add(user)
        if not active:
            for row in session.exec(select(ApiToken).where(ApiToken.user == name)):
                row.revoked = True
                session.add(row)
        action = "user.enable" if active else "user.disable"
        record_audit(session, now, actor, action, name, None, remote_addr)
