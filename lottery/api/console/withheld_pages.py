"""以承诺值公开的检查对象类型 (committed pools, docs/spec.md §4 "Committed pools", issue #18).

Every target type, whether its targets are published by name or as salted commitments (only
the picks opened at the reveal), with one button each to change it. Reading needs
``registry.read``; changing ``registry.write`` (and whole-office staff: the service refuses a
unit-scoped account). Changing is :func:`committed_pool.withhold_type`, audited; it takes
effect from the next snapshot and announcement, what was published stays.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, func, select

from lottery.api.deps import NowDep, ServiceDep
from lottery.core.errors import LotteryError
from lottery.service import committed_pool
from lottery.service.lifecycle import Lifecycle
from lottery.service.org_scope import OutOfScope
from lottery.service.roles import Perm
from lottery.storage.models import Target

from . import words
from .render import page
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
URL = "/console/targets/withheld-types"


def _page(
    user: ConsoleUser,
    service: Lifecycle,
    *,
    done: str = "",
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    with service.session() as session:
        withheld = committed_pool.withheld_types(session)
        counts = dict(
            session.exec(select(Target.type, func.count()).group_by(col(Target.type))).all()
        )
    rows = [
        (code, label, code in withheld, counts.get(code, 0))
        for code, label in committed_pool.TYPE_LABELS.items()
    ]
    return page(
        "withheld_types.html",
        user=user,
        active="registries",
        status=status,
        rows=rows,
        done=done,
        error=error,
        can_write=user.can(Perm.REGISTRY_WRITE),
    )


@router.get("/targets/withheld-types")
def withheld_types_page(
    user: User, service: ServiceDep, done: str = "", withheld: str = ""
) -> HTMLResponse:
    """The target types, each published by name or as commitments."""
    require(user, Perm.REGISTRY_READ)
    notice = ""
    label = committed_pool.TYPE_LABELS.get(done)
    if label is not None:  # only a known code is echoed, in the page's own words
        notice = (
            f"已设置：“{label}”类检查对象自下一次名录快照和任务公告起以承诺值公开。"
            if withheld == "1"
            else f"已设置：“{label}”类检查对象自下一次名录快照和任务公告起按名称公开。"
        )
    return _page(user, service, done=notice)


@router.post("/targets/withheld-types", response_model=None)
def withheld_types_submit(
    user: User,
    service: ServiceDep,
    now: NowDep,
    csrf: FormText = "",
    type: FormText = "",
    withheld: FormText = "",
) -> Response:
    """Withhold one type's identity (``withheld=1``) or publish it by name again (``0``)."""
    check_csrf(user, csrf)
    require(user, Perm.REGISTRY_WRITE)
    if type not in committed_pool.TYPE_LABELS or withheld not in ("0", "1"):
        return _page(
            user, service, error="请从列出的检查对象类型中选择。未作任何更改。", status=422
        )
    try:
        committed_pool.withhold_type(service, type, withheld == "1", actor=user.name, now=now)
    except OutOfScope:
        raise
    except LotteryError as exc:
        return _page(user, service, error=words.error_zh(exc), status=422)
    return RedirectResponse(f"{URL}?done={type}&withheld={withheld}", status_code=303)
