"""Request dependencies: the service, the clock, the caller and their permissions.

Routes declare what they need with ``Annotated`` aliases (``ServiceDep``, ``NowDep``,
``RemoteAddr``) and ``Depends(require(Perm.X))``; authentication and authorization live here
and nowhere else.

A caller is authenticated by ``Authorization: Bearer <token>`` or by the console's session
cookie. A cookie-authenticated request that changes anything must also carry the header
``X-Lottery-CSRF: 1``: a cross-site form cannot set custom headers, so a forged request from
another site fails even if the browser sends the cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lottery.service import users
from lottery.service.exchange import ExchangeService
from lottery.service.lifecycle import Lifecycle
from lottery.service.objections import ObjectionService
from lottery.service.roles import Perm
from lottery.service.site_publishing import SitePublisher
from lottery.service.users import (
    AuthError,
    Forbidden,
    PasswordChangeRequired,
    StaffUser,
    authenticate,
)

COOKIE = "lottery_session"


def over_https(request: Request) -> bool:
    """Whether the request reached the service over HTTPS: its own TLS, or a trusted proxy's
    ``X-Forwarded-Proto: https`` (:mod:`lottery.api.proxy_headers`; from any other peer that
    header is ignored). Cookies set in answer to it are marked ``Secure`` (docs/security.md)."""
    return request.url.scheme == "https"


def set_session_cookie(response: Response, token: str, *, secure: bool) -> None:
    """Give the browser its session cookie (the console's login and ``POST /api/auth/login``).

    ``secure``: the request came over HTTPS (:func:`over_https`); then the browser never sends
    the cookie over plain HTTP. Plain HTTP (``make demo`` on 127.0.0.1, tests) gets a cookie
    without ``Secure``, which a browser would not send back otherwise.
    """
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(users.TOKEN_TTL.total_seconds()),  # the server enforces the expiry
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


CSRF_HEADER = "X-Lottery-CSRF"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_bearer = HTTPBearer(auto_error=False, description="a token from POST /api/auth/login")


def get_service(request: Request) -> Lifecycle:
    """The app's :class:`Lifecycle`."""
    service: Lifecycle = request.app.state.service
    return service


def get_now(request: Request) -> datetime:
    """The current time from the app's clock (injectable in tests)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def get_remote_addr(request: Request) -> str | None:
    """The caller's address, as the audit trail records it."""
    return request.client.host if request.client else None


ServiceDep = Annotated[Lifecycle, Depends(get_service)]
NowDep = Annotated[datetime, Depends(get_now)]
RemoteAddr = Annotated[str | None, Depends(get_remote_addr)]


def token_of(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The caller's token, from the bearer header or the session cookie.

    Raises:
        AuthError: when there is none, or a cookie-authenticated unsafe request lacks the
            CSRF header.
    """
    if credentials is not None and credentials.scheme.lower() == "bearer":
        return credentials.credentials
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise AuthError("not logged in: send Authorization: Bearer <token>")
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != "1":
        raise AuthError(f"cookie sessions must send the {CSRF_HEADER}: 1 header")
    return cookie


def session_user(
    request: Request,
    service: ServiceDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> StaffUser:
    """The logged-in staff member, even one who must still change their password.

    Only "change own password", "who am I" and "log out" take this; every other route takes
    :func:`current_user`.

    Raises:
        AuthError: when not logged in (HTTP 401).
    """
    user = authenticate(service, token_of(request, credentials), now)
    request.state.user = user
    return user


SessionUser = Annotated[StaffUser, Depends(session_user)]


def current_user(user: SessionUser) -> StaffUser:
    """The logged-in staff member, who has no pending password change.

    Raises:
        AuthError: when not logged in (HTTP 401).
        PasswordChangeRequired: when an admin created the account or reset its password and
            the user has not yet chosen their own (HTTP 403).
    """
    if user.must_change_password:
        raise PasswordChangeRequired(
            f"用户 {user.name} 须先修改密码（管理员新建账号或重置密码后首次登录）："
            "请先通过“修改本人密码”（POST /api/auth/password）设置新密码，再进行其他操作"
        )
    return user


CurrentUser = Annotated[StaffUser, Depends(current_user)]


def require(perm: Perm) -> Callable[[StaffUser], StaffUser]:
    """A dependency that admits only users holding ``perm`` (else HTTP 403)."""

    def check(user: CurrentUser) -> StaffUser:
        if not user.can(perm):
            raise Forbidden(f"user {user.name} has no role that may {perm.value}")
        return user

    check.__name__ = f"require_{perm.name.lower()}"
    return check


def permission_of(dependency: Callable[..., object]) -> Perm | None:
    """The permission a :func:`require` dependency checks (for the authorization tests)."""
    name = getattr(dependency, "__name__", "")
    if not name.startswith("require_"):
        return None
    return Perm[name[len("require_") :].upper()]


def schedule(request: Request, *, task_id: str) -> None:
    """Queue the task's next scheduled step right away when this app runs the scheduler.

    Without it the scheduler's periodic sweep finds the task within a minute anyway.
    """
    scheduler = request.app.state.scheduler
    if scheduler is None:
        return
    from lottery.service.scheduler import schedule_task

    schedule_task(scheduler, get_service(request).get_task(task_id))


def site_publisher(request: Request, service: ServiceDep) -> SitePublisher | None:
    """The scheduler's site publisher when this app runs one, else one from the settings
    (``None`` without ``LOTTERY_SITE_DIR``): the JSON API's and the console's site pages."""
    scheduler = request.app.state.scheduler
    if scheduler is not None and scheduler.site is not None:
        site: SitePublisher = scheduler.site
        return site
    return SitePublisher.from_settings(request.app.state.settings, service, request.app.state.clock)


def objection_service(request: Request, service: ServiceDep) -> ObjectionService:
    """The objection service with the office's period (``LOTTERY_OBJECTION_WORKDAYS``)."""
    days = request.app.state.settings.objection_workdays
    return ObjectionService(service.engine, service.log, days)


def exchange_service(request: Request, service: ServiceDep) -> ExchangeService:
    """The platform exchange with the office's name (``LOTTERY_OFFICE_NAME``)."""
    return ExchangeService(service.engine, service.log, str(request.app.state.settings.office_name))
