"""Visits: the annual cap counts on-site checks, and a joint inspection is one (issue #16).

The office's rules (六): "在同一年度内对同一市场主体的抽查原则上不超过2次". What a target lives
through is a **visit** (进一次门): the inspectors come on a date. Two results of the same target
that share an inspection date are one visit, a joint inspection (跨事项联合检查, "进一次门、
查多项事") of two tasks; so the visits of a target are the groups of its results linked by a
shared date (a result of several days is one visit). A visit counts in every calendar year
one of its dates falls in. docs/spec.md section 8, "Visits and the annual cap".

Pure functions: the service (:mod:`lottery.service.visit_cap`) counts with them before it
accepts a result, and ``lottery verify`` (:mod:`lottery.core.visit_audit`) over the published
results of the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

VISIT_CAP = 2
"""R4: at most two visits of one target per calendar year, "原则上" (in principle)."""


@dataclass(frozen=True)
class Dated:
    """A result's inspection dates (``YYYY-MM-DD``) and its task (None: an inspection the
    office imported, of no task); ``exempt``: the cap does not apply to it; ``inspectors``:
    who was recorded there (the service's refusal names a sealed visit only to them)."""

    task: str | None
    dates: tuple[str, ...]
    exempt: bool = False
    inspectors: tuple[str, ...] = field(default=(), compare=False)


def visits(results: Iterable[Dated], year: int) -> list[list[Dated]]:
    """The visits of one target in ``year``: its results with a date in that year, grouped
    so that two results sharing a date are in the same visit (in first-seen order)."""
    prefix = f"{year:04d}-"
    groups: list[tuple[set[str], list[Dated]]] = []
    for result in results:
        if not any(d.startswith(prefix) for d in result.dates):
            continue
        dates, members = set(result.dates), [result]
        kept = []
        for group in groups:
            if group[0] & dates:
                dates |= group[0]
                members = group[1] + members
            else:
                kept.append(group)
        groups = [*kept, (dates, members)]
    return [members for _, members in groups]


def joint_tasks(dates: Sequence[str], task: str, others: Iterable[Dated]) -> list[str]:
    """The tasks other than ``task`` whose results share a date with ``dates`` (sorted, each
    once): what a result's ``joint_with`` names."""
    mine = set(dates)
    return sorted({o.task for o in others if o.task and o.task != task and mine & set(o.dates)})


def years_of(dates: Iterable[str]) -> list[int]:
    """The calendar years of ``dates``, sorted."""
    return sorted({int(d[:4]) for d in dates})


def counted(results: Sequence[Dated], year: int) -> int:
    """The visits of one target in ``year`` that count toward the cap: those none of whose
    results is exempt (a published cap exception, an uncapped class or key item)."""
    return sum(not any(r.exempt for r in v) for v in visits(results, year))


def over_cap(results: Sequence[Dated], cap: int = VISIT_CAP) -> list[tuple[int, int]]:
    """``(year, visits)`` of each year in which one target's counted visits exceed ``cap``."""
    years = years_of(d for r in results for d in r.dates)
    return [(y, n) for y in years if (n := counted(results, y)) > cap]
