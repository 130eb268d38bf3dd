"""Every record type's name in plain Chinese: the one map the monitor, the publication rules'
sentences (console, CLI and site) and anything else that names a record type read.

The words are those the console, the command line, the site and the verifier's check
sentences use for one record: 检查结果 (one target's inspection result; DESIGN's 抽查结果 is the
task's results as a whole, as on the site's 抽查结果 pages), 整改通知, 复查结果. DESIGN's names
table names no rectification record; docs/records.md's headings follow this map."""

from __future__ import annotations

RECORD_TYPES_ZH: dict[str, str] = {
    "task-announcement": "抽查任务公告",
    "task-draw": "抽取记录",
    "task-reveal": "结果公开",
    "task-cancellation": "任务取消",
    "task-report": "抽查报告",
    "inspection-result": "检查结果",
    "result-withdrawal": "检查结果撤下",
    "penalty": "行政处罚",
    "penalty-withdrawal": "行政处罚撤下",
    "rectification-order": "整改通知",
    "rectification-check": "复查结果",
    "rectification-withdrawal": "整改记录撤下",
    "objection-outcome": "异议处理",
    "item-list": "抽查事项清单",
    "plan": "年度抽查计划",
    "registry-snapshot": "名录快照",
    "calendar": "工作日历",
    "key-change": "密钥变更",
    "witness-policy": "见证方策略",
}
"""Record type -> its name in plain Chinese."""


def record_type_zh(kind: str) -> str:
    """``kind``'s Chinese name, or ``kind`` itself for a type the map does not know."""
    return RECORD_TYPES_ZH.get(kind, kind)
