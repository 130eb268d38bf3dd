"""The task wizard's form: staff fields <-> the task definition the API takes.

The form has no JSON: org units and items are checkboxes, ratios are percentages per risk
class, times are Beijing time, the beacon is a drand round (by number or by the time it is
due) or public numbers, with their sources as rows. :func:`definition_from_form` turns the
fields into the body ``POST /api/tasks`` takes and validates it with the same model
(:class:`TaskDefinition`), so a task made here equals the one the API makes from the same
values. Errors are Chinese and keyed by field name, for display next to the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlmodel import col, select

from lottery.api.digits import ascii_int
from lottery.core import drand
from lottery.core.canonical import parse_time
from lottery.core.draw import TaskParams
from lottery.core.errors import LotteryError
from lottery.core.risk_rules import rules_or_none
from lottery.service import org_scope
from lottery.service.departments import own_department
from lottery.service.lifecycle import Lifecycle
from lottery.service.plan_refs import latest_plan
from lottery.service.plans import period_label
from lottery.service.result_entry import CST
from lottery.service.taskfile import TaskDefinition
from lottery.storage.models import ItemListVersion, OrgUnit, PlanVersion, Target, Task

SOURCES = 3  # rows offered for the public numbers' sources
_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}\Z")
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?\Z")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
_DEFAULT_DEADLINE = timedelta(hours=1)
SOURCE_KINDS = (("number", "单个号码"), ("set", "一组号码（不计顺序）"))

Form = Mapping[str, str | list[str]]


@dataclass(frozen=True)
class Choices:
    """What the form offers: org units (code, name), risk classes, items (value, label)."""

    org_units: list[tuple[str, str]]
    risks: list[str]
    items: list[tuple[str, str]]
    # Risk class -> its name under the latest item list (低风险（A类）, or the office's own).
    risk_names: dict[str, str] = field(default_factory=dict)
    # Entries of each year's plan in force: (``year:entry``, label), newest year first.
    plans: list[tuple[str, str]] = field(default_factory=list)
    # The office's own department: a joint task's lead when none is named.
    own_department: str = ""


@dataclass
class Parsed:
    """The outcome of reading the form: the API body, or errors by field name."""

    body: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    definition: TaskDefinition | None = None
    params: TaskParams | None = None


def choices(lc: Lifecycle, task: Task | None = None, actor: str | None = None) -> Choices:
    """The org units (with ``actor``: those of the actor's scope), the risk classes of the
    target registry and the latest item list (plus what ``task`` already uses, so an edit
    never loses a value)."""
    with lc.session() as session:
        units = [
            (u.code, u.name) for u in session.exec(select(OrgUnit).order_by(col(OrgUnit.code)))
        ]
        if actor is not None:
            scope = org_scope.scope_of(session, actor)
            units = [(code, name) for code, name in units if scope.covers([code])]
        risks = set(session.exec(select(Target.risk_class).distinct()))
        latest = session.exec(
            select(ItemListVersion).order_by(col(ItemListVersion.version).desc())
        ).first()
        years = session.exec(select(PlanVersion.year).distinct()).all()
        plans = [
            (f"{plan.year}:{e['id']}", _entry_label(plan, e))
            for year in sorted(set(years), reverse=True)
            if (plan := latest_plan(session, year)) is not None
            for e in plan.entries
        ]
    version = latest.version if latest else 0
    items = [
        (f"{i.get('code')}@{version}", f"{i.get('code')}：{i.get('name', '')}")
        for i in (latest.items if latest else [])
    ]
    if task is not None:
        risks |= set(task.params.get("ratios", {}))
        known = {v for v, _ in items}
        items += [
            (f"{c}@{v}", f"{c}（第 {v} 版清单）")
            for c, v in task.params.get("items", [])
            if f"{c}@{v}" not in known
        ]
        ref = task.params.get("plan")
        if ref and f"{ref['year']}:{ref['entry']}" not in {v for v, _ in plans}:
            plans.append(
                (
                    f"{ref['year']}:{ref['entry']}",
                    f"{ref['year']} 年 {ref['entry']}（现行计划中没有）",
                )
            )
    rules = rules_or_none(latest.risk_rules if latest else None)
    return Choices(
        units,
        sorted(risks),
        items,
        {r: rules.label(r) for r in risks},
        plans,
        own_department(),
    )


def _entry_label(plan: PlanVersion, entry: Mapping[str, Any]) -> str:
    """``2026 年（第 2 版）P01：RF-005、RF-006，第一季度，联合抽查（住建）``."""
    parts = ["、".join(entry.get("items", [])), period_label(str(entry.get("period", "")))]
    if entry.get("joint"):
        parts.append(f"联合抽查（{'、'.join(entry.get('departments', []))}）")
    return f"{plan.year} 年（第 {plan.version} 版）{entry['id']}：{'，'.join(parts)}"


def _one(form: Form, name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value.strip()


def _many(form: Form, name: str) -> list[str]:
    value = form.get(name, [])
    return [value] if isinstance(value, str) else list(value)


def _beijing(text: str) -> datetime | None:
    """``YYYY-MM-DDTHH:MM[:SS]`` in Beijing time, as UTC; None when malformed."""
    if not _LOCAL.match(text):
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=CST).astimezone(UTC)
    except (ValueError, OverflowError):  # no such day; a year 1 time before UTC's year 1
        return None


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_beijing(text: str) -> str:
    """A stored UTC time as the form's Beijing ``YYYY-MM-DDTHH:MM[:SS]``."""
    local = parse_time(text).astimezone(CST)
    return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")


def _int(text: str, low: int, high: int) -> int | None:
    value = ascii_int(text, 6)
    return value if value is not None and low <= value <= high else None


def _ratio_bp(text: str) -> int | None:
    """A percentage (up to two decimals) as basis points 1..10000; None when not one."""
    try:
        bp = Decimal(text) * 100
    except InvalidOperation:
        return None
    if not bp.is_finite() or bp != bp.to_integral_value() or not 1 <= bp <= 10_000:
        return None
    return int(bp)


def _basics(form: Form, body: dict[str, Any], errors: dict[str, str], ch: Choices) -> None:
    task = _one(form, "task")
    if not _ID.match(task):
        errors["task"] = "任务编号须以字母或数字开头，只用英文字母、数字和 . _ -，最多 64 个字符"
    title = _one(form, "title")
    if not title:
        errors["title"] = "请填写任务名称"
    elif len(title) > 200:
        errors["title"] = f"任务名称太长：最多 200 个字（现为 {len(title)} 个）"
    known = {c for c, _ in ch.org_units}
    units = [u for u in _many(form, "org_units") if u]
    if not units:
        errors["org_units"] = "请至少选择一个组织单位（其下属单位自动包括在内）"
    elif any(u not in known for u in units):
        errors["org_units"] = "所选的组织单位不存在"
    body.update(task=task, title=title, org_units=units)


def _window(form: Form, body: dict[str, Any], errors: dict[str, str]) -> None:
    start, end = _one(form, "window_start"), _one(form, "window_end")
    for name, value in (("window_start", start), ("window_end", end)):
        if not _DAY.match(value):
            errors[name] = "请按“年-月-日”填写日期，例如 2026-03-10"
    if "window_start" not in errors and "window_end" not in errors and end < start:
        errors["window_end"] = "检查期间的结束日期早于开始日期"
    body["window"] = {"start": start, "end": end}


def _ratios(form: Form, body: dict[str, Any], errors: dict[str, str], ch: Choices) -> None:
    ratios: dict[str, int] = {}
    for risk in ch.risks:
        text = _one(form, f"ratio_{risk}")
        if not text:
            continue
        bp = _ratio_bp(text)
        if bp is None:
            errors[f"ratio_{risk}"] = "请填写 0.01 到 100 之间的百分比，最多两位小数，例如 5 或 2.5"
        else:
            ratios[risk] = bp
    if not ratios and not any(k.startswith("ratio_") for k in errors):
        errors["ratios"] = "请至少填写一个风险等级的抽取比例"
    body["ratios"] = ratios


def _team(form: Form, body: dict[str, Any], errors: dict[str, str], ch: Choices) -> None:
    size = _int(_one(form, "team_size"), 2, 20)
    if size is None:
        errors["team_size"] = "每组人数须是 2 到 20 之间的整数"
    cap_text = _one(form, "cap")
    cap = _int(cap_text, 1, 100_000) if cap_text else None
    if cap_text and cap is None:
        errors["cap"] = "上限须是 1 到 100000 之间的整数，或留空"
    known = {v for v, _ in ch.items}
    items = []
    for value in _many(form, "items"):
        code, _, version = value.partition("@")
        number = ascii_int(version)
        if value not in known or number is None:
            errors["items"] = "所选的抽查事项不在清单中"
            break
        items.append({"code": code, "version": number})
    body.update(team_size=size or 2, cap=cap, items=items)


def _times(form: Form, body: dict[str, Any], errors: dict[str, str]) -> None:
    disclosure = _beijing(_one(form, "disclosure"))
    if disclosure is None:
        errors["disclosure"] = "请按“年-月-日 时:分”填写结果公开时间（北京时间）"
    else:
        body["disclosure"] = _utc_text(disclosure)
    text = _one(form, "announce_at")
    if text:
        at = _beijing(text)
        if at is None:
            errors["announce_at"] = "请按“年-月-日 时:分”填写公告时间（北京时间），或留空"
        else:
            body["announce_at"] = _utc_text(at)
    if _one(form, "disclose_early") == "1":
        body["disclose_early"] = True
    own, specialty = _one(form, "cross_own_district") == "1", _one(form, "cross_specialty") == "1"
    if own or specialty:  # 交叉检查: absent when neither is ticked, as in older tasks
        body["cross_check"] = {"own_district": own, "specialty": specialty}


def _cap_exceptions(form: Form, body: dict[str, Any], errors: dict[str, str]) -> None:
    """One line per kept target: ``统一社会信用代码｜理由`` (either bar)."""
    kept = []
    for n, line in enumerate(_one(form, "cap_exceptions").splitlines(), start=1):
        if not line.strip():
            continue
        target, bar, reason = line.replace("|", "｜").partition("｜")
        if not bar or not target.strip() or not reason.strip():
            errors["cap_exceptions"] = f"第 {n} 行应写成“统一社会信用代码｜保留理由”"
            return
        kept.append({"target": target.strip().upper(), "reason": reason.strip()})
    if kept:
        body["cap_exceptions"] = kept


_DEPARTMENT_SPLIT = re.compile(r"[\n、,，;；]+")


def _plan_and_departments(
    form: Form, body: dict[str, Any], errors: dict[str, str], ch: Choices
) -> None:
    """The plan entry (``year:entry`` from the plan in force) and the joint departments."""
    plan = _one(form, "plan")
    if plan:
        year, _, entry = plan.partition(":")
        year_no = ascii_int(year, 4)
        if plan not in {v for v, _ in ch.plans} or year_no is None:
            errors["plan"] = "所选的计划条目不在现行年度抽查计划中"
        else:
            body["plan"] = {"year": year_no, "entry": entry}
    names = [n.strip() for n in _DEPARTMENT_SPLIT.split(_one(form, "dept_participants"))]
    participants = [n for n in names if n]
    lead = _one(form, "dept_lead")
    one_per_team = _one(form, "dept_one_per_team") == "1"
    if not participants:
        if lead or one_per_team:
            errors["dept_participants"] = (
                "联合抽查须填写至少一个配合部门；不是联合抽查的请清空牵头部门并取消勾选"
            )
        return
    if len(participants) > 20:
        errors["dept_participants"] = f"配合部门最多 20 个（现为 {len(participants)} 个）"
    elif any(len(n) > 100 for n in (lead, *participants)):
        errors["dept_participants"] = "部门名称最多 100 个字"
    elif len(set(participants)) != len(participants):
        errors["dept_participants"] = "配合部门有重复"
    elif (lead or ch.own_department) in participants:
        errors["dept_participants"] = f"牵头部门“{lead or ch.own_department}”不能同时是配合部门"
    departments: dict[str, Any] = {"participants": participants, "one_per_team": one_per_team}
    if lead:
        departments["lead"] = lead
    body["departments"] = departments


def _drand(form: Form, errors: dict[str, str]) -> dict[str, Any] | None:
    chain = drand.QUICKNET
    round_text, time_text = _one(form, "drand_round"), _one(form, "drand_time")
    number: int | None = None
    if round_text:
        number = ascii_int(round_text, 15)
        if not number:
            errors["drand_round"] = "轮次须是正整数"
    elif time_text:
        at = _beijing(time_text)
        if at is None:
            errors["drand_time"] = "请按“年-月-日 时:分”填写时间（北京时间）"
        else:
            number = drand.round_at(chain, int(at.timestamp())) + 1
    else:
        errors["drand_time"] = "请填写 drand 随机数的产生时间，或直接填写轮次"
    if number is None:
        return None
    try:
        due = datetime.fromtimestamp(drand.round_time(chain, number), UTC)
        default_deadline = due + _DEFAULT_DEADLINE
    except (ValueError, OverflowError, OSError):
        errors["drand_round"] = "轮次太大：对应的时间超出了可用范围"
        return None
    deadline_text = _one(form, "drand_deadline")
    deadline = _beijing(deadline_text) if deadline_text else default_deadline
    if deadline is None:
        errors["drand_deadline"] = "请按“年-月-日 时:分”填写截止时间（北京时间），或留空"
        return None
    return {
        "kind": "drand",
        "chain": "quicknet",
        "chain_hash": chain.chain_hash.hex(),
        "round": number,
        "deadline": _utc_text(deadline),
    }


def _source(form: Form, i: int, errors: dict[str, str]) -> dict[str, Any] | None:
    name, draw = _one(form, f"src{i}_name"), _one(form, f"src{i}_draw")
    kind, count_text = _one(form, f"src{i}_kind") or "number", _one(form, f"src{i}_count")
    if not (name or draw or count_text):
        return None
    if not name or not draw:
        errors[f"src{i}_name"] = "请同时填写来源名称和开奖期号"
    count = 1 if kind == "number" and not count_text else _int(count_text, 1, 100)
    if kind not in {k for k, _ in SOURCE_KINDS}:
        errors[f"src{i}_kind"] = "请选择号码的类型"
    elif count is None or (kind == "number" and count != 1):
        errors[f"src{i}_count"] = "号码个数须是 1 到 100 的整数（单个号码为 1）"
    return {"name": name, "announced_draw": draw, "kind": kind, "count": count or 1}


def _numbers(form: Form, errors: dict[str, str]) -> dict[str, Any] | None:
    description, day = _one(form, "numbers_description"), _one(form, "numbers_date")
    if not description:
        errors["numbers_description"] = "请填写公开号码的说明，例如所用的彩票和期号"
    if not _DAY.match(day):
        errors["numbers_date"] = "请按“年-月-日”填写开奖日期"
    sources = [s for i in range(1, SOURCES + 1) if (s := _source(form, i, errors)) is not None]
    if not sources:
        errors["src1_name"] = "请至少填写一个号码来源"
    return {
        "kind": "public-numbers",
        "description": description,
        "sources": sources,
        "draw_date": day,
    }


def _beacon(form: Form, body: dict[str, Any], errors: dict[str, str]) -> None:
    kind = _one(form, "beacon_kind")
    if kind == "drand":
        primary = _drand(form, errors)
        spec: dict[str, Any] = {"primary": primary}
        if _one(form, "fallback") == "1":
            spec["fallback"] = _numbers(form, errors)
    elif kind == "numbers":
        spec = {"primary": _numbers(form, errors)}
    else:
        errors["beacon_kind"] = "请选择随机数来源"
        spec = {}
    body["beacon"] = spec


_FIELD_OF = {  # where a model error is shown when the form's own checks let it through
    "task": "task",
    "title": "title",
    "org_units": "org_units",
    "window": "window_end",
    "ratios": "ratios",
    "team_size": "team_size",
    "cap": "cap",
    "items": "items",
    "disclosure": "disclosure",
    "announce_at": "announce_at",
    "disclose_early": "disclose_early",
    "cap_exceptions": "cap_exceptions",
    "cross_check": "cross_own_district",
    "beacon": "beacon_kind",
    "plan": "plan",
    "departments": "dept_participants",
}


def definition_from_form(form: Form, ch: Choices) -> Parsed:
    """Read the wizard's fields; validate with the API's model and the core's parameters.

    Returns the body and, when every field is right, the definition and parameters;
    otherwise the Chinese errors by field name (nothing else is done).
    """
    parsed = Parsed()
    _basics(form, parsed.body, parsed.errors, ch)
    _window(form, parsed.body, parsed.errors)
    _ratios(form, parsed.body, parsed.errors, ch)
    _team(form, parsed.body, parsed.errors, ch)
    _times(form, parsed.body, parsed.errors)
    _cap_exceptions(form, parsed.body, parsed.errors)
    _plan_and_departments(form, parsed.body, parsed.errors, ch)
    _beacon(form, parsed.body, parsed.errors)
    if parsed.errors:
        return parsed
    try:
        definition = TaskDefinition.model_validate(parsed.body)
        params = definition.to_params()
        definition.announce_time()
    except ValidationError as exc:
        loc = str(exc.errors()[0]["loc"][0]) if exc.errors() else "task"
        parsed.errors[_FIELD_OF.get(loc, "task")] = "此项的值不符合要求"
        return parsed
    except LotteryError as exc:  # the core's messages are English: said here in Chinese
        if str(exc).startswith("departments:"):
            parsed.errors["dept_participants"] = (
                f"每组各部门一人：每组人数须不少于部门数（牵头部门和配合部门共 "
                f"{len(parsed.body['departments']['participants']) + 1} 个）"
                if "team_size" in str(exc)
                else "联合抽查的部门设置不符合要求：牵头部门不能同时是配合部门"
            )
        elif "beacon" in str(exc):
            parsed.errors["beacon_kind"] = (
                "随机数来源的设置不符合要求：请检查 drand 轮次和截止时间、开奖日期，"
                "以及号码来源的名称、期号（不能含特殊字符）和号码个数"
            )
        else:
            parsed.errors["task"] = "任务参数不符合要求，请检查各项"
        return parsed
    parsed.definition, parsed.params = definition, params
    return parsed


def service_errors(exc: LotteryError) -> dict[str, str]:
    """A refusal by the service that names one of the form's fields, by field name (empty
    when it names none): the plan check's ``字段「plan」：...`` is shown at the plan entry."""
    prefix = "字段「plan」："
    message = str(exc)
    return {"plan": message.removeprefix(prefix)} if message.startswith(prefix) else {}


def _beacon_form(beacon: Mapping[str, Any], values: dict[str, Any]) -> None:
    primary = beacon.get("primary", {})
    numbers: Mapping[str, Any] | None = beacon.get("fallback")
    if primary.get("kind") == "drand":
        values.update(
            beacon_kind="drand",
            drand_round=str(primary["round"]),
            drand_deadline=to_beijing(primary["deadline"]),
            fallback="1" if numbers else "",
        )
    else:
        values["beacon_kind"] = "numbers"
        numbers = primary
    if numbers:
        values.update(numbers_description=numbers["description"], numbers_date=numbers["draw_date"])
        for i, src in enumerate(numbers["sources"], start=1):
            values.update(
                {
                    f"src{i}_name": src["name"],
                    f"src{i}_draw": src["announced_draw"],
                    f"src{i}_kind": src["kind"],
                    f"src{i}_count": str(src["count"]),
                }
            )


def _percent(bp: int) -> str:
    text = f"{Decimal(bp) / 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def form_from_task(task: Task) -> dict[str, Any]:
    """The wizard's field values for an existing draft (for editing it)."""
    p = task.params
    values: dict[str, Any] = {
        "task": task.id,
        "title": task.title,
        "org_units": list(p["org_units"]),
        "window_start": p["window_start"],
        "window_end": p["window_end"],
        "team_size": str(p["team_size"]),
        "cap": "" if p.get("cap") is None else str(p["cap"]),
        "items": [f"{c}@{v}" for c, v in p.get("items", [])],
        "disclosure": to_beijing(p["disclosure"]),
        "announce_at": to_beijing(p["announce_at"]) if p.get("announce_at") else "",
        "disclose_early": "1" if p.get("disclose_early") else "",
        "cross_own_district": "1" if (p.get("cross_check") or {}).get("own_district") else "",
        "cross_specialty": "1" if (p.get("cross_check") or {}).get("specialty") else "",
        "cap_exceptions": "\n".join(f"{t}｜{r}" for t, r in p.get("cap_exceptions", [])),
    }
    values.update({f"ratio_{risk}": _percent(bp) for risk, bp in p["ratios"].items()})
    if p.get("plan"):
        values["plan"] = f"{p['plan']['year']}:{p['plan']['entry']}"
    if p.get("departments"):
        joint = p["departments"]
        values.update(
            dept_lead="" if joint["lead"] == own_department() else joint["lead"],
            dept_participants="\n".join(joint["participants"]),
            dept_one_per_team="1" if joint.get("one_per_team") else "",
        )
    _beacon_form(p["beacon"], values)
    return values


def blank_form() -> dict[str, Any]:
    """The wizard's starting values."""
    return {"team_size": "2", "beacon_kind": "drand", "org_units": [], "items": []}


def as_values(form: Form) -> dict[str, Any]:
    """The submitted fields as the template shows them again (lists stay lists)."""
    values: dict[str, Any] = {}
    for key in form:
        many = _many(form, key)
        values[key] = many if key in {"org_units", "items"} else (many[0] if many else "")
    return values


def multi(form: Any, names: Sequence[str] = ("org_units", "items")) -> dict[str, str | list[str]]:
    """A Starlette form as the mapping :func:`definition_from_form` reads."""
    out: dict[str, str | list[str]] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = values if key in names else (values[0] if values else "")
    return out
