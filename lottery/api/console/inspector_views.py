"""View models of the inspector's pages: own assignments and the state of their results.

Read-only; what an inspector may see and enter is decided by the service
(:func:`lottery.service.assignments.assignments_of`, ``ResultsService.enter(as_inspector=)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from lottery.service.assignments import Assignment
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import HELD_ZH, VOID_ZH, ResultsService
from lottery.storage.models import InspectionResult, Inspector, Target

STATUS_ZH = {
    "entered": "已录入，等待审核",
    "held": HELD_ZH,
    "reviewing": "已审核，待保密审查后公开",
    "published": "已审核并公开",
    "superseded": "已被更正取代",
    "returned": "已退回",
    "void": VOID_ZH,
}


def status_zh(status: str) -> str:
    """A result version's status in Chinese."""
    return STATUS_ZH.get(status, "未知状态")


@dataclass(frozen=True)
class MyRow:
    """One assignment on 我的检查任务, with the state of its result."""

    assignment: Assignment
    name: str
    region: str
    team: list[str]
    versions: list[InspectionResult]

    @property
    def latest(self) -> InspectionResult | None:
        """The last version entered (None before the first entry)."""
        return self.versions[-1] if self.versions else None

    @property
    def published(self) -> InspectionResult | None:
        """The version that is public now (None when none is)."""
        return next((v for v in self.versions if v.status == "published"), None)

    @property
    def waiting(self) -> bool:
        """Whether a version waits for a reviewer."""
        return any(v.status in ("entered", "reviewing") for v in self.versions)

    @property
    def can_enter(self) -> bool:
        """Whether a first entry (or a new one after a send-back) is possible."""
        held = any(v.status == "held" for v in self.versions)
        return not self.waiting and not held and self.published is None

    @property
    def can_correct(self) -> bool:
        """Whether the published result can be corrected from here (no correction waiting)."""
        return self.published is not None and not self.waiting


def target_of(lc: Lifecycle, uscc: str) -> Target | None:
    """The registry's row of a target (None when it left the registry)."""
    with lc.session() as session:
        return session.get(Target, uscc)


GONE_ZH = "（名录中已无此对象）"


def target_name(lc: Lifecycle, uscc: str) -> str:
    """A target's registry name, or words saying it left the registry."""
    target = target_of(lc, uscc)
    return target.name if target else GONE_ZH


def names_of(lc: Lifecycle, ids: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Inspector names by id (an id missing from the registry maps to itself)."""
    with lc.session() as session:
        rows = session.exec(select(Inspector).where(col(Inspector.id).in_(list(ids))))
        found = {i.id: i.name for i in rows}
    return {i: found.get(i, i) for i in ids}


def my_rows(lc: Lifecycle, results: ResultsService, mine: list[Assignment]) -> list[MyRow]:
    """The assignments with the target's names and the latest version of each result."""
    rows = []
    for a in mine:
        target = target_of(lc, a.target)
        names = names_of(lc, a.team)
        versions = results.versions(a.task.id, a.target)
        rows.append(
            MyRow(
                assignment=a,
                name=target.name if target else GONE_ZH,
                region=target.region if target else "—",
                team=[f"{names[i]}（{i}）" for i in a.team],
                versions=versions,
            )
        )
    return rows
