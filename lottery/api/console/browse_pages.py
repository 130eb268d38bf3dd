"""检查对象 and 执法检查人员: the registries browsed, filtered by GET fields, 50 a page
(Perm.REGISTRY_READ).

The queries are :mod:`lottery.service.registry_browse`'s. Private columns (phones, notes) are
shown to the roles the API's staff export gives them to (``registry.read``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from lottery.api.deps import NowDep, ServiceDep
from lottery.api.digits import ascii_int
from lottery.service import registry_browse as rb
from lottery.service.registry_browse import PAGE_SIZE
from lottery.service.result_entry import CST
from lottery.service.risk_policy import current_rules
from lottery.service.roles import Perm

from .render import page
from .session import User, require

router = APIRouter(prefix="/console", include_in_schema=False)
MAX_TEXT = 200
PageRaw = Annotated[str, Query(alias="page")]


def page_number(raw: str) -> int:
    """The ``page`` field: a positive number; anything else is the first page."""
    value = ascii_int(raw, 6)
    return value if value else 1


def pager(base: str, query: dict[str, str], page_no: int, total: int) -> dict[str, Any]:
    """The page count and the previous/next links (keeping the filter)."""
    pages = max(1, -(-total // PAGE_SIZE))

    def link(number: int) -> str:
        return base + "?" + urlencode({**query, "page": str(number)})

    return {
        "page_no": page_no,
        "pages": pages,
        "prev_link": link(page_no - 1) if page_no > 1 else "",
        "next_link": link(page_no + 1) if page_no < pages else "",
    }


def _texts(errors: dict[str, str], **fields: str) -> None:
    for key, value in fields.items():
        if len(value) > MAX_TEXT:
            errors[key] = f"太长：最多 {MAX_TEXT} 个字符"


def _choice(errors: dict[str, str], key: str, value: str, allowed: list[str]) -> None:
    if value and value not in allowed:
        errors[key] = "请从列表中选择"


@router.get("/targets")
def targets_page(
    user: User,
    service: ServiceDep,
    name: str = "",
    uscc: str = "",
    type_: Annotated[str, Query(alias="type")] = "",
    region: str = "",
    risk: str = "",
    page_raw: PageRaw = "",
) -> HTMLResponse:
    """Targets matching the filter, by USCC."""
    require(user, Perm.REGISTRY_READ)
    wanted = rb.TargetFilter(name.strip(), uscc.strip(), type_, region, risk)
    regions = rb.target_regions(service)
    errors: dict[str, str] = {}
    _texts(errors, name=name, uscc=uscc)
    _choice(errors, "type", type_, [c for c, _ in rb.TYPE_CHOICES])
    _choice(errors, "region", region, regions)
    _choice(errors, "risk", risk, [c for c, _ in rb.RISK_CHOICES])
    page_no = page_number(page_raw)
    found = rb.Found(0, [])
    if not errors:
        found = rb.find_targets(service, wanted, offset=(page_no - 1) * PAGE_SIZE)
    query = {"name": wanted.name, "uscc": wanted.uscc, "type": type_, "region": region}
    query = {k: v for k, v in {**query, "risk": risk}.items() if v}
    with service.session() as session:
        rules = current_rules(session)
    names = rules.label_map() if rules.labels else {}  # the office's own labels, when set
    return page(
        "targets.html",
        user=user,
        active="registries",
        status=422 if errors else 200,
        f=wanted,
        errors=errors,
        types=rb.TYPE_CHOICES,
        risks=[(code, names.get(code, label)) for code, label in rb.RISK_CHOICES],
        risk_names=names,
        region_choices=[(r, r) for r in regions],
        found=found,
        show_private=user.can(Perm.REGISTRY_READ),
        **pager("/console/targets", query, page_no, found.total),
    )


@router.get("/inspectors")
def inspectors_page(
    user: User,
    service: ServiceDep,
    now: NowDep,
    name: str = "",
    unit: str = "",
    level: str = "",
    cert: str = "",
    page_raw: PageRaw = "",
) -> HTMLResponse:
    """Inspectors matching the filter, by staff number; certificates judged on today's date."""
    require(user, Perm.REGISTRY_READ)
    today = now.astimezone(CST).date()
    units = rb.org_units(service)
    errors: dict[str, str] = {}
    _texts(errors, name=name)
    _choice(errors, "unit", unit, [c for c, _ in units])
    _choice(errors, "level", level, [c for c, _ in rb.LEVEL_CHOICES])
    _choice(errors, "cert", cert, list(rb.CERT_STATES))
    wanted = rb.InspectorFilter(name.strip(), unit, level, cert)
    page_no = page_number(page_raw)
    found = rb.Found(0, [])
    if not errors:
        found = rb.find_inspectors(service, wanted, today, offset=(page_no - 1) * PAGE_SIZE)
    query = {"name": wanted.name, "unit": unit, "level": level, "cert": cert}
    cert_of: Callable[..., str] = lambda i: rb.CERT_STATES[rb.cert_state(i, today)]  # noqa: E731
    return page(
        "inspectors.html",
        user=user,
        active="registries",
        status=422 if errors else 200,
        f=wanted,
        errors=errors,
        units=units,
        unit_names=dict(units),
        levels=rb.LEVEL_CHOICES,
        certs=list(rb.CERT_STATES.items()),
        found=found,
        cert_of=cert_of,
        today=today,
        show_private=user.can(Perm.REGISTRY_READ),
        **pager("/console/inspectors", {k: v for k, v in query.items() if v}, page_no, found.total),
    )
