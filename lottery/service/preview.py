"""What announcing a task would freeze, computed without announcing: the preview.

:func:`preview_task` reads the registries exactly as :meth:`Lifecycle.announce` does
(:func:`load_registries`) and runs the same pure functions the announcement runs
(:func:`build_pool`, :func:`prepare_announcement` with its feasibility check), with a
placeholder commitment. It writes nothing: no secret, no record, no audit event. So the
counts it shows are the counts the announcement publishes and the draw uses, as long as the
registries do not change in between (the announcement reads them again).

Reasons are in Chinese: staff read them in the console before announcing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from lottery.core.draw import TaskParams, eligible_inspectors, prepare_announcement
from lottery.core.errors import InfeasibleError, InputError
from lottery.core.pool import build_pool
from lottery.registry_io.cells import fmt_enum
from lottery.registry_io.layouts import TARGET_TYPES
from lottery.storage.models import Inspector, OrgUnit, Target

from .item_list import TYPE_LABELS
from .item_refs import check_minimums
from .lifecycle import Lifecycle
from .params import params_from_task
from .plan_refs import check_plan_ref
from .pool_rules import (
    ANNUAL_CAP,
    Registries,
    cross_check_refusal,
    joint_refusal,
    load_registries,
)
from .risk_policy import current_rules

PLACEHOLDER_COMMIT = bytes(32)
"""Stands in for the office secret's commitment: the preview publishes nothing."""
_TYPE_LABEL = fmt_enum(TARGET_TYPES)
MAX_LISTED = 200
"""The longest list of excluded targets, inspectors or conflicts a preview spells out."""


@dataclass(frozen=True)
class StratumCount:
    """One stratum: its region (code and the name of the org unit governing it), risk
    class, number of candidates and number to be drawn."""

    region: str
    region_name: str
    risk: str
    candidates: int
    picks: int
    risk_name: str = ""
    """The class under the office's own label (``中（B类）``: risk_rules.labels); empty when
    the office sets none."""


@dataclass(frozen=True)
class Excluded:
    """Someone or something left out, with the reason in Chinese."""

    id: str
    name: str
    reason: str


@dataclass(frozen=True)
class TaskPreview:
    """The preview of one task's announcement.

    ``problem`` (Chinese) is why the announcement would be refused by its parameters or the
    registries (an empty pool, a risk class without a ratio, infeasible teams...); then the
    counts may be missing. ``cap`` is the workload cap the announcement would publish.
    """

    org_units: tuple[str, ...]
    strata: list[StratumCount]
    candidates: int
    picks: int
    excluded_targets: list[Excluded]
    excluded_inspectors: list[Excluded]
    conflicts: list[tuple[str, str]]
    eligible_inspectors: int
    team_size: int
    cap: int | None
    feasible: bool
    problem: str = ""
    warnings: tuple[str, ...] = ()
    truncated: bool = False
    target_types: tuple[str, ...] = ()  # the types drawn, as Chinese labels; () = every type


def _inspector_reason(row: Inspector, start: date, end: date) -> str:
    if row.status != "active":
        return "检查人员状态不是“在岗”"
    if row.cert_valid_from > start:
        return f"执法证 {row.cert_valid_from.isoformat()} 起才有效，检查期间开始时尚未生效"
    if row.cert_valid_to < end:
        return f"执法证 {row.cert_valid_to.isoformat()} 到期，不能覆盖整个检查期间"
    # Otherwise the cross-check rule's specialty left them out (pool_rules.load_registries).
    return "交叉检查（专业对口）：不具备本任务抽查事项要求的专业"


def _infeasible_zh(exc: InfeasibleError, names: dict[str, str], team_size: int) -> str:
    if exc.targets:
        listed = "、".join(f"{names.get(t, t)}（{t}）" for t in exc.targets[:20])
        more = f"等 {len(exc.targets)} 个" if len(exc.targets) > 20 else ""
        return (
            f"以下候选对象{more}可派的检查人员不足 {team_size} 人"
            f"（除去回避的和上次检查过该对象的）：{listed}"
        )
    return (
        f"可派的检查人员不足以组成每组 {team_size} 人的检查组，或每人检查对象数上限太低；"
        "请增加检查人员、减小每组人数或提高上限（留空则自动取可行的最小值）"
    )


def _type_labels(codes: tuple[str, ...]) -> tuple[str, ...]:
    """The Chinese labels of target types, in the order of the registry's table of types."""
    labels = {str(_TYPE_LABEL(t)) for t in codes}
    return tuple(label for label in TYPE_LABELS if label in labels)


def _region_names(session: Session) -> dict[str, str]:
    names: dict[str, str] = {}
    for unit in session.exec(select(OrgUnit).order_by(col(OrgUnit.code))):
        if unit.region and unit.region not in names:
            names[unit.region] = unit.name
    return names


def _target_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {t.uscc: t.name for t in session.exec(select(Target).where(col(Target.uscc).in_(ids)))}


def _inspector_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.exec(select(Inspector).where(col(Inspector.id).in_(ids)))
    return {i.id: i.name for i in rows}


def _excluded_inspectors(
    session: Session, params: TaskParams, regs: Registries, eligible: set[str]
) -> list[Excluded]:
    scope = set(regs.org_units)
    start = date.fromisoformat(params.window_start)
    end = date.fromisoformat(params.window_end)
    rows = session.exec(
        select(Inspector).where(col(Inspector.org_unit).in_(scope)).order_by(col(Inspector.id))
    )
    return [
        Excluded(r.id, r.name, _inspector_reason(r, start, end))
        for r in rows
        if r.id not in eligible
    ]


def preview_params(lc: Lifecycle, params: TaskParams, now: datetime) -> TaskPreview:
    """The preview of announcing ``params`` at ``now`` (nothing is written).

    Raises:
        InputError: an org unit that does not exist.
    """
    warnings = tuple(lc.draft_warnings(params, now))
    with lc.session() as session:
        regs = load_registries(session, params)
        params = dataclasses.replace(params, org_units=regs.org_units)
        eligible = set(
            eligible_inspectors(
                regs.inspectors, params.org_units, params.window_start, params.window_end
            )
        )
        excluded_inspectors = _excluded_inspectors(session, params, regs, eligible)
        excl_ids = {e.target for e in regs.exclusions}
        conflicts = sorted((t, i) for t, i in regs.conflicts if i in eligible)
        targets = _target_names(session, excl_ids | {t for t, _ in conflicts})
        inspector_names = _inspector_names(session, {i for _, i in conflicts})
        region_names = _region_names(session)
        rules = current_rules(session)
        year = params.window_start[:4]
        excluded_targets = [
            Excluded(
                e.target,
                targets.get(e.target, ""),
                f"{year}年已抽查 {e.detail.removeprefix(f'{year}年已抽查').removesuffix('次')} 次，"
                f"达到每年最多 {ANNUAL_CAP} 次的上限",
            )
            for e in regs.exclusions
        ]
        conflict_rows = [
            (f"{targets.get(t, '')}（{t}）", f"{inspector_names.get(i, '')}（{i}）")
            for t, i in conflicts
        ]
    lists = (excluded_targets, excluded_inspectors, conflict_rows)
    truncated = any(len(x) > MAX_LISTED for x in lists)
    result = TaskPreview(
        org_units=params.org_units,
        strata=[],
        candidates=0,
        picks=0,
        excluded_targets=excluded_targets[:MAX_LISTED],
        excluded_inspectors=excluded_inspectors[:MAX_LISTED],
        conflicts=conflict_rows[:MAX_LISTED],
        eligible_inspectors=len(eligible),
        team_size=params.team_size,
        cap=None,
        feasible=False,
        warnings=warnings,
        truncated=truncated,
        target_types=_type_labels(regs.target_types),
    )
    try:
        pool = build_pool(params.task, regs.candidates, params.ratios, regs.exclusions)
    except InputError as exc:
        return dataclasses.replace(result, problem=_pool_problem_zh(exc))
    strata = [
        StratumCount(
            st.region,
            region_names.get(st.region, ""),
            st.risk,
            len(st.candidates),
            st.count,
            rules.label(st.risk) if rules.labels else "",
        )
        for st in pool.strata
    ]
    result = dataclasses.replace(
        result, strata=strata, candidates=pool.candidates, picks=pool.picks
    )
    try:
        prepared = prepare_announcement(
            params,
            regs.candidates,
            regs.inspectors,
            commit=PLACEHOLDER_COMMIT,
            exclusions=regs.exclusions,
            conflicts=regs.conflicts,
            previous=regs.previous,
        )
    except InfeasibleError as exc:
        if params.departments is not None and params.departments.one_per_team:
            return dataclasses.replace(result, problem=str(joint_refusal(params, exc)))
        if params.cross_check.on:
            return dataclasses.replace(result, problem=str(cross_check_refusal(params, exc)))
        names = _names_of_targets(lc, set(exc.targets[:20]))
        return dataclasses.replace(result, problem=_infeasible_zh(exc, names, params.team_size))
    except InputError as exc:
        return dataclasses.replace(result, problem=_pool_problem_zh(exc))
    try:
        with lc.session() as session:
            check_minimums(session, params.items, pool.picks, pool.candidates)
            check_plan_ref(session, params)  # the annual plan in force may have changed
    except InputError as exc:
        return dataclasses.replace(result, problem=str(exc))
    return dataclasses.replace(result, cap=prepared.cap, feasible=True)


def _names_of_targets(lc: Lifecycle, ids: set[str]) -> dict[str, str]:
    with lc.session() as session:
        return _target_names(session, ids)


def _pool_problem_zh(exc: InputError) -> str:
    text = str(exc)
    if "pool is empty" in text:
        return "范围内没有可抽取的检查对象（排除之后一个也不剩）"
    if "has no ratio" in text:
        return "有的风险等级没有填写抽取比例：范围内每个风险等级都须有比例"
    if "workload cap" in text or "team size" in text:
        return "每组人数或每人检查对象数上限不合适"
    return "按这些参数无法公告（参数或名录有误）"


def preview_task(lc: Lifecycle, task_id: str, now: datetime) -> TaskPreview:
    """The preview of announcing the stored task ``task_id`` at ``now``.

    Raises:
        TaskNotFound: no such task.
        InputError: an org unit that does not exist (any more).
        EncodingError: the stored beacon spec is malformed.
    """
    return preview_params(lc, params_from_task(lc.get_task(task_id)), now)
