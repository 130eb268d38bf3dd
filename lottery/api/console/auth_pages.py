"""Login, logout and changing one's own password: the console's forms over the users service.

Login follows the API's route step for step (the address lock, a hashing slot awaited on the
event loop, the tarpit after a refusal), so the throttle treats both alike.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import (
    COOKIE,
    NowDep,
    RemoteAddr,
    ServiceDep,
    get_now,
    get_remote_addr,
    over_https,
    set_session_cookie,
)
from lottery.api.deps import get_service as service_of
from lottery.service import login_throttle, users
from lottery.service.password_policy import MAX_LENGTH, PasswordPolicyError

from .render import page
from .session import (
    LOGIN_CSRF_COOKIE,
    LoginRequired,
    SessionUser,
    check_csrf,
    new_login_csrf,
    session_user,
)

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
MAX_NAME = 200


def _login_page(
    *,
    status: int = 200,
    name: str = "",
    errors: dict[str, str] | None = None,
    error: str = "",
    notice: str = "",
    headers: dict[str, str] | None = None,
    secure: bool = False,
) -> HTMLResponse:
    csrf = new_login_csrf()
    response = page(
        "login.html",
        user=None,
        status=status,
        csrf=csrf,
        name=name,
        errors=errors or {},
        error=error,
        notice=notice,
        headers=headers,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/console",
    )
    return response


@router.get("/login", response_model=None)
def login_form(
    request: Request, service: ServiceDep, now: NowDep, expired: int = 0, bye: int = 0
) -> Response:
    """The login form (a logged-in user goes straight to the 工作台)."""
    try:
        session_user(request, service, now)
        return RedirectResponse("/console/", status_code=303)
    except LoginRequired:
        pass
    notice = ""
    if expired:
        notice = "登录已过期或已失效，请重新登录。"
    elif bye:
        notice = "您已退出登录。"
    return _login_page(notice=notice, secure=over_https(request))


def _login_field_errors(name: str, password: str) -> dict[str, str]:
    errors = {}
    if not name.strip():
        errors["name"] = "请输入用户名"
    elif len(name) > MAX_NAME:
        errors["name"] = f"用户名太长：最多 {MAX_NAME} 个字符"
    if not password:
        errors["password"] = "请输入密码"  # noqa: S105 - a message, not a password
    elif len(password) > MAX_LENGTH:
        errors["password"] = f"密码太长：最多 {MAX_LENGTH} 个字符"
    return errors


@router.post("/login", response_model=None)
async def login(
    request: Request,
    name: FormText = "",
    password: FormText = "",
    csrf: FormText = "",
) -> Response:
    """Check the password; on success set the session cookie and open the 工作台."""
    https = over_https(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode("utf-8", "replace")):
        return _login_page(
            status=403,
            name=name,
            error="登录页面已过期，请重新输入用户名和密码。",
            secure=https,
        )
    errors = _login_field_errors(name, password)
    if errors:
        return _login_page(status=422, name=name, errors=errors, secure=https)
    service, now, addr = service_of(request), get_now(request), get_remote_addr(request)
    try:
        login_throttle.check_known_address_lock(service.engine, now, addr)
        async with login_throttle.hashing_slot_async():
            token, _, user = await run_in_threadpool(
                users.login, service, name, password, now, remote_addr=addr, slot_held=True
            )
    except login_throttle.Throttled as exc:
        if service.metrics is not None:
            service.metrics.login_failed(exc.reason)
        await asyncio.sleep(login_throttle.TARPIT_SECONDS)
        return _login_page(
            status=429,
            name=name,
            error=str(exc),
            headers={"Retry-After": str(exc.retry_after)},
            secure=https,
        )
    except users.AuthError:
        return _login_page(
            status=401, name=name, errors={"password": "用户名或密码不正确"}, secure=https
        )
    target = "/console/password" if user.must_change_password else "/console/"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, token, secure=https)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console", secure=https)
    return response


@router.post("/logout")
def logout(
    request: Request,
    user: SessionUser,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
) -> RedirectResponse:
    """End the session (the token is revoked in the database) and show the login page."""
    check_csrf(user, csrf)
    users.logout(service, request.cookies.get(COOKIE, ""), now, remote_addr=addr)
    response = RedirectResponse("/console/login?bye=1", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=over_https(request))
    return response


@router.get("/password")
def password_form(user: SessionUser) -> HTMLResponse:
    """The form to change one's own password (the only page before a forced change)."""
    return page(
        "password.html",
        user=user,
        active="password",
        forced=user.staff.must_change_password,
        done="",
        error="",
        errors={},
    )


def _password_field_errors(old: str, new: str, again: str) -> dict[str, str]:
    errors = {}
    if not old:
        errors["old_password"] = "请输入当前密码"  # noqa: S105 - a message
    elif len(old) > MAX_LENGTH:
        errors["old_password"] = f"密码太长：最多 {MAX_LENGTH} 个字符"
    if not new:
        errors["new_password"] = "请输入新密码"  # noqa: S105 - a message
    if new and again != new:
        errors["new_password2"] = "两次输入的新密码不一致"
    return errors


@router.post("/password")
def change_password(
    request: Request,
    user: SessionUser,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    old_password: FormText = "",
    new_password: FormText = "",
    new_password2: FormText = "",
) -> HTMLResponse:
    """Change the caller's password; the policy's and the check's refusals sit by their field."""
    check_csrf(user, csrf)
    errors = _password_field_errors(old_password, new_password, new_password2)
    error = ""
    status = 422
    if not errors:
        try:
            ended = users.change_own_password(
                service,
                request.cookies.get(COOKIE, ""),
                old_password,
                new_password,
                now,
                remote_addr=addr,
            )
        except PasswordPolicyError as exc:
            errors["new_password"] = str(exc)
        except users.WrongPassword as exc:
            errors["old_password"] = str(exc)
            status = 403
        except login_throttle.Throttled as exc:
            error, status = str(exc), 429
        except users.AuthError:
            raise LoginRequired(expired=True) from None
        else:
            done = f"密码已修改。您在其他地方的 {ended} 处登录已失效。"
            return page(
                "password.html",
                user=replace(user, staff=replace(user.staff, must_change_password=False)),
                active="password",
                forced=False,
                done=done,
                error="",
                errors={},
            )
    return page(
        "password.html",
        user=user,
        active="password",
        status=status,
        forced=user.staff.must_change_password,
        done="",
        error=error,
        errors=errors,
    )
