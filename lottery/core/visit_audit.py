"""Joint visits and the annual cap, checked by ``lottery verify`` over the published results
(docs/spec.md section 8, "Visits and the annual cap"; :mod:`lottery.core.visits`).

Walked in log order:

- ``result.joint_with``: an ``inspection-result``'s ``joint_with`` (absent = none) names
  exactly the other tasks whose current result for the same target, published before it,
  shares an inspection date with it. A record that names a task of another date, or keeps
  quiet about a published result of the same day, fails.
- ``result.visit_cap``: over the current published results (a correction replaces what it
  supersedes), a target's visits in a calendar year exceed the cap (2) only by visits one of
  whose results is exempt: it carries ``cap_exception``, or its task's announcement lists the
  target in ``cap_exceptions``, or the risk rules of the latest ``item-list`` published
  before that announcement lift the cap: ``key_items_uncapped`` with a cited key item, or the
  target's class (its stratum in the announced pool) in ``uncapped``.

What it cannot see: inspections the office imported (never published) and results not
published yet; the service counts both, so a log the service wrote never fails here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .check_names import CheckName
from .errors import LotteryError, VerificationError
from .pool_blob import decode_pool
from .records import Record
from .risk_rules import RiskRules, rules_or_none
from .verify import Check
from .visits import VISIT_CAP, Dated, joint_tasks, over_cap


@dataclass
class VisitAudit:
    """The checks that passed and the failures (scope, error)."""

    checks: list[Check] = field(default_factory=list)
    failures: list[tuple[str, VerificationError]] = field(default_factory=list)


@dataclass(frozen=True)
class _Announced:
    rules: RiskRules
    key_item: bool
    excepted: frozenset[str]
    pool: str  # SHA-256 of the pool blob


def audit_visits(
    records: Sequence[Record], blob: Callable[[str], bytes], task: str | None = None
) -> VisitAudit:
    """Check every published result among ``records`` (the whole log, in log order), or only
    ``task``'s. ``blob(digest)`` returns a published blob (KeyError when there is none)."""
    walk = _Walk(blob, task)
    for record in records:
        walk.add(record)
    return walk.finish()


@dataclass
class _Walk:
    """The log walked in order: item lists, announcements, the current results."""

    blob: Callable[[str], bytes]
    task: str | None
    audit: VisitAudit = field(default_factory=VisitAudit)
    keys: dict[int, Mapping[str, bool]] = field(default_factory=dict)
    rules: RiskRules = field(default_factory=RiskRules)
    announced: dict[str, _Announced] = field(default_factory=dict)
    pools: dict[str, Mapping[str, str] | None] = field(default_factory=dict)
    current: dict[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    by_target: dict[str, dict[str, Mapping[str, Any]]] = field(default_factory=dict)
    """``current`` by target, then task: a result is compared with its target's results
    only (the walk stays linear in the log's size)."""
    joint: int = 0

    def add(self, record: Record) -> None:
        body = record.body
        if record.type == "item-list":
            self.keys[body["version"]] = {i["code"]: i["key"] for i in body["items"]}
            self.rules = rules_or_none(body.get("risk_rules"))
        elif record.type == "task-announcement":
            self.announced[body["task"]] = _Announced(
                self.rules,
                any(self.keys.get(i["version"], {}).get(i["code"], False) for i in body["items"]),
                frozenset(e["target"] for e in body.get("cap_exceptions", [])),
                body["pool"]["sha256"],
            )
        elif record.type == "inspection-result":
            self._result(record)

    def _result(self, record: Record) -> None:
        body = record.body
        name, target = body["task"], body["target"]
        mine = self.by_target.setdefault(target, {})
        others = [Dated(t, tuple(b["dates"])) for t, b in mine.items()]
        expected = joint_tasks(body["dates"], name, others)
        named = list(body.get("joint_with", []))
        if self.task in (None, name):
            self.joint += bool(named)
            if named != expected:
                detail = (
                    f"result {record.id[:16]} for {target} names joint_with "
                    f"{named or 'nothing'}, but the tasks whose published result for it "
                    f"shares a date are {expected or 'none'}"
                )
                self.audit.failures.append(
                    (
                        f"inspection-result {name}",
                        VerificationError(CheckName.RESULT_JOINT_WITH, detail),
                    )
                )
        self.current[(name, target)] = body  # a correction replaces what it supersedes
        mine[name] = body

    def _exempt(self, body: Mapping[str, Any]) -> bool:
        if "cap_exception" in body:
            return True
        ann = self.announced.get(body["task"])
        if ann is None:
            return False
        target = body["target"]
        if target in ann.excepted or (ann.key_item and ann.rules.key_items_uncapped):
            return True
        if not ann.rules.uncapped:
            return False
        if body["task"] not in self.pools:
            self.pools[body["task"]] = _pool_classes(self.blob, ann.pool)
        return (self.pools[body["task"]] or {}).get(target) in ann.rules.uncapped

    def finish(self) -> VisitAudit:
        by_target: dict[str, list[Mapping[str, Any]]] = {}
        for (_, target), body in sorted(self.current.items()):
            by_target.setdefault(target, []).append(body)
        over = 0
        for target, bodies in sorted(by_target.items()):
            if self.task is not None and all(b["task"] != self.task for b in bodies):
                continue
            if not over_cap([Dated(b["task"], tuple(b["dates"])) for b in bodies]):
                continue  # the usual case: no exemption needs to be looked up
            dated = [Dated(b["task"], tuple(b["dates"]), self._exempt(b)) for b in bodies]
            for year, count in over_cap(dated):
                over += 1
                tasks = ", ".join(sorted({str(b["task"]) for b in bodies}))
                detail = (
                    f"{target} has {count} visits in {year} (tasks {tasks}) without a "
                    f"published cap exception: more than {VISIT_CAP}"
                )
                self.audit.failures.append(
                    (f"target {target}", VerificationError(CheckName.RESULT_VISIT_CAP, detail))
                )
        failed = {e.check for _, e in self.audit.failures}
        if self.current and CheckName.RESULT_JOINT_WITH not in failed:
            self.audit.checks.append(
                Check(
                    CheckName.RESULT_JOINT_WITH,
                    f"{self.joint} joint visits name exactly the tasks published for the same day",
                )
            )
        if self.current and not over:
            self.audit.checks.append(
                Check(
                    CheckName.RESULT_VISIT_CAP,
                    f"no target has more than {VISIT_CAP} visits in a year without a "
                    "published exception",
                )
            )
        return self.audit


def _pool_classes(blob: Callable[[str], bytes], digest: str) -> Mapping[str, str] | None:
    """Each pooled target's class (its stratum's risk) in the pool blob ``digest``; None when
    the blob is missing or malformed (other checks report that). Read only for a task one of
    whose results is over the cap, under rules that lift the cap for some classes."""
    try:
        pool = decode_pool(blob(digest))
    except (KeyError, LotteryError):
        return None
    return {t: st.risk for st in pool.strata for t in st.candidates}
