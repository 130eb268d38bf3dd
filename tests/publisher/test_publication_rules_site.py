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


RECTIFICATION_RULES = [
    {"id": "PUB-4", "record": "rectification-order", "field": "requirements",
     "action": "generalise", "reason": "整改要求写明了防护缺陷",
     "when": {"categories": ["发现问题已责令改正"]}},
    {"id": "PUB-5", "record": "rectification-check", "field": "note", "action": "withhold",
     "reason": "复查情况写明了缺陷部位"},
]  # fmt: skip


def test_reviewed_rectification_records_show_the_general_text_or_withheld_and_why() -> None:
    from types import SimpleNamespace

    from lottery.core.records import Record
    from publisher.result_pages import _sealed_text

    rules = list(parse_rules(RECTIFICATION_RULES))
    review = {"by": "保密审查员", "rules": ["PUB-4"]}
    order = Record(b"", b"", {"review": review})
    check = Record(b"x", b"x", {"review": {"by": "保密审查员", "rules": ["PUB-5"]}})
    sealed = SimpleNamespace(
        contents={order.id: {"requirements": "按规定整改" + HOSTILE}, check.id: {}},
        reviews={order.id: rules[:1], check.id: rules[1:]},
    )
    model = SimpleNamespace(report=SimpleNamespace(sealed=sealed))
    assert _sealed_text(model, order, "requirements") == (  # type: ignore[arg-type]
        f"按规定整改{HOSTILE}（保密审查：概括表述。理由：整改要求写明了防护缺陷；规则 PUB-4）"
        "（已经保密审查（审查人：保密审查员；适用公开规则：PUB-4））"
    )
    assert _sealed_text(model, check, "note") == (  # type: ignore[arg-type]
        f"{WITHHELD_ZH}理由：复查情况写明了缺陷部位（规则 PUB-5）"
        "（已经保密审查（审查人：保密审查员；适用公开规则：PUB-5））"
    )
    rows = _publication_rows(RECTIFICATION_RULES)
    assert rows[0][:4] == [
        "PUB-4", "整改通知（所依据的检查结果为 发现问题已责令改正）", "整改要求", "概括表述"
    ]  # fmt: skip
    assert rows[1][:4] == ["PUB-5", "复查结果（全部）", "复查情况", "不公开"]
