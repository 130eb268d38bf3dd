"""Publication rules refused in Chinese (issue #18, 保密审查): whoever uploads rules (API, CLI)
reads what is wrong with which rule in Chinese first, the record format's English after it in
brackets (docs/spec.md §2.3 says what a rule may name). Pure: no database."""

from __future__ import annotations

from typing import Any

import pytest

from lottery.core.errors import InputError
from lottery.service.publication_review import parse_publication_rules

RULE = {
    "id": "PUB-1",
    "record": "inspection-result",
    "field": "place",
    "action": "withhold",
    "reason": "检查地点可指示人防工程的位置",
}


def _refusal(rules: Any) -> str:
    with pytest.raises(InputError) as refused:
        parse_publication_rules(rules)
    return str(refused.value)


@pytest.mark.parametrize(
    ("rules", "chinese", "english"),
    [
        (
            [dict(RULE, field="categories")],
            "第 1 条规则（PUB-1）：“检查结论”（categories）是公众重新抽取或统计结果所需的内容，"
            "不能规定不公开或概括表述",
            "can never be withheld",
        ),
        (
            [dict(RULE, record="penalty")],
            "第 1 条规则（PUB-1）：记录类型须是 检查结果（inspection-result）、"
            "整改通知（rectification-order）、复查结果（rectification-check） 之一",
            "record must be one of",
        ),
        (
            [dict(RULE, field="requirements")],
            "可以保密审查的内容只有 “发现的问题”（findings）、“后续处理”（follow_up）、"
            "“检查地点”（place）",
            "field must be one of",
        ),
        (
            [dict(RULE, record="rectification-order", field="requirements")],
            "整改通知（rectification-order）的“整改要求”（requirements）只能概括表述，不能不公开",
            "must be generalise",
        ),
        ([RULE, RULE], "第 2 条规则（PUB-1）：编号 PUB-1 用了两次", "is used twice"),
        (
            [dict(RULE, when={})],
            "适用条件须列出抽查事项或检查结论",
            "when must name items or categories",
        ),
        (
            [dict(RULE, when={"items": ["RF-01", "RF-01"]})],
            "适用条件的抽查事项中有重复的值",
            "names a value twice",
        ),
        (
            [dict(RULE, action="hide")],
            "处理方式须是 withhold（不公开） 或 generalise（概括表述）",
            "action must be one of",
        ),
        (
            [dict(RULE, when={"categories": ["有问题"]})],
            "适用条件的检查结论须是检查结果的结论之一",
            "categories[0] must be one of",
        ),
        ([{k: v for k, v in RULE.items() if k != "reason"}], "缺少理由（reason）", "missing"),
        ([dict(RULE, reason="")], "理由不能为空", "must not be empty"),
        ([dict(RULE, reason="长" * 501)], "理由最多 500 个字", "longer than 500"),
        ([dict(RULE, extra=1)], "有规则中不能出现的项“extra”", "unknown field"),
        (
            [dict(RULE, id="第一条")],
            "第 1 条规则：编号须由 1 至 64 个英文字母、数字或 . _ - 组成",
            "must be an id",
        ),
        ({"rules": []}, "公开规则须是由规则组成的列表", "must be a list"),
        (["PUB-1"], "第 1 条规则：每条规则须是一个对象", "must be an object"),
    ],
)
def test_each_refusal_names_the_rule_in_chinese_then_the_english(
    rules: Any, chinese: str, english: str
) -> None:
    message = _refusal(rules)
    assert message.startswith("公开规则有误：")
    assert chinese in message
    # Chinese first, the record format's words (for logs and programs) in brackets after it.
    assert message.index(chinese) < message.index("（publication_rules") < message.index(english)
    assert message.endswith("）")
