"""异议: the published outcomes of objections to results (``objection-outcome`` records,
docs/objections.md), as table rows for a task's results page and a target's page, and the
objection status shown beside a result. The objection's own text is never published; what
shows is the result objected to, the days, the period, the outcome and, when upheld, the
correction (when dismissed, the office's reason). Pages at depth 2 only."""

from __future__ import annotations

from typing import Any

from lottery.core.records import Record
from publisher.model import SiteModel
from publisher.pages import log_link, target_link
from publisher.render import beijing

OUTCOME_ZH = {"upheld": "异议成立，已更正检查结果", "dismissed": "异议不成立，维持检查结果"}

OBJECTION_HEADERS = [
    "统一社会信用代码",
    "名称",
    "被提出异议的检查结果",
    "收到日期",
    "异议期限",
    "处理结果",
    "更正后的结果或不予采纳的理由",
    "处理日期",
    "公开时间（北京时间）",
    "日志序号",
]


def _by_index(model: SiteModel, record_id: str, root: str) -> Any:
    """A link to the log entry of ``record_id`` (its id's start when it is not in the log)."""
    found = next((r for r in model.records if r.id == record_id), None)
    return record_id[:16] + "…" if found is None else log_link(model, found, root)


def objection_rows(
    model: SiteModel, task: str, names: dict[str, str], target: str | None = None
) -> list[list[Any]]:
    """The objection outcomes of a task (of one ``target`` when given), in log order."""
    rows = []
    for record in model.objections.get(task, []):
        body = record.body
        if target not in (None, body["target"]):
            continue
        period = body["period"]
        upheld = body["outcome"] == "upheld"
        rows.append(
            [
                target_link(body["target"], "../../"),
                names.get(body["target"], ""),
                _by_index(model, body["result"], "../../"),
                body["received"],
                f"{period['due']}（自 {period['start']} 起 {period['workdays']} 个工作日）",
                OUTCOME_ZH.get(body["outcome"], body["outcome"]),
                _by_index(model, body["correction"], "../../") if upheld else body["reason"],
                body["decided"],
                beijing(body["time"]),
                log_link(model, record, "../../"),
            ]
        )
    return rows


def objection_status(model: SiteModel, result: Record) -> str:
    """What the objections say about one result: dismissed objections to it, or the upheld
    objection it corrects; empty when none was published."""
    words = []
    for record in model.objections.get(result.body["task"], []):
        body = record.body
        if body["result"] == result.id and body["outcome"] == "dismissed":
            words.append(f"异议不成立（{body['decided']} 处理）")
        elif body["correction"] == result.id:
            words.append(f"异议成立，据此更正（{body['decided']} 处理）")
    return "；".join(words)
