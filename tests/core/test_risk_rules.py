"""The risk rules' reading and arithmetic (lottery.core.risk_rules; docs/spec.md section 4)."""

from __future__ import annotations

from typing import Any

import pytest

from lottery.core.errors import EncodingError
from lottery.core.risk_rules import RaiseRule, RiskRules, counts_of, parse_risk_rules

RULES = RiskRules(
    (RaiseRule("complaints", 3, "C"), RaiseRule("complaints", 10, "D"),
     RaiseRule("serious_violation", 1, "D"), RaiseRule("bad_records", 2, "B")),
    uncapped=("D",),
)  # fmt: skip


@pytest.mark.parametrize(
    ("base", "complaints", "bad", "serious", "expected"),
    [
        ("A", 0, 0, False, "A"),  # nothing matches
        ("A", 2, 1, False, "A"),  # just below every count
        ("A", 3, 0, False, "C"),  # at the count: included
        ("A", 10, 0, False, "D"),  # the highest matching rule wins
        ("A", 0, 2, False, "B"),
        ("C", 0, 2, False, "C"),  # a rule never lowers a class
        ("B", 0, 0, True, "D"),
        ("D", 0, 0, False, "D"),
    ],
)
def test_effective_class(
    base: str, complaints: int, bad: int, serious: bool, expected: str
) -> None:
    assert RULES.effective_class(base, counts_of(complaints, bad, serious)) == expected


def test_cap() -> None:
    assert RULES.capped("C", key_item=False) and not RULES.capped("D", key_item=False)
    assert RULES.capped("A", key_item=True)  # the rules do not lift the cap for key items
    lifted = RiskRules(key_items_uncapped=True)
    assert not lifted.capped("A", key_item=True) and lifted.capped("A", key_item=False)


def test_round_trip_and_plain_words() -> None:
    assert parse_risk_rules(RULES.to_json()) == RULES
    words = RULES.zh_lines()
    assert "投诉举报次数达到3次的，风险等级至少为较高风险（C类）" in words
    assert "有严重违法违规记录的，风险等级至少为高风险（D类）" in words
    assert any("不受“同一年度原则上不超过2次”的限制" in w for w in words)
    assert RiskRules().empty and RiskRules().zh_lines() == []


def _rules(**change: Any) -> dict[str, Any]:
    return {"raise": [], "uncapped": [], "key_items_uncapped": False} | change


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (_rules(raise_=1), "unknown field"),
        (_rules(raise_rules=[]), "unknown field"),
        (_rules(**{"raise": [{"when": "fines", "at_least": 1, "to": "D"}]}), "when"),
        (_rules(**{"raise": [{"when": "complaints", "at_least": 0, "to": "D"}]}), "at_least"),
        (_rules(**{"raise": [{"when": "complaints", "at_least": 2, "to": "E"}]}), "to"),
        (_rules(uncapped=["D", "D"]), "twice"),
        (_rules(uncapped=["高"]), "uncapped"),
        (
            _rules(**{"raise": [{"when": "complaints", "at_least": 2, "to": "D"}] * 2}),
            "same condition",
        ),
        ({"raise": []}, "missing"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(value: Any, words: str) -> None:
    with pytest.raises(EncodingError, match=words):
        parse_risk_rules(value)


# labels: the office's own words for the classes (docs/spec.md section 4, "Risk rules").
HENAN = {"A": "低", "B": "中", "C": "中高", "D": "高"}


def test_labels_name_the_classes_and_change_nothing_else() -> None:
    rules = parse_risk_rules(_rules(labels=HENAN, uncapped=["D"]))
    assert not rules.empty and parse_risk_rules(rules.to_json()) == rules
    assert rules.to_json()["labels"] == HENAN
    assert rules.label_map() == {
        "A": "低（A类）",
        "B": "中（B类）",
        "C": "中高（C类）",
        "D": "高（D类）",
    }
    assert rules.label("E") == "E"
    # A label that already says its class is shown as it is; a class not listed keeps its name.
    partial = parse_risk_rules(_rules(labels={"D": "重点监管（D类）"}))
    assert partial.label("D") == "重点监管（D类）" and partial.label("A") == "低风险（A类）"
    # The plain words use the labels; the rules (codes) act exactly as without them.
    assert "高（D类）的检查对象不受“同一年度原则上不超过2次”的限制" in rules.zh_lines()
    assert (
        rules.zh_lines()[-1]
        == "风险等级采用本单位的名称：A类称“低”、B类称“中”、C类称“中高”、D类称“高”"
    )
    assert not rules.capped("D", key_item=False)
    # Absent: the standard names, and to_json has no member (old records stay byte-identical).
    plain = parse_risk_rules(_rules())
    assert "labels" not in plain.to_json() and plain.label("C") == "较高风险（C类）"
    assert RiskRules(labels=(("A", "低"),)).empty is False


@pytest.mark.parametrize(
    ("labels", "words"),
    [
        ({}, "at least one"),
        ({"E": "低"}, "key"),
        ({"A": ""}, "1 to 12"),
        ({"A": "很" * 13}, "1 to 12"),
        ({"A": " 低"}, "space"),
        ({"A": "低\n"}, "space"),
        ({"A": "低\u202e高"}, "control"),
        ({"A": "低\u3000风险"}, "control"),
        ({"A": 1}, "string"),
        ({"A": "低", "B": "低"}, "same label"),
    ],
)
def test_bad_labels_are_refused_naming_the_field(labels: Any, words: str) -> None:
    with pytest.raises(EncodingError, match=words) as err:
        parse_risk_rules(_rules(labels=labels))
    assert "risk_rules.labels" in str(err.value)


def test_the_record_schema_refuses_bad_labels() -> None:
    """`lottery verify`'s record.format reads the item-list member with the same schema."""
    from lottery.core.records import OPTIONAL_FIELDS

    check = OPTIONAL_FIELDS["item-list"]["risk_rules"]
    check(_rules(labels=HENAN), "item-list.risk_rules")  # accepted
    with pytest.raises(EncodingError, match=r"item-list\.risk_rules\.labels gives two"):
        check(_rules(labels={"A": "低", "D": "低"}), "item-list.risk_rules")
