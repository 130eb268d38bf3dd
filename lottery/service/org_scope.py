"""Org-scoped accounts: who may act on what, by org unit (issue #16).

A staff account belongs to an org unit (``User.org_unit``) and acts within it and the units
below it: its *scope*. An account without a unit, and an actor that is no account at all (the
scheduler's ``system``, a CLI operator's ``cli:<login>``), acts for the whole office.

A task's units are the ``org_units`` of its parameters (its sub-units are covered with them);
a task that records none is placed by its ``regions`` (the units governing them), and failing
that belongs to the whole office. A user may act on a task only when every unit of the task is
in their scope: a county user cannot plan or act on a city-wide task, a city user acts on the
county tasks. A target is in scope when a unit of the scope governs its region.

The service functions call these checks inside their own transaction, before anything is
written, so the JSON API, the console and the CLI (whose ``--actor`` may name an account) are
held to the same rule. A refusal is :class:`OutOfScope` (HTTP 403) and names the units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlmodel import Session, select

from lottery.core.errors import InputError, LotteryError
from lottery.storage.models import OrgUnit, Target, Task, User

WHOLE_OFFICE_ZH = "全办公室"
T = TypeVar("T")


class Sessions(Protocol):
    """What opens a database session (the :class:`lottery.service.lifecycle.Lifecycle`)."""

    def session(self) -> Session:
        """A new session."""
        ...


class OutOfScope(LotteryError):
    """The task, account or target lies outside the actor's org unit (HTTP 403, like
    :class:`lottery.service.users.Forbidden`; not a subclass, so that :mod:`.users` can
    use this module)."""


@dataclass(frozen=True)
class Scope:
    """The org units an actor may act within; ``units`` None: the whole office."""

    actor: str
    unit: str | None
    unit_name: str
    units: frozenset[str] | None
    regions: frozenset[str] | None

    @property
    def whole(self) -> bool:
        """Whether the scope is the whole office (no unit, or a top-level unit with every
        unit under it)."""
        return self.units is None

    def covers(self, units: Iterable[str]) -> bool:
        """Whether every one of ``units`` is in the scope (an empty list: the whole office)."""
        wanted = list(units)
        if self.units is None:
            return True
        return bool(wanted) and all(u in self.units for u in wanted)

    def covers_region(self, region: str) -> bool:
        """Whether a unit of the scope governs ``region``."""
        return self.regions is None or region in self.regions

    def label(self) -> str:
        """「单位名称」 as a refusal names it."""
        return f"「{self.unit_name}」"


def _units(session: Session) -> dict[str, OrgUnit]:
    return {u.code: u for u in session.exec(select(OrgUnit))}


def below(units: Mapping[str, OrgUnit], code: str) -> frozenset[str]:
    """``code`` and every unit under it."""
    children: dict[str, list[str]] = {}
    for u in units.values():
        if u.parent is not None:
            children.setdefault(u.parent, []).append(u.code)
    seen: set[str] = set()
    todo = [code]
    while todo:
        c = todo.pop()
        if c not in seen:
            seen.add(c)
            todo.extend(children.get(c, []))
    return frozenset(seen)


def unit_scope(session: Session, actor: str, unit: str | None) -> Scope:
    """The scope of an actor placed in ``unit`` (None: the whole office)."""
    if unit is None:
        return Scope(actor, None, WHOLE_OFFICE_ZH, None, None)
    units = _units(session)
    row = units.get(unit)
    name = row.name if row is not None else unit
    reach = below(units, unit) if row is not None else frozenset({unit})
    if row is not None and row.parent is None and reach == frozenset(units):
        return Scope(actor, unit, name, None, None)  # the top unit: the whole office
    regions = frozenset(units[c].region or "" for c in reach if c in units) - {""}
    return Scope(actor, unit, name, reach, regions)


def scope_of(session: Session, actor: str) -> Scope:
    """The scope of ``actor``: their account's unit; the whole office for an account without
    one and for an actor that is no account (the scheduler, a CLI operator)."""
    user = session.get(User, actor)
    return unit_scope(session, actor, user.org_unit if user is not None else None)


def task_units(session: Session, params: Mapping[str, Any]) -> tuple[str, ...]:
    """The org units a task's parameters name; without any, the units governing its
    ``regions``; () when neither places it (the whole office)."""
    named = tuple(params.get("org_units") or ())
    if named:
        return named
    regions = set(params.get("regions") or ())
    return tuple(sorted(u.code for u in _units(session).values() if u.region in regions))


def _names(session: Session, codes: Sequence[str]) -> str:
    units = _units(session)
    if not codes:
        return f"「{WHOLE_OFFICE_ZH}」"
    return "、".join(f"「{units[c].name if c in units else c}」" for c in codes)


def require_units(session: Session, actor: str, units: Sequence[str], what: str) -> None:
    """Refuse ``actor`` acting on ``what`` (e.g. "任务 T2026-001") covering ``units``.

    Raises:
        OutOfScope: when a unit lies outside the actor's scope, naming both.
    """
    scope = scope_of(session, actor)
    if scope.covers(units):
        return
    outside = [u for u in units if scope.units is not None and u not in scope.units]
    raise OutOfScope(
        f"用户 {actor} 属于{scope.label()}，只能办理本单位及下级单位的事项；"
        f"{what}涉及{_names(session, outside or list(units))}，超出其范围"
    )


def require_task(session: Session, actor: str, task_id: str) -> None:
    """Refuse ``actor`` acting on the task ``task_id`` unless all its units are in scope
    (an unknown task passes: the caller says it does not exist).

    Raises:
        OutOfScope: naming the actor's unit and the task's units outside it.
    """
    task = session.get(Task, task_id)
    if task is None:
        return
    require_units(session, actor, task_units(session, task.params), f"任务 {task_id} ")


def require_target(session: Session, actor: str, uscc: str) -> None:
    """Refuse ``actor`` acting on the target ``uscc`` (a penalty) outside their scope (an
    unknown target passes: the caller says it does not exist).

    Raises:
        OutOfScope: naming the actor's unit and the target's region.
    """
    target = session.get(Target, uscc)
    scope = scope_of(session, actor)
    if target is None or scope.covers_region(target.region):
        return
    raise OutOfScope(
        f"用户 {actor} 属于{scope.label()}，只能办理本单位及下级单位的事项；"
        f"检查对象 {uscc} 所在区划 {target.region} 超出其范围"
    )


def require_whole_office(session: Session, actor: str, what: str) -> None:
    """Refuse ``what`` (e.g. "导入名录") to an actor whose scope is not the whole office:
    the registries and the item list are the office's, one for all its units.

    Raises:
        OutOfScope: naming the actor's unit.
    """
    scope = scope_of(session, actor)
    if not scope.whole:
        raise OutOfScope(
            f"用户 {actor} 属于{scope.label()}：{what}须由市级（全办公室范围）的账号办理"
        )


def require_account(session: Session, actor: str, name: str) -> None:
    """Refuse an admin managing the account ``name`` outside their scope (an account without
    a unit is the whole office's; an unknown account passes: the caller says so).

    Raises:
        OutOfScope: naming the admin's unit and the account's.
    """
    user = session.get(User, name)
    if user is None:
        return
    units = [user.org_unit] if user.org_unit is not None else []
    require_units(session, actor, units, f"账号 {name} ")


def check_unit(session: Session, actor: str, unit: str | None) -> str | None:
    """Validate the unit an admin gives an account: a unit of the registry within the admin's
    scope (blank or None: the whole office, for whole-office admins only); returns it.

    Raises:
        InputError: for a unit the registry does not hold, naming the field.
        OutOfScope: for a unit outside the admin's scope.
    """
    code = (unit or "").strip() or None
    if code is not None and session.get(OrgUnit, code) is None:
        raise InputError(f"字段「org_unit」：组织单位 {code} 不存在")
    require_units(session, actor, [code] if code else [], "所选的组织单位")
    return code


def visible(session: Session, actor: str, tasks: Iterable[Task]) -> list[Task]:
    """The tasks of ``tasks`` in the actor's scope, in their order."""
    scope = scope_of(session, actor)
    if scope.whole:
        return list(tasks)
    return [t for t in tasks if scope.covers(task_units(session, t.params))]


def visible_users(session: Session, actor: str, accounts: Iterable[User]) -> list[User]:
    """The accounts of ``accounts`` an admin may see and manage, in their order."""
    scope = scope_of(session, actor)
    if scope.whole:
        return list(accounts)
    return [u for u in accounts if u.org_unit is not None and scope.covers([u.org_unit])]


def unit_name(session: Session, code: str | None) -> str:
    """The unit's name (「全办公室」 for None; the code for a unit the registry lost)."""
    if code is None:
        return WHOLE_OFFICE_ZH
    row = session.get(OrgUnit, code)
    return row.name if row is not None else code


# -- for readers that hold the service, not a session (the API, the console, the CLI) ------


def check_task(lc: Sessions, actor: str, task_id: str) -> None:
    """:func:`require_task` in a session of its own (a page or a read of one task).

    Raises:
        OutOfScope: naming the actor's unit and the task's units outside it.
    """
    with lc.session() as session:
        require_task(session, actor, task_id)


def tasks_for(lc: Sessions, actor: str, tasks: Iterable[Task]) -> list[Task]:
    """:func:`visible` in a session of its own: the lists of tasks a user sees."""
    with lc.session() as session:
        return visible(session, actor, tasks)


def rows_for(lc: Sessions, actor: str, rows: Iterable[T], task_of: Any) -> list[T]:
    """The rows (results, reports...) whose task, ``task_of(row)``, is in the actor's scope."""
    with lc.session() as session:
        scope = scope_of(session, actor)
        if scope.whole:
            return list(rows)
        cache: dict[str, bool] = {}
        out = []
        for row in rows:
            task_id = str(task_of(row))
            if task_id not in cache:
                task = session.get(Task, task_id)
                units = task_units(session, task.params) if task is not None else ()
                cache[task_id] = scope.covers(units)
            if cache[task_id]:
                out.append(row)
        return out


def unit_of(lc: Sessions, actor: str) -> tuple[str | None, str]:
    """The actor's unit code and name (None, 「全办公室」 for the whole office)."""
    with lc.session() as session:
        scope = scope_of(session, actor)
        return scope.unit, scope.unit_name


def assignable_units(lc: Sessions, actor: str) -> list[tuple[str, str]]:
    """The units (code, name) an admin may give an account: those of their scope, by code."""
    with lc.session() as session:
        scope = scope_of(session, actor)
        units = sorted(_units(session).values(), key=lambda u: u.code)
        return [(u.code, u.name) for u in units if scope.covers([u.code])]


def unit_names(lc: Sessions) -> dict[str, str]:
    """Every unit's name by code."""
    with lc.session() as session:
        return {code: u.name for code, u in _units(session).items()}
