"""Staff accounts and logins: argon2 password hashes, opaque tokens stored by hash.

A login issues a random 32-byte token (URL-safe base64). Only its SHA-256 is stored
(``api_token``), so a stolen database holds no usable session. The same token works as a bearer
token (``Authorization: Bearer ...``) and as the console's session cookie. Every login, failed
login, logout and account change is an audit event (R9).

Logins are throttled per account and per address (:mod:`.login_throttle`): a locked caller is
refused before any hashing, and the hash itself is checked outside any database transaction
(SQLite's writer lock is not held for the ~0.2 s argon2 takes) in one of a few hashing slots.
Passwords follow :mod:`.password_policy` wherever they are set. An account created for someone
else, or whose password an admin reset, must change its password before anything else.
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
from sqlmodel import Session, col, select

from lottery.core.errors import InputError, LotteryError
from lottery.storage.models import ApiToken, Inspector, User

from . import login_throttle
from .audit_trail import record_audit
from .lifecycle import Lifecycle
from .org_scope import (
    check_unit,
    require_account,
    require_units,
    scope_of,
    unit_scope,
    visible_users,
)
from .password_policy import check_new_password, check_password
from .roles import Perm, Role, permissions

TOKEN_TTL = timedelta(hours=12)
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


class PasswordChangeRequired(Forbidden):
    """The user must change their password before anything else (HTTP 403)."""


class LastAdmin(InputError):
    """The change would leave no active account with the admin role (HTTP 409)."""


class WrongPassword(Forbidden):
    """A logged-in user's current password, given to change it, is wrong (HTTP 403)."""


@dataclass(frozen=True)
class StaffUser:
    """A logged-in staff member."""

    name: str
    roles: tuple[str, ...]
    must_change_password: bool = False
    org_unit: str | None = None  # None: the whole office (lottery.service.org_scope)

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


def _verify(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a missing account is checked against a dummy hash."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


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
    must_change_password: bool = False,
    org_unit: str | None = None,
) -> StaffUser:
    """Create an account.

    Args:
        must_change_password: the user must pick their own password at first login (an
            account an admin creates for someone else).
        org_unit: the unit the account acts within (None: the whole office); it must lie
            in the scope of ``actor`` (:func:`lottery.service.org_scope.check_unit`).

    Raises:
        InputError: for a bad name or unknown role, or an unknown org unit.
        OutOfScope: for an org unit outside the actor's scope.
        PasswordPolicyError: for a password the policy refuses.
        UserExists: when the name is taken.
    """
    if not NAME_RE.match(name):
        raise InputError(f"invalid user name {name!r}: 1-64 ASCII letters, digits, '.', '_' or '-'")
    check_password(password, name)
    role_list = check_roles(roles)
    password_hash = _HASHER.hash(password)  # before the transaction: no lock held while hashing
    with lc.session() as session, session.begin():
        unit = check_unit(session, actor, org_unit)
        if session.get(User, name) is not None:
            raise UserExists(f"user {name} exists already")
        session.add(
            User(
                name=name,
                password_hash=password_hash,
                roles=role_list,
                created_at=now,
                must_change_password=must_change_password,
                org_unit=unit,
            )
        )
        detail = {
            "roles": role_list,
            "must_change_password": must_change_password,
            "org_unit": unit,
        }
        record_audit(session, now, actor, "user.create", name, detail, remote_addr)
    return StaffUser(name, tuple(role_list), must_change_password, unit)


def list_users(lc: Lifecycle, actor: str | None = None) -> list[User]:
    """Every account, by name; with ``actor``, only those within the actor's scope."""
    with lc.session() as session:
        accounts = list(session.exec(select(User).order_by(col(User.name))))
        return accounts if actor is None else visible_users(session, actor, accounts)


def login(
    lc: Lifecycle,
    name: str,
    password: str,
    now: datetime,
    *,
    remote_addr: str | None = None,
    slot_held: bool = False,
) -> tuple[str, datetime, StaffUser]:
    """Check a password and issue a token; return (token, expiry, user).

    ``slot_held``: the caller already holds a hashing slot (the API waits for one on its
    event loop).

    The order matters: an address this process knows is locked is refused at once; then the
    caller waits (briefly) for a hashing slot, so a flood refused for lack of one costs no
    database work; a locked account or address is refused before any hashing; the hash is
    checked outside any transaction; a lock that began meanwhile (a concurrent failure) still
    refuses the right password.

    Raises:
        Throttled: when the account or the address is locked, or no hashing slot is free.
        AuthError: for an unknown user, a wrong password or a disabled account (one message
            for all three, so names cannot be probed).
    """
    login_throttle.check_known_address_lock(lc.engine, now, remote_addr)
    with login_throttle.hashing_slot(held=slot_held):
        with lc.session() as session:
            login_throttle.check(session, now, name, remote_addr)
            user = session.get(User, name)
            stored = user.password_hash if user is not None and user.active else None
        ok = login_throttle.at_low_priority(lambda: _verify(stored, password))
        if ok and _HASHER.check_needs_rehash(stored or ""):
            rehash: str | None = login_throttle.at_low_priority(lambda: _HASHER.hash(password))
        else:
            rehash = None
    # The metrics' reason (never the name): the audit trail keeps who.
    failure = (
        "wrong_password" if stored else "unknown_account" if user is None else "disabled_account"
    )
    with lc.session() as session, session.begin():
        if not ok:
            login_throttle.record_failure(session, now, name, remote_addr)
            record_audit(
                session, now, name[:100], "auth.login-failed", name[:200], None, remote_addr
            )
        else:
            login_throttle.check(session, now, name, remote_addr)
            user = session.get(User, name)
            # The password was changed or the account disabled while we hashed: refuse.
            ok = user is not None and user.active and user.password_hash == stored
        if ok and user is not None:
            login_throttle.clear_account(session, name)
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
            if rehash is not None:
                user.password_hash = rehash
                session.add(user)
            record_audit(session, now, name, "auth.login", name, None, remote_addr)
            staff = StaffUser(
                user.name, tuple(user.roles), user.must_change_password, user.org_unit
            )
    if not ok:
        if lc.metrics is not None:
            lc.metrics.login_failed(failure)
        raise AuthError("wrong user name or password")
    return token, expires, staff


def authenticate(lc: Lifecycle, token: str, now: datetime) -> StaffUser:
    """The user a token belongs to (whether they must change their password is in the result).

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
        return StaffUser(user.name, tuple(user.roles), user.must_change_password, user.org_unit)


def change_own_password(
    lc: Lifecycle,
    token: str,
    old_password: str,
    new_password: str,
    now: datetime,
    *,
    remote_addr: str | None = None,
) -> int:
    """Change the password of the token's user; end every OTHER session of that user.

    The old password is checked like a login (throttled, counted as a failure when wrong), so a
    stolen session cannot be used to guess it. The session of ``token`` stays valid, and the
    user no longer has to change their password. Returns how many other sessions ended.

    Raises:
        AuthError: when ``token`` is not a valid session.
        PasswordPolicyError: when the new password breaks a rule (checked first, no hashing).
        Throttled: when the account or the address is locked, or no hashing slot is free.
        WrongPassword: when ``old_password`` is wrong.
    """
    name = authenticate(lc, token, now).name
    check_new_password(new_password, name, old_password)
    login_throttle.check_known_address_lock(lc.engine, now, remote_addr)
    with login_throttle.hashing_slot():
        with lc.session() as session:
            login_throttle.check(session, now, name, remote_addr)
            user = session.get(User, name)
            stored = user.password_hash if user is not None else None
        ok = login_throttle.at_low_priority(lambda: _verify(stored, old_password))
        new_hash = login_throttle.at_low_priority(lambda: _HASHER.hash(new_password)) if ok else ""
    with lc.session() as session, session.begin():
        if not ok:
            login_throttle.record_failure(session, now, name, remote_addr)
            record_audit(session, now, name, "user.password-change-failed", name, None, remote_addr)
        else:
            user = session.get(User, name)
            if user is None or user.password_hash != stored:
                raise WrongPassword("密码已在其他地方被修改，请重新登录后再试")
            user.password_hash = new_hash
            user.must_change_password = False
            session.add(user)
            ended = _revoke_sessions(session, name, keep=token_digest(token))
            login_throttle.clear_account(session, name)
            detail = {"other_sessions_ended": ended}
            record_audit(session, now, name, "user.password-change", name, detail, remote_addr)
    if not ok:
        if lc.metrics is not None:
            lc.metrics.login_failed("wrong_old_password")
        raise WrongPassword("当前密码不正确，密码未修改")
    return ended


def reset_password(
    lc: Lifecycle,
    name: str,
    new_password: str,
    now: datetime,
    *,
    actor: str,
    remote_addr: str | None = None,
    must_change_password: bool = True,
) -> None:
    """An admin sets a user's password: all of the user's sessions end, their failed-login
    count is cleared, and (by default) they must change the password at their next login.

    Raises:
        InputError: when there is no such user.
        PasswordPolicyError: when the password breaks a rule.
    """
    check_password(new_password, name)
    new_hash = _HASHER.hash(new_password)
    with lc.session() as session, session.begin():
        user = session.get(User, name)
        if user is None:
            raise InputError(f"no user {name}")
        require_account(session, actor, name)
        user.password_hash = new_hash
        user.must_change_password = must_change_password
        session.add(user)
        ended = _revoke_sessions(session, name)
        login_throttle.clear_account(session, name)
        detail = {"sessions_ended": ended, "must_change_password": must_change_password}
        record_audit(session, now, actor, "user.password-reset", name, detail, remote_addr)


def _revoke_sessions(session: Session, name: str, *, keep: str | None = None) -> int:
    """Revoke the user's live tokens except ``keep`` (a token digest); return how many."""
    ended = 0
    for row in session.exec(select(ApiToken).where(ApiToken.user == name)):
        if row.revoked or row.token_sha256 == keep:
            continue
        row.revoked = True
        session.add(row)
        ended += 1
    return ended


def logout(lc: Lifecycle, token: str, now: datetime, *, remote_addr: str | None = None) -> None:
    """Revoke a token (idempotent)."""
    with lc.session() as session, session.begin():
        row = session.get(ApiToken, token_digest(token))
        if row is None or row.revoked:
            return
        row.revoked = True
        session.add(row)
        record_audit(session, now, row.user, "auth.logout", row.user, None, remote_addr)


def _keep_an_admin(session: Session, name: str) -> None:
    """Refuse a change that takes ``name``, an active admin, out of the admins' ranks when no
    other active account has the admin role (nobody could manage accounts any more)."""
    others = [
        u
        for u in session.exec(select(User).where(col(User.name) != name))
        if u.active and Role.ADMIN.value in u.roles
    ]
    if not others:
        raise LastAdmin(
            f"{name} is the last active admin: give another account the admin role first"
        )


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
        LastAdmin: when disabling it would leave no active account with the admin role.
    """
    with lc.session() as session, session.begin():
        user = session.get(User, name)
        if user is None:
            raise InputError(f"no user {name}")
        require_account(session, actor, name)
        if not active and user.active and Role.ADMIN.value in user.roles:
            _keep_an_admin(session, name)
        user.active = active
        session.add(user)
        if not active:
            _revoke_sessions(session, name)
        action = "user.enable" if active else "user.disable"
        record_audit(session, now, actor, action, name, None, remote_addr)


def set_roles(
    lc: Lifecycle,
    name: str,
    roles: Iterable[str],
    now: datetime,
    *,
    actor: str,
    remote_addr: str | None = None,
) -> list[str]:
    """Replace a user's roles (audited with the roles before and after); returns the new ones.

    The user's sessions stay valid: permissions are read from the account on every request,
    so the change applies to their next request.

    Raises:
        InputError: when there is no such user, for an unknown role or none at all.
        LastAdmin: when it would leave no active account with the admin role.
    """
    role_list = check_roles(roles)
    with lc.session() as session, session.begin():
        user = session.get(User, name)
        if user is None:
            raise InputError(f"no user {name}")
        require_account(session, actor, name)
        before = sorted(user.roles)
        if before == role_list:
            return role_list
        dropped = Role.ADMIN.value in before and Role.ADMIN.value not in role_list
        if dropped and user.active:
            _keep_an_admin(session, name)
        user.roles = role_list
        session.add(user)
        detail = {"before": before, "after": role_list}
        record_audit(session, now, actor, "user.roles", name, detail, remote_addr)
    return role_list


class InspectorLinkError(InputError):
    """An inspector id that cannot be linked to the account (unknown, or taken)."""


def set_inspector(
    lc: Lifecycle,
    name: str,
    inspector_id: str | None,
    now: datetime,
    *,
    actor: str,
    remote_addr: str | None = None,
) -> None:
    """Link the account ``name`` to a registered inspector (``None`` or blank: unlink).

    An account with an inspector id sees its own assignments (我的检查任务) and enters the
    results of its own assigned targets in the console; one without enters none.

    Raises:
        InputError: when there is no such user.
        InspectorLinkError: for an inspector id not in the registry, or one already linked to
            another account.
    """
    wanted = (inspector_id or "").strip() or None
    with lc.session() as session, session.begin():
        user = session.get(User, name)
        if user is None:
            raise InputError(f"no user {name}")
        require_account(session, actor, name)
        if wanted is not None:
            inspector = session.get(Inspector, wanted)
            if inspector is None:
                raise InspectorLinkError(f"no inspector {wanted} in the registry")
            require_units(session, actor, [inspector.org_unit], f"检查人员 {wanted} ")
            other = session.exec(
                select(User).where(User.inspector_id == wanted, User.name != name)
            ).first()
            if other is not None:
                raise InspectorLinkError(f"inspector {wanted} is linked to {other.name} already")
        before = user.inspector_id
        user.inspector_id = wanted
        session.add(user)
        detail = {"inspector": wanted, "before": before}
        record_audit(session, now, actor, "user.set-inspector", name, detail, remote_addr)


def inspector_of(lc: Lifecycle, name: str) -> str | None:
    """The inspector id linked to the account ``name`` (None: none, or no such account)."""
    with lc.session() as session:
        user = session.get(User, name)
        return user.inspector_id if user is not None else None


def set_org_unit(
    lc: Lifecycle,
    name: str,
    org_unit: str | None,
    now: datetime,
    *,
    actor: str,
    remote_addr: str | None = None,
) -> str | None:
    """Move the account ``name`` to ``org_unit`` (None or blank: the whole office); audited
    with the unit before and after. Both the account and the unit must lie in the actor's
    scope. The user's sessions stay valid: the scope is read on every request.

    Raises:
        InputError: when there is no such user, or for an unknown unit (naming the field).
        OutOfScope: for an account or a unit outside the actor's scope.
        LastAdmin: when it would leave no active whole-office admin.
    """
    with lc.session() as session, session.begin():
        user = session.get(User, name)
        if user is None:
            raise InputError(f"no user {name}")
        require_account(session, actor, name)
        unit = check_unit(session, actor, org_unit)
        before = user.org_unit
        if before == unit:
            return unit
        if user.active and Role.ADMIN.value in user.roles and not _whole(session, name, unit):
            _keep_a_whole_office_admin(session, name)
        user.org_unit = unit
        session.add(user)
        detail = {"before": before, "after": unit}
        record_audit(session, now, actor, "user.org-unit", name, detail, remote_addr)
    return unit


def _whole(session: Session, name: str, unit: str | None) -> bool:
    return unit_scope(session, name, unit).whole


def _keep_a_whole_office_admin(session: Session, name: str) -> None:
    """Refuse moving ``name`` out of the whole office when no other active admin has it:
    nobody could manage the registries or the accounts of the other units any more."""
    others = [
        u
        for u in session.exec(select(User).where(col(User.name) != name))
        if u.active and Role.ADMIN.value in u.roles and scope_of(session, u.name).whole
    ]
    if not others:
        raise LastAdmin(
            f"{name} 是唯一一个全办公室范围的管理员：请先让另一个管理员账号属于市级单位"
        )


def check_org_unit(lc: Lifecycle, org_unit: str | None, actor: str) -> str | None:
    """Validate an org unit for a new account before any password is asked for (the CLI).

    Raises:
        InputError: for a unit the registry does not hold.
        OutOfScope: for a unit outside the actor's scope.
    """
    with lc.session() as session:
        return check_unit(session, actor, org_unit)
