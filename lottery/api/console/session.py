"""The console's session: who is logged in, what they may do, and the forms' CSRF token.

The session is the API's: the token ``users.login`` issues, in the same ``HttpOnly``,
``SameSite=Strict`` cookie, valid :data:`lottery.service.users.TOKEN_TTL` (12 hours) and
checked by the service on every request (:func:`lottery.service.users.authenticate`).

CSRF: every console form carries a hidden ``csrf`` field, derived from the session token
(SHA-256 of a fixed label and the token). Another site cannot read the cookie, so it cannot
compute the field; the server recomputes it and refuses a POST without the right one. The
login form, before any session, uses a random value in a short-lived cookie that the form
must repeat (double submit). The JSON API keeps its own rule (the ``X-Lottery-CSRF`` header).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from lottery.api.deps import COOKIE, NowDep, ServiceDep
from lottery.service import org_scope
from lottery.service.roles import Perm
from lottery.service.users import AuthError, StaffUser, authenticate

LOGIN_CSRF_COOKIE = "lottery_login_csrf"
_CSRF_LABEL = b"lottery console csrf\x00"


class LoginRequired(Exception):
    """No valid session: the handler sends the browser to the login page."""

    def __init__(self, expired: bool) -> None:
        super().__init__("login required")
        self.expired = expired


class PasswordChangeFirst(Exception):
    """The user must change their password before anything else (redirect to that page)."""


class Refused(Exception):
    """The user's roles do not hold ``perm``: the handler shows the Chinese refusal page."""

    def __init__(self, user: ConsoleUser, perm: Perm) -> None:
        super().__init__(f"refused: {perm}")
        self.user = user
        self.perm = perm


class BadCsrf(Exception):
    """A form POST without the session's CSRF token."""


@dataclass(frozen=True)
class ConsoleUser:
    """The logged-in staff member and their session's CSRF token."""

    staff: StaffUser
    csrf: str
    unit_name: str = ""  # the org unit the account acts within (「全办公室」 without one)

    @property
    def name(self) -> str:
        return self.staff.name

    def can(self, perm: Perm) -> bool:
        return self.staff.can(perm)


def csrf_of(token: str) -> str:
    """The CSRF field value of the session ``token``."""
    return hashlib.sha256(_CSRF_LABEL + token.encode("utf-8")).hexdigest()


def new_login_csrf() -> str:
    """A random value for the login form and its cookie."""
    return secrets.token_urlsafe(24)


def _session(request: Request, service: ServiceDep, now: NowDep) -> tuple[StaffUser, str]:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired(expired=False)
    try:
        return authenticate(service, token, now), token
    except AuthError:
        raise LoginRequired(expired=True) from None


def session_user(request: Request, service: ServiceDep, now: NowDep) -> ConsoleUser:
    """The logged-in user, even one who must change their password (that page only).

    Raises:
        LoginRequired: no session, or an expired or revoked one.
    """
    staff, token = _session(request, service, now)
    return ConsoleUser(staff, csrf_of(token), org_scope.unit_of(service, staff.name)[1])


def console_user(user: Annotated[ConsoleUser, Depends(session_user)]) -> ConsoleUser:
    """The logged-in user who has no pending password change.

    Raises:
        LoginRequired: no valid session.
        PasswordChangeFirst: an admin created or reset the account.
    """
    if user.staff.must_change_password:
        raise PasswordChangeFirst
    return user


SessionUser = Annotated[ConsoleUser, Depends(session_user)]
User = Annotated[ConsoleUser, Depends(console_user)]


def check_csrf(user: ConsoleUser, submitted: str) -> None:
    """Refuse a form whose ``csrf`` field is not the session's.

    Raises:
        BadCsrf: when it differs or is missing.
    """
    if not hmac.compare_digest(user.csrf.encode(), submitted.encode("utf-8", "replace")):
        raise BadCsrf


def require(user: ConsoleUser, perm: Perm) -> None:
    """Refuse unless the user holds ``perm``.

    Raises:
        Refused: the page says, in Chinese, what is not allowed and who may.
    """
    if not user.can(perm):
        raise Refused(user, perm)
