"""The sealed-content checks of ``lottery verify`` and the publisher (docs/spec.md §2.1, §8).

Walked over the log's records in log order, with a ``get(digest) -> bytes`` that raises
:class:`KeyError` for a blob that is not published:

- ``withdrawal.sealed``: a ``penalty-withdrawal`` (``result-withdrawal``) withdraws exactly
  the commitment of the penalty (inspection result) it names (withdrawing something that
  carries no commitment fails);
- ``sealed.content``: a published sealed blob hashes to its record's commitment and holds
  content of that record type's format;
- ``sealed.missing``: a commitment whose blob is not published fails unless a withdrawal
  covers it;
- ``sealed.withdrawn``: a withdrawn blob is not published any more (a blob still served after
  its withdrawal fails), and each withdrawn commitment is reported as
  ``withdrawn on DATE: REASON``;
- ``result.onsite``: the opened content of an ``inspection-result`` agrees with its public
  categories (:func:`lottery.core.onsite.content_problems`: a 不符合 point is no
  未发现问题, has a note; findings without evidence state a reason), and its answers are
  exactly the checklist points of the items its task's announcement cites, in the item-list
  versions published before it;
- ``publication.review``: a result, rectification order or re-check published after an item
  list with publication rules for its type carries ``review`` naming exactly the rules whose
  condition holds for it, and its opened content leaves out every field those rules withhold
  (docs/spec.md §2.3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .canonical import beijing_date
from .check_names import CheckName
from .errors import VerificationError
from .onsite import content_problems, expected_points
from .publication_rules import (
    REQUIRED_IN_CONTENT,
    REVIEWABLE,
    PublicationRule,
    content_problem,
    governs,
    matching,
    parse_rules,
)
from .records import Record
from .sealed import WITHDRAWALS, open_sealed, sealed_digest
from .verify import Check

REVIEWED_TYPES = tuple(REVIEWABLE)
"""The record types publication rules may govern (results, rectification orders, re-checks)."""

CONTENT_NEEDED = ("penalty",)
"""The record types whose opened content a later check reads (the publication references:
a penalty's result), so their blobs are opened on every run."""


@dataclass(frozen=True)
class CheckedSealed:
    """What an earlier passing run established of the sealed blobs of its log (``lottery
    verify --state``): every commitment of a record below ``size`` that no withdrawal
    covered then had its blob published, matching, and in its format, and passed
    ``result.onsite`` and ``publication.review`` (which depend only on that content and the
    records before it); ``onsite``: the log indexes of the results whose content holds an
    on-site record (what ``result.onsite`` counts)."""

    size: int
    onsite: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Withdrawn:
    """A withdrawn commitment: when (Beijing date), why, and the withdrawal record's id."""

    date: str
    reason: str
    ground: str
    record: str


@dataclass
class SealedAudit:
    """What the sealed-content checks established.

    Attributes:
        contents: the opened content of every record whose sealed blob is published, by id.
        withdrawn: every withdrawn commitment (by blob digest).
        reviews: the publication rules applied to each reviewed record, by id (the rules of
            the item list in force whose condition holds for it).
        onsite: the log indexes (positions in the records audited) of the results whose
            content holds an on-site record (:class:`CheckedSealed`).
        checks: the passed checks (one ``sealed.withdrawn`` line per withdrawn commitment).
        failures: ``(scope, error)`` of each failed check.
    """

    contents: dict[str, dict[str, Any]] = field(default_factory=dict)
    withdrawn: dict[str, Withdrawn] = field(default_factory=dict)
    reviews: dict[str, list[PublicationRule]] = field(default_factory=dict)
    onsite: set[int] = field(default_factory=set)
    checks: list[Check] = field(default_factory=list)
    failures: list[tuple[str, VerificationError]] = field(default_factory=list)

    def withdrawal_of(self, record: Record) -> Withdrawn | None:
        """The withdrawal of a record's sealed content, if any."""
        digest = sealed_digest(record.body)
        return None if digest is None else self.withdrawn.get(digest)


def withdrawn_blobs(records: Sequence[Record]) -> dict[str, Withdrawn]:
    """Every blob digest named by a withdrawal record of ``records`` (the first one wins)."""
    out: dict[str, Withdrawn] = {}
    for record in records:
        if record.type not in WITHDRAWALS:
            continue
        body = record.body
        day = beijing_date(body["time"]).isoformat()
        for digest in body["sealed"]:
            out.setdefault(digest, Withdrawn(day, body["reason"], body["ground"], record.id))
    return out


def _name(record: Record) -> str:
    body = record.body
    if "decision" in body:
        return f"{record.type} {body['decision']}"
    if "task" in body and "target" in body:
        return f"{record.type} {body['task']}/{body['target']}"
    return f"{record.type} {record.id[:16]}"


def audit_sealed(
    records: Sequence[Record],
    get: Callable[[str], bytes],
    known: Mapping[str, Mapping[str, Any]] | None = None,
    present: Callable[[str], bool] | None = None,
    checked: CheckedSealed | None = None,
) -> SealedAudit:
    """Check every commitment of ``records`` (log order) against the published blobs.

    ``known`` (an incremental run): by record id, the content an earlier passing run opened
    from that record's blob; a record still not withdrawn whose blob is still published
    (``present(digest)``; without ``present``, trusted) keeps it, its blob not read again
    (blobs are named by their SHA-256 and never rewritten). ``checked`` with ``present``
    (an incremental run that keeps no contents): a record below ``checked.size``, still not
    withdrawn, whose blob is still published and whose content no later check reads
    (:data:`CONTENT_NEEDED`) keeps what the earlier run established, its blob not read
    (its content is then not in ``contents``). Everything else is checked as without them."""
    audit = SealedAudit()
    sealed: dict[str, Record] = {}  # record id -> record that carries a commitment
    where: dict[str, int] = {}  # record id -> its position in ``records``

    def fail(scope: str, check: str, detail: str) -> None:
        audit.failures.append((scope, VerificationError(check, detail)))

    valid: list[Record] = []  # withdrawals that withdraw their penalty's commitment
    for position, record in enumerate(records):
        if sealed_digest(record.body) is not None:
            sealed[record.id] = record
            where[record.id] = position
        if record.type in WITHDRAWALS:
            problem = _withdrawal_problem(record, sealed)
            if problem is None:
                valid.append(record)
            else:
                fail(f"withdrawal {record.id[:16]}", CheckName.WITHDRAWAL_SEALED, problem)
    audit.withdrawn = withdrawn_blobs(valid)
    cited = _cited_points(records)
    review_problems = _reviews(records, audit.reviews)
    opened = onsite = 0
    for record in sealed.values():
        digest = str(sealed_digest(record.body))
        name = _name(record)
        gone = audit.withdrawn.get(digest)
        content = _earlier(record.id, digest, gone, known, present)
        position = where[record.id]
        if content is None and _carried(audit, record, position, digest, gone, checked, present):
            opened += 1
            onsite += position in audit.onsite
            continue
        try:
            data = get(digest) if content is None else b""
        except KeyError:
            if gone is None:
                fail(
                    name,
                    CheckName.SEALED_MISSING,
                    f"{name}: its sealed blob {digest[:16]} is not published and no "
                    "withdrawal covers it",
                )
            else:
                audit.checks.append(
                    Check(
                        CheckName.SEALED_WITHDRAWN,
                        f"{name}: withdrawn on {gone.date}: {gone.reason}",
                    )
                )
            continue
        if gone is not None:
            fail(
                name,
                CheckName.SEALED_WITHDRAWN,
                f"{name}: its sealed blob {digest[:16]} is still published after its "
                f"withdrawal on {gone.date}",
            )
            continue
        omit = REQUIRED_IN_CONTENT.get(record.type, ()) if "review" in record.body else ()
        try:
            audit.contents[record.id] = (
                content if content is not None else open_sealed(data, digest, record.type, omit)
            )
            opened += 1
        except VerificationError as exc:
            fail(name, exc.check, f"{name}: {exc.detail}")
            continue
        _review_content(record, audit, review_problems)
        if record.type == "inspection-result" and _onsite(
            record, audit.contents[record.id], name, fail, cited
        ):
            audit.onsite.add(position)
            onsite += 1
    if opened and not any(e.check == CheckName.SEALED_CONTENT for _, e in audit.failures):
        audit.checks.append(
            Check(CheckName.SEALED_CONTENT, f"{opened} sealed blobs match their commitments")
        )
    _report_reviews(audit, records, review_problems)
    if onsite and not any(e.check == CheckName.RESULT_ONSITE for _, e in audit.failures):
        audit.checks.append(
            Check(CheckName.RESULT_ONSITE, f"{onsite} on-site records agree with their results")
        )
    return audit


def _earlier(
    record_id: str,
    digest: str,
    gone: Withdrawn | None,
    known: Mapping[str, Mapping[str, Any]] | None,
    present: Callable[[str], bool] | None,
) -> dict[str, Any] | None:
    """The content an earlier run opened for ``record_id`` when it still stands: not
    withdrawn since, its blob still published."""
    earlier = (known or {}).get(record_id) if gone is None else None
    if earlier is None or (present is not None and not present(digest)):
        return None
    return dict(earlier)


def _carried(
    audit: SealedAudit,
    record: Record,
    position: int,
    digest: str,
    gone: Withdrawn | None,
    checked: CheckedSealed | None,
    present: Callable[[str], bool] | None,
) -> bool:
    """Whether an earlier passing run checked this record's blob and that still stands
    (below its size, not withdrawn since, its blob still published, its content read by no
    later check): then what it established is carried over into ``audit``."""
    if (
        checked is None
        or present is None
        or position >= checked.size
        or gone is not None
        or record.type in CONTENT_NEEDED
        or not present(digest)
    ):
        return False
    if position in checked.onsite:
        audit.onsite.add(position)
    return True


def _cited_points(records: Sequence[Record]) -> dict[str, list[tuple[str, str]]]:
    """Task -> the checklist points its results answer (from its announcement and the item
    lists published before it; ``announcement.items`` checks that those exist)."""
    item_lists: dict[int, dict[str, Mapping[str, Any]]] = {}
    out: dict[str, list[tuple[str, str]]] = {}
    for record in records:
        body = record.body
        if record.type == "item-list":
            item_lists[int(body["version"])] = {i["code"]: i for i in body["items"]}
        elif record.type == "task-announcement":
            out[str(body["task"])] = expected_points(body["items"], item_lists)
    return out


def _review_content(record: Record, audit: SealedAudit, problems: dict[str, str]) -> None:
    """``publication.review`` of one opened content: what its rules withhold is left out."""
    applied = audit.reviews.get(record.id)
    if applied is not None and record.id not in problems:
        problem = content_problem(record.type, audit.contents[record.id], applied)
        if problem is not None:
            problems[record.id] = problem


def _report_reviews(
    audit: SealedAudit, records: Sequence[Record], problems: dict[str, str]
) -> None:
    """One ``publication.review`` failure per record, or one passed line for all."""
    by_id = {r.id: r for r in records}
    for record_id, problem in problems.items():
        name = _name(by_id[record_id])
        audit.failures.append(
            (name, VerificationError(CheckName.PUBLICATION_REVIEW, f"{name}: {problem}"))
        )
    if audit.reviews and not problems:
        audit.checks.append(
            Check(
                CheckName.PUBLICATION_REVIEW,
                f"{len(audit.reviews)} reviewed records follow the publication rules in force",
            )
        )


def _reviews(
    records: Sequence[Record], applied: dict[str, list[PublicationRule]]
) -> dict[str, str]:
    """``publication.review`` from the public records (log order): fills ``applied`` (record
    id -> the rules that apply to it) for every record reviewed or needing a review, and
    returns the problems by record id (the content is checked once opened)."""
    rules: tuple[PublicationRule, ...] = ()
    cited: dict[str, set[str]] = {}
    problems: dict[str, str] = {}
    # Record id -> the result categories a rule's ``when.categories`` looks at: a result's
    # own, an order's result's, a re-check's order's result's (§2.3).
    categories: dict[str, list[str]] = {}
    for record in records:
        body = record.body
        if record.type == "item-list":
            rules = parse_rules(body.get("publication_rules"))
            continue
        if record.type == "task-announcement":
            cited[str(body["task"])] = {str(i["code"]) for i in body["items"]}
            continue
        if record.type not in REVIEWED_TYPES:
            continue
        source = {"rectification-order": "result", "rectification-check": "order"}.get(record.type)
        cats = body["categories"] if source is None else categories.get(str(body[source]), [])
        categories[record.id] = [str(c) for c in cats]
        if not governs(rules, record.type) and "review" not in body:
            continue
        due = matching(rules, record.type, cited.get(str(body["task"]), set()), cats)
        applied[record.id] = due
        review = body.get("review")
        if review is None:
            problems[record.id] = (
                "published without the review the publication rules in force require"
            )
            continue
        named, expected = list(review["rules"]), sorted(r.id for r in due)
        if named != expected:
            problems[record.id] = (
                f"the review applied rules {named or 'none'}, but the rules in force that apply "
                f"are {expected or 'none'}"
            )
    return problems


def _onsite(
    record: Record,
    content: Mapping[str, Any],
    name: str,
    fail: Callable[[str, str, str], None],
    cited: Mapping[str, list[tuple[str, str]]],
) -> int:
    """``result.onsite`` of one published result: 1 when it carries an on-site record."""
    expected = cited.get(str(record.body["task"]))
    problems = content_problems(record.body["categories"], content, expected)
    if problems:
        fail(name, CheckName.RESULT_ONSITE, f"{name}: {problems[0]}")
    return int("checklist" in content or "started" in content)


def _withdrawal_problem(record: Record, sealed: Mapping[str, Record]) -> str | None:
    body = record.body
    field, kind = WITHDRAWALS[record.type]
    target = sealed.get(body[field])
    if target is None or target.type not in kind.split("|"):
        return (
            f"withdrawal {record.id[:16]} names {body[field][:16]}, which is no "
            f"{kind.replace('|', ' or ')} record "
            "published before it that carries a commitment"
        )
    expected = sealed_digest(target.body)
    wrong = [d for d in body["sealed"] if d != expected]
    if wrong:
        return (
            f"withdrawal {record.id[:16]} withdraws {wrong[0][:16]}, which is not the "
            f"commitment of {_name(target)} ({str(expected)[:16]})"
        )
    names = ("decision",) if kind == "penalty" else ("task", "target")
    if any(body[n] != target.body.get(n) for n in names):
        return (
            f"withdrawal {record.id[:16]} names {_name(record)}, but the record it withdraws "
            f"is {_name(target)}"
        )
    return None
