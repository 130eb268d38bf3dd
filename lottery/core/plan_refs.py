"""The annual plan's references (年度抽查计划, docs/plans.md), checked by ``lottery verify``.

Part of the publication checks (:mod:`lottery.core.publication_refs`), walked in log order:

- ``plan.supersedes``: a ``plan`` record of a year is version 1 replacing nothing when it is the
  year's first, else the next version after the year's latest, naming that record in
  ``supersedes`` (all versions stay published: one line of history per year);
- ``announcement.plan``: a ``task-announcement`` with a ``plan`` member names the year's plan
  in force when it was announced (the latest ``plan`` record of that year earlier in the log),
  an entry of it, a window starting in that year, and only items the entry plans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .records import Record


@dataclass
class Plans:
    """The plan records seen so far, by record id and the latest per year."""

    records: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    latest: dict[int, str] = field(default_factory=dict)

    def add_plan(self, record: Record) -> str | None:
        """Take a ``plan`` record; what is wrong with its place in the year's history."""
        body = record.body
        year = int(body["year"])
        before = self.latest.get(year)
        expected = 1 if before is None else int(self.records[before]["version"]) + 1
        problem = None
        if body["supersedes"] != before:
            named = "nothing" if body["supersedes"] is None else body["supersedes"][:16]
            latest = "none" if before is None else before[:16]
            problem = (
                f"plan {year} version {body['version']} replaces {named}, but the latest "
                f"plan published for {year} is {latest}"
            )
        elif body["version"] != expected:
            problem = f"plan {year} is version {body['version']}, expected version {expected}"
        self.records[record.id] = body
        self.latest[year] = record.id
        return problem

    def announcement_problem(self, body: Mapping[str, Any]) -> str | None:
        """What is wrong with an announcement's ``plan`` member (None: right or absent)."""
        ref = body.get("plan")
        if ref is None:
            return None
        plan = self.records.get(ref["record"])
        if plan is None:
            return f"names plan {ref['record'][:16]}, which is not a plan published before it"
        year = int(plan["year"])
        if self.latest[year] != ref["record"]:
            return (
                f"names plan {year} version {plan['version']}, but version "
                f"{self.records[self.latest[year]]['version']} was in force when it was announced"
            )
        entry = next((e for e in plan["entries"] if e["id"] == ref["entry"]), None)
        if entry is None:
            return f"names entry {ref['entry']}, which plan {year} version {plan['version']} lacks"
        if not str(body["window"]["start"]).startswith(f"{year}-"):
            return f"starts on {body['window']['start']}, outside the plan's year {year}"
        planned = set(entry["items"])
        for item in body["items"]:
            if item["code"] not in planned:
                return f"cites item {item['code']}, which plan entry {entry['id']} does not plan"
        return None
