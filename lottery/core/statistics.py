"""Statistics (统计与考评) computed from the public log alone (docs/statistics.md).

Every figure is a count over published records (and the latest registry snapshots), so anyone
holding the export can recompute it; docs/statistics.md defines each one in words. Pure: the
caller passes the records in log order as ``(record id, body)`` and the registers' rows.

The annual plan (计划抽查任务) is not a record this module reads: :func:`compute` takes the
planned counts per year and item as an optional argument, the hook for the plan's numbers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .canonical import beijing_date

RecordIn = tuple[str, Mapping[str, Any]]
"""A record as this module reads it: its id (hex SHA-256 of its text) and its body."""

CLOSED = "已整改"
"""The re-check outcome that closes a rectification order."""
DEADLINE_KINDS = ("task-report", "penalty", "penalty-withdrawal")
"""The record types that carry a publication deadline, in the order the tables list them."""
OUTSIDE = ""
"""The region key of inspected targets that the latest targets snapshot does not list."""


@dataclass(frozen=True)
class TaskRow:
    """Tasks of one year and one item (a task citing two items counts under both)."""

    year: int
    item: str
    announced: int = 0
    drawn: int = 0
    disclosed: int = 0
    cancelled: int = 0
    inspected: int = 0
    planned: int | None = None


@dataclass(frozen=True)
class CoverageRow:
    """Distinct register targets inspected in one year and one region (``None``: all)."""

    year: int
    region: str | None
    inspected: int
    register: int


@dataclass(frozen=True)
class DepartmentLoad:
    """Inspections of one department's inspectors in one year (部门联合抽查, docs/teams.md §8)."""

    department: str | None
    """The inspectors snapshot's ``department``: ``""`` the office's own, ``None`` inspectors
    the latest snapshot does not list."""
    inspectors: int
    """Inspectors of the department counted in the year (those who went and those in post)."""
    inspections: int
    """Their inspections added up (户次 per person: a result naming two of them counts twice)."""
    results: int
    """Current results naming at least one of them (户次 of the department)."""


@dataclass(frozen=True)
class Workload:
    """Inspections per inspector in one year."""

    year: int
    counts: tuple[tuple[str, int], ...]
    """(inspector id, inspections), most first, then by id."""
    departments: tuple[DepartmentLoad, ...] = ()
    """Per department: the office's own first, then by name, unlisted inspectors last; empty
    when no inspectors snapshot is published."""

    @property
    def least(self) -> int:
        return min((n for _, n in self.counts), default=0)

    @property
    def most(self) -> int:
        return max((n for _, n in self.counts), default=0)

    @property
    def median(self) -> Decimal:
        """The middle count; the mean of the two middle ones for an even number of people."""
        values = sorted(n for _, n in self.counts)
        if not values:
            return Decimal(0)
        mid = len(values) // 2
        if len(values) % 2:
            return Decimal(values[mid])
        return Decimal(values[mid - 1] + values[mid]) / 2

    def spread(self) -> tuple[tuple[int, int], ...]:
        """(inspections, number of inspectors with that many), fewest inspections first."""
        return tuple(sorted(Counter(n for _, n in self.counts).items()))


@dataclass(frozen=True)
class ResultRow:
    """Inspection results of one year."""

    year: int
    results: int
    corrections: int
    withdrawn: int
    categories: tuple[tuple[str, int], ...]
    """(category, current results naming it), most first, then in the order first seen."""


@dataclass(frozen=True)
class RectificationRow:
    """Rectification orders of one year and what their re-checks found."""

    year: int
    orders: int
    closed: int
    unchecked: int


@dataclass(frozen=True)
class TimelinessRow:
    """Records of one kind published in one year that carry a publication deadline."""

    year: int
    kind: str
    total: int
    on_time: int
    most_late: int
    """The largest ``late_by`` (working days), 0 when every one was on time."""


@dataclass(frozen=True)
class Statistics:
    """Every table of docs/statistics.md; ``years`` newest first."""

    years: tuple[int, ...]
    tasks: tuple[TaskRow, ...] = ()
    coverage: tuple[CoverageRow, ...] = ()
    workload: tuple[Workload, ...] = ()
    results: tuple[ResultRow, ...] = ()
    rectifications: tuple[RectificationRow, ...] = ()
    timeliness: tuple[TimelinessRow, ...] = ()

    def of_year(self, year: int) -> dict[str, Any]:
        """The rows of one year, by table name."""
        return {
            "tasks": [r for r in self.tasks if r.year == year],
            "coverage": [r for r in self.coverage if r.year == year],
            "workload": next((w for w in self.workload if w.year == year), None),
            "results": next((r for r in self.results if r.year == year), None),
            "rectifications": next((r for r in self.rectifications if r.year == year), None),
            "timeliness": [r for r in self.timeliness if r.year == year],
        }


def percent(part: int, whole: int) -> str:
    """``part / whole`` as a percentage with one decimal, rounded half up (``—`` for 0/0)."""
    if whole == 0:
        return "—"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value}%"


@dataclass
class _Task:
    year: int
    items: list[str]
    states: set[str] = field(default_factory=set)


def _year(body: Mapping[str, Any]) -> int:
    return beijing_date(str(body["time"])).year


_STATES = {
    "task-draw": "drawn",
    "task-reveal": "disclosed",
    "task-cancellation": "cancelled",
}


@dataclass
class _Log:
    """The records the figures read, gathered in one pass."""

    tasks: dict[str, _Task] = field(default_factory=dict)
    results: list[RecordIn] = field(default_factory=list)
    superseded: set[str] = field(default_factory=set)
    withdrawn: set[str] = field(default_factory=set)
    orders: list[RecordIn] = field(default_factory=list)
    checks: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    deadlines: list[tuple[int, str, Mapping[str, Any]]] = field(default_factory=list)

    def add(self, rid: str, body: Mapping[str, Any]) -> None:
        kind = body["type"]
        if kind == "task-announcement":
            items = [str(i["code"]) for i in body["items"]]
            self.tasks[body["task"]] = _Task(_year(body), list(dict.fromkeys(items)))
        elif kind in _STATES and body["task"] in self.tasks:
            self.tasks[body["task"]].states.add(_STATES[kind])
        elif kind == "inspection-result":
            self.results.append((rid, body))
            if body.get("supersedes"):
                self.superseded.add(body["supersedes"])
        elif kind == "result-withdrawal":
            self.withdrawn.add(body["result"])
        elif kind == "rectification-order":
            self.orders.append((rid, body))
        elif kind == "rectification-check":
            self.checks[body["order"]].append(body["outcome"])
        if kind in DEADLINE_KINDS and isinstance(body.get("deadline"), Mapping):
            claim = body["deadline"]
            self.deadlines.append((int(str(claim["published"])[:4]), kind, claim))

    def year_of(self, body: Mapping[str, Any]) -> int:
        """The year of a result, order or check: its task's, else its own time's."""
        task = self.tasks.get(body["task"])
        return task.year if task is not None else _year(body)

    @property
    def current(self) -> list[RecordIn]:
        return [(rid, b) for rid, b in self.results if rid not in self.superseded]


def _task_rows(log: _Log, planned: Mapping[tuple[int, str], int] | None) -> tuple[TaskRow, ...]:
    inspected = {b["task"] for _, b in log.current}
    rows: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for name, task in log.tasks.items():
        states = task.states | {"announced"} | ({"inspected"} if name in inspected else set())
        for item in task.items:
            rows[(task.year, item)].update(states)
    for key in planned or {}:
        rows.setdefault(key, Counter())
    return tuple(
        TaskRow(
            year,
            item,
            c["announced"],
            c["drawn"],
            c["disclosed"],
            c["cancelled"],
            c["inspected"],
            None if planned is None else planned.get((year, item), 0),
        )
        for (year, item), c in sorted(rows.items(), key=lambda kv: (-kv[0][0], kv[0][1]))
    )


def _coverage(year: int, seen: set[str], targets: Mapping[str, str]) -> list[CoverageRow]:
    register: Counter[str] = Counter(targets.values())
    hit: Counter[str] = Counter(targets[t] for t in seen if t in targets)
    rows = [CoverageRow(year, None, sum(hit.values()), len(targets))]
    rows += [
        CoverageRow(year, region, hit[region], register[region]) for region in sorted(register)
    ]
    outside = sum(t not in targets for t in seen)
    if outside:
        rows.append(CoverageRow(year, OUTSIDE, outside, 0))
    return rows


def _workload(
    year: int, rows: list[RecordIn], active: list[str], departments: Mapping[str, str] | None
) -> Workload:
    # Plain loops, not Counter.update per result (its Mapping check and call cost more
    # than the counting: 0.8 s for 50,000 results).
    load = dict.fromkeys(active, 0)
    present = [{str(p["id"]) for p in body["inspectors"]} for _, body in rows]
    for ids in present:  # each inspector once per result
        for pid in ids:
            load[pid] = load.get(pid, 0) + 1
    counts = tuple(sorted(load.items(), key=lambda kv: (-kv[1], kv[0])))
    if departments is None:
        return Workload(year, counts)
    people: Counter[str | None] = Counter()
    person_inspections: Counter[str | None] = Counter()
    for pid, n in counts:
        people[departments.get(pid)] += 1
        person_inspections[departments.get(pid)] += n
    results: Counter[str | None] = Counter()
    for ids in present:  # each department once per result
        for department in {departments.get(pid) for pid in ids}:
            results[department] += 1
    order = sorted(people, key=lambda d: (d is None, d != "", d or ""))
    return Workload(
        year,
        counts,
        tuple(DepartmentLoad(d, people[d], person_inspections[d], results[d]) for d in order),
    )


def _results(year: int, rows: list[RecordIn], log: _Log, corrections: int) -> ResultRow:
    categories: Counter[str] = Counter()
    for _, body in rows:
        categories.update(dict.fromkeys(body["categories"], 1))
    withdrawn = sum(rid in log.withdrawn for rid, _ in rows)
    return ResultRow(year, len(rows), corrections, withdrawn, tuple(categories.most_common()))


def _rectifications(year: int, log: _Log) -> RectificationRow:
    mine = [rid for rid, b in log.orders if log.year_of(b) == year]
    closed = sum(CLOSED in log.checks.get(rid, []) for rid in mine)
    return RectificationRow(year, len(mine), closed, sum(rid not in log.checks for rid in mine))


def _timeliness(log: _Log) -> tuple[TimelinessRow, ...]:
    timely: dict[tuple[int, str], list[int]] = defaultdict(list)
    for year, kind, claim in log.deadlines:
        timely[(year, kind)].append(int(claim["late_by"]))
    order = sorted(timely.items(), key=lambda kv: (-kv[0][0], DEADLINE_KINDS.index(kv[0][1])))
    return tuple(
        TimelinessRow(year, kind, len(late), sum(n == 0 for n in late), max(late))
        for (year, kind), late in order
    )


def compute(
    records: Iterable[RecordIn],
    *,
    targets: Mapping[str, str] | None = None,
    inspectors: Iterable[str] = (),
    planned: Mapping[tuple[int, str], int] | None = None,
    departments: Mapping[str, str] | None = None,
) -> Statistics:
    """Every figure of docs/statistics.md.

    Args:
        records: the log's records in log order, as (record id, body).
        targets: USCC -> region code of the targets in the latest targets snapshot whose
            status is ``正常`` (the register); ``None`` when no snapshot is published.
        inspectors: ids of the inspectors in the latest inspectors snapshot whose status is
            ``在岗``: counted with 0 inspections in a year they did none.
        planned: planned task counts per (year, item code), from the annual plan when there is
            one; ``None``: no plan, the ``planned`` column stays empty.
        departments: inspector id -> ``department`` of every row of the latest inspectors
            snapshot (``""``: the office's own); ``None`` when no snapshot is published (no
            per-department workload).
    """
    log = _Log()
    for rid, body in records:
        log.add(rid, body)
    years: set[int] = {t.year for t in log.tasks.values()}
    years |= {log.year_of(b) for _, b in log.results} | {log.year_of(b) for _, b in log.orders}
    years |= {y for y, _, _ in log.deadlines} | {y for y, _ in planned or {}}
    newest_first = sorted(years, reverse=True)

    by_year: dict[int, list[RecordIn]] = defaultdict(list)
    for rid, body in log.current:
        by_year[log.year_of(body)].append((rid, body))
    corrections = Counter(log.year_of(b) for _, b in log.results if b.get("supersedes"))
    active = sorted(set(inspectors))
    coverage: list[CoverageRow] = []
    for year in newest_first if targets is not None else ():
        coverage += _coverage(year, {b["target"] for _, b in by_year.get(year, [])}, targets or {})
    return Statistics(
        tuple(newest_first),
        _task_rows(log, planned),
        tuple(coverage),
        tuple(_workload(y, by_year.get(y, []), active, departments) for y in newest_first),
        tuple(_results(y, by_year.get(y, []), log, corrections[y]) for y in newest_first),
        tuple(_rectifications(y, log) for y in newest_first),
        _timeliness(log),
    )
