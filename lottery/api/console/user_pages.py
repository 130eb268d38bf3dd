"""用户管理 (Perm.USERS_MANAGE): list, add, disable or enable, reset a password, change roles.

Each action calls the function the JSON API's ``/api/users`` routes call
(:func:`users.create_user` with ``must_change_password``, :func:`users.set_active`,
:func:`users.reset_password`, :func:`users.set_roles`); the password policy's messages sit
next to the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.core.errors import InputError
from lottery.service import org_scope, users
from lottery.service.lifecycle import Lifecycle
from lottery.service.password_policy import MAX_LENGTH, PasswordPolicyError
from lottery.service.roles import ROLE_NAMES_ZH, Perm, Role

from .render import page, redirect_done
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
ROLE_CHOICES = [(role.value, ROLE_NAMES_ZH[role]) for role in Role]
POLICY_HINT = "至少 12 个字符，不得包含用户名，不得是常见密码。用户首次登录时须改为自己的密码。"
DONE = {
    "create": "已新建用户 {name}。请把初始密码当面或通过可靠渠道告诉本人。",
    "disable": "已停用用户 {name}，其所有登录已失效。",
    "enable": "已启用用户 {name}。",
    "reset": "已重置用户 {name} 的密码，其所有登录已失效；本人下次登录时须修改密码。",
    "roles": "已更改用户 {name} 的角色，下一次操作起生效。",
    "inspector": "已保存用户 {name} 对应的执法检查人员编号。",
    "unit": "已更改用户 {name} 所属的单位，下一次操作起生效。",
}


def _list_page(
    user: ConsoleUser,
    service: Lifecycle,
    *,
    status: int = 200,
    done: str = "",
    error: str = "",
    form: Mapping[str, object] | None = None,
    errors: dict[str, str] | None = None,
    inspector_values: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        "users.html",
        user=user,
        active="users",
        status=status,
        accounts=users.list_users(service, user.name),
        role_choices=ROLE_CHOICES,
        unit_choices=org_scope.assignable_units(service, user.name),
        whole_office=org_scope.unit_of(service, user.name)[0] is None,
        password_hint=POLICY_HINT,
        done=done,
        error=error,
        form=form or {"name": "", "roles": [], "org_unit": ""},
        errors=errors or {},
        inspector_values=inspector_values or {},
    )


def _done(kind: str, name: str) -> RedirectResponse:
    return redirect_done("/console/users", done=kind, name=name)


def _exists(service: Lifecycle, name: str, actor: str | None = None) -> bool:
    """Whether the account ``name`` exists (with ``actor``: within the actor's scope)."""
    return any(u.name == name for u in users.list_users(service, actor))


@router.get("/users")
def user_list(user: User, service: ServiceDep, done: str = "", name: str = "") -> HTMLResponse:
    """Every account, and the form to add one."""
    require(user, Perm.USERS_MANAGE)
    message = ""
    if done in DONE and _exists(service, name):
        message = DONE[done].format(name=name)
    return _list_page(user, service, done=message)


def _new_user_errors(name: str, roles: list[str], password: str) -> dict[str, str]:
    errors = {}
    if not name.strip():
        errors["name"] = "请输入用户名"
    elif not users.NAME_RE.match(name):
        errors["name"] = "用户名只能用英文字母、数字和 . _ -，以字母或数字开头，最多 64 个字符"
    valid = {r.value for r in Role}
    if not roles:
        errors["roles"] = "请至少选择一个角色"
    elif not set(roles) <= valid:
        errors["roles"] = "请从列出的角色中选择"
    if not password:
        errors["password"] = "请输入初始密码"  # noqa: S105 - a message
    elif len(password) > MAX_LENGTH:
        errors["password"] = f"密码太长：最多 {MAX_LENGTH} 个字符"
    return errors


@router.post("/users", response_model=None)
def add_user(
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    name: FormText = "",
    password: FormText = "",
    roles: Annotated[list[str] | None, Form()] = None,
    org_unit: FormText = "",
) -> Response:
    """Create an account whose user must change the password at first login, in the chosen
    org unit (blank: the whole office, for a whole-office admin only)."""
    check_csrf(user, csrf)
    require(user, Perm.USERS_MANAGE)
    chosen = list(dict.fromkeys(roles or []))
    errors = _new_user_errors(name, chosen, password)
    if not errors:
        try:
            users.create_user(
                service,
                name,
                password,
                chosen,
                now,
                actor=user.name,
                remote_addr=addr,
                must_change_password=True,
                org_unit=org_unit,
            )
        except users.UserExists:
            errors["name"] = f"用户名 {name} 已被使用，请换一个"
        except PasswordPolicyError as exc:
            errors["password"] = str(exc)
        except org_scope.OutOfScope as exc:
            errors["org_unit"] = str(exc)
        except InputError as exc:
            if "org_unit" in str(exc):
                errors["org_unit"] = "所选的单位不存在，请从列出的单位中选择"
            else:
                errors["name"] = "用户名或角色不符合要求"
        else:
            return _done("create", name)
    form = {"name": name[:200], "roles": chosen, "org_unit": org_unit[:64]}
    return _list_page(user, service, status=422, form=form, errors=errors)


def _no_such_user(user: ConsoleUser) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        status=404,
        heading="找不到这个用户",
        message="找不到这个用户：地址可能有误，或用户名已更改。",
        back="/console/users",
        back_label="返回用户管理",
    )


def _managed(user: ConsoleUser, csrf: str, service: Lifecycle, name: str) -> HTMLResponse | None:
    """Why a form about the account ``name`` is refused (bad token, no right, no such account),
    or None when it may go on."""
    check_csrf(user, csrf)
    require(user, Perm.USERS_MANAGE)
    return None if _exists(service, name, user.name) else _no_such_user(user)


@router.post("/users/{name}/active", response_model=None)
def set_active(
    name: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    active: FormText = "",
) -> Response:
    """Enable (``active=1``) or disable (``active=0``) an account; disabling ends its logins."""
    if (refusal := _managed(user, csrf, service, name)) is not None:
        return refusal
    if active not in ("0", "1"):
        return _list_page(user, service, status=422, error="请求有误，未作任何更改。")
    if active == "0" and name == user.name:
        return _list_page(
            user, service, status=409, error="不能停用您自己正在使用的账号，未作任何更改。"
        )
    try:
        users.set_active(service, name, active == "1", now, actor=user.name, remote_addr=addr)
    except users.LastAdmin:  # only when another admin was disabled at the same moment
        message = f"{name} 是唯一启用的系统管理员，不能停用，未作任何更改。"
        return _list_page(user, service, status=409, error=message)
    done = "enable" if active == "1" else "disable"
    return _done(done, name)


def _account_page(
    template: str,
    user: ConsoleUser,
    name: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    **fields: Any,
) -> HTMLResponse:
    """A page about the account ``name`` (reset its password, change its roles)."""
    return page(
        template,
        user=user,
        active="users",
        status=status,
        name=name,
        errors=errors or {},
        **fields,
    )


def _reset_page(
    user: ConsoleUser, name: str, *, status: int = 200, errors: dict[str, str] | None = None
) -> HTMLResponse:
    return _account_page(
        "user_reset.html", user, name, status=status, errors=errors, password_hint=POLICY_HINT
    )


@router.get("/users/{name}/reset", response_model=None)
def reset_form(name: str, user: User, service: ServiceDep) -> Response:
    """The confirmation page of a password reset: what happens, and the new password."""
    require(user, Perm.USERS_MANAGE)
    if not _exists(service, name, user.name):
        return _no_such_user(user)
    return _reset_page(user, name)


@router.post("/users/{name}/reset", response_model=None)
def reset(
    name: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    password: FormText = "",
) -> Response:
    """Set the password; the user's logins end and they must change it at next login."""
    if (refusal := _managed(user, csrf, service, name)) is not None:
        return refusal
    errors = {}
    if not password:
        errors["password"] = "请输入新的初始密码"  # noqa: S105 - a message
    elif len(password) > MAX_LENGTH:
        errors["password"] = f"密码太长：最多 {MAX_LENGTH} 个字符"
    else:
        try:
            users.reset_password(service, name, password, now, actor=user.name, remote_addr=addr)
        except PasswordPolicyError as exc:
            errors["password"] = str(exc)
        else:
            return _done("reset", name)
    return _reset_page(user, name, status=422, errors=errors)


def _roles_page(
    user: ConsoleUser,
    name: str,
    chosen: list[str],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    return _account_page(
        "user_roles.html",
        user,
        name,
        status=status,
        errors=errors,
        chosen=chosen,
        role_choices=ROLE_CHOICES,
    )


@router.get("/users/{name}/roles", response_model=None)
def roles_form(name: str, user: User, service: ServiceDep) -> Response:
    """The form to change a user's roles, with the current ones checked."""
    require(user, Perm.USERS_MANAGE)
    account = next((u for u in users.list_users(service, user.name) if u.name == name), None)
    if account is None:
        return _no_such_user(user)
    return _roles_page(user, name, list(account.roles))


@router.post("/users/{name}/roles", response_model=None)
def set_roles(
    name: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Replace the roles (audited); the last active admin keeps the admin role."""
    if (refusal := _managed(user, csrf, service, name)) is not None:
        return refusal
    chosen = list(dict.fromkeys(roles or []))
    errors = {}
    if not chosen:
        errors["roles"] = "请至少选择一个角色"
    elif not set(chosen) <= {r.value for r in Role}:
        errors["roles"] = "请从列出的角色中选择"
    else:
        try:
            users.set_roles(service, name, chosen, now, actor=user.name, remote_addr=addr)
        except users.LastAdmin:
            errors["roles"] = (
                f"{name} 是唯一启用的系统管理员：取消其管理员角色后将没有人能管理账号。"
                "请先给另一个账号系统管理员角色。"
            )
        else:
            return _done("roles", name)
    valid = [c for c in chosen if c in {r.value for r in Role}]
    return _roles_page(user, name, valid, status=422, errors=errors)


@router.post("/users/{name}/inspector", response_model=None)
def set_inspector(
    name: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    inspector_id: FormText = "",
) -> Response:
    """Link the account to a registered inspector id (blank: unlink)."""
    if (refusal := _managed(user, csrf, service, name)) is not None:
        return refusal
    wanted = inspector_id.strip()
    key = f"inspector:{name}"
    if len(wanted) > 64:
        error = "执法检查人员编号最多 64 个字符"
    else:
        try:
            users.set_inspector(service, name, wanted, now, actor=user.name, remote_addr=addr)
        except users.InspectorLinkError as exc:
            taken = "linked to" in str(exc)
            error = (
                f"编号 {wanted} 已关联到另一个账号，一名执法检查人员只能对应一个账号"
                if taken
                else f"执法检查人员名录中没有编号 {wanted}，请核对"
            )
        else:
            return _done("inspector", name)
    return _list_page(
        user,
        service,
        status=422,
        errors={key: error},
        inspector_values={name: inspector_id[:100]},
    )


@router.post("/users/{name}/unit", response_model=None)
def set_unit(
    name: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    org_unit: FormText = "",
) -> Response:
    """Move the account to an org unit within the admin's own (blank: the whole office)."""
    if (refusal := _managed(user, csrf, service, name)) is not None:
        return refusal
    try:
        users.set_org_unit(service, name, org_unit, now, actor=user.name, remote_addr=addr)
    except users.LastAdmin as exc:
        return _list_page(user, service, status=409, error=f"{exc}，未作任何更改。")
    except org_scope.OutOfScope as exc:
        return _list_page(user, service, status=403, errors={f"unit:{name}": str(exc)})
    except InputError:
        error = "所选的单位不存在，请从列出的单位中选择"
        return _list_page(user, service, status=422, errors={f"unit:{name}": error})
    return _done("unit", name)
