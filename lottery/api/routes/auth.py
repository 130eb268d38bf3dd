"""Login, logout and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from lottery.api.deps import COOKIE, CurrentUser, NowDep, RemoteAddr, ServiceDep, token_of
from lottery.api.schemas import ERROR_RESPONSES, LoginRequest, LoginResponse, Me
from lottery.service import users
from lottery.service.roles import permissions

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/login", response_model=LoginResponse)
def login(
    body: LoginRequest, response: Response, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> LoginResponse:
    """Check the password; return a bearer token and set the console's session cookie."""
    token, expires, user = users.login(service, body.name, body.password, now, remote_addr=addr)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(users.TOKEN_TTL.total_seconds()),  # the server enforces the expiry
        httponly=True,
        samesite="strict",
        secure=False,  # served on 127.0.0.1 by default; behind TLS set by the proxy
        path="/",
    )
    return LoginResponse(token=token, expires_at=expires, user=user.name, roles=list(user.roles))


@router.post("/logout", status_code=204)
def logout(
    request: Request, user: CurrentUser, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """Revoke the caller's token."""
    token = _bearer(request) or token_of(request, None)
    users.logout(service, token, now, remote_addr=addr)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


@router.get("/me", response_model=Me)
def me(user: CurrentUser) -> Me:
    """The caller's name, roles and permissions."""
    return Me(
        name=user.name,
        roles=list(user.roles),
        permissions=sorted(p.value for p in permissions(user.roles)),
    )
