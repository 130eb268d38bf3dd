"""Publication rules and the safe-publication review (保密审查; docs/spec.md §2.3).

An item-list version may carry ``publication_rules``: what a published record of a given type
does not show, field by field, and why. Each rule is ::

    {"id": "R1", "record": "inspection-result", "field": "findings",
     "action": "generalise", "reason": "...", "when": {"items": ["RF-003"]}}

- ``record``: the record type the rule governs: ``inspection-result``,
  ``rectification-order`` (its ``requirements``; generalise only: the requirement must
  exist) or ``rectification-check`` (its ``note``);
- ``field``: a field of that record's sealed content (docs/spec.md §2.1) that a rule may
  govern: :data:`REVIEWABLE`. A field the public needs to re-run a draw or to count results
  (ids, dates, inspectors, categories, a target's risk class...) is never one: a rule naming
  it fails ``record.format``;
- ``action``: ``withhold`` (the sealed content leaves the field out) or ``generalise`` (the
  sealed content carries general text written by the reviewer instead of the original);
- ``reason``: why, published with the rule (text of at most 500 characters);
- ``when`` (optional): the rule applies only to a record whose task's announcement cites one
  of ``items`` (item codes), and/or whose ``categories`` include one of ``categories`` (for a
  rectification order: the categories of the result it follows from; for a re-check: those
  of its order's result). Absent: the rule applies to every record of its type.

A record of a governed type published after an item list with rules for that type carries
``review``: ``{"by": reviewer, "rules": [the ids of the rules applied]}`` (sorted, each once),
exactly the rules whose condition holds for it. The verifier checks the rules in force (the
latest ``item-list`` record earlier in the log): ``publication.review``. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import schema as s
from .errors import EncodingError
from .record_names import RECORD_TYPES_ZH

ACTIONS = ("withhold", "generalise")
ACTION_ZH = {"withhold": "不公开", "generalise": "概括表述"}

REVIEWABLE: dict[str, tuple[str, ...]] = {
    "inspection-result": ("findings", "follow_up", "place"),
    "rectification-order": ("requirements",),
    "rectification-check": ("note",),
}
"""Record type -> the sealed-content fields a publication rule may withhold or generalise
(all text)."""

REQUIRED_IN_CONTENT: dict[str, tuple[str, ...]] = {
    "inspection-result": ("findings", "follow_up"),
    "rectification-order": ("requirements",),
    "rectification-check": ("note",),
}
"""The reviewable fields a content must carry unless a rule applied withholds them."""

GENERALISE_ONLY: dict[str, tuple[str, ...]] = {"rectification-order": ("requirements",)}
"""Fields a rule may only generalise, never withhold: an order must say what to rectify."""

FIELD_ZH = {
    "findings": "发现的问题",
    "follow_up": "后续处理",
    "place": "检查地点",
    "requirements": "整改要求",
    "note": "复查情况",
}

RECORD_ZH = {kind: RECORD_TYPES_ZH[kind] for kind in REVIEWABLE}
"""What the site and console call each governed record type (from the one map of
:mod:`lottery.core.record_names`)."""

NEVER_WITHHELD = (
    "task",
    "target",
    "target_name",
    "dates",
    "inspectors",
    "methods",
    "categories",
    "pending_reasons",
    "risk",
    "risk_class",
    "region",
    "id",
    "ids",
    "evidence",
    "checklist",
)
"""Fields a rule may never name: the public needs them to re-run a draw, to count results or
to check the on-site record (the refusal says so)."""

WITHHELD_ZH = "（保密审查：不公开）"
"""What the site shows for a withheld field."""

MAX_RULES = 100


def rules_schema(categories: Sequence[str]) -> s.Validator:
    """The validator of an item list's ``publication_rules`` (the result ``categories`` a
    condition may name are passed in: they are defined with the records)."""
    rule = s.obj(
        {
            "id": s.ident,
            "record": s.text(64),
            "field": s.text(64),
            "action": s.one_of(*ACTIONS),
            "reason": s.text(500),
        },
        {
            "when": s.obj(
                {},
                {
                    "items": s.array(s.ident, min_len=1, max_len=200),
                    "categories": s.array(s.one_of(*categories), min_len=1, max_len=20),
                },
            )
        },
    )
    shape = s.array(rule, min_len=1, max_len=MAX_RULES)

    def check(value: Any, path: str) -> None:
        shape(value, path)
        seen: set[str] = set()
        for i, item in enumerate(value):
            where = f"{path}[{i}]"
            if item["id"] in seen:
                raise EncodingError(f"{where}.id {item['id']!r} is used twice")
            seen.add(item["id"])
            kind, name = item["record"], item["field"]
            if kind not in REVIEWABLE:
                raise EncodingError(
                    f"{where}.record must be one of {', '.join(REVIEWABLE)}, got {kind!r}"
                )
            if name in NEVER_WITHHELD:
                raise EncodingError(
                    f"{where}.field {name!r} can never be withheld: the public needs it to "
                    "re-run a draw or count the results"
                )
            if name not in REVIEWABLE[kind]:
                raise EncodingError(
                    f"{where}.field must be one of {', '.join(REVIEWABLE[kind])}, got {name!r}"
                )
            if item["action"] == "withhold" and name in GENERALISE_ONLY.get(kind, ()):
                raise EncodingError(
                    f"{where}.action of {kind}.{name} must be generalise: the record must say it"
                )
            when = item.get("when")
            if when is not None and not when:
                raise EncodingError(f"{where}.when must name items or categories")
            for key in ("items", "categories"):
                listed = (when or {}).get(key, [])
                if len(set(listed)) != len(listed):
                    raise EncodingError(f"{where}.when.{key} names a value twice")

    return check


def _review(value: Any, path: str) -> None:
    s.obj({"by": s.text(100), "rules": s.array(s.ident, max_len=MAX_RULES)})(value, path)
    if value["rules"] != sorted(set(value["rules"])):
        raise EncodingError(f"{path}.rules must be sorted, each rule once")


REVIEW_SCHEMA: s.Validator = _review
"""The ``review`` member of a reviewed record."""


@dataclass(frozen=True)
class PublicationRule:
    """One publication rule of an item-list version."""

    id: str
    record: str
    field: str
    action: str
    reason: str
    items: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def applies(self, record: str, cited: Collection[str], categories: Iterable[str]) -> bool:
        """Whether the rule governs a ``record`` of a task citing ``cited`` item codes, with
        these result ``categories``."""
        if record != self.record:
            return False
        if self.items and not set(self.items) & set(cited):
            return False
        return not self.categories or bool(set(self.categories) & set(categories))

    def to_json(self) -> dict[str, Any]:
        """The rule as the item-list record carries it."""
        out: dict[str, Any] = {
            "id": self.id,
            "record": self.record,
            "field": self.field,
            "action": self.action,
            "reason": self.reason,
        }
        when = {k: list(v) for k, v in (("items", self.items), ("categories", self.categories))}
        when = {k: v for k, v in when.items() if v}
        if when:
            out["when"] = when
        return out

    def zh(self) -> str:
        """The rule in plain Chinese (what, when), without its reason."""
        field = FIELD_ZH.get(self.field, self.field)
        what = f"{RECORD_ZH.get(self.record, self.record)}的“{field}”{ACTION_ZH[self.action]}"
        cond = []
        if self.items:
            cond.append("任务抽查事项含 " + "、".join(self.items))
        if self.categories:
            cond.append(f"{self.categories_whose_zh()}为 " + "、".join(self.categories))
        return (f"{'且'.join(cond)}的，" if cond else "") + what

    def categories_whose_zh(self) -> str:
        """Whose result categories the rule's ``categories`` are, in plain Chinese: the
        result's own, or (for a rectification record) those of the result it rests on."""
        result = RECORD_ZH["inspection-result"]
        return result if self.record == "inspection-result" else f"所依据的{result}"


def parse_rules(value: Any) -> tuple[PublicationRule, ...]:
    """An item list's ``publication_rules`` (None or absent: no rules), already validated."""
    if not value:
        return ()
    out = []
    for item in value:
        when = item.get("when") or {}
        out.append(
            PublicationRule(
                id=str(item["id"]),
                record=str(item["record"]),
                field=str(item["field"]),
                action=str(item["action"]),
                reason=str(item["reason"]),
                items=tuple(when.get("items", ())),
                categories=tuple(when.get("categories", ())),
            )
        )
    return tuple(out)


def governs(rules: Iterable[PublicationRule], record: str) -> bool:
    """Whether any rule governs records of type ``record`` (then each needs a review)."""
    return any(r.record == record for r in rules)


def matching(
    rules: Iterable[PublicationRule],
    record: str,
    cited: Collection[str],
    categories: Iterable[str],
) -> list[PublicationRule]:
    """The rules that apply to a record, in the item list's order."""
    cats = list(categories)
    return [r for r in rules if r.applies(record, cited, cats)]


def treatment(applied: Iterable[PublicationRule]) -> dict[str, PublicationRule]:
    """Field -> the rule that decides it: a withholding rule wins over a generalising one,
    then the first in the item list's order."""
    out: dict[str, PublicationRule] = {}
    for rule in applied:
        held = out.get(rule.field)
        if held is None or (held.action == "generalise" and rule.action == "withhold"):
            out[rule.field] = rule
    return out


def content_problem(
    record: str, content: Mapping[str, Any], applied: Iterable[PublicationRule]
) -> str | None:
    """What is wrong with a reviewed record's opened content under the rules it applied: a
    withheld field present, or a field left out that no applied rule withholds."""
    decided = treatment(applied)
    for name, rule in decided.items():
        if rule.action == "withhold" and name in content:
            return f"field {name!r} is published although rule {rule.id} withholds it"
    for name in REQUIRED_IN_CONTENT.get(record, ()):
        held = decided.get(name)
        if name not in content and held is None:
            return f"field {name!r} is left out, but no rule applied withholds it"
        if name not in content and held is not None and held.action != "withhold":
            return f"field {name!r} is left out, but rule {held.id} only generalises it"
    return None


__all__ = [
    "ACTIONS",
    "ACTION_ZH",
    "FIELD_ZH",
    "GENERALISE_ONLY",
    "NEVER_WITHHELD",
    "RECORD_ZH",
    "REQUIRED_IN_CONTENT",
    "REVIEWABLE",
    "REVIEW_SCHEMA",
    "WITHHELD_ZH",
    "PublicationRule",
    "content_problem",
    "governs",
    "matching",
    "parse_rules",
    "rules_schema",
    "treatment",
]
