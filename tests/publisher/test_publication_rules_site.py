"""How the site shows the publication rules and a reviewed result (docs/spec.md §2.3): a
withheld field says so with the rule's reason, a generalised one carries its reason after the
text, the item list's rules become a table; record text (a rule's reason, a general text) is
escaped like every other value."""

from __future__ import annotations

from lottery.core.publication_rules import WITHHELD_ZH, parse_rules
from publisher.registry_pages import _publication_rows
from publisher.render import render
from publisher.result_pages import reviewed_fields

HOSTILE = '<img src=x onerror="alert(1)">'
RULES = [
    {"id": "PUB-1", "record": "inspection-result", "field": "place", "action": "withhold",
     "reason": "检查地点即工程位置" + HOSTILE},
    {"id": "PUB-2", "record": "inspection-result", "field": "findings",
     "action": "generalise", "reason": "防护缺陷不宜公开", "when": {"items": ["RF-005"]}},
]  # fmt: skip


def test_a_reviewed_result_shows_what_is_withheld_and_why() -> None:
    body = {"review": {"by": "保密审查员", "rules": ["PUB-1", "PUB-2"]}}
    content = {"findings": "发现维护问题", "follow_up": ""}
    shown = reviewed_fields(body, content, list(parse_rules(RULES)))
    assert shown["place"] == f"{WITHHELD_ZH}理由：检查地点即工程位置{HOSTILE}（规则 PUB-1）"
    assert (
        shown["findings"]
        == "发现维护问题（保密审查：概括表述。理由：防护缺陷不宜公开；规则 PUB-2）"
    )
    assert shown["review"] == "已经保密审查（审查人：保密审查员；适用公开规则：PUB-1、PUB-2）"
    assert "follow_up" not in shown  # no rule governs it: shown as published


def test_the_item_list_page_lists_the_rules_escaped() -> None:
    rows = _publication_rows(RULES)
    assert rows[1] == [
        "PUB-2",
        "检查结果（抽查事项含 RF-005）",
        "发现的问题",
        "概括表述",
        "防护缺陷不宜公开",
    ]
    assert rows[0][1:4] == ["检查结果（全部）", "检查地点", "不公开"]
    body = {
        "version": 2, "effective": "2026-01-05", "count": 0, "time": "2026-01-05 09:00:00",
        "short": "abcd", "log_link": "1", "entries": [], "risk_rules": [],
        "publication_rules": rows,
    }  # fmt: skip
    page = render("items_version.md", version=2, is_current=True, body=body)
    assert "公开规则（保密审查）" in page and "PUB-1" in page
    assert HOSTILE not in page and "&lt;img" in page
