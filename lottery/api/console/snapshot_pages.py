"""名录快照: publish a registry's public fields (targets, inspectors, org units), after a
confirmation page that shows exactly what is published.

The confirmation reads the snapshot the service would publish (:func:`registry_view.
snapshot_blob`: public fields only, removed rows left out); publishing calls
:func:`registry_view.publish_snapshot`, as ``POST /api/registries/{registry}/snapshot``
does. An unchanged registry publishes nothing new (the service returns the last record).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery import registry_io as rio
from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.core.canonical import parse_time, sha256_hex
from lottery.core.errors import LotteryError
from lottery.service import registry_view
from lottery.service.lifecycle import Lifecycle
from lottery.service.roles import Perm

from . import words
from .render import page
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
NAMES_ZH = {"targets": "检查对象名录", "inspectors": "执法检查人员名录", "org-units": "单位名录"}
PRIVATE_ZH = {
    "targets": "投诉举报次数、不良记录次数、严重违法标记、联系电话、备注",
    "inspectors": "联系电话、回避关系及其原因",
    "org-units": "无（单位名录的各栏都公开）",
}
SAMPLE_ROWS = 5


def _last(service: Lifecycle, registry: str) -> dict[str, Any] | None:
    record = registry_view.latest_snapshot(service, registry)
    if record is None:
        return None
    return {
        "id": record.id,
        "rows": record.body["rows"],
        "as_of": parse_time(record.body["as_of"]),
        "blob": record.body["blob"],
    }


@router.get("/snapshots")
def snapshot_list(user: User, service: ServiceDep, done: str = "") -> HTMLResponse:
    """The registries with a public snapshot, and each one's last publication."""
    require(user, Perm.REGISTRY_WRITE)
    registries = [
        {"key": key, "name": NAMES_ZH[key], "last": _last(service, key)}
        for key in registry_view.SNAPSHOT_REGISTRIES
    ]
    message = ""
    if done in NAMES_ZH:
        message = f"已发布{NAMES_ZH[done]}的快照。"
    elif done.startswith("same-") and done[5:] in NAMES_ZH:
        message = f"{NAMES_ZH[done[5:]]}与上次发布的快照相同，没有发布新的记录。"
    return page(
        "snapshots.html", user=user, active="snapshots", registries=registries, done=message
    )


def _headers(registry: str) -> list[str]:
    layout = rio.LAYOUTS[registry]
    return [layout.column(f).headers[0] for f in registry_view.SNAPSHOT_FIELDS[registry]]


def _not_found(user: ConsoleUser) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        status=404,
        heading="没有这个名录",
        message="只有检查对象、执法检查人员和单位名录发布快照。",
        back="/console/snapshots",
        back_label="返回名录快照",
    )


@router.get("/snapshots/{registry}", response_model=None)
def confirm(registry: str, user: User, service: ServiceDep) -> Response:
    """The confirmation page: the public fields, the row count, the first rows."""
    require(user, Perm.REGISTRY_WRITE)
    if registry not in NAMES_ZH:
        return _not_found(user)
    blob, count = registry_view.snapshot_blob(service, registry)
    last = _last(service, registry)
    rows = json.loads(blob)["rows"]
    return page(
        "snapshot_confirm.html",
        user=user,
        active="snapshots",
        key=registry,
        name=NAMES_ZH[registry],
        private=PRIVATE_ZH[registry],
        columns=_headers(registry),
        sample=rows[:SAMPLE_ROWS],
        count=count,
        last=last,
        unchanged=last is not None and last["blob"] == sha256_hex(blob),
    )


@router.post("/snapshots/{registry}", response_model=None)
def publish(
    registry: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
) -> Response:
    """Publish the snapshot (nothing new when the registry is unchanged)."""
    check_csrf(user, csrf)
    require(user, Perm.REGISTRY_WRITE)
    if registry not in NAMES_ZH:
        return _not_found(user)
    before = _last(service, registry)
    try:
        record = registry_view.publish_snapshot(
            service, registry, actor=user.name, now=now, remote_addr=addr
        )
    except LotteryError as exc:
        return page(
            "message.html",
            user=user,
            status=422,
            heading="没有发布快照",
            message=_refusal(exc),
            back="/console/snapshots",
            back_label="返回名录快照",
        )
    same = before is not None and before["id"] == record.id
    done = f"same-{registry}" if same else registry
    return RedirectResponse(f"/console/snapshots?done={done}", status_code=303)


def _refusal(exc: LotteryError) -> str:
    if "is empty" in str(exc):
        return "这个名录是空的，没有可发布的内容。请先导入名录。"
    return words.error_zh(exc)
