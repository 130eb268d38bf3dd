"""Task pages: the list of tasks and one page per task (parameters, timeline, outcome)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from lottery.core.committed import is_commitment_id
from lottery.core.errors import EncodingError
from lottery.core.pool import EXCLUSION_REASONS, decode_exclusions
from lottery.core.records import Record
from publisher.model import SiteModel, TaskView
from publisher.pages import (
    RECORD_NAMES,
    h,
    link,
    log_link,
    md,
    short,
    status_text,
    target_link,
)
from publisher.plan_pages import plan_cell
from publisher.render import beijing, code, render
from publisher.witness_status import LogTime, Witnessing, log_time, witness_status


def _beacon_text(beacon: dict[str, Any]) -> Markup:
    primary = beacon["primary"]
    if primary["kind"] == "drand":
        text = (
            f"drand {primary['chain']} 第 {primary['round']} 轮"
            f"（链哈希 {primary['chain_hash'][:16]}…），截止北京时间 {beijing(primary['deadline'])}"
        )
    else:
        sources = "；".join(f"{s['name']} {s['announced_draw']}" for s in primary["sources"])
        text = f"公开号码：{primary['description']}，开奖日期 {primary['draw_date']}（{sources}）"
    fallback = beacon.get("fallback")
    if fallback:
        text += f"；备用：{fallback['description']}，{fallback['draw_date']}"
    return h(text)


def _beacon_value_text(draw: Record) -> Markup:
    value = draw.body["beacon_value"]
    used = "（使用备用随机源）" if draw.body["fallback"] else ""
    if isinstance(value, dict) and value.get("kind") == "drand":
        return md(
            f"drand 第 {value.get('round')} 轮，随机值 {str(value.get('randomness'))[:16]}…{used}"
        )
    if isinstance(value, dict) and "key_string" in value:
        return md(f"公开号码，RFC 3797 键串 {value['key_string']}{used}")
    return md(value) + used


def tasks_index(model: SiteModel) -> str:
    """All tasks."""
    rows = [
        [
            link(t.task, f"{t.task}/"),
            h(t.announcement["title"]),
            h(status_text(t)),
            str(t.announcement["pool"]["candidates"]),
            str(t.announcement["pool"]["picks"]),
        ]
        for t in sorted(model.tasks.values(), key=lambda t: t.task)
    ]
    return render("tasks_index.md", rows=rows)


def _items(model: SiteModel, refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for ref in refs:
        record = model.item_lists.get(ref["version"])
        names = {i["code"]: i["name"] for i in record.body["items"]} if record else {}
        out.append(
            {
                "code": ref["code"],
                "name": names.get(ref["code"], "（该版本清单未在本站公开）"),
                "version": ref["version"],
                "listed": record is not None,
            }
        )
    return out


def _randomness(beacon: dict[str, Any]) -> str:
    primary = beacon["primary"]
    if primary["kind"] == "drand":
        return f"drand 公共随机数第 {primary['round']} 轮"
    return f"{primary['draw_date']} 开奖的公开号码（{primary['description']}）"


def _plain(view: TaskView, draw: Record | None, closing: Record | None) -> str:
    """The task in a few plain sentences (issue #17): what is drawn, from whom, with which
    randomness fixed before it existed, what happened, and that anyone can re-check it."""
    a = view.announcement
    text = (
        f"本单位于北京时间 {beijing(a['time'])} 公告本任务：从 {a['pool']['candidates']} 户"
        f"候选对象中，按信用风险分类的比例随机抽取 {a['pool']['picks']} 户，"
        f"由执法检查人员 {a['team_size']} 人一组前往检查。"
        f"抽取使用{_randomness(a['beacon'])}，它在公告时还不存在，任何人（包括本单位）都无法预知；"
        "本单位公告时已用承诺值锁定自己的秘密值，事后不能更改。"
    )
    if closing is not None and closing.type == "task-cancellation":
        text += f"本任务已于北京时间 {beijing(closing.body['time'])} 取消，原因见下方时间线。"
        if closing.body.get("secret_lost") is True:
            text += (
                "本单位声明已遗失本任务的秘密值，取消时未公开秘密值"
                + ("和抽取结果" if draw is not None else "")
                + "，因此无法公开核验抽取是否公正（见下方“请注意”）。"
            )
        return text
    if draw is not None:
        text += f"已于北京时间 {beijing(draw.body['time'])} 抽取"
        if closing is not None:
            return text + f"，并于 {beijing(closing.body['time'])} 公开抽取结果（见下）。"
        return text + f"并封存，结果将于北京时间 {beijing(a['disclosure'])} 公开。"
    return text + f"抽取结果将于北京时间 {beijing(a['disclosure'])} 公开。"


def _units(model: SiteModel, codes: list[str]) -> Markup:
    """Org units by name, the code beside it (the code alone when no snapshot names it)."""
    names = model.names("org-units")
    return h("、".join(f"{names[c]}（{c}）" if names.get(c) else c for c in codes))


def _exclusions(model: SiteModel, a: dict[str, Any]) -> list[list[Any]]:
    """The frozen exclusion list as a reader reads it: target, name, the reason in Chinese,
    the office's detail. A missing or malformed blob gives no rows (the verification on the
    same page fails and says why)."""
    try:
        excluded = decode_exclusions(model.get(f"blobs/{a['exclusions']['sha256']}"))
    except (KeyError, EncodingError):
        return []
    names = model.task_target_names(a)
    return [
        [
            h(ex.target),
            h(names.get(ex.target, "")),
            h(EXCLUSION_REASONS.get(ex.reason, ex.reason)),
            h(ex.detail),
        ]
        for ex in excluded
    ]


def _cap_exceptions(model: SiteModel, a: dict[str, Any]) -> list[list[Any]]:
    """Targets kept in the pool although the annual cap would exclude them, with the reason."""
    names = model.task_target_names(a)
    return [
        [h(e["target"]), h(names.get(e["target"], "")), h(e["reason"])]
        for e in a.get("cap_exceptions", [])
    ]


def _timeline(model: SiteModel, view: TaskView) -> list[list[Any]]:
    return [
        [
            beijing(r.body["time"]),
            RECORD_NAMES.get(r.type, r.type),
            short(r.id),
            log_link(model, r, "../../"),
        ]
        for r in view.records
    ]


def _outcome(model: SiteModel, view: TaskView) -> dict[str, Any] | None:
    outcome = view.verification.outcome if view.verification else None
    if outcome is None:
        return None
    names = model.task_target_names(view.announcement)
    people = model.inspector_names()
    places = model.task_places(view.announcement)
    teams = {
        t.target: [f"{i} {people[i]}" if i in people else i for i in t.inspectors]
        for t in outcome.teams
    }
    # A committed pool's picks are named by their openings (spec §4 "Committed pools").
    opened = view.verification.openings if view.verification else {}
    rows = [
        [
            places.stratum(key),
            target_link(opened[p.target].uscc if p.target in opened else p.target, "../../"),
            opened[p.target].name if p.target in opened else names.get(p.target, ""),
            short(p.ticket.hex()),
            "、".join(teams.get(p.target, ())),
        ]
        for key, picks in outcome.strata
        for p in picks
    ]
    return {"seed": outcome.seed.hex(), "names_known": bool(names), "rows": rows}


REGISTRY_NAMES = {
    "org-units": "组织机构",
    "targets": "检查对象名录",
    "inspectors": "执法检查人员名录",
}


def _registries(model: SiteModel, a: dict[str, Any]) -> list[dict[str, Any]]:
    """The registry snapshots the announcement names (spec §4), each with its download."""
    by_id = {r.id: r for rs in model.snapshots.values() for r in rs}
    rows = []
    for registry, record_id in sorted(a.get("registries", {}).items()):
        record = by_id.get(record_id)
        if record is not None:
            body = record.body
            rows.append(
                {
                    "name": REGISTRY_NAMES.get(registry, registry),
                    "as_of": beijing(body["as_of"]),
                    "rows": body["rows"],
                    "blob": body["blob"],
                }
            )
    return rows


def _cross_check_rows(a: dict[str, Any]) -> list[list[str]]:
    """The cross-check rule the announcement names (交叉检查), when it names one."""
    rule = a.get("cross_check")
    if not rule:
        return []
    said = [
        text
        for key, text in (("own_district", "不得检查本辖区"), ("specialty", "专业对口"))
        if rule.get(key) is True
    ]
    return [["交叉检查", "、".join(said) or "无"]]


def _plan_rows(model: SiteModel, view: TaskView) -> list[list[Any]]:
    """The annual plan entry the task carries out, when its announcement names one."""
    cell = plan_cell(model, view, "../../")
    return [] if cell is None else [["执行的年度抽查计划", cell]]


def _department_rows(a: dict[str, Any]) -> list[list[str]]:
    """The departments of a joint task (部门联合抽查), when the announcement names them."""
    joint = a.get("departments")
    if not isinstance(joint, dict):
        return []
    rows = [
        ["部门联合抽查", "是"],
        ["牵头部门", str(joint.get("lead", ""))],
        ["配合部门", "、".join(str(d) for d in joint.get("participants", []))],
    ]
    if joint.get("one_per_team") is True:
        rows.append(["检查组组成", "每个检查组都有以上每个部门的一名检查人员"])
    return rows


def _disclosure_text(a: dict[str, Any]) -> str:
    """The announced disclosure time, and the early disclosure when the task allows it."""
    when = beijing(a["disclosure"])
    if a.get("disclose_early") is True:
        return f"{when}或全部检查结果审核完毕时（以先到者为准）"
    return when


def _margin_words(margin: int) -> str:
    if margin == 0:
        return "早于随机数产生"
    if margin % 60 == 0:
        return f"至少早于随机数产生 {margin // 60} 分钟"
    return f"至少早于随机数产生 {margin} 秒"


def witness_rows(
    statuses: Mapping[str, Witnessing | None], task: str, as_of: LogTime
) -> list[list[Any]]:
    """见证方 and 见证结果: whether the quorum of the published witness policy cosigned the
    announcement in time (docs/witness.md); nothing when the log publishes no policy. The
    names come from the policy record: escaped.

    ``as_of``: the export's log (its size, its newest record's time), never the wall clock:
    before the beacon's time the cosignatures are awaited, said "as of record N"; once a
    record dated at or after it is in the log, the time has passed and the rule failed."""
    if task not in statuses:
        return []
    w = statuses[task]
    if w is None:
        return [["见证方联署", "本任务公告时日志中还没有公布见证方规则；公告时间只是本单位的说法"]]
    rule = f"至少 {w.quorum} 个联署，{_margin_words(w.margin)}"
    who = h(f"{'、'.join(w.names)}（日志第 {w.policy_index} 条记录公布的见证方规则：{rule}）")
    n, k, got = len(w.names), w.quorum, len(w.in_time)
    if w.met:
        text = f"公告已在抽取前由 {n} 个见证方中的 {got} 个联署（规则：至少 {k} 个）：" + "、".join(
            w.in_time
        )
    elif w.due is None:
        text = "未满足见证规则：无法确定随机数产生的时间"
    elif as_of.time is None or w.due > as_of.time:
        when = "" if as_of.time is None else f"（最新一条为北京时间 {beijing(as_of.time)}）"
        text = (
            f"尚待见证方联署：北京时间 {beijing(w.due)} 之前需要至少 {k} 个见证方联署；"
            f"截至日志中的 {as_of.size} 条记录{when}，{n} 个见证方中有 {got} 个已联署"
        )
    else:
        text = (
            f"未满足见证规则：北京时间 {beijing(w.due)} 之前只有 {n} 个见证方中的 {got} 个"
            f"联署了含本公告的检查点（规则：至少 {k} 个）"
        )
        if w.late:
            text += f"；联署太晚：{'、'.join(w.late)}"
    return [["见证方", who], ["见证方联署", h(text)]]


def task_page(
    model: SiteModel,
    view: TaskView,
    witnessing: Mapping[str, Witnessing | None] | None = None,
    as_of: LogTime | None = None,
) -> str:
    """One task: parameters, items, frozen pools, commitment, beacon, timeline, outcome.

    ``witnessing``: :func:`publisher.witness_status.witness_status` of ``model``; ``as_of``:
    :func:`publisher.witness_status.log_time` of ``model`` (each computed here when not
    given; the builder computes them once for every task). Nothing reads the wall clock."""
    a = view.announcement
    if witnessing is None:
        witnessing = witness_status(model)
    if as_of is None:
        as_of = log_time(model)
    places = model.task_places(a)
    params = [
        ["检查时间", f"{a['window']['start']} 至 {a['window']['end']}"],
        ["执法人员所属机构", _units(model, a["org_units"])],
        [
            "抽查比例（按信用风险分类）",
            "；".join(f"{places.risk(k)} {v / 100:g}%" for k, v in sorted(a["ratios"].items())),
        ],
        ["每组检查人员", f"{a['team_size']} 人"],
        ["每人最多承担", f"{a['cap']} 户"],
        *_cross_check_rows(a),
        *_plan_rows(model, view),
        *_department_rows(a),
        ["候选对象", f"{a['pool']['candidates']} 户，{a['pool']['strata']} 个分层"],
        ["抽取数量", f"{a['pool']['picks']} 户"],
        ["排除对象", f"{a['exclusions']['count']} 户"],
        ["算法", a["algorithm"]],
        ["随机源（公告时指定）", _beacon_text(a["beacon"])],
        *witness_rows(witnessing, view.task, as_of),
        ["承诺值（commit）", code(a["commit"])],
        ["公开时间（北京时间）", _disclosure_text(a)],
    ]
    draw = view.record("task-draw")
    cancel = view.record("task-cancellation")
    closing = cancel or view.record("task-reveal")
    results = model.results.get(view.task, [])
    shown = bool(results or model.task_reports.get(view.task))
    return render(
        "task.md",
        view=view,
        a=a,
        status=status_text(view),
        secret_lost=view.secret_lost,
        params=params,
        plain=_plain(view, draw, closing),
        items=_items(model, a["items"]),
        exclusions=_exclusions(model, a),
        cap_exceptions=_cap_exceptions(model, a),
        registries=_registries(model, a),
        timeline=_timeline(model, view),
        draw=draw.body if draw else None,
        beacon_value=_beacon_value_text(draw) if draw else None,
        cancel=cancel.body if cancel else None,
        outcome=_outcome(model, view),
        results_count=len(results) if shown else None,
        checks=view.verification.checks if view.verification is not None else None,
        committed=_committed(model, a),
    )


def _committed(model: SiteModel, a: dict[str, Any]) -> bool:
    """Whether the task's pool names targets by commitment ids (spec §4 "Committed pools")."""
    pool = model.blob_json(a["pool"]["sha256"])
    strata = pool.get("strata", []) if isinstance(pool, dict) else []
    return any(
        isinstance(c, str) and is_commitment_id(c)
        for st in strata
        if isinstance(st, dict)
        for c in st.get("candidates", [])
    )
