"""Task definitions as staff write them (YAML or JSON file, or an API body) -> TaskParams.

Layout (docs/service.md has the full reference and an example)::

    task: T2026-001                 # id: ASCII letters, digits, '.', '_', '-'
    title: 2026年第一季度人防工程使用情况抽查
    org_units: [city]               # the task's scope; sub-units are included
    window: {start: 2026-03-10, end: 2026-03-31}
    ratios: {A: 300, B: 500, C: 1000, D: 2000}   # basis points per risk class (500 = 5%)
    team_size: 2
    disclosure: 2026-04-01T00:00:00Z
    beacon: {primary: {kind: drand, chain: quicknet, chain_hash: ..., round: N, deadline: ...}}
    cap: null                       # per-inspector workload cap; null = smallest that works
    items: [{code: RF-01, version: 1}]
    announce_at: 2026-03-01T02:00:00Z  # optional: the scheduler announces then
    disclose_early: false           # optional: true = 公开时间：公告时间或全部检查结果审核完毕时
                                    # （以先到者为准）(docs/results.md)
    cap_exceptions:                 # optional: kept although checked twice this year (原则上)
      - {target: 91419901MA4L000001, reason: 群众投诉集中，需再次检查}
    cross_check:                    # optional 交叉检查 (docs/service.md), both default false:
      own_district: true            # 不得检查本辖区: no inspector checks their own unit's region
      specialty: true               # 专业对口: inspectors need the cited items' 专业要求
    plan: {year: 2026, entry: P01}  # optional: the annual plan entry it carries out
                                    # (docs/plans.md); announced with the year's plan in force
    departments:                    # optional 部门联合抽查 (docs/service.md):
      lead: 市人民防空办公室           # optional: default the office's own (its name)
      participants: [市住房和城乡建设局, 市消防救援支队]
      one_per_team: true            # every team has one inspector of each department

The same pydantic model validates the API's request body, so both paths give the same errors.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lottery.core.beacon import BeaconSpec
from lottery.core.canonical import format_time
from lottery.core.cross_check import CrossCheck
from lottery.core.draw import TaskParams
from lottery.core.errors import EncodingError, InputError
from lottery.core.joint import Departments

from .departments import own_department

ID_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$"


class Window(BaseModel):
    """The inspection window (dates, inclusive)."""

    model_config = ConfigDict(extra="forbid")
    start: dt.date
    end: dt.date


class ItemRef(BaseModel):
    """An item of the item list, by code and version."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=ID_PATTERN)
    version: int = Field(ge=1)


class CapException(BaseModel):
    """A target kept in the pool although the annual cap would exclude it, and why."""

    model_config = ConfigDict(extra="forbid")
    target: str = Field(pattern=r"^[0-9A-Z]{18}$", description="the target's USCC")
    reason: str = Field(min_length=1, max_length=500, description="published with the task")


class CrossCheckRule(BaseModel):
    """交叉检查: the rule of who may inspect what (docs/spec.md section 4)."""

    model_config = ConfigDict(extra="forbid")
    own_district: bool = Field(
        default=False,
        description="不得检查本辖区: no inspector checks a target in their own unit's region",
    )
    specialty: bool = Field(
        default=False,
        description="专业对口: inspectors must hold the 专业要求 of the cited items",
    )


class PlanRef(BaseModel):
    """The annual plan entry a task carries out (docs/plans.md)."""

    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2000, le=9999, description="the plan's year")
    entry: str = Field(pattern=ID_PATTERN, description="the entry's id (计划编号)")


class JointDepartments(BaseModel):
    """部门联合抽查: the departments of a joint task (docs/spec.md section 4)."""

    model_config = ConfigDict(extra="forbid")
    lead: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="牵头部门; omitted: the office's own (its name)",
    )
    participants: list[str] = Field(
        min_length=1, max_length=20, description="配合部门, e.g. 市住房和城乡建设局"
    )
    one_per_team: bool = Field(
        default=False,
        description="每个检查组包含每个部门的一名检查人员 (docs/teams.md §8)",
    )

    @field_validator("lead", "participants")
    @classmethod
    def _names(cls, value: str | list[str] | None) -> str | list[str] | None:
        names = [value] if isinstance(value, str) else (value or [])
        if any(not n.strip() or len(n) > 100 for n in names):
            raise ValueError("部门名称不能为空，最多 100 个字")
        if len(set(names)) != len(names):
            raise ValueError("部门名称重复")
        return value

    def to_core(self) -> Departments:
        """The core's departments, the lead defaulting to the office's own.

        Raises:
            InputError: a participant named as the lead too.
        """
        lead = self.lead or own_department()
        if lead in self.participants:
            raise InputError(f"departments: 牵头部门「{lead}」不能同时是配合部门")
        return Departments(lead, tuple(self.participants), self.one_per_team)


class TaskDefinition(BaseModel):
    """A task as planned by staff (API body of ``POST /api/tasks``, or a task file)."""

    model_config = ConfigDict(extra="forbid")
    task: str = Field(pattern=ID_PATTERN, description="task id")
    title: str = Field(min_length=1, max_length=200)
    org_units: list[str] = Field(min_length=1, max_length=100)
    window: Window
    ratios: dict[str, int] = Field(
        min_length=1, description="basis points (1/10,000) per risk class, 1..10000"
    )
    team_size: int = Field(default=2, ge=2, le=20)
    disclosure: dt.datetime
    beacon: dict[str, Any] = Field(description="beacon spec: see docs/beacons.md")
    cap: int | None = Field(default=None, ge=1, le=100_000)
    items: list[ItemRef] = Field(default_factory=list, max_length=200)
    announce_at: dt.datetime | None = Field(
        default=None, description="when the scheduler announces it; omitted: staff announce"
    )
    cap_exceptions: list[CapException] = Field(
        default_factory=list,
        max_length=1000,
        description="targets kept in the pool although checked twice this year already "
        "(the annual cap is 原则上), each with the reason published with the announcement",
    )
    disclose_early: bool = Field(
        default=False,
        description="disclosure at the announced time or once every result is reviewed, "
        "whichever comes first (公开时间：公告时间或全部检查结果审核完毕时（以先到者为准）)",
    )
    cross_check: CrossCheckRule = Field(
        default_factory=CrossCheckRule,
        description="交叉检查: published with the announcement; both rules off by default",
    )
    plan: PlanRef | None = Field(
        default=None,
        description="年度抽查计划: the plan entry the task carries out; the announcement names "
        "the year's plan version in force",
    )
    departments: JointDepartments | None = Field(
        default=None,
        description="部门联合抽查: the lead and participating departments, published with the "
        "announcement; omitted: a task of the office alone",
    )

    def announce_time(self) -> dt.datetime | None:
        """The planned announcement time in UTC, if any.

        Raises:
            InputError: for a time without a zone.
        """
        if self.announce_at is None:
            return None
        if self.announce_at.tzinfo is None:
            raise InputError("announce_at must be a time with a zone, e.g. 2026-03-01T02:00:00Z")
        return self.announce_at.astimezone(dt.UTC)

    def to_params(self) -> TaskParams:
        """The core's parameters.

        Raises:
            InputError: for a bad ratio, window, disclosure time or beacon spec.
        """
        for risk, bp in self.ratios.items():
            if not 1 <= bp <= 10_000:
                raise InputError(f"ratio of risk class {risk} must be 1..10000 basis points")
        if self.window.start > self.window.end:
            raise InputError("window.end is before window.start")
        if self.disclosure.tzinfo is None:
            raise InputError("disclosure must be a time with a zone, e.g. 2026-04-01T00:00:00Z")
        joint = None if self.departments is None else self.departments.to_core()
        if joint is not None and len(joint.team_departments) > self.team_size:
            raise InputError(
                f"departments: 每组各部门一人需要每组至少 {len(joint.team_departments)} 人，"
                f"team_size 为 {self.team_size}"
            )
        try:
            beacon = BeaconSpec.from_dict(self.beacon)
        except EncodingError as exc:
            raise InputError(f"beacon: {exc}") from exc
        return TaskParams(
            task=self.task,
            title=self.title,
            org_units=tuple(self.org_units),
            window_start=self.window.start.isoformat(),
            window_end=self.window.end.isoformat(),
            ratios=dict(self.ratios),
            team_size=self.team_size,
            disclosure=format_time(self.disclosure.astimezone(dt.UTC)),
            beacon=beacon,
            cap=self.cap,
            items=tuple((i.code, i.version) for i in self.items),
            disclose_early=self.disclose_early,
            cap_exceptions=tuple((e.target, e.reason.strip()) for e in self.cap_exceptions),
            cross_check=CrossCheck(self.cross_check.own_district, self.cross_check.specialty),
            plan=None if self.plan is None else (self.plan.year, self.plan.entry),
            departments=joint,
        )


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "task"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {err['msg']}{more}"


def parse_definition(data: Any) -> TaskDefinition:
    """Validate a decoded task definition.

    Raises:
        InputError: naming the first bad field.
    """
    try:
        return TaskDefinition.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"task definition: {_first_error(exc)}") from None


def load_task_file(path: Path) -> TaskDefinition:
    """Read a YAML (``.yaml``/``.yml``) or JSON task file.

    Raises:
        InputError: for an unreadable file, bad YAML/JSON or a bad field.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read task file {path}: {exc}") from None
    try:
        is_json = Path(path).suffix.lower() == ".json"
        data = json.loads(text) if is_json else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(
            f"task file {path} is not valid YAML/JSON: {exc}".splitlines()[0]
        ) from None
    return parse_definition(data)
