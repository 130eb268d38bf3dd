"""What a monitor says about new records (docs/monitor.md "The summary"), in English and
Chinese. Record text is untrusted: :func:`shown` escapes what a terminal would act on."""

from __future__ import annotations

from typing import Any

from .record_names import RECORD_TYPES_ZH
from .records import late_publication
from .text_safety import classify

Said = tuple[str, str]
"""A message in English and in Chinese."""

_WORDS: dict[str, Said] = {
    "task-announcement": ("task {task} announced", "公告抽查任务 {task}"),
    "task-draw": (
        "task {task} drawn (picks sealed until disclosure)",
        "任务 {task} 已抽取（结果封存至公开）",
    ),
    "task-reveal": (
        "task {task} disclosed; its draw re-run and matches",
        "任务 {task} 公开抽取结果，已重新抽取核对一致",
    ),
    "task-cancellation": ("task {task} cancelled", "任务 {task} 已取消"),
    "task-report": ("task {task} report published", "任务 {task} 的抽查报告已公布"),
    "inspection-result": (
        "inspection result published (task {task})",
        "抽查结果已公布（任务 {task}）",
    ),
    "result-withdrawal": (
        "inspection result withdrawn (task {task})",
        "抽查结果已撤下（任务 {task}）",
    ),
    "penalty": ("penalty published", "行政处罚已公示"),
    "penalty-withdrawal": ("penalty withdrawn", "行政处罚公示已撤下"),
    "rectification-order": ("rectification ordered (task {task})", "责令整改（任务 {task}）"),
    "rectification-check": ("rectification re-checked (task {task})", "整改复查（任务 {task}）"),
    "rectification-withdrawal": (
        "rectification record withdrawn (task {task})",
        "整改记录已撤下（任务 {task}）",
    ),
    "objection-outcome": ("objection decided (task {task})", "异议已处理（任务 {task}）"),
    "item-list": ("new version of the item list", "抽查事项清单新版本"),
    "plan": ("annual plan published or changed", "年度抽查计划发布或调整"),
    "registry-snapshot": ("registry snapshot published", "名录快照已公布"),
    "calendar": ("working-day calendar published", "工作日历已公布"),
    "key-change": ("office key changed", "机关密钥变更"),
}


TYPE_NAMES_ZH = RECORD_TYPES_ZH
"""Record types in plain Chinese, for the monitor's summary (the one map of
:mod:`lottery.core.record_names`)."""


def shown(text: str) -> str:
    """``text`` with every control, bidirectional or other unsafe character written as
    ``\\uXXXX``: record text is untrusted and goes to terminals."""
    return "".join(
        f"\\u{ord(ch):04x}" if classify(ch, multiline=False) is not None else ch for ch in text
    )


def record_words(body: dict[str, Any]) -> tuple[Said, int]:
    """What a new record means, and how many working days late it was published (0: on time
    or not a type with a deadline)."""
    kind = str(body["type"])
    task = str(body["task"]) if "task" in body else None
    en, zh = _WORDS.get(kind, (f"new {kind} record", f"新记录（{kind}）"))
    en, zh = en.format(task=task), zh.format(task=task)
    if kind == "penalty":
        decision = shown(str(body["decision"]))
        en, zh = f"{en}: {decision}", f"{zh}：{decision}"
    if kind == "task-cancellation" and body.get("secret_lost") is True:  # spec §7
        en += " WITH THE SECRET LOST: its draw can never be checked"
        zh += "，声明秘密值遗失：其抽取永远无法核验"
    if kind == "task-announcement" and "title" in body:
        title = shown(str(body["title"]))
        en, zh = f"{en}: {title}", f"{zh}：{title}"
    late = late_publication(body)
    late_by = late[1] if late is not None else 0
    if late_by:
        en += f" (published {late_by} working days late)"
        zh += f"（逾期 {late_by} 个工作日公布）"
    return (en, zh), late_by


def key_change_words(index: int, body: dict[str, Any]) -> Said:
    """The note for an accepted key change at log ``index``."""
    keys = ", ".join(str(k).split("+")[0] for k in body["keys"])
    return (
        f"log index {index}: the office changed its key ({keys}), signed by the pinned key; "
        "the new key is pinned",
        f"日志第 {index} 条：机关用已固定的公钥签名变更了密钥（{keys}），已固定新公钥",
    )
