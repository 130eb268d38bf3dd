"""抽查事项清单 (the item list, R1): the current version, and a new version edited in a form,
compared with the current one before it is published.

Reading needs ``registry.read``; editing and publishing ``registry.write`` (the API's
permission for item-list versions). The form's items are checked exactly as the rows of an
item-list file (:func:`item_list.parse_item_cells`); the differences are
:func:`item_list.diff_items`'s; publishing is :func:`registries.publish_item_list`, the
function behind every item-list version, which writes the public ``item-list`` record.
The form carries the version it was based on: if another version was published meanwhile,
nothing is published and the differences are shown again against the new one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.api.digits import ascii_int
from lottery.core.errors import InputError
from lottery.registry_io.layouts import ITEMS
from lottery.service import item_list, registries
from lottery.service.lifecycle import Lifecycle
from lottery.service.result_entry import CST
from lottery.service.risk_policy import current_rules
from lottery.service.roles import Perm

from .render import page
from .session import ConsoleUser, User, check_csrf, require
from .words import error_zh

router = APIRouter(prefix="/console", include_in_schema=False)
KEYS = [column.key for column in ITEMS.columns]
TEXT_KEYS = [k for k in KEYS if k not in ("method", "key_item", "target_types")]
LONG_KEYS = {"basis", "content", "requirements", "checklist"}


@dataclass
class Block:
    """One item in the form: its fields' text, whether it is new, dropped, and its errors."""

    n: int
    cells: dict[str, str]
    new: bool = False
    drop: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return self.new and not any(v.strip() for k, v in self.cells.items() if k != "key_item")


def _blank(n: int) -> Block:
    return Block(n, dict.fromkeys(KEYS, ""), new=True)


@router.get("/items")
def items_page(user: User, service: ServiceDep, published: str = "") -> HTMLResponse:
    """The current version of the item list."""
    require(user, Perm.REGISTRY_READ)
    current = item_list.current_item_list(service)
    done = ""
    if current is not None and published == str(current.version):
        done = f"已发布抽查事项清单第 {current.version} 版。"
    return page(
        "items.html",
        user=user,
        active="items",
        current=current,
        cells=[item_list.item_cells(r) for r in current.items] if current else [],
        can_write=user.can(Perm.REGISTRY_WRITE),
        done=done,
        risk_words=_risk_words(service),
    )


def _risk_words(service: Lifecycle) -> list[str]:
    with service.session() as session:
        return current_rules(session).zh_lines()


def _edit_page(
    user: ConsoleUser,
    service: Lifecycle,
    blocks: list[Block],
    *,
    base: int,
    status: int = 200,
    diff: item_list.ItemListDiff | None = None,
    error: str = "",
    shown: str = "",
) -> HTMLResponse:
    current = item_list.current_item_list(service)
    for n, block in enumerate(blocks):
        block.n = n
    return page(
        "item_edit.html",
        user=user,
        active="items",
        status=status,
        current=current,
        base=base,
        blocks=blocks,
        diff=diff,
        error=error,
        shown=shown,
        methods=item_list.METHOD_LABELS,
        target_types=item_list.TYPE_LABELS,
        text_keys=TEXT_KEYS,
        long_keys=LONG_KEYS,
        required={c.key for c in ITEMS.columns if c.required},
    )


@router.get("/items/edit")
def edit_form(user: User, service: ServiceDep) -> HTMLResponse:
    """The current items as a form, with one blank item to add."""
    require(user, Perm.REGISTRY_WRITE)
    current = item_list.current_item_list(service)
    rows = current.items if current else []
    blocks = [Block(n, item_list.item_cells(r)) for n, r in enumerate(rows)]
    blocks.append(_blank(len(blocks)))
    return _edit_page(user, service, blocks, base=current.version if current else 0)


def _blocks(form: FormData) -> list[Block]:
    raw = str(form.get("count", ""))
    count = ascii_int(raw, 5) or 0
    blocks = []
    for n in range(min(count, item_list.MAX_FORM_ITEMS + 1)):
        cells = {k: str(form.get(f"i{n}-{k}", ""))[:5000] for k in TEXT_KEYS}
        cells["method"] = "、".join(str(v) for v in form.getlist(f"i{n}-method"))
        cells["key_item"] = str(form.get(f"i{n}-key_item", ""))
        cells["target_types"] = "、".join(str(v) for v in form.getlist(f"i{n}-target_types"))
        new = form.get(f"i{n}-new") == "1"
        blocks.append(Block(n, cells, new=new, drop=form.get(f"i{n}-drop") == "1"))
    return blocks


def _check(blocks: list[Block]) -> tuple[list[Any], str]:
    """Parse the kept blocks; put each problem on its block and field."""
    kept = [b for b in blocks if not b.drop and not b.blank]
    rows, problems = item_list.parse_item_cells([b.cells for b in kept])
    general = []
    for p in problems:
        if 0 <= p.index < len(kept) and p.key:
            kept[p.index].errors.setdefault(p.key, p.message)
        else:
            general.append(p.message)
    if problems:
        return [], "清单有错误，请按提示改正（错误写在对应的栏目旁）。" + "；".join(general)
    return rows, ""


def _respond(
    user: ConsoleUser,
    service: Lifecycle,
    form: FormData,
    *,
    publish: bool,
    now: Any,
    addr: str | None,
) -> Response:
    blocks = _blocks(form)
    raw_base = str(form.get("base", ""))
    parsed = ascii_int(raw_base, 8)
    base = -1 if parsed is None else parsed
    if len(blocks) > item_list.MAX_FORM_ITEMS:
        error = f"一次最多编辑 {item_list.MAX_FORM_ITEMS} 个事项；更长的清单请用文件导入。"
        return _edit_page(user, service, blocks[:0], base=base, status=422, error=error)
    rows, error = _check(blocks)
    current = item_list.current_item_list(service)
    version = current.version if current else 0
    visible = [b for b in blocks if not b.blank]
    visible.append(_blank(len(blocks)))
    if error:
        return _edit_page(user, service, visible, base=base, status=422, error=error)
    diff = item_list.diff_items(current.items if current else [], rows)
    if base != version:
        error = (
            f"在您编辑期间，抽查事项清单已更新为第 {version} 版，未发布。"
            "下面是与最新版本相比的变化，请核对后再发布。"
        )
        return _edit_page(user, service, visible, base=version, status=409, diff=diff, error=error)
    shown = _fingerprint(rows, version)
    if not publish:
        return _edit_page(user, service, visible, base=base, diff=diff, shown=shown)
    if form.get("shown") != shown:
        error = "清单在比较之后又有改动，未发布。请核对下面的变化后再发布。"
        return _edit_page(
            user, service, visible, base=base, status=409, diff=diff, error=error, shown=shown
        )
    if diff.empty:
        error = "与现行版本相比没有任何变化，未发布。"
        return _edit_page(user, service, visible, base=base, status=409, diff=diff, error=error)
    try:
        registries.publish_item_list(
            service,
            rows,
            actor=user.name,
            now=now,
            effective=now.astimezone(CST).date(),
            remote_addr=addr,
        )
    except InputError as exc:
        return _edit_page(user, service, visible, base=base, status=422, error=error_zh(exc))
    return RedirectResponse(f"/console/items?published={version + 1}", status_code=303)


def _fingerprint(rows: list[Any], version: int) -> str:
    """What the preview showed: the checked items and the version they were compared with."""
    return hashlib.sha256(repr((version, rows)).encode("utf-8")).hexdigest()


async def _submitted(request: Request, user: ConsoleUser) -> FormData:
    per_item = len(KEYS) + len(item_list.METHOD_LABELS) + len(item_list.TYPE_LABELS) + 3
    form = await request.form(max_fields=per_item * (item_list.MAX_FORM_ITEMS + 2))
    check_csrf(user, str(form.get("csrf", "")))
    require(user, Perm.REGISTRY_WRITE)
    return form


@router.post("/items/preview", response_model=None)
async def preview(
    request: Request, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """The edited list checked and compared with the current version; nothing published."""
    form = await _submitted(request, user)
    return await run_in_threadpool(_respond, user, service, form, publish=False, now=now, addr=addr)


@router.post("/items/publish", response_model=None)
async def publish(
    request: Request, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """Publish the edited list as the next version (checked and compared again first)."""
    form = await _submitted(request, user)
    return await run_in_threadpool(_respond, user, service, form, publish=True, now=now, addr=addr)
