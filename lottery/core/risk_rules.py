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
- ``labels`` (optional): the office's own words for the classes, e.g. 河南's 低/中/中高/高
  (class code -> label; a class not listed keeps its standard label). The codes stay in the
  data; the console and the site show the labels. Absent: the standard labels.

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
"""How the console and the site name each class (standard labels)."""

LABEL_MAX = 12
"""The most characters a class label may have."""


_LABEL_PROBLEMS = {
    "type": ("must be a string", "须为文字"),
    "length": (f"must be 1 to {LABEL_MAX} characters", f"须为 1 到 {LABEL_MAX} 个字"),
    "space": ("must not begin or end with a space", "首尾不能有空格"),
    "char": (
        "must not contain a control, formatting or line-break character",
        "不能含有控制字符、格式字符或换行",
    ),
}


def _label_issue(label: Any) -> str | None:
    if not isinstance(label, str):
        return "type"
    if not label or len(label) > LABEL_MAX:
        return "length"
    if label != label.strip():
        return "space"
    if not all(ch.isprintable() for ch in label):
        return "char"
    return None


def label_problem(label: Any, *, zh: bool = False) -> str | None:
    """What is wrong with ``label`` as a class label (English for a field path, or Chinese
    with ``zh``), or ``None``.

    A label is text of 1 to :data:`LABEL_MAX` characters, with no space at either end and
    every character printable (no control, bidirectional formatting or line-break character;
    Python's ``str.isprintable``: Unicode categories other than Cc, Cf, Cs, Co, Cn, Zl, Zp
    and Zs, except the ASCII space).
    """
    issue = _label_issue(label)
    return None if issue is None else _LABEL_PROBLEMS[issue][int(zh)]


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

    def zh(self, labels: Mapping[str, str] = RISK_LABELS) -> str:
        """The rule in plain Chinese (classes named by ``labels``)."""
        to = labels.get(self.to, RISK_LABELS[self.to])
        if self.when == "serious_violation":
            return f"有严重违法违规记录的，风险等级至少为{to}"
        return f"{CONDITIONS[self.when]}达到{self.at_least}次的，风险等级至少为{to}"


@dataclass(frozen=True)
class RiskRules:
    """The risk rules of one item-list version (none: every target keeps its class)."""

    raise_rules: tuple[RaiseRule, ...] = ()
    uncapped: tuple[str, ...] = ()
    key_items_uncapped: bool = False
    labels: tuple[tuple[str, str], ...] = ()
    """The office's class labels, ``(class, label)`` in class order (empty: the standard ones)."""

    @property
    def empty(self) -> bool:
        """True when the rules change nothing (and name the classes the standard way)."""
        return not (self.raise_rules or self.uncapped or self.key_items_uncapped or self.labels)

    def label(self, risk: str) -> str:
        """How the console and the site name class ``risk`` under these rules: the office's
        label with the code beside it (``高（D类）``) where one is set, else the standard
        label; another value as it is."""
        own = dict(self.labels).get(risk)
        if own is None:
            return RISK_LABELS.get(risk, risk)
        return own if f"{risk}类" in own else f"{own}（{risk}类）"

    def label_map(self) -> dict[str, str]:
        """Every class's label under these rules (the standard one where none is set)."""
        return {c: self.label(c) for c in RISK_ORDER}

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
        } | ({"labels": dict(self.labels)} if self.labels else {})

    def zh_lines(self) -> list[str]:
        """Every rule in plain Chinese, for the console and the site."""
        names_of = self.label_map()
        lines = [r.zh(names_of) for r in self.raise_rules]
        if self.uncapped:
            names = "、".join(names_of[c] for c in sorted(self.uncapped, key=RISK_ORDER.index))
            lines.append(f"{names}的检查对象不受“同一年度原则上不超过2次”的限制")
        if self.key_items_uncapped:
            lines.append("抽查重点事项的任务不受“同一年度原则上不超过2次”的限制")
        if self.labels:
            own = "、".join(f"{c}类称“{label}”" for c, label in self.labels)
            lines.append(f"风险等级采用本单位的名称：{own}")
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


def _labels(value: Any, path: str) -> None:
    """The ``labels`` member: class -> label, at least one, no label given to two classes."""
    s.mapping(s.one_of(*RISK_ORDER), _label)(value, path)
    if not value:
        raise EncodingError(f"{path} must name at least one class (absent: the standard labels)")
    if len(set(value.values())) != len(value):
        raise EncodingError(f"{path} gives two classes the same label")


def _label(value: Any, path: str) -> None:
    problem = label_problem(value)
    if problem is not None:
        raise EncodingError(f"{path} {problem}")


RISK_RULES_SCHEMA = s.obj(
    {
        "raise": s.array(_RULE, max_len=20),
        "uncapped": s.array(s.one_of(*RISK_ORDER), max_len=4),
        "key_items_uncapped": s.boolean,
    },
    {"labels": _labels},
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
    labels = tuple(sorted(value.get("labels", {}).items(), key=lambda kv: RISK_ORDER.index(kv[0])))
    return RiskRules(rules, tuple(uncapped), value["key_items_uncapped"], labels)


def rules_or_none(value: Any) -> RiskRules:
    """Stored rules (``None``: no rules)."""
    return RiskRules() if value is None else parse_risk_rules(value)


def any_key_item(items: Iterable[Mapping[str, Any]], keys: Sequence[tuple[str, int]]) -> bool:
    """Whether any of ``items`` (``{code, version}``) is one of ``keys`` (key items)."""
    wanted = set(keys)
    return any((i["code"], i["version"]) in wanted for i in items)
