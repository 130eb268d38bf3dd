"""The refusals of an item list's publication rules (保密审查, docs/spec.md §2.3) in Chinese.

The record format (:func:`lottery.core.publication_rules.rules_schema` and the generic
validators of :mod:`lottery.core.schema`) says what is wrong in English, with the JSON path
(``publication_rules[1].field 'dates' can never be withheld: ...``); logs and programs keep
those words. People uploading rules (``PUT /api/items/publication-rules``, ``lottery registry
publication-rules``) read :func:`rules_refusal`: the Chinese sentence first, naming the rule by
its place and id, then the English in brackets, as :mod:`lottery.api.result_messages` words the
results service's refusals.
"""

from __future__ import annotations

import re
from typing import Any

from lottery.core.publication_rules import (
    ACTION_ZH,
    FIELD_ZH,
    MAX_RULES,
    RECORD_ZH,
    REVIEWABLE,
)

PART_ZH = {
    "id": "编号",
    "record": "记录类型",
    "field": "内容",
    "action": "处理方式",
    "reason": "理由",
    "when": "适用条件",
    "when.items": "适用条件的抽查事项",
    "when.categories": "适用条件的检查结论",
}
"""A rule's members, as the sentences name them."""

NEEDED_ZH = {
    "task": "任务",
    "target": "检查对象",
    "target_name": "检查对象名称",
    "dates": "检查日期",
    "inspectors": "检查人员",
    "methods": "检查方式",
    "categories": "检查结论",
    "pending_reasons": "待处理原因",
    "risk": "风险分类",
    "risk_class": "风险分类",
    "region": "行政区划",
    "id": "编号",
    "ids": "编号",
    "evidence": "证据",
    "checklist": "检查要点",
}
"""The fields no rule may name (:data:`~lottery.core.publication_rules.NEVER_WITHHELD`)."""

_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}\Z")
_PATH = re.compile(r"publication_rules(?:\[(\d+)\])?((?:\.[a-z_]+)*)(?:\[\d+\])?")


def _record_zh(kind: str) -> str:
    return f"{RECORD_ZH[kind]}（{kind}）" if kind in RECORD_ZH else kind


def _field_zh(name: str) -> str:
    words = FIELD_ZH.get(name) or NEEDED_ZH.get(name)
    return f"“{words}”（{name}）" if words else f"“{name}”"


def _quoted(rest: str) -> str:
    """The first ``'...'`` value quoted in an English message (empty when none)."""
    found = re.search(r"'([^']*)'", rest)
    return found.group(1) if found else ""


def _sentence(part: str, rest: str, rule: Any) -> str:
    """What is wrong with ``part`` of a rule (``""``: the list itself), in Chinese."""
    return _what_a_rule_may_say(part, rest, rule if isinstance(rule, dict) else {}) or _shape(
        part, rest
    )


def _what_a_rule_may_say(part: str, rest: str, rule: dict[str, Any]) -> str | None:
    """The refusals of :func:`~lottery.core.publication_rules.rules_schema` (what a rule may
    govern); None for a refusal of the shape."""
    if "is used twice" in rest:
        return f"编号 {_quoted(rest)} 用了两次：每条规则的编号须各不相同"
    if "can never be withheld" in rest:
        return (
            f"{_field_zh(_quoted(rest))}是公众重新抽取或统计结果所需的内容，"
            "不能规定不公开或概括表述"
        )
    if part == "record" and "must be one of" in rest:
        kinds = "、".join(_record_zh(k) for k in REVIEWABLE)
        return f"记录类型须是 {kinds} 之一"
    if part == "field" and "must be one of" in rest:
        kind = str(rule.get("record", ""))
        fields = "、".join(_field_zh(f) for f in REVIEWABLE.get(kind, ()))
        return f"{_record_zh(kind)}可以保密审查的内容只有 {fields}"
    if "must be generalise" in rest:
        kind, field = str(rule.get("record", "")), str(rule.get("field", ""))
        return f"{_record_zh(kind)}的{_field_zh(field)}只能概括表述，不能不公开：记录须说明这项内容"
    if part == "when" and "must name items or categories" in rest:
        return "适用条件须列出抽查事项或检查结论；适用于全部记录的规则不写适用条件"
    if "names a value twice" in rest:
        return f"{PART_ZH.get(part, part)}中有重复的值"
    if part == "action" and "must be one of" in rest:
        words = " 或 ".join(f"{a}（{z}）" for a, z in ACTION_ZH.items())
        return f"处理方式须是 {words}"
    if part == "when.categories" and "must be one of" in rest:
        return "适用条件的检查结论须是检查结果的结论之一（如“发现问题已责令改正”），照原样填写"
    return None


def _shape(part: str, rest: str) -> str:
    """The generic refusals of the record format (:mod:`lottery.core.schema`) in Chinese."""
    what = PART_ZH.get(part, part or "公开规则")
    if "must be an id of" in rest:
        return f"{what}须由 1 至 64 个英文字母、数字或 . _ - 组成，以字母或数字开头"
    if "is missing field" in rest:
        name = _quoted(rest)
        return f"缺少{PART_ZH.get(name, name)}（{name}）"
    if "has unknown field" in rest:
        return f"有规则中不能出现的项“{_quoted(rest)}”"
    if "must be a string" in rest:
        return f"{what}须是文字"
    if "must not be empty" in rest:
        return f"{what}不能为空"
    longer = re.search(r"is longer than (\d+) characters", rest)
    if longer:
        return f"{what}最多 {longer.group(1)} 个字"
    if "must be a list" in rest:
        return "公开规则须是由规则组成的列表" if not part else f"{what}须是列表"
    if "must be an object" in rest:
        return "每条规则须是一个对象（含 id、record、field、action、reason）"
    if not part:
        if "at least" in rest:
            return "至少须有 1 条规则；要取消全部公开规则，请提交空列表"
        if "at most" in rest:
            return f"公开规则最多 {MAX_RULES} 条"
    bounds = re.search(r"must have at (least|most) (\d+) items", rest)
    if bounds:
        return f"{what}{'至少' if bounds.group(1) == 'least' else '最多'}列出 {bounds.group(2)} 项"
    return "格式不符合公开记录的规定（docs/spec.md §2.3）"


def rules_refusal(message: str, value: Any) -> str:
    """The Chinese refusal of publication rules ``value`` the record format refused with
    ``message``: ``第 2 条规则（R2）：……（<message>）``."""
    found = _PATH.match(message)
    if found is None:
        return f"{_sentence('', message, None)}（{message}）"
    index, part = found.group(1), found.group(2).lstrip(".")
    rest = message[found.end() :]
    rule = None
    where = ""
    if index is not None:
        i = int(index)
        rule = value[i] if isinstance(value, list) and i < len(value) else None
        rid = rule.get("id") if isinstance(rule, dict) else None
        named = f"（{rid}）" if isinstance(rid, str) and _ID.match(rid) else ""
        where = f"第 {i + 1} 条规则{named}："
    return f"{where}{_sentence(part, rest, rule)}（{message}）"


__all__ = ["NEEDED_ZH", "PART_ZH", "rules_refusal"]
