"""Markdown pages of the public site, in Chinese: shared helpers, home, verify and log pages.

Every page is a pure function of the model (and so of the export). The other page modules
(:mod:`publisher.task_pages`, :mod:`publisher.registry_pages`, :mod:`publisher.result_pages`)
use the helpers here.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from lottery.core.records import Record
from publisher.model import SiteModel

STATUS = {
    "announced": "已公告，等待随机源",
    "drawn": "已抽取（结果封存至公开日）",
    "disclosed": "已公开",
    "cancelled": "已取消",
}
RECORD_NAMES = {
    "task-announcement": "抽查任务公告",
    "task-draw": "抽取记录（结果封存）",
    "task-reveal": "结果公开",
    "task-cancellation": "任务取消",
    "item-list": "抽查事项清单",
    "registry-snapshot": "名录快照",
    "inspection-result": "抽查结果",
    "task-report": "抽查报告",
    "penalty": "行政处罚",
    "penalty-withdrawal": "行政处罚撤销",
    "calendar": "工作日历",
    "key-change": "密钥变更",
}
REGISTRY_NAMES = {
    "targets": "抽查对象名录",
    "inspectors": "执法检查人员名录",
    "org-units": "组织机构",
}
# Records per page of the log listing; the latest ones are also on the log's first page.
LOG_PAGE_SIZE = 1000
LATEST = 20
# Front matter that keeps a page out of Material's search index (big generated tables).
NO_SEARCH = ["---", "search:", "  exclude: true", "---", ""]
# Envelope fields every record has; not repeated in the field tables.
ENVELOPE = {"type", "v", "log", "time"}
# Chinese headings for result, report and penalty fields (docs/results.md names them).
FIELD_LABELS = {
    "target_name": "名称",
    "dates": "检查日期",
    "inspectors": "检查人员",
    "methods": "检查方式",
    "categories": "检查结果",
    "pending_reasons": "待处理事项",
    "findings": "发现的问题",
    "follow_up": "后续处理",
    "evidence": "证据材料",
    "entered_by": "录入",
    "approved_by": "审核",
    "supersedes": "更正的记录",
    "correction_reason": "更正原因",
    "entity": "当事人",
    "decided": "决定日期",
    "facts": "违法事实",
    "basis": "处罚依据",
    "kind": "处罚种类",
    "content": "处罚内容",
    "amounts": "金额",
    "authority": "处罚机关",
    "result": "关联检查结果",
    "publish_until": "公示截止",
    "deadline": "公开时限",
    "completed": "完成日期",
    "summary": "汇总",
    "text": "报告正文",
    "results": "检查结果记录",
    "drafted_by": "起草",
}
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|#"})


def md(value: Any) -> str:
    """Text safe inside Markdown (also inside a table cell): escaped, on one line."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return html.escape(text, quote=False).translate(_MD_SPECIAL)


def h(value: Any) -> str:
    """Text (or a JSON value) as HTML, on one line."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return html.escape(" ".join(text.split()))


def link(text: str, href: str) -> str:
    """An HTML link; ``href`` is a URL relative to the page (directory URLs: ``tasks/X/``)."""
    return f'<a href="{html.escape(href)}">{h(text)}</a>'


def table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    """An HTML table of HTML cells.

    Raw HTML rather than a Markdown table: Python-Markdown passes an HTML block through
    untouched, where it would run its inline patterns over every cell of a Markdown table,
    which was half of the build time of big sites (docs/site.md). Material styles both alike.
    """
    head = "".join(f"<th>{c}</th>" for c in headers)
    body = ["<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows]
    return [
        "",
        "<table>",
        f"<thead><tr>{head}</tr></thead>",
        "<tbody>",
        *body,
        "</tbody>",
        "</table>",
        "",
    ]


def short(digest: str) -> str:
    """A hash as shown in tables (the full value is in the export)."""
    return f"<code>{h(digest[:16])}…</code>"


def log_link(model: SiteModel, record: Record, root: str) -> str:
    """``#N`` linking to the log page that lists ``record``; ``root``: the page's way to the
    site root (``""`` on the home page, ``"../"`` on section pages, ``"../../"`` below)."""
    n = model.index[record.id]
    return link(f"#{n}", f"{root}log/{n // LOG_PAGE_SIZE + 1}/")


def _part(value: Any) -> str:
    if isinstance(value, dict):
        if "id" in value:  # an inspector present at a check
            return str(value["id"]) + ("（替补）" if value.get("role") == "substitute" else "")
        if "fen" in value:  # an amount in fen
            return f"{value.get('kind', '')} {value['fen'] / 100:.2f} 元".strip()
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def cell(value: Any) -> str:
    """A JSON value as a table cell: lists joined with "、", objects as compact JSON."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return ""
    if isinstance(value, list):
        return h("、".join(_part(v) for v in value))
    return h(_part(value))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def fields_table(bodies: list[dict[str, Any]], skip: set[str]) -> tuple[list[str], list[list[str]]]:
    """Columns (the union of the bodies' fields outside ``skip``, first seen first) and cells.

    Result, report and penalty records carry fields a later issue may still refine; every
    field is shown as a column, so any version renders sensibly. An older-style ``payload``
    object is spread into its own columns.
    """
    flat = []
    for body in bodies:
        row = {k: v for k, v in body.items() if k not in skip and k != "payload"}
        payload = body.get("payload")
        if isinstance(payload, dict):
            row.update(payload)
        elif payload is not None:
            row["内容"] = payload
        flat.append(row)
    # Known fields in FIELD_LABELS order, then any others; columns empty everywhere dropped.
    seen = dict.fromkeys(k for row in flat for k in row if not _empty(row[k]))
    cols = [k for k in FIELD_LABELS if k in seen] + [k for k in seen if k not in FIELD_LABELS]
    return [h(FIELD_LABELS.get(k, k)) for k in cols], [
        [cell(row.get(k)) for k in cols] for row in flat
    ]


def index_page(model: SiteModel) -> str:
    """Home: latest announcements and draws, the sections, how to verify, the feed."""
    by_time = sorted(model.tasks.values(), key=lambda t: t.announcement["time"], reverse=True)
    announced = [
        [
            link(t.task, f"tasks/{t.task}/"),
            h(t.announcement["title"]),
            h(STATUS.get(t.status, t.status)),
            t.announcement["time"][:10],
        ]
        for t in by_time[:LATEST]
    ]
    draws = sorted(
        (r for r in model.records if r.type == "task-draw"),
        key=lambda r: r.body["time"],
        reverse=True,
    )
    drawn = [
        [
            link(r.body["task"], f"tasks/{r.body['task']}/"),
            h(model.tasks[r.body["task"]].announcement["title"]),
            r.body["time"],
            h(STATUS.get(model.tasks[r.body["task"]].status, "")),
        ]
        for r in draws[:LATEST]
    ]
    lines = [
        "# 双随机、一公开 抽查公示",
        "",
        "本站公开本单位“双随机、一公开”抽查的全部过程：抽查事项、抽查对象名录、执法检查人员名录、"
        "每次抽取的公告、抽取、结果公开及取消记录。所有记录均经数字签名并写入只可追加的公开日志，"
        "任何人都可以在自己的电脑上重新运行每一次抽取，核对结果一致、记录未被改动或删除。",
        "",
        "## 最新抽查任务公告",
        "",
    ]
    lines += (
        table(["任务编号", "名称", "状态", "公告日期"], announced) if announced else ["暂无", ""]
    )
    lines += ["## 最新抽取", ""]
    lines += (
        table(["任务编号", "名称", "抽取时间（UTC）", "状态"], drawn) if drawn else ["暂无", ""]
    )
    lines += [
        "## 栏目",
        "",
        f"- [抽查任务](tasks/index.md)：共 {len(model.tasks)} 项",
        "- [抽查事项清单](items/index.md)：当前版本及历次版本",
        "- [执法检查人员名录](inspectors/index.md)",
        "- [抽查对象名录](targets/index.md)：按统一社会信用代码或名称查询",
        "- [抽查结果](results/index.md)、[行政处罚](penalties/index.md)",
        "- [公开日志](log/index.md)",
        "- [订阅更新（RSS）](feed.xml)：最新公开记录",
        "",
        "## 如何核验",
        "",
        f"日志 `{model.origin}` 当前共 {model.report.size} 条记录。"
        "请参阅[核验说明](verify/index.md)；每个任务页面都可以“在浏览器中验证”。",
        "",
    ]
    return "\n".join(lines)


def verify_page(model: SiteModel) -> str:
    """How to verify, downloads and keys."""
    return "\n".join(
        [
            "# 核验说明",
            "",
            "本站发布的每一条记录都经本单位的 Ed25519 密钥签名，"
            "并按顺序写入 RFC 6962 默克尔树日志（C2SP tlog-tiles 格式）。"
            "日志只能追加：历史上签发过的每个检查点都必须是当前日志的前缀。",
            "",
            "## 公钥",
            "",
            *[f"    {k}" for k in model.vkeys],
            "",
            "## 当前检查点",
            "",
            *[f"    {line}" for line in model.checkpoint_text.splitlines()],
            "",
            "## 在自己的电脑上核验",
            "",
            "    pip install <本项目>",
            "    lottery verify <本站地址> --key '<上面的公钥>'",
            "",
            "核验程序会：校验检查点签名；由全部日志条目重新计算树根；核对所有历史检查点；"
            "校验每条记录的签名；核对每个任务的承诺值与公开的秘密值、"
            "随机源（drand BLS 签名或公开号码）、种子，"
            "并重新运行抽取与分组，逐字节比对公开结果。",
            "",
            "## 下载",
            "",
            "- 完整公开数据（日志、检查点、名单）位于本站 `export/` 目录，可整体镜像。",
            "- [当前检查点](../export/checkpoint)、[历史检查点列表](../export/checkpoints/list)、"
            "[公钥](../export/keys/office.vkey)",
            "- 名录快照（完整数据，规范 JSON）：见[抽查对象名录](../targets/index.md)、"
            "[执法检查人员名录](../inspectors/index.md)页面中的下载链接。",
            "",
        ]
    )


def record_path(model: SiteModel, record: Record) -> str:
    """The site path (directory URL) of the page that shows ``record``."""
    body = record.body
    kind = record.type
    if kind in ("inspection-result", "task-report"):
        return f"results/{body['task']}/"
    if kind.startswith("task-"):
        return f"tasks/{body['task']}/"
    if kind == "item-list":
        return f"items/v{body['version']}/"
    if kind == "registry-snapshot":
        return "targets/" if body["registry"] == "targets" else "inspectors/"
    if kind.startswith("penalty"):
        return "penalties/"
    return f"log/{model.index[record.id] // LOG_PAGE_SIZE + 1}/"


def _record_subject(model: SiteModel, record: Record, root: str) -> str:
    body = record.body
    for key in ("task", "registry", "decision", "version", "year"):
        if key in body:
            return link(str(body[key]), root + record_path(model, record))
    return ""


def log_pages(model: SiteModel) -> dict[str, str]:
    """The log: ``index`` (checkpoints, counts, latest records) and ``1``, ``2``... listings."""
    records = model.records
    counts = Counter(r.type for r in records)
    chunks = max(1, -(-len(records) // LOG_PAGE_SIZE))
    try:
        sizes = model.get("checkpoints/list").decode("ascii").split()
    except KeyError:
        sizes = []
    numbered = list(enumerate(records))
    latest = numbered[-LATEST:][::-1]
    index = [
        "# 公开日志",
        "",
        f"日志 `{model.origin}`，共 {model.report.size} 条记录。当前检查点：",
        "",
        *[f"    {line}" for line in model.checkpoint_text.splitlines()],
        "",
        f"历史检查点 {len(sizes)} 个（日志规模："
        + "、".join(sizes[-10:])
        + ("……" if len(sizes) > 10 else "")
        + "），见 [`export/checkpoints/`](../export/checkpoints/list)。",
        "",
        "## 记录类型",
        "",
        *table(
            ["类型", "条数"],
            [[h(RECORD_NAMES.get(k, k)), str(v)] for k, v in sorted(counts.items())],
        ),
        "## 最新记录",
        "",
        *_record_rows(latest, model, "../"),
        "## 全部记录",
        "",
        *[
            f"- [第 {c * LOG_PAGE_SIZE} – {min(len(records), (c + 1) * LOG_PAGE_SIZE) - 1} 条]"
            f"({c + 1}.md)"
            for c in range(chunks)
            if records
        ],
        "",
    ]
    out = {"index": "\n".join(index)}
    for c in range(chunks):
        part = numbered[c * LOG_PAGE_SIZE : (c + 1) * LOG_PAGE_SIZE]
        out[str(c + 1)] = "\n".join(
            [
                *NO_SEARCH,
                f"# 公开日志：第 {c + 1} 页",
                "",
                "[返回公开日志](index.md)",
                "",
                *_record_rows(part, model, "../../"),
            ]
        )
    return out


def _record_rows(items: list[tuple[int, Record]], model: SiteModel, root: str) -> list[str]:
    return table(
        ["序号", "时间（UTC）", "类型", "对象", "记录编号"],
        (
            [
                str(i),
                r.body["time"],
                h(RECORD_NAMES.get(r.type, r.type)),
                _record_subject(model, r, root),
                short(r.id),
            ]
            for i, r in items
        ),
    )
