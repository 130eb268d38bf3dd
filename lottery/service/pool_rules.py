"""What an announcement freezes: the pools a task draws from, read from the registries.

The rules the office's document sets for who may be drawn live here, in one place: active
targets in the regions of the task's org units and their sub-units, of the target types the
task's items cover (every type when none of its items names types); targets already visited
:data:`ANNUAL_CAP` times (distinct days) in the window's year excluded (R4); each candidate's
latest inspectors as its previous inspectors (no one inspects the same target twice in a row).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from lottery.core.cross_check import has_specialties, own_district_pairs
from lottery.core.draw import InspectorRow, TaskParams
from lottery.core.errors import InfeasibleError, InputError
from lottery.core.pool import Candidate, Exclusion
from lottery.core.visits import VISIT_CAP
from lottery.storage.models import Conflict, InspectionHistory, Inspector, OrgUnit, Target

from .item_refs import cited_specialties, cited_target_types, cites_key_item
from .risk_policy import current_rules, effective_class

ANNUAL_CAP = VISIT_CAP  # R4: at most two visits of one entity per calendar year


@dataclass(frozen=True)
class Registries:
    """What an announcement freezes, read from the registries in one transaction; ``org_units``
    is the task's scope with its sub-units expanded (docs/spec.md section 4)."""

    org_units: tuple[str, ...]
    candidates: list[Candidate]
    inspectors: list[InspectorRow]
    exclusions: list[Exclusion]
    conflicts: list[tuple[str, str]]
    previous: list[tuple[str, str]]
    target_types: tuple[str, ...] = ()  # the types drawn (codes, sorted); () = every type
    # (USCC, reason) of the task's cap exceptions the cap did apply to: kept in the pool,
    # published with the announcement (``cap_exceptions``), sorted by target.
    cap_exceptions: tuple[tuple[str, str], ...] = ()


def _covered_units(units: Sequence[OrgUnit], chosen: Iterable[str]) -> list[OrgUnit]:
    """The chosen units and every unit under them: the chosen first, in the task's order
    (each once), then their sub-units in code order.

    Raises:
        InputError: naming the chosen units the registry does not hold.
    """
    by_code = {u.code: u for u in units}
    children: dict[str, list[str]] = {}
    for u in units:
        if u.parent is not None:
            children.setdefault(u.parent, []).append(u.code)
    todo = list(chosen)
    unknown = [c for c in todo if c not in by_code]
    if unknown:
        raise InputError(f"unknown org unit(s): {', '.join(unknown)}")
    named = list(dict.fromkeys(todo))
    seen: set[str] = set()
    while todo:
        code = todo.pop()
        if code in seen:
            continue
        seen.add(code)
        todo.extend(children.get(code, []))
    below = sorted(seen - set(named))
    return [by_code[c] for c in (*named, *below)]


def load_registries(session: Session, params: TaskParams) -> Registries:
    """Read the pools for ``params`` from the registries (ordered by primary key).

    Candidates: active targets in the regions of the task's org units and their sub-units
    whose type is one the task's cited items cover (the union of their ``target_types``; any
    type when none of the cited items names types).
    Classes: each target's effective class under the latest item list's risk rules.
    Exclusions: candidates already checked ``ANNUAL_CAP`` times in the window's year (R4),
    unless the risk rules lift the cap for their class or for a task citing a key item.
    Previous: the inspectors of each candidate's latest inspection.

    Raises:
        InputError: for an unknown org unit.
    """
    scope = _covered_units(list(session.exec(select(OrgUnit))), params.org_units)
    regions = {u.region for u in scope if u.region}
    query = select(Target).where(Target.status == "active", col(Target.region).in_(regions))
    types = cited_target_types(session, params.items)
    if types:
        query = query.where(col(Target.type).in_(sorted(types)))
    targets = session.exec(query.order_by(col(Target.uscc)))
    # Complaints, bad records and serious violations raise a target's class as the item
    # list's risk rules say; the targets snapshot publishes the same class (spec section 4).
    rules = current_rules(session)
    candidates = [Candidate(t.uscc, t.region, effective_class(t, rules)) for t in targets]
    classes = {c.id: c.risk for c in candidates}
    key_item = cites_key_item(session, params.items)
    ids = {c.id for c in candidates}
    # 交叉检查, specialty: an inspector without every specialty the cited items ask for is
    # not eligible (spec section 4); the public re-derives it from the inspectors snapshot.
    needed = cited_specialties(session, params.items) if params.cross_check.specialty else None
    inspectors = [
        InspectorRow(
            i.id,
            i.org_unit,
            i.cert_valid_from.isoformat(),
            i.cert_valid_to.isoformat(),
            active=i.status == "active",
            department=i.department,  # "": the office's own (部门联合抽查, spec section 4)
        )
        for i in session.exec(select(Inspector).order_by(col(Inspector.id)))
        if needed is None or has_specialties(i.specialties, needed)
    ]
    year = int(params.window_start[:4])
    # The cap counts visits (lottery.core.visits): inspections of one target on the same day
    # (a joint inspection of two tasks, or an imported row repeated) are one.
    days: dict[str, set[date]] = {}
    latest: dict[str, InspectionHistory] = {}
    history = session.exec(
        select(InspectionHistory).order_by(col(InspectionHistory.date), col(InspectionHistory.id))
    )
    for h in history:
        if h.target not in ids:
            continue
        latest[h.target] = h
        if h.date.year == year:
            days.setdefault(h.target, set()).add(h.date)
    counts = {t: len(d) for t, d in days.items()}
    capped = [
        (t, n)
        for t, n in sorted(counts.items())
        if n >= ANNUAL_CAP and rules.capped(classes[t], key_item=key_item)
    ]
    # The cap is "原则上": staff may keep a capped target, with a reason the public sees.
    excepted = dict(params.cap_exceptions)
    exclusions = [
        Exclusion(t, "annual-cap", f"{year}年已抽查{n}次") for t, n in capped if t not in excepted
    ]
    kept = tuple((t, excepted[t]) for t, _ in capped if t in excepted)
    conflicts = [(c.target, c.inspector) for c in session.exec(select(Conflict)) if c.target in ids]
    if params.cross_check.own_district:
        # 不得检查本辖区: an inspector never checks a target of the region their own unit
        # governs; the pairs join the declared conflicts (spec section 4, ``cross_check``).
        unit_regions = {u.code: u.region or "" for u in scope}
        conflicts += own_district_pairs(
            ((c.id, c.region) for c in candidates),
            ((i.id, i.org_unit) for i in inspectors),
            unit_regions,
        )
    previous = [(t, i) for t, h in sorted(latest.items()) for i in h.inspectors]
    return Registries(
        tuple(u.code for u in scope),
        candidates,
        inspectors,
        exclusions,
        conflicts,
        previous,
        tuple(sorted(types)),
        kept,
    )


def joint_refusal(params: TaskParams, exc: InfeasibleError) -> InfeasibleError:
    """The refusal of a joint task that no team can staff with one inspector of each of its
    departments, in Chinese, the core's reason kept after it."""
    joint = params.departments
    names = "、".join(joint.all) if joint is not None else ""
    where = f"如 {exc.targets[0]} 等 {len(exc.targets)} 个候选对象，" if exc.targets else ""
    return InfeasibleError(
        f"部门联合抽查（{names}）无法组成每组各部门一人的检查组：{where}"
        "某个部门在岗、证件有效且无需回避的检查人员不足，或工作量上限太低；"
        f"请补充该部门的检查人员、调整工作量上限，或取消“每组各部门一人”（{exc}）",
        exc.targets,
    )


def cross_check_refusal(params: TaskParams, exc: InfeasibleError) -> InfeasibleError:
    """The refusal of a task that no team can staff under its cross-check rule, in Chinese
    (the console's task form and the API show it as it is)."""
    rules = "、".join(
        name
        for on, name in (
            (params.cross_check.own_district, "不得检查本辖区"),
            (params.cross_check.specialty, "专业对口"),
        )
        if on
    )
    where = (
        f"其中 {len(exc.targets)} 个候选对象（如 {exc.targets[0]}）可派的检查人员不足 "
        f"{params.team_size} 人"
        if exc.targets
        else f"可派的检查人员不足以组成每组 {params.team_size} 人的检查组"
    )
    return InfeasibleError(
        f"按交叉检查规则（{rules}）无法组成检查组：{where}。"
        "本辖区的检查人员不能检查本辖区的对象，只含一个区县的任务无人可派；"
        "请扩大任务范围（选择上级单位以抽调其他区县的人员）、减小每组人数，或取消交叉检查",
        exc.targets,
    )
