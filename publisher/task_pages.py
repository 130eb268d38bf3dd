"""Task pages: the list of tasks and one page per task (parameters, timeline, outcome)."""

from __future__ import annotations

from typing import Any

from lottery.core.records import Record
from publisher.model import SiteModel, TaskView
from publisher.pages import RECORD_NAMES, STATUS, h, link, log_link, md, short, table


def _beacon_text(beacon: dict[str, Any]) -> str:
    primary = beacon["primary"]
    if primary["kind"] == "drand":
        text = (
            f"drand {primary['chain']} 第 {primary['round']} 轮"
            f"（链哈希 {primary['chain_hash'][:16]}…），截止 {primary['deadline']}"
        )
    else:
        sources = "；".join(f"{s['name']} {s['announced_draw']}" for s in primary["sources"])
        text = f"公开号码：{primary['description']}，开奖日期 {primary['draw_date']}（{sources}）"
    fallback = beacon.get("fallback")
    if fallback:
        text += f"；备用：{fallback['description']}，{fallback['draw_date']}"
    return h(text)


def _beacon_value_text(draw: Record) -> str:
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
            h(STATUS.get(t.status, t.status)),
            str(t.announcement["pool"]["candidates"]),
            str(t.announcement["pool"]["picks"]),
        ]
        for t in sorted(model.tasks.values(), key=lambda t: t.task)
    ]
    head = ["任务编号", "名称", "状态", "候选对象数", "抽取数"]
    return "\n".join(["# 抽查任务", "", *(table(head, rows) if rows else ["暂无", ""])])


def _items(model: SiteModel, refs: list[dict[str, Any]]) -> list[str]:
    out = []
    for ref in refs:
        record = model.item_lists.get(ref["version"])
        names = {i["code"]: i["name"] for i in record.body["items"]} if record else {}
        name = md(names.get(ref["code"], "（该版本清单未在本站公开）"))
        link = (
            f"[第 {ref['version']} 版](../items/v{ref['version']}.md)"
            if record
            else f"第 {ref['version']} 版"
        )
        out.append(f"- {md(ref['code'])} {name}（抽查事项清单{link}）")
    return [*(out or ["- 未列明"]), ""]


def _timeline(model: SiteModel, view: TaskView) -> list[str]:
    rows = [
        [
            r.body["time"],
            h(RECORD_NAMES.get(r.type, r.type)),
            short(r.id),
            log_link(model, r, "../../"),
        ]
        for r in view.records
    ]
    return table(["时间（UTC）", "事件", "记录编号（SHA-256）", "日志序号"], rows)


def _outcome(model: SiteModel, view: TaskView) -> list[str]:
    outcome = view.verification.outcome if view.verification else None
    if outcome is None:
        return []
    title = "## 抽取结果" if view.status == "disclosed" else "## 被取消的抽取结果（一并公开）"
    names = model.target_names()
    people = model.inspector_names()
    teams = {
        t.target: [f"{i} {people[i]}" if i in people else i for i in t.inspectors]
        for t in outcome.teams
    }
    rows = [
        [
            h(key),
            p.target,
            h(names.get(p.target, "")),
            f"<code>{p.ticket.hex()[:16]}…</code>",
            h("、".join(teams.get(p.target, ()))),
        ]
        for key, picks in outcome.strata
        for p in picks
    ]
    note = [] if names else ["（本站尚未公开抽查对象名录快照，名称暂缺。）", ""]
    return [
        title,
        "",
        f"种子（seed）：`{outcome.seed.hex()}`",
        "",
        *note,
        *table(["分层", "抽查对象（统一社会信用代码）", "名称", "签值（ticket）", "检查组"], rows),
    ]


def task_page(model: SiteModel, view: TaskView) -> str:
    """One task: parameters, items, frozen pools, commitment, beacon, timeline, outcome."""
    a = view.announcement
    lines = [
        f"# {view.task} {md(a['title'])}",
        "",
        f"**状态：** {STATUS.get(view.status, view.status)}",
        "",
        "## 抽查参数（公告时固定）",
        "",
        *table(
            ["项目", "内容"],
            [
                ["检查时间", f"{a['window']['start']} 至 {a['window']['end']}"],
                ["执法人员所属机构", h("、".join(a["org_units"]))],
                [
                    "抽查比例（按信用风险分类）",
                    "；".join(f"{h(k)} 类 {v / 100:g}%" for k, v in sorted(a["ratios"].items())),
                ],
                ["每组检查人员", f"{a['team_size']} 人"],
                ["每人最多承担", f"{a['cap']} 户"],
                ["候选对象", f"{a['pool']['candidates']} 户，{a['pool']['strata']} 个分层"],
                ["抽取数量", f"{a['pool']['picks']} 户"],
                ["排除对象", f"{a['exclusions']['count']} 户"],
                ["算法", h(a["algorithm"])],
                ["随机源（公告时指定）", _beacon_text(a["beacon"])],
                ["承诺值（commit）", f"<code>{h(a['commit'])}</code>"],
                ["公开时间", a["disclosure"]],
            ],
        ),
        "## 抽查事项",
        "",
        *_items(model, a["items"]),
        "## 冻结的名单",
        "",
        "公告时冻结，按 SHA-256 寻址，可下载核对：",
        "",
        f"- 候选对象名单：[`{a['pool']['sha256']}`](../export/blobs/{a['pool']['sha256']})",
        f"- 执法检查人员名单：[`{a['inspector_pool']['sha256']}`]"
        f"(../export/blobs/{a['inspector_pool']['sha256']})",
        f"- 排除名单及理由：[`{a['exclusions']['sha256']}`]"
        f"(../export/blobs/{a['exclusions']['sha256']})",
        "",
        "## 时间线",
        "",
        *_timeline(model, view),
    ]
    draw = view.record("task-draw")
    if draw is not None:
        lines += [
            "## 随机源取值",
            "",
            f"{_beacon_value_text(draw)}（抽取时间 {draw.body['time']}）",
            "",
        ]
    cancel = view.record("task-cancellation")
    if cancel is not None:
        lines += ["## 取消原因", "", md(cancel.body["reason"]), ""]
        if draw is None:
            lines += ["任务在抽取前取消，未进行抽取；公开的秘密值与公告中的承诺值一致。", ""]
    if draw is not None and view.status == "drawn":
        lines += [
            "## 抽取结果",
            "",
            f"结果已于 {draw.body['time']} 抽取并封存，封存值 SHA-256 `{draw.body['outcome']}`，"
            f"将于 {a['disclosure']} 公开。",
            "",
        ]
    lines += _outcome(model, view)
    results = model.results.get(view.task, [])
    if results or model.task_reports.get(view.task):
        lines += [
            "## 抽查结果",
            "",
            f"已公开 {len(results)} 条检查结果，见[抽查结果](../results/{view.task}.md)。",
            "",
        ]
    if view.verification is not None:
        lines += [
            "## 核验结果",
            "",
            "本页生成时已按公开数据逐项核验：",
            "",
            *[f"- ✅ `{c.name}`：{md(c.detail)}" for c in view.verification.checks],
            "",
            f"自行核验：`lottery verify <本站地址> --task {view.task}`",
            "",
        ]
    lines += _browser_verifier(view)
    return "\n".join(lines)


def _browser_verifier(view: TaskView) -> list[str]:
    """The "在浏览器中验证" button and its result container (publisher/assets/verify.js).

    Raw HTML, passed through by Markdown untouched; the script is on every page
    (``extra_javascript``) and only acts where this block exists.
    """
    return [
        "## 在浏览器中验证",
        "",
        "在本浏览器中，仅用本站 `export/` 目录中的公开数据重新核验本任务：记录签名（Ed25519）、"
        "各名单的 SHA-256、承诺值、随机源、种子，以及抽取与分组的重新计算。",
        "",
        f'<div class="lottery-verifier" data-task="{view.task}">',
        '<button type="button" class="md-button md-button--primary lottery-verify-button">'
        "在浏览器中验证</button>",
        '<div class="lottery-verify-result" aria-live="polite"></div>',
        "</div>",
        "",
    ]
