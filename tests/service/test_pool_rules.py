"""The office's pool rules, through the real service on SQLite and PostgreSQL.

Each test sets up the registries, then creates and announces a task with the service and reads
what the announcement froze from its published blobs (parsed here as plain JSON, not with the
code's decoders): the target pool, the exclusions with their reasons, and the inspector pool
with the declared conflicts (the team input). The rules come from the office's rules
(/work/shared/seed, section 六: "在同一年度内对同一市场主体的抽查原则上不超过2次"), the design's
R3-R5 and docs/import.md ("The certificate is valid through its last day").
"""

from __future__ import annotations

import csv
import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from lottery.core.errors import InputError
from lottery.core.records import Record
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import export_registry, import_registry
from lottery.storage.models import Conflict, InspectionHistory, Inspector, OrgUnit, Task
from tests import lifecycle as lc

CAP = 2  # R4 and the office's rules: at most 2 checks of one entity per calendar year
YEAR = 2026  # the year of the task window (lc.params: 2026-03-10 to 2026-03-31)
WINDOW_START, WINDOW_END = date(2026, 3, 10), date(2026, 3, 31)
ANNOUNCED_ON = lc.T_ANNOUNCE.date()  # 2026-03-01
REGS = lc.small_registries()
TARGETS = [c.id for c in REGS.candidates]
INSPECTORS = [i.id for i in REGS.inspectors]


@dataclass(frozen=True)
class Announced:
    """What an announcement froze, read back from its published blobs."""

    record: Record
    pool: set[str]
    exclusions: dict[str, tuple[str, str]]  # target -> (reason, detail)
    inspectors: set[str]
    conflicts: set[tuple[str, str]]  # (target, inspector)
    previous: set[tuple[str, str]]  # (target, inspector who checked it last time)


def _announce(
    service: Lifecycle, task: str = "T2026-001", now: datetime = lc.T_ANNOUNCE, **changes: Any
) -> Announced:
    """Create and announce ``task`` (``changes``: task parameters other than the default)."""
    params = dataclasses.replace(lc.params(REGS, task), **changes)
    service.create_task(params, now, actor="planner")
    record = service.announce(task, now, actor="planner")
    body = record.body
    digests = [body[k]["sha256"] for k in ("pool", "exclusions", "inspector_pool")]
    with service.session() as s:
        blobs = service.log.blobs_by_digest(s, digests)
    pool, exclusions, team = (json.loads(blobs[d]) for d in digests)
    members = {t for stratum in pool["strata"] for t in stratum["candidates"]}
    assert len(members) == body["pool"]["candidates"]
    assert len(exclusions["exclusions"]) == body["exclusions"]["count"]
    assert len(team["inspectors"]) == body["inspector_pool"]["inspectors"]
    return Announced(
        record,
        members,
        {e["target"]: (e["reason"], e["detail"]) for e in exclusions["exclusions"]},
        set(team["inspectors"]),
        {(t, i) for t, i in team["conflicts"]},
        {(t, i) for t, i in team["previous"]},
    )


def _history(
    service: Lifecycle, target: str, *dates: date, inspectors: tuple[str, ...] = ()
) -> None:
    """Inspections of ``target`` on ``dates``, as imported or published results leave them."""
    with service.session() as s, s.begin():
        for d in dates:
            s.add(InspectionHistory(target=target, date=d, inspectors=list(inspectors)))


def _draw_and_read(service: Lifecycle, task: str, value: Any = None) -> dict[str, Any]:
    """Draw ``task`` and read its sealed outcome (as an admitted staff member would)."""
    service.draw(task, value or lc.beacon()[1], lc.T_DRAW)
    outcome: dict[str, Any] = json.loads(service.read_sealed_outcome(task, "tester", lc.T_DRAW))
    return outcome


def _picks(outcome: dict[str, Any]) -> list[str]:
    return [p["target"] for stratum in outcome["strata"] for p in stratum["picks"]]


# -- the annual cap (R4) --------------------------------------------------------------------------


def test_annual_cap_excludes_a_target_checked_cap_times_this_year_and_no_other(
    service: Lifecycle,
) -> None:
    below, at, above, last_year, new_year, years_edge = TARGETS[10:16]
    _history(service, below, *[date(YEAR, 1, 20)] * (CAP - 1))
    _history(service, at, *[date(YEAR, 1, 1) + timedelta(days=30 * k) for k in range(CAP)])
    _history(service, above, *[date(YEAR, 2, 1) + timedelta(days=k) for k in range(CAP + 1)])
    # History from last year does not count, however much of it there is.
    _history(service, last_year, date(YEAR - 1, 1, 1), date(YEAR - 1, 6, 1), date(YEAR - 1, 12, 31))
    # The year's first and last days count; 31 December of the year before does not.
    _history(service, new_year, date(YEAR - 1, 12, 31), *[date(YEAR, 1, 1)] * (CAP - 1))
    _history(service, years_edge, date(YEAR, 1, 1), date(YEAR, 12, 31))

    ann = _announce(service)

    assert {below, last_year, new_year} <= ann.pool
    assert not {at, above, years_edge} & ann.pool
    assert ann.exclusions == {
        at: ("annual-cap", f"{YEAR}年已抽查{CAP}次"),
        above: ("annual-cap", f"{YEAR}年已抽查{CAP + 1}次"),
        years_edge: ("annual-cap", f"{YEAR}年已抽查{CAP}次"),
    }
    # Nothing else left the pool: every target of the registry is active and in scope.
    assert ann.pool == set(TARGETS) - set(ann.exclusions)


def test_the_cap_counts_visits_a_repeated_day_is_one(service: Lifecycle) -> None:
    # Two rows of the same day (a joint inspection of two tasks, or a row imported twice) are
    # one visit (docs/spec.md section 8, "Visits and the annual cap").
    once, twice = TARGETS[16:18]
    _history(service, once, *[date(YEAR, 2, 1)] * (CAP + 1))
    _history(service, twice, date(YEAR, 2, 1), date(YEAR, 2, 1), date(YEAR, 3, 1))
    ann = _announce(service)
    assert once in ann.pool
    assert ann.exclusions[twice] == ("annual-cap", f"{YEAR}年已抽查{CAP}次")


# A pick of an overlapping task that is still sealed cannot leave a later task's public pool
# (that would disclose the pick, R6): the cap is kept when the results are entered, and a
# joint inspection counts once: tests/service/test_joint_visits.py.


# -- inactive and removed targets (R2) ----------------------------------------------------------


def test_inactive_and_removed_targets_never_enter_the_pool(
    service: Lifecycle, tmp_path: Path
) -> None:
    removed, suspended, deregistered = TARGETS[20], TARGETS[21], TARGETS[22]
    # A target at the cap that is no longer active is neither a candidate nor an exclusion.
    _history(service, suspended, *[date(YEAR, 1, 20 + k) for k in range(CAP)])
    # Through the real import: the whole registry again, one row left out (-> "removed"),
    # two with a status that is not 正常.
    exported = tmp_path / "targets.csv"
    assert export_registry(service, "targets", exported) == len(TARGETS)
    with exported.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    key, status = header.index("统一社会信用代码"), header.index("状态")
    kept = []
    for row in rows:
        if row[key] == removed:
            continue
        row[status] = {suspended: "停业", deregistered: "注销"}.get(row[key], row[status])
        kept.append(row)
    with exported.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([header, *kept])
    result = import_registry(service, "targets", exported, actor="planner", now=lc.T_ANNOUNCE)
    assert (result.removed, result.updated) == (1, 2)

    ann = _announce(service)

    gone = {removed, suspended, deregistered}
    assert not gone & ann.pool
    assert not gone & set(ann.exclusions)
    assert ann.pool == set(TARGETS) - gone
    assert ann.record.body["pool"]["candidates"] == len(TARGETS) - 3


# -- inspectors' certificates (R3) --------------------------------------------------------------


def test_only_inspectors_certified_for_the_whole_window_are_in_the_inspector_pool(
    service: Lifecycle,
) -> None:
    valid = [i.id for i in REGS.inspectors if i.cert_valid_to == "2029-12-31"]
    cases = {
        # id: (valid from, valid to, status), expected in the pool?
        valid[0]: (date(2020, 1, 1), ANNOUNCED_ON - timedelta(days=1), "active", False),
        valid[1]: (date(2020, 1, 1), ANNOUNCED_ON, "active", False),  # ends on announcement day
        valid[2]: (date(2020, 1, 1), WINDOW_END - timedelta(days=1), "active", False),
        valid[3]: (date(2020, 1, 1), WINDOW_END, "active", True),  # valid through its last day
        valid[4]: (WINDOW_START + timedelta(days=1), date(2029, 12, 31), "active", False),
        valid[5]: (WINDOW_START, date(2029, 12, 31), "active", True),
        valid[6]: (date(2020, 1, 1), date(2029, 12, 31), "retired", False),
    }
    with service.session() as s, s.begin():
        for inspector_id, (start, end, status, _) in cases.items():
            row = s.get(Inspector, inspector_id)
            assert row is not None
            row.cert_valid_from, row.cert_valid_to, row.status = start, end, status
            s.add(row)

    ann = _announce(service)

    admitted = {i for i, (*_, expected) in cases.items() if expected}
    untouched = set(valid) - set(cases)
    assert ann.inspectors == untouched | admitted
    # The registry's inspectors whose certificate ran out last year are not there either.
    assert len(valid) < len(INSPECTORS)
    assert not (set(INSPECTORS) - set(valid)) & ann.inspectors


# -- declared conflicts (R5) --------------------------------------------------------------------


def test_declared_conflicts_are_in_the_team_input_and_no_team_pairs_them(
    service: Lifecycle,
) -> None:
    # Every target declares a conflict with 10 of the 40 inspectors (a different 10 for
    # neighbouring targets): a team drawn without regard to them would hit one almost surely.
    declared = {
        (t, INSPECTORS[(k + 4 * j) % len(INSPECTORS)])
        for k, t in enumerate(TARGETS)
        for j in range(10)
    }
    with service.session() as s, s.begin():
        existing = {(c.target, c.inspector) for c in s.exec(select(Conflict))}
        for t, i in sorted(declared - existing):
            s.add(Conflict(inspector=i, target=t, reason="亲属在该单位任职"))
    declared |= existing

    ann = _announce(service)

    # Recorded: every declared pair of a pool target and a pool inspector, and nothing else.
    assert ann.conflicts == {(t, i) for t, i in declared if i in ann.inspectors}
    assert len(ann.conflicts) > len(TARGETS) * 8

    outcome = _draw_and_read(service, "T2026-001")
    teams = {team["target"]: team["inspectors"] for team in outcome["teams"]}
    assert set(teams) == set(_picks(outcome)) and len(teams) >= 10
    for target, team in teams.items():
        assert len(set(team)) == len(team) == 2
        assert set(team) <= ann.inspectors
        assert not {(target, i) for i in team} & declared, (target, team)


# -- the task's scope: its org units and their sub-units ------------------------------------------

# The fixture's org units: "city" (no region of its own) over one county per region, each
# county governing the region in its code (tests/service/conftest.py).
COUNTIES = sorted({f"county-{c.region}" for c in REGS.candidates})
IN_REGION = {u: {c.id for c in REGS.candidates if u == f"county-{c.region}"} for u in COUNTIES}


@pytest.mark.parametrize(
    "units",
    [
        (COUNTIES[1],),
        (COUNTIES[0], COUNTIES[2]),
        ("city",),
        # A county named on its own and again through the city counts once, and hides none of
        # the city's other counties, whichever of them the walk meets first.
        *[("city", county) for county in COUNTIES],
        (COUNTIES[2], COUNTIES[0], COUNTIES[0]),
    ],
)
def test_the_pool_holds_the_targets_of_the_task_units_and_of_their_sub_units(
    service: Lifecycle, units: tuple[str, ...]
) -> None:
    covered = set(COUNTIES) if "city" in units else set(units)
    ann = _announce(service, org_units=units)
    assert ann.pool == set().union(*(IN_REGION[u] for u in covered))
    # The record names the scope with its sub-units expanded (spec section 4): the task's
    # units first, in its order and each once, then the sub-units in code order.
    named = list(dict.fromkeys(units))
    assert ann.record.body["org_units"] == named + sorted(covered - set(named))


def test_a_city_wide_task_sends_the_inspectors_of_its_sub_units_too(service: Lifecycle) -> None:
    ann = _announce(service, org_units=("city",))
    assert ann.pool == set(TARGETS)
    valid = {i.id for i in REGS.inspectors if i.cert_valid_to == "2029-12-31"}
    assert ann.inspectors == valid


def test_the_annual_cap_counts_only_targets_in_the_task_scope(service: Lifecycle) -> None:
    inside, outside = sorted(IN_REGION[COUNTIES[0]])[0], sorted(IN_REGION[COUNTIES[1]])[0]
    # The history out of scope comes first in date order: it is passed over, not the end.
    _history(service, outside, *[date(YEAR, 1, 5 + k) for k in range(CAP)])
    _history(service, inside, *[date(YEAR, 1, 20 + k) for k in range(CAP)])

    ann = _announce(service, org_units=(COUNTIES[0],))

    # Out of scope, a target is neither a candidate nor an exclusion, whatever its history.
    assert ann.exclusions == {inside: ("annual-cap", f"{YEAR}年已抽查{CAP}次")}
    assert ann.pool == IN_REGION[COUNTIES[0]] - {inside}


def test_a_unit_gone_from_the_registry_is_refused_at_the_announcement(
    service: Lifecycle,
) -> None:
    # The draft was checked against the registry; two of its units are gone by the time it is
    # announced (no import deletes an org unit, but nothing else protects the row either).
    with service.session() as s, s.begin():
        for code in ("county-gone-1", "county-gone-2"):
            s.add(OrgUnit(code=code, name=code, level="county", parent="city", region=code[-6:]))
    params = dataclasses.replace(
        lc.params(REGS), org_units=(COUNTIES[0], "county-gone-2", "county-gone-1")
    )
    service.create_task(params, lc.T_ANNOUNCE, actor="planner")
    with service.session() as s, s.begin():
        for code in ("county-gone-1", "county-gone-2"):
            unit = s.get(OrgUnit, code)
            assert unit is not None
            s.delete(unit)

    with pytest.raises(InputError, match=r"^unknown org unit\(s\): county-gone-2, county-gone-1$"):
        service.announce(params.task, lc.T_ANNOUNCE, actor="planner")
    with service.session() as s:
        task = s.get(Task, params.task)
        assert task is not None and task.state == "draft"


# -- who checked a target last time (R5: not sent again) ----------------------------------------


def test_previous_inspectors_are_those_of_the_latest_inspection_only(service: Lifecycle) -> None:
    fresh = [t for t in TARGETS if t not in {t for t, _ in REGS.previous}]
    twice, once = fresh[:2]
    valid = [i.id for i in REGS.inspectors if i.cert_valid_to == "2029-12-31"]
    # Recorded out of order: the later inspection first. The latest by date counts, whatever
    # the order the rows were written in, and even when it was in an earlier year.
    _history(service, twice, date(YEAR - 1, 11, 5), inspectors=(valid[0], valid[1]))
    _history(service, twice, date(YEAR - 1, 4, 1), inspectors=(valid[2], valid[3]))
    _history(service, once, date(YEAR, 1, 10), inspectors=(valid[4], valid[5]))

    ann = _announce(service)

    assert {(t, i) for t, i in ann.previous if t in (twice, once)} == {
        (twice, valid[0]),
        (twice, valid[1]),
        (once, valid[4]),
        (once, valid[5]),
    }
    # The fixture's own history (one inspection each, in 2025) is there too, for the targets
    # and inspectors of the pools.
    assert {(t, i) for t, i in REGS.previous if i in ann.inspectors} <= ann.previous


def test_of_two_inspections_on_the_same_day_the_one_recorded_last_counts(
    service: Lifecycle,
) -> None:
    """Same date: the inspection recorded later (the larger row id) is "last time", also after
    the earlier row was updated (a corrected result updates its row, docs/results.md). On
    PostgreSQL an update rewrites the row at the end of the table, so without the id
    tie-break the updated, earlier record would be read last and win."""
    fresh = [t for t in TARGETS if t not in {t for t, _ in REGS.previous}]
    target = fresh[0]
    valid = [i.id for i in REGS.inspectors if i.cert_valid_to == "2029-12-31"]
    day = date(YEAR - 1, 6, 10)  # last year: two checks this year would exclude the target
    _history(service, target, day, inspectors=(valid[0], valid[1]))
    _history(service, target, day, inspectors=(valid[2], valid[3]))
    with service.session() as s, s.begin():
        first, _later = s.exec(
            select(InspectionHistory)
            .where(InspectionHistory.target == target)
            .order_by(col(InspectionHistory.id))
        ).all()
        first.inspectors = [valid[0], valid[4]]  # corrected: who was actually present
        s.add(first)

    ann = _announce(service)

    assert {(t, i) for t, i in ann.previous if t == target} == {
        (target, valid[2]),
        (target, valid[3]),
    }
