"""Browsing the registries: targets and inspectors filtered and paginated, conflicts with
names, and the Chinese labels of stored codes (for the staff console; docs/console.md).

Every function reads; filters come from staff (a GET form) and are applied as SQL
conditions. Text searches match a part of the value, with ``%`` and ``_`` taken literally.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from lottery import registry_io as rio
from lottery.registry_io.layouts import LEVELS, RISK_CLASSES, TARGET_TYPES
from lottery.storage.models import Conflict, Inspector, OrgUnit, Target

from .lifecycle import Lifecycle
from .registry_view import table_of

PAGE_SIZE = 50
CERT_STATES = {"valid": "有效", "expired": "已过期", "not_yet": "尚未生效"}


def label(kind: str, key: str, value: Any) -> str:
    """A stored value as staff read it: the canonical Chinese label of a code (``design`` ->
    ``工程设计``), a list joined with 、, a date as ``YYYY-MM-DD``; ``—`` for none."""
    if value is None or value == "":
        return "—"
    try:
        shown = rio.LAYOUTS[kind].column(key).fmt(value)
    except (KeyError, StopIteration):
        return str(value)
    return shown.isoformat() if isinstance(shown, date) else str(shown)


def _first_labels(table: dict[str, str]) -> list[tuple[str, str]]:
    """(code, label) with the first label of each code, in the table's order."""
    seen: dict[str, str] = {}
    for text, code in table.items():
        seen.setdefault(code, text)
    return list(seen.items())


TYPE_CHOICES = _first_labels(TARGET_TYPES)
RISK_CHOICES = [(code, f"{code}类") for code, _ in _first_labels(RISK_CLASSES)]
LEVEL_CHOICES = _first_labels(LEVELS)


def _contains(column: Any, text: str) -> Any:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


@dataclass(frozen=True)
class TargetFilter:
    """What staff asked for; empty means any. ``name`` and ``uscc`` match a part."""

    name: str = ""
    uscc: str = ""
    type: str = ""
    region: str = ""
    risk_class: str = ""


@dataclass(frozen=True)
class InspectorFilter:
    """``org_unit`` and ``level`` exact; ``cert`` one of :data:`CERT_STATES` on ``today``."""

    name: str = ""
    org_unit: str = ""
    level: str = ""
    cert: str = ""


@dataclass(frozen=True)
class Found:
    """One page of rows and the number of rows matching in all."""

    total: int
    rows: Sequence[Any]


def _page(session: Session, query: Any, order: Any, offset: int, limit: int) -> Found:
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(order).offset(offset).limit(limit)).all()
    return Found(int(total), list(rows))


def find_targets(
    lc: Lifecycle, wanted: TargetFilter, *, offset: int = 0, limit: int = PAGE_SIZE
) -> Found:
    """Targets matching ``wanted``, by USCC."""
    query = select(Target)
    if wanted.name:
        query = query.where(_contains(col(Target.name), wanted.name))
    if wanted.uscc:
        query = query.where(_contains(col(Target.uscc), wanted.uscc.upper()))
    for column, value in (
        (Target.type, wanted.type),
        (Target.region, wanted.region),
        (Target.risk_class, wanted.risk_class),
    ):
        if value:
            query = query.where(col(column) == value)
    with lc.session() as session:
        return _page(session, query, col(Target.uscc), offset, limit)


def find_inspectors(
    lc: Lifecycle,
    wanted: InspectorFilter,
    today: date,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Found:
    """Inspectors matching ``wanted`` (certificate validity judged on ``today``), by id."""
    query = select(Inspector)
    if wanted.name:
        query = query.where(_contains(col(Inspector.name), wanted.name))
    if wanted.org_unit:
        query = query.where(col(Inspector.org_unit) == wanted.org_unit)
    if wanted.level:
        query = query.where(col(Inspector.level) == wanted.level)
    if wanted.cert == "valid":
        query = query.where(
            col(Inspector.cert_valid_from) <= today, col(Inspector.cert_valid_to) >= today
        )
    elif wanted.cert == "expired":
        query = query.where(col(Inspector.cert_valid_to) < today)
    elif wanted.cert == "not_yet":
        query = query.where(col(Inspector.cert_valid_from) > today)
    with lc.session() as session:
        return _page(session, query, col(Inspector.id), offset, limit)


def cert_state(inspector: Inspector, today: date) -> str:
    """``valid``, ``expired`` or ``not_yet`` on ``today``."""
    if inspector.cert_valid_to < today:
        return "expired"
    if inspector.cert_valid_from > today:
        return "not_yet"
    return "valid"


@dataclass(frozen=True)
class ConflictView:
    """A declared conflict with the names of both sides; ``reason`` is private."""

    inspector: str
    inspector_name: str
    target: str
    target_name: str
    reason: str


def find_conflicts(
    lc: Lifecycle, *, inspector: str = "", target: str = "", offset: int = 0, limit: int = PAGE_SIZE
) -> Found:
    """Declared conflicts (optionally of one inspector or one target), by inspector, target."""
    c, i, t = table_of(Conflict), table_of(Inspector), table_of(Target)
    query = (
        sa_select(c.c.inspector, i.c.name, c.c.target, t.c.name.label("target_name"), c.c.reason)
        .join(i, i.c.id == c.c.inspector)
        .join(t, t.c.uscc == c.c.target)
    )
    if inspector:
        query = query.where(c.c.inspector == inspector)
    if target:
        query = query.where(c.c.target == target.upper())
    with lc.session() as session:
        conn = session.connection()
        total = conn.execute(sa_select(func.count()).select_from(query.subquery())).scalar_one()
        page = query.order_by(c.c.inspector, c.c.target).offset(offset).limit(limit)
        rows = conn.execute(page).all()
    return Found(int(total), [ConflictView(*r) for r in rows])


def org_units(lc: Lifecycle) -> list[tuple[str, str]]:
    """Every org unit as (code, name), by code."""
    with lc.session() as session:
        return [(u.code, u.name) for u in session.exec(select(OrgUnit).order_by(OrgUnit.code))]


def target_regions(lc: Lifecycle) -> list[str]:
    """The region codes targets are in, sorted."""
    with lc.session() as session:
        found = session.exec(select(Target.region).distinct()).all()
    return sorted(r for r in found if r)


def registry_counts(lc: Lifecycle) -> dict[str, int]:
    """Rows per registry (targets and inspectors including those removed), conflicts."""
    with lc.session() as session:
        return {
            name: int(session.exec(select(func.count()).select_from(model)).one())
            for name, model in (
                ("targets", Target),
                ("inspectors", Inspector),
                ("org-units", OrgUnit),
                ("conflicts", Conflict),
            )
        }
