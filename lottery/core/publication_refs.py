"""References between published results, reports, penalties and withdrawals (``lottery verify``).

Part of the publication checks (:mod:`lottery.core.deadline_audit`): walked in log order, so
"published before it" is exactly "earlier in the log".

- ``result.supersedes``: a correction names an earlier ``inspection-result`` of the same task
  and target that no other correction superseded yet (one line of history per target);
- ``report.results``: a ``task-report`` covers earlier, still current results of its task,
  and its ``completed`` is their last inspection date (the deadline's start);
- ``report.summary``: a report's figures are those of the results it covers: ``checked``
  their number, ``problems`` those with a category other than 未发现问题, ``by_category``
  their count in each standard category, ``by_region`` adding up to the totals, and
  ``picked`` the number of picks its task's draw record sealed (when the draw is in the log);
- ``penalty.result``: a penalty's ``result`` is an earlier result of the same target (both
  are sealed content: checked while the penalty's sealed blob is published);
- ``withdrawal.penalty``: a ``penalty-withdrawal`` names a penalty published before it, once;
- ``rectification.order``, ``rectification.check``: see
  :mod:`lottery.core.rectification_refs`;
- ``objection.*``: see :mod:`lottery.core.objection_refs`;
- ``announcement.items``: every item a ``task-announcement`` cites (``{code, version}``) is an
  item of that version of the item list, published before it (R1: a task checks items of the
  list in force, not codes of its own making);
- ``announcement.min_ratio``: the share it draws (``pool.picks`` of ``pool.candidates``) is not
  below the ``min_ratio`` of any item it cites (:mod:`lottery.core.min_ratio`);
- ``plan.supersedes``, ``announcement.plan``: the annual plan's versions and the plan entry an
  announcement carries out (:mod:`lottery.core.plan_refs`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import min_ratio
from .check_names import CheckName
from .objection_refs import objection_problem
from .plan_refs import Plans
from .records import NO_PROBLEM, RESULT_CATEGORIES, Record
from .rectification_refs import RECTIFICATION_TYPES, Rectifications


@dataclass
class References:
    """The reference checks, fed one record at a time in log order.

    Attributes:
        task: when set, only that task's results and report, the penalties following from its
            results and their withdrawals are checked.
        counts: how many references of each kind (``result``, ``report``...) were checked.
        contents: the opened sealed content of records by id (a penalty's ``target`` and
            ``result``); a withdrawn penalty has none.
    """

    task: str | None = None
    contents: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (
                "announcement",
                "result",
                "report",
                "penalty",
                "withdrawal",
                "rectification",
                "plan",
                "objection",
            ),
            0,
        )
    )
    plans: Plans = field(default_factory=Plans)
    _results: dict[str, Record] = field(default_factory=dict)
    _superseded: dict[str, str] = field(default_factory=dict)
    _penalties: dict[str, Record] = field(default_factory=dict)
    _withdrawn: dict[str, str] = field(default_factory=dict)
    _picks: dict[str, int] = field(default_factory=dict)
    _item_lists: dict[int, frozenset[str]] = field(default_factory=dict)
    _minimums: dict[int, dict[str, int | None]] = field(default_factory=dict)
    _rectifications: Rectifications = field(default_factory=Rectifications)

    def task_of(self, record: Record) -> str | None:
        """The task a report is for, or that a penalty's result belongs to (None: no task)."""
        if record.type == "task-report":
            return str(record.body["task"])
        ref = self.contents.get(record.id, {}).get("result") if record.type == "penalty" else None
        result = None if ref is None else self._results.get(ref)
        return None if result is None else str(result.body["task"])

    def add(self, record: Record) -> tuple[str, str] | None:
        """Take the next record; return ``(check, detail)`` when its references are wrong."""
        body = record.body
        kind = record.type
        if kind == "inspection-result":
            return self._result(record)
        if kind in RECTIFICATION_TYPES:
            wrong = self._rectifications.add(record, self._results, self._superseded)
            if self.task not in (None, body["task"]):
                return None
            self.counts["rectification"] += 1
            return wrong
        if kind == "objection-outcome":
            return self._objection(record)
        if kind in ("item-list", "plan"):
            return self._listing(record)
        if kind == "task-announcement" and self.task in (None, body["task"]):
            self.counts["announcement"] += 1
            return self._announcement(body)
        if kind == "task-draw":
            self._picks.setdefault(body["task"], body["picks"])
        if kind == "task-report" and self.task in (None, body["task"]):
            self.counts["report"] += 1
            covered: list[Record] = []
            problem = self._report_problem(body, covered)
            if problem is not None:
                return CheckName.REPORT_RESULTS, f"task-report {body['task']}: {problem}"
            problem = summary_problem(body["summary"], covered, self._picks.get(body["task"]))
            if problem is not None:
                return CheckName.REPORT_SUMMARY, f"task-report {body['task']}: {problem}"
        if kind == "penalty":
            self._penalties[record.id] = record
            content = self.contents.get(record.id)
            if content is None or content["result"] is None:
                return None  # withdrawn (nothing left to check) or following no result
            if self.task in (None, self.task_of(record)):
                self.counts["penalty"] += 1
                return self._penalty_problem(body, content)
        if kind == "penalty-withdrawal":
            return self._withdrawal(record)
        return None

    def _listing(self, record: Record) -> tuple[str, str] | None:
        """An item-list version, or a version of a year's plan (checked: ``plan.supersedes``)."""
        body = record.body
        if record.type == "item-list":
            self._item_lists[body["version"]] = frozenset(i["code"] for i in body["items"])
            self._minimums[body["version"]] = {i["code"]: i.get("min_ratio") for i in body["items"]}
            return None
        self.counts["plan"] += 1
        wrong = self.plans.add_plan(record)
        if wrong is None or self.task is not None:
            return None
        return CheckName.PLAN_SUPERSEDES, wrong

    def _objection(self, record: Record) -> tuple[str, str] | None:
        if self.task not in (None, record.body["task"]):
            return None
        self.counts["objection"] += 1
        return objection_problem(record, self._results)

    def _announcement(self, body: Mapping[str, Any]) -> tuple[str, str] | None:
        problem = self._items_problem(body["items"])
        if problem is not None:
            return CheckName.ANNOUNCEMENT_ITEMS, f"task-announcement {body['task']}: {problem}"
        problem = self._ratio_problem(body)
        if problem is not None:
            return CheckName.ANNOUNCEMENT_MIN_RATIO, f"task-announcement {body['task']}: {problem}"
        problem = self.plans.announcement_problem(body)
        if problem is not None:
            return CheckName.ANNOUNCEMENT_PLAN, f"task-announcement {body['task']}: {problem}"
        return None

    def _ratio_problem(self, body: Mapping[str, Any]) -> str | None:
        """The share the announcement draws against its items' ``min_ratio`` (spec §4)."""
        refs = [(ref["code"], ref["version"]) for ref in body["items"]]
        picks, candidates = body["pool"]["picks"], body["pool"]["candidates"]
        short = min_ratio.shortfall(
            picks, candidates, min_ratio.cited_minimums(refs, self._minimums)
        )
        if short is None:
            return None
        code, minimum = short
        return (
            f"draws {picks} of {candidates} candidates ({min_ratio.percent(picks, candidates)}), "
            f"below item {code}'s min_ratio of {minimum} basis points"
        )

    def _items_problem(self, refs: Sequence[Mapping[str, Any]]) -> str | None:
        for ref in refs:
            code, version = ref["code"], ref["version"]
            codes = self._item_lists.get(version)
            if codes is None:
                return (
                    f"cites item {code} of item-list version {version}, "
                    "which is not published before it"
                )
            if code not in codes:
                return f"cites item {code}, which item-list version {version} does not hold"
        return None

    def _result(self, record: Record) -> tuple[str, str] | None:
        body = record.body
        old_id = body["supersedes"]
        problem = None
        if old_id is not None:
            self.counts["result"] += 1
            problem = self._correction_problem(body, old_id)
            self._superseded.setdefault(old_id, record.id)
        self._results[record.id] = record
        if problem is None or self.task not in (None, body["task"]):
            return None
        return CheckName.RESULT_SUPERSEDES, f"correction {record.id[:16]}: {problem}"

    def _correction_problem(self, body: Mapping[str, Any], old_id: str) -> str | None:
        old = self._results.get(old_id)
        if old is None:
            return (
                f"supersedes {old_id[:16]}, which is not an inspection result published before it"
            )
        if (old.body["task"], old.body["target"]) != (body["task"], body["target"]):
            return (
                f"corrects {body['task']}/{body['target']} but supersedes a result of "
                f"{old.body['task']}/{old.body['target']}"
            )
        if old_id in self._superseded:
            return (
                f"supersedes {old_id[:16]}, already superseded by {self._superseded[old_id][:16]}"
            )
        return None

    def _report_problem(self, body: Mapping[str, Any], covered: list[Record]) -> str | None:
        for ref in body["results"]:
            result = self._results.get(ref)
            if result is None or result.body["task"] != body["task"]:
                return f"covers {ref[:16]}, which is not a result of the task published before it"
            if ref in self._superseded:
                later = self._superseded[ref][:16]
                return f"covers {ref[:16]}, superseded by {later} before the report"
            covered.append(result)
        if not covered:
            return None
        last = max(max(r.body["dates"]) for r in covered)
        if body["completed"] != last:
            return (
                f"completed {body['completed']}, but the last inspection date of the results "
                f"it covers is {last}"
            )
        return None

    def _penalty_problem(
        self, body: Mapping[str, Any], content: Mapping[str, Any]
    ) -> tuple[str, str] | None:
        ref = content["result"]
        linked = self._results.get(ref)
        if linked is None:
            return CheckName.PENALTY_RESULT, (
                f"penalty {body['decision']} follows from result {ref[:16]}, "
                "which is not an inspection result published before it"
            )
        if linked.body["target"] != content["target"]:
            return CheckName.PENALTY_RESULT, (
                f"penalty {body['decision']} is for {content['target']} but follows from "
                f"a result for {linked.body['target']}"
            )
        return None

    def _withdrawal(self, record: Record) -> tuple[str, str] | None:
        ref = record.body["penalty"]
        penalty = self._penalties.get(ref)
        if self.task is not None and (penalty is None or self.task_of(penalty) != self.task):
            return None
        self.counts["withdrawal"] += 1
        if penalty is None:
            return CheckName.WITHDRAWAL_PENALTY, (
                f"withdrawal {record.id[:16]} names {ref[:16]}, "
                "which is not a penalty published before it"
            )
        earlier = self._withdrawn.get(ref)
        if earlier is not None:
            return CheckName.WITHDRAWAL_PENALTY, (
                f"withdrawal {record.id[:16]}: penalty {penalty.body['decision']} was "
                f"already withdrawn by {earlier[:16]}"
            )
        self._withdrawn[ref] = record.id
        return None


def summary_problem(
    summary: Mapping[str, Any], covered: Sequence[Record], picks: int | None
) -> str | None:
    """What is wrong with a report's ``summary`` given the results it covers, or None.

    ``picks``: the number of picks the task's draw record sealed, when it is in the log.
    """
    problems = sum(r.body["categories"] != [NO_PROBLEM] for r in covered)
    counts = dict.fromkeys(RESULT_CATEGORIES, 0)
    for result in covered:
        for category in result.body["categories"]:
            counts[category] += 1
    claimed = summary["by_category"]
    unknown = sorted(set(claimed) - set(RESULT_CATEGORIES))
    if unknown:
        return f"summary.by_category names {unknown[0]!r}, which is not a standard category"
    results = "the results it covers give"
    wrong: list[tuple[str, Any, Any, str]] = [
        ("checked", summary["checked"], len(covered), results),
        ("problems", summary["problems"], problems, results),
        *((f"by_category[{c}]", claimed.get(c, 0), n, results) for c, n in counts.items()),
    ]
    if picks is not None:
        wrong.append(("picked", summary["picked"], picks, "the task's draw record sealed"))
    regions = summary["by_region"].values()
    wrong += [
        (
            f"by_region's {key} add up to",
            sum(r[key] for r in regions),
            summary[key],
            f"summary.{key} is",
        )
        for key in ("picked", "checked", "problems")
    ]
    for name, stated, actual, basis in wrong:
        if stated != actual:
            return f"summary.{name} {stated}, but {basis} {actual}"
    return None
