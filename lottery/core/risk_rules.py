"""Risk rules that act (R4, rules 五): more checks for targets with many complaints, bad records
or a serious violation.

The office's rules say (四/五): "对投诉举报多、有较多不良记录、有严重违法违规记录等情况
的，应增加抽查频次，加大检查力度", and "同一年度内对同一市场主体的抽查原则上不超过2次，
具体在随机抽查事项清单中明确".
An item-list version may therefore carry ``risk_rules`` (docs/spec.md section 4, "Risk rules"):

- ``raise``: a list of ``{"when", "at_least", "to"}``. ``when`` is ``complaints`` (投诉举报次数),
  ``bad_records`` (不良记录次数) or ``serious_violation`` (严重违法违规记录: 1 when there is one);
  a target whose count is at least ``at_least`` is in class ``to`` or higher. A target's
  **effective class** is the highest of its own class and every matching rule's ``to``, with
  the classes ordered A (信用风险低) < B (一般) < C (较高) < D (高). Ratios are set per class in
  each task, so a raised target is drawn with its raised class's ratio; a class whose ratio is
  100% forces the target into every such task.
- ``uncapped``: classes (effective) that the annual cap does not apply to: "增加抽查频次" for
  them goes beyond the "原则上" two checks a year.
- ``key_items_uncapped``: when true, a task that cites a key item (``key``: 重点事项) applies
  no annual cap at all.

The effective class is what the service draws with and what the ``targets`` snapshot publishes
as ``risk_class``; the counts that raised it stay private (complaints come from third
parties). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import schema as s
from .errors import EncodingError

RISK_ORDER = ("A", "B", "C", "D")
"""The risk classes, lowest risk first (企业信用风险分类: A 低, B 一般, C 较高, D 高)."""

RISK_LABELS = {
    "A": "低风险（A类）",
    "B": "一般风险（B类）",
    "C": "较高风险（C类）",
    "D": "高风险（D类）",
}
"""How the console and the site name each class."""

CONDITIONS = {
    "complaints": "投诉举报次数",
    "bad_records": "不良记录次数",
    "serious_violation": "严重违法违规记录",
}
"""What a rule may look at, with its Chinese name (the target registry's counters)."""


@dataclass(frozen=True)
class RaiseRule:
    """A target whose ``when`` count is at least ``at_least`` is in class ``to`` or higher."""

    when: str
    at_least: int
    to: str

    def matches(self, counts: Mapping[str, int]) -> bool:
        """Whether the target's ``counts`` (by condition) meet this rule."""
        return counts.get(self.when, 0) >= self.at_least

    def zh(self) -> str:
        """The rule in plain Chinese."""
        if self.when == "serious_violation":
            return f"有严重违法违规记录的，风险等级至少为{RISK_LABELS[self.to]}"
        return (
            f"{CONDITIONS[self.when]}达到{self.at_least}次的，风险等级至少为{RISK_LABELS[self.to]}"
        )


@dataclass(frozen=True)
class RiskRules:
    """The risk rules of one item-list version (none: every target keeps its class)."""

    raise_rules: tuple[RaiseRule, ...] = ()
    uncapped: tuple[str, ...] = ()
    key_items_uncapped: bool = False

    @property
    def empty(self) -> bool:
        """True when the rules change nothing."""
        return not (self.raise_rules or self.uncapped or self.key_items_uncapped)

    def effective_class(self, base: str, counts: Mapping[str, int]) -> str:
        """The highest of ``base`` and every matching rule's class."""
        rank = RISK_ORDER.index(base) if base in RISK_ORDER else -1
        best = base
        for rule in self.raise_rules:
            if rule.matches(counts) and RISK_ORDER.index(rule.to) > rank:
                rank, best = RISK_ORDER.index(rule.to), rule.to
        return best

    def capped(self, effective: str, *, key_item: bool) -> bool:
        """Whether the annual cap applies to a target of class ``effective`` in a task that
        cites a key item (``key_item``) or not."""
        if key_item and self.key_items_uncapped:
            return False
        return effective not in self.uncapped

    def to_json(self) -> dict[str, Any]:
        """The ``risk_rules`` member of an ``item-list`` record (canonical order)."""
        return {
            "raise": [
                {"when": r.when, "at_least": r.at_least, "to": r.to} for r in self.raise_rules
            ],
            "uncapped": sorted(self.uncapped, key=RISK_ORDER.index),
            "key_items_uncapped": self.key_items_uncapped,
        }

    def zh_lines(self) -> list[str]:
        """Every rule in plain Chinese, for the console and the site."""
        lines = [r.zh() for r in self.raise_rules]
        if self.uncapped:
            names = "、".join(RISK_LABELS[c] for c in sorted(self.uncapped, key=RISK_ORDER.index))
            lines.append(f"{names}的检查对象不受“同一年度原则上不超过2次”的限制")
        if self.key_items_uncapped:
            lines.append("抽查重点事项的任务不受“同一年度原则上不超过2次”的限制")
        return lines


def counts_of(complaints: int, bad_records: int, serious_violation: bool) -> dict[str, int]:
    """A target's counters as the rules read them."""
    return {
        "complaints": complaints,
        "bad_records": bad_records,
        "serious_violation": int(serious_violation),
    }


_RULE = s.obj(
    {
        "when": s.one_of(*CONDITIONS),
        "at_least": s.integer(1, 1_000_000),
        "to": s.one_of(*RISK_ORDER),
    }
)

RISK_RULES_SCHEMA = s.obj(
    {
        "raise": s.array(_RULE, max_len=20),
        "uncapped": s.array(s.one_of(*RISK_ORDER), max_len=4),
        "key_items_uncapped": s.boolean,
    }
)
"""The ``risk_rules`` member of an ``item-list`` record."""


def parse_risk_rules(value: Any, path: str = "risk_rules") -> RiskRules:
    """Read and check a ``risk_rules`` object.

    Raises:
        EncodingError: naming the field that is wrong (an unknown condition or class, a count
            below 1, a class listed twice, a rule given twice).
    """
    RISK_RULES_SCHEMA(value, path)
    uncapped = list(value["uncapped"])
    if len(set(uncapped)) != len(uncapped):
        raise EncodingError(f"{path}.uncapped lists a class twice")
    rules = tuple(RaiseRule(r["when"], r["at_least"], r["to"]) for r in value["raise"])
    if len({(r.when, r.at_least) for r in rules}) != len(rules):
        raise EncodingError(f"{path}.raise gives the same condition and count twice")
    return RiskRules(rules, tuple(uncapped), value["key_items_uncapped"])


def rules_or_none(value: Any) -> RiskRules:
    """Stored rules (``None``: no rules)."""
    return RiskRules() if value is None else parse_risk_rules(value)


def any_key_item(items: Iterable[Mapping[str, Any]], keys: Sequence[tuple[str, int]]) -> bool:
    """Whether any of ``items`` (``{code, version}``) is one of ``keys`` (key items)."""
    wanted = set(keys)
    return any((i["code"], i["version"]) in wanted for i in items)
