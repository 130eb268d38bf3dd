"""Login, logout, who am I, and changing one's own password."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from lottery.api.deps import (
    COOKIE,
    NowDep,
    RemoteAddr,
    ServiceDep,
    SessionUser,
    get_now,
    get_remote_addr,
    get_service,
    over_https,
    set_session_cookie,
    token_of,
)
from lottery.api.schemas import ERROR_RESPONSES, ErrorBody, LoginRequest, LoginResponse, Me
from lottery.service import login_throttle, users
from lottery.service.roles import permissions

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERROR_RESPONSES)
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorBody,
        "description": "too many failed logins (or too many at once): see Retry-After",
    }
}


class PasswordChange(BaseModel):
    """The caller's current password and the new one (the policy applies to the new one)."""

    model_config = ConfigDict(extra="forbid")
    old_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000)


class PasswordChanged(BaseModel):
    other_sessions_ended: int


@router.post("/login", response_model=LoginResponse, responses=THROTTLED)
async def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
    """Check the password; return a bearer token and set the console's session cookie.

    Throttled per account and per address: 429 with Retry-After while locked.
    """
    # Async, with the dependencies called in line: an address known to be locked is refused,
    # and a caller waits for a hashing slot, on the event loop without holding a pool thread.
    service, now, addr = get_service(request), get_now(request), get_remote_addr(request)
    try:
        login_throttle.check_known_address_lock(service.engine, now, addr)
        async with login_throttle.hashing_slot_async():
            token, expires, user = await run_in_threadpool(
                users.login,
                service,
                body.name,
                body.password,
                now,
                remote_addr=addr,
                slot_held=True,
            )
    except login_throttle.Throttled as exc:
        if service.metrics is not None:
            service.metrics.login_failed(exc.reason)
        await asyncio.sleep(login_throttle.TARPIT_SECONDS)
        raise
    set_session_cookie(response, token, secure=over_https(request))
    return LoginResponse(
        token=token,
        expires_at=expires,
        user=user.name,
        roles=list(user.roles),
        must_change_password=user.must_change_password,
    )


@router.post("/logout", status_code=204)
def logout(
    request: Request, user: SessionUser, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """Revoke the caller's token."""
    users.logout(service, _token(request), now, remote_addr=addr)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/", secure=over_https(request))
    return response


@router.post("/password", response_model=PasswordChanged, responses=THROTTLED)
def change_password(
    body: PasswordChange,
    request: Request,
    user: SessionUser,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> PasswordChanged:
    """Change the caller's own password (open even while a change is required).

    The current session stays valid; every other session of the caller ends. A wrong current
    password is 403 and counts as a failed login.
    """
    ended = users.change_own_password(
        service, _token(request), body.old_password, body.new_password, now, remote_addr=addr
    )
    return PasswordChanged(other_sessions_ended=ended)


def _token(request: Request) -> str:
    """The caller's token (the session dependency has already accepted it)."""
    return _bearer(request) or token_of(request, None)


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


@router.get("/me", response_model=Me)
def me(user: SessionUser) -> Me:
    """The caller's name, roles and permissions, and whether they must change their password."""
    return Me(
        name=user.name,
        roles=list(user.roles),
        permissions=sorted(p.value for p in permissions(user.roles)),
        must_change_password=user.must_change_password,
        org_unit=user.org_unit,
    )
