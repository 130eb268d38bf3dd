"""Staff accounts (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require
from lottery.api.schemas import ERROR_RESPONSES, UserActive, UserCreate, UserPublic, UserRoles
from lottery.service import users
from lottery.service.roles import Perm
from lottery.service.users import StaffUser

router = APIRouter(prefix="/api/users", tags=["users"], responses=ERROR_RESPONSES)
Admin = Annotated[StaffUser, Depends(require(Perm.USERS_MANAGE))]
UserName = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=list[UserPublic])
def list_users(admin: Admin, service: ServiceDep) -> list[UserPublic]:
    """Every account within the admin's org unit (all of them for a whole-office admin)."""
    return [UserPublic.of(u) for u in users.list_users(service, admin.name)]


@router.post("", response_model=UserPublic, status_code=201)
def create_user(
    body: UserCreate, admin: Admin, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> UserPublic:
    """Create an account with roles; its user must change the password at first login."""
    users.create_user(
        service,
        body.name,
        body.password,
        body.roles,
        now,
        actor=admin.name,
        remote_addr=addr,
        must_change_password=True,
        org_unit=body.org_unit,
    )
    return next(UserPublic.of(u) for u in users.list_users(service) if u.name == body.name)


@router.put("/{name}/active", status_code=204)
def set_active(
    name: UserName,
    body: UserActive,
    admin: Admin,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> None:
    """Enable or disable an account (disabling ends its sessions)."""
    users.set_active(service, name, body.active, now, actor=admin.name, remote_addr=addr)


class PasswordReset(BaseModel):
    """The new password an admin sets (the policy applies; the user must change it)."""

    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=1000)


@router.put("/{name}/password", status_code=204)
def reset_password(
    name: UserName,
    body: PasswordReset,
    admin: Admin,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> None:
    """Set a user's password: their sessions end and they must change it at next login."""
    users.reset_password(service, name, body.password, now, actor=admin.name, remote_addr=addr)


@router.put("/{name}/roles", response_model=UserPublic)
def set_roles(
    name: UserName,
    body: UserRoles,
    admin: Admin,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> UserPublic:
    """Replace a user's roles (refused, 409, when it would leave no active admin)."""
    users.set_roles(service, name, body.roles, now, actor=admin.name, remote_addr=addr)
    return next(UserPublic.of(u) for u in users.list_users(service) if u.name == name)


class InspectorLink(BaseModel):
    """The inspector id an account is (``null`` unlinks)."""

    model_config = ConfigDict(extra="forbid")
    inspector_id: str | None = Field(default=None, max_length=64)


@router.put("/{name}/inspector", status_code=204)
def set_inspector(
    name: UserName,
    body: InspectorLink,
    admin: Admin,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> None:
    """Link an account to a registered inspector (or unlink it); 422 for an unknown id."""
    users.set_inspector(service, name, body.inspector_id, now, actor=admin.name, remote_addr=addr)


class OrgUnitChange(BaseModel):
    """The org unit an account acts within (``null``: the whole office)."""

    model_config = ConfigDict(extra="forbid")
    org_unit: str | None = Field(default=None, max_length=64)


@router.put("/{name}/org-unit", response_model=UserPublic)
def set_org_unit(
    name: UserName,
    body: OrgUnitChange,
    admin: Admin,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> UserPublic:
    """Move an account to an org unit: both within the admin's own unit (else 403); 422 for
    an unknown unit; 409 when it would leave no whole-office admin."""
    users.set_org_unit(service, name, body.org_unit, now, actor=admin.name, remote_addr=addr)
    return next(UserPublic.of(u) for u in users.list_users(service) if u.name == name)
