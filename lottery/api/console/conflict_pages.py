"""回避关系: declared conflicts of interest listed (registry.read), one declared or removed at a
time (registry.write), each audited by the service (:mod:`lottery.service.conflicts`).

The reason is private: shown to the roles the API's staff export shows it to (registry.read),
never published.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.service import conflicts
from lottery.service import registry_browse as rb
from lottery.service.lifecycle import Lifecycle
from lottery.service.registry_browse import PAGE_SIZE
from lottery.service.roles import Perm

from .browse_pages import page_number, pager
from .render import page, redirect_done
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
DONE = {
    "declare": "已登记回避关系：{inspector} 不参与检查 {target}。",
    "remove": "已删除回避关系：{inspector} 与 {target}。",
}


def _list_page(
    user: ConsoleUser,
    service: Lifecycle,
    page_raw: str = "",
    *,
    status: int = 200,
    done: str = "",
    error: str = "",
    form: Mapping[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    page_no = page_number(page_raw)
    found = rb.find_conflicts(service, offset=(page_no - 1) * PAGE_SIZE)
    return page(
        "conflicts.html",
        user=user,
        active="registries",
        status=status,
        found=found,
        can_write=user.can(Perm.REGISTRY_WRITE),
        show_private=user.can(Perm.REGISTRY_READ),
        done=done,
        error=error,
        form=form or {"inspector": "", "target": "", "reason": ""},
        errors=errors or {},
        **pager("/console/conflicts", {}, page_no, found.total),
    )


@router.get("/conflicts")
def conflict_list(
    user: User,
    service: ServiceDep,
    done: str = "",
    inspector: str = "",
    target: str = "",
    page_raw: Annotated[str, Query(alias="page")] = "",
) -> HTMLResponse:
    """The declared conflicts, 50 a page, and (registry.write) the form to declare one."""
    require(user, Perm.REGISTRY_READ)
    message = ""
    if done in DONE and len(inspector) <= 64 and len(target) <= 18:
        message = DONE[done].format(inspector=inspector, target=target)
    return _list_page(user, service, page_raw, done=message)


def _done(kind: str, inspector: str, target: str) -> RedirectResponse:
    return redirect_done("/console/conflicts", done=kind, inspector=inspector, target=target)


@router.post("/conflicts", response_model=None)
def declare(
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    inspector: FormText = "",
    target: FormText = "",
    reason: FormText = "",
) -> Response:
    """Declare one conflict; a bad field is said next to it and nothing is written."""
    check_csrf(user, csrf)
    require(user, Perm.REGISTRY_WRITE)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "请填写回避原因"
    else:
        try:
            pair = conflicts.declare_conflict(
                service, inspector, target, reason, actor=user.name, now=now, remote_addr=addr
            )
        except conflicts.ConflictError as exc:
            errors[exc.field] = exc.message
        else:
            return _done("declare", pair.inspector, pair.target)
    form = {"inspector": inspector[:200], "target": target[:200], "reason": reason[:2000]}
    return _list_page(user, service, status=422, form=form, errors=errors)


@router.post("/conflicts/remove", response_model=None)
def remove(
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    inspector: FormText = "",
    target: FormText = "",
) -> Response:
    """Remove one declared conflict."""
    check_csrf(user, csrf)
    require(user, Perm.REGISTRY_WRITE)
    try:
        conflicts.remove_conflict(
            service, inspector, target, actor=user.name, now=now, remote_addr=addr
        )
    except conflicts.ConflictError as exc:
        return _list_page(user, service, status=409, error=exc.message + "，未作任何更改。")
    return _done("remove", inspector, target)
