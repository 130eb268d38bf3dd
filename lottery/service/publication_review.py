"""The safe-publication review (保密审查) of inspection results (docs/results.md, "The
publication review"; docs/spec.md §2.3), and the helpers rectification orders and re-checks
share with it (:func:`rules_for_record`, :func:`decide_texts`, :func:`shown`;
``rectification_review.py``).

When the item list in force carries publication rules for ``inspection-result`` records, an
approved result is not published at once: it waits (status ``reviewing``, or stays ``held``
while its task is sealed) until a person holding ``publication.review`` decides what the
record will show. The rules whose condition holds are applied: a withheld field is left out of
the sealed content, a generalised one is replaced by the general text the reviewer writes.
The decision is stored with the result (``fields["publication_review"]``) and audited
``result.publication-review``; the original content stays only in the office's database.
The published record names the reviewer and the rules applied (``review``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from lottery.core.errors import EncodingError, InputError
from lottery.core.publication_rules import (
    FIELD_ZH,
    PublicationRule,
    governs,
    matching,
    parse_rules,
    treatment,
)
from lottery.core.records import OPTIONAL_FIELDS
from lottery.storage.models import InspectionResult, ItemListVersion, Task

from .calendar import load_record
from .log import PublicLog
from .publication_rule_words import rules_refusal

KIND = "inspection-result"
DECISION = "publication_review"
"""The key of the stored decision in a result's ``fields`` (never published as such)."""
MAX_TEXT = {
    "findings": 10_000,
    "follow_up": 10_000,
    "place": 500,
    "requirements": 10_000,
    "note": 10_000,
}


class PublicationReviewError(InputError):
    """A publication review that cannot be made (wrong state, missing general text)."""


def parse_publication_rules(value: Any) -> tuple[PublicationRule, ...]:
    """Rules as the item-list record will carry them (a list of rule objects), checked with
    the record format.

    Raises:
        InputError: naming the rule and field at fault (e.g. a field the public needs), in
            Chinese with the record format's English in brackets
            (:func:`~lottery.service.publication_rule_words.rules_refusal`).
    """
    if value in (None, []):
        return ()
    try:
        OPTIONAL_FIELDS["item-list"]["publication_rules"](value, "publication_rules")
    except EncodingError as exc:
        raise InputError(f"公开规则有误：{rules_refusal(str(exc), value)}") from None
    return parse_rules(value)


def rules_in_force(session: Session, log: PublicLog) -> tuple[PublicationRule, ...]:
    """The publication rules of the latest item-list version (none without an item list)."""
    row = session.exec(
        select(ItemListVersion).order_by(col(ItemListVersion.version).desc()).limit(1)
    ).first()
    if row is None or row.record_id is None:
        return ()
    return parse_rules(load_record(log, session, row.record_id).body.get("publication_rules"))


def rules_for_record(
    session: Session, log: PublicLog, kind: str, task: str, categories: Iterable[str]
) -> list[PublicationRule] | None:
    """The rules in force that apply to a record of type ``kind`` of ``task`` whose rules look
    at these result ``categories``, or None when no rule in force governs the type (no review
    needed)."""
    rules = rules_in_force(session, log)
    if not governs(rules, kind):
        return None
    row = session.get(Task, task)
    cited = {str(c) for c, _ in (row.params.get("items", []) if row else [])}
    return matching(rules, kind, cited, categories)


def rules_for(
    session: Session, log: PublicLog, row: InspectionResult
) -> list[PublicationRule] | None:
    """The rules that apply to ``row``, or None when no rule in force governs results (no
    review needed)."""
    return rules_for_record(session, log, KIND, row.task, row.fields.get("categories", []))


def ready(session: Session, log: PublicLog, row: InspectionResult) -> bool:
    """Whether ``row`` may be published now: no review is needed, or its stored decision
    applied exactly the rules that apply today."""
    due = rules_for(session, log, row)
    if due is None:
        return True
    decision = row.fields.get(DECISION)
    return decision is not None and decision["rules"] == sorted(r.id for r in due)


def decide(
    session: Session,
    log: PublicLog,
    row: InspectionResult,
    generalised: Mapping[str, str],
    reviewer: str,
) -> dict[str, Any]:
    """The decision to store for ``row`` under the rules that apply to it
    (:func:`decide_texts`)."""
    return decide_texts(rules_for(session, log, row) or [], row.fields, generalised, reviewer)


def decide_texts(
    due: Sequence[PublicationRule],
    original: Mapping[str, Any],
    generalised: Mapping[str, str],
    reviewer: str,
) -> dict[str, Any]:
    """Check the reviewer's general texts against the rules ``due`` (those that apply to a
    record whose reviewable fields are ``original``) and return the decision to store:
    ``{"by", "rules", "generalised": {field: text}, "withheld": [...]}``.

    Raises:
        PublicationReviewError: a generalised field without text (or too long), or text for a
            field no rule applied generalises.
    """
    decided = treatment(due)
    # A field left empty (no findings) or not entered (no place) needs no general text.
    wanted = {
        name
        for name, rule in decided.items()
        if rule.action == "generalise" and str(original.get(name, "")).strip()
    }
    texts: dict[str, str] = {}
    for name, text in generalised.items():
        if name not in wanted:
            raise PublicationReviewError(
                f"“{FIELD_ZH.get(name, name)}”不适用概括表述规则，不能填写概括内容"
            )
        text = text.strip()
        if len(text) > MAX_TEXT[name]:
            raise PublicationReviewError(f"“{FIELD_ZH[name]}”的概括内容超过 {MAX_TEXT[name]} 个字")
        texts[name] = text
    missing = sorted(n for n in wanted if not texts.get(n))
    if missing:
        raise PublicationReviewError(
            f"规则 {decided[missing[0]].id} 要求对“{FIELD_ZH[missing[0]]}”概括表述：请填写概括内容"
        )
    withheld = sorted(n for n, r in decided.items() if r.action == "withhold")
    return {
        "by": reviewer.strip(),
        "rules": sorted(r.id for r in due),
        "generalised": texts,
        "withheld": withheld,
    }


def shown(
    content: Mapping[str, Any], decision: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any] | None, list[str]]:
    """``content`` as a ``decision`` lets it be published: (the content with the withheld
    fields left out and the general texts in place of the originals, the ``review`` member
    to publish or None, the withheld fields)."""
    out = dict(content)
    if decision is None:
        return out, None, []
    for name in decision["withheld"]:
        out.pop(name, None)
    out |= decision["generalised"]
    review = {"by": decision["by"], "rules": list(decision["rules"])}
    return out, review, list(decision["withheld"])


def apply(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None, list[str]]:
    """Split a stored result's ``fields`` into (the fields without the decision, the
    ``review`` member to publish or None, the withheld fields) and put the general texts in
    place of the originals (in the returned copy)."""
    out = dict(fields)
    return shown(out, out.pop(DECISION, None))


__all__ = [
    "DECISION",
    "PublicationReviewError",
    "apply",
    "decide",
    "decide_texts",
    "parse_publication_rules",
    "ready",
    "rules_for",
    "rules_for_record",
    "rules_in_force",
    "shown",
]
