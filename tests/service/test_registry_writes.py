"""How an accepted registry file is written: parents before children, batches, counts.

The import rules of docs/import.md ("In the service") through ``import_registry``: org units
of any depth are inserted parents first (SQLite checks the foreign key row by row); inserts,
updates and the marking of absent rows as ``removed`` go to the database in batches of at
most ``BATCH`` rows, and the counts add up over every batch. ``BATCH`` is 5,000; the batch
tests lower it to 2 so that a handful of rows spans several batches (the rule is the same).

Every database test runs on SQLite and PostgreSQL (the ``settings`` fixture).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from lottery.service import registries
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import (
    ImportRejected,
    ImportResult,
    import_registry,
    registry_rows,
)
from lottery.settings import Settings
from tests.registry_io.conftest import (
    INSPECTOR_HEADER,
    TARGET_HEADER,
    inspector,
    target,
    uscc,
    write_csv,
)

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ORG_HEADER = ["机构代码", "机构名称", "层级", "上级机构代码", "行政区划代码"]
CITY = ["city", "市人防办", "市级", "", ""]
COUNTY = ["county-419901", "甲县人防办", "县级", "city", "419901"]
SMALL_BATCH = 2


@pytest.fixture
def lc(settings: Settings) -> Iterator[Lifecycle]:
    svc = Lifecycle.open(settings)
    yield svc
    svc.engine.dispose()


def _import(lc: Lifecycle, kind: str, path: Path) -> ImportResult:
    return import_registry(lc, kind, path, actor="tester", now=NOW)


def _org_units(lc: Lifecycle, tmp: Path, rows: list[list[str]]) -> ImportResult:
    return _import(lc, "org-units", write_csv(tmp / "org.csv", ORG_HEADER, rows))


# --- org units: parents first, whatever the depth ----------------------------------------------


def test_org_units_three_levels_deep_listed_children_first(lc: Lifecycle, tmp_path: Path) -> None:
    # A unit under a county unit: the validator allows any depth, so the writer must order
    # grandchild after child after root, not only children after roots.
    rows = [
        ["county-419901-1", "甲县人防办一所", "县级", "county-419901", "419901"],
        COUNTY,
        CITY,
    ]
    result = _org_units(lc, tmp_path, rows)
    assert (result.inserted, result.updated, result.unchanged, result.removed) == (3, 0, 0, 0)
    parents = {u.code: u.parent for u in registry_rows(lc, "org-units")}
    assert parents == {"city": None, "county-419901": "city", "county-419901-1": "county-419901"}


def test_org_units_absent_from_the_file_are_kept(lc: Lifecycle, tmp_path: Path) -> None:
    # Inspectors refer to org units: a unit missing from a later file stays, and nothing is
    # counted as removed (unlike targets and inspectors, org units have no status).
    _org_units(lc, tmp_path, [CITY, COUNTY])
    result = _org_units(lc, tmp_path, [CITY])
    assert (result.inserted, result.updated, result.unchanged, result.removed) == (0, 0, 1, 0)
    assert [u.code for u in registry_rows(lc, "org-units")] == ["city", "county-419901"]


# A circle of parents (A under B, B under A) leaves its units without a path to the city, so a
# city-wide task would no longer cover their regions (pool_rules._covered_regions). The file's
# rows are checked against the file and the units already stored: the circle is a row error
# (org_unit.parent_cycle) whether it lies in one file or is closed by a later import, and
# nothing is written.


def _cycle_rows(exc: pytest.ExceptionInfo[ImportRejected]) -> list[int]:
    return [e.row_number for e in exc.value.result.errors if e.code == "org_unit.parent_cycle"]


def test_org_unit_cycle_in_one_file_is_refused_and_nothing_written(
    lc: Lifecycle, tmp_path: Path
) -> None:
    _org_units(lc, tmp_path, [CITY])
    rows = [
        ["county-a", "甲", "县级", "county-b", ""],
        ["county-b", "乙", "县级", "county-a", ""],
        COUNTY,
    ]
    with pytest.raises(ImportRejected) as exc:
        _org_units(lc, tmp_path, rows)
    assert _cycle_rows(exc) == [2, 3]  # both units of the circle, by file row
    assert [u.code for u in registry_rows(lc, "org-units")] == ["city"]


def test_org_unit_cycle_made_by_a_reimport_is_refused(lc: Lifecycle, tmp_path: Path) -> None:
    _org_units(lc, tmp_path, [CITY, ["county-a", "甲", "县级", "city", ""]])
    _org_units(lc, tmp_path, [CITY, ["county-b", "乙", "县级", "county-a", ""]])
    with pytest.raises(ImportRejected) as exc:
        _org_units(lc, tmp_path, [["county-a", "甲", "县级", "county-b", ""]])
    assert _cycle_rows(exc) == [2]
    message = next(e.message for e in exc.value.result.errors)
    assert "county-a → county-b → county-a" in message
    parents = {u.code: u.parent for u in registry_rows(lc, "org-units")}
    assert parents == {"city": None, "county-a": "city", "county-b": "county-a"}


def test_moving_a_unit_under_another_branch_is_no_cycle(lc: Lifecycle, tmp_path: Path) -> None:
    _org_units(lc, tmp_path, [CITY, ["county-a", "甲", "县级", "city", ""]])
    _org_units(lc, tmp_path, [CITY, ["county-b", "乙", "县级", "county-a", ""]])
    _org_units(lc, tmp_path, [["county-b", "乙", "县级", "city", ""]])  # accepted
    _org_units(lc, tmp_path, [["county-a", "甲", "县级", "county-b", ""]])  # now no circle
    parents = {u.code: u.parent for u in registry_rows(lc, "org-units")}
    assert parents == {"city": None, "county-a": "county-b", "county-b": "city"}


# --- batches ---------------------------------------------------------------------------------


@pytest.fixture
def batches(lc: Lifecycle, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How many batches of each size were written to ``target`` and ``inspector``: a Counter
    of ``"INSERT target 2"``-like keys. Inserts are seen at ``_insert`` (``COPY`` on
    PostgreSQL bypasses the cursor), updates at the cursor (one ``executemany`` a batch)."""
    monkeypatch.setattr(registries, "BATCH", SMALL_BATCH)
    seen: Counter[str] = Counter()
    tables = ("target", "inspector")
    insert = registries._insert

    def spy_insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        if table.name in tables:
            seen[f"INSERT {table.name} {len(rows)}"] += 1
        insert(conn, table, rows)

    def spy_update(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        m = re.match(r"UPDATE (\w+) ", statement)
        if m and m.group(1) in tables:
            seen[f"UPDATE {m.group(1)} {len(parameters) if executemany else 1}"] += 1

    monkeypatch.setattr(registries, "_insert", spy_insert)
    event.listen(lc.engine, "before_cursor_execute", spy_update)
    yield seen
    event.remove(lc.engine, "before_cursor_execute", spy_update)


def _targets(n: int, start: int = 0, **over: str) -> list[list[str]]:
    return [target(uscc(f"91419901MA00{i:05d}"), **over) for i in range(start, start + n)]


def _target_file(tmp: Path, name: str, rows: list[list[str]]) -> Path:
    return write_csv(tmp / name, TARGET_HEADER, rows)


def _statuses(lc: Lifecycle) -> Counter[str]:
    return Counter(t.status for t in registry_rows(lc, "targets"))


def test_inserts_and_updates_go_in_batches_and_are_all_counted(
    lc: Lifecycle, tmp_path: Path, batches: Counter[str]
) -> None:
    _org_units(lc, tmp_path, [CITY, COUNTY])
    result = _import(lc, "targets", _target_file(tmp_path, "t1.csv", _targets(7)))
    assert (result.inserted, result.updated, result.unchanged, result.removed) == (7, 0, 0, 0)
    assert batches == Counter({"INSERT target 2": 3, "INSERT target 1": 1})
    assert len(registry_rows(lc, "targets")) == 7
    batches.clear()
    # 5 renamed, 2 as they were, 3 new: each kind of row is batched and counted on its own.
    rows = _targets(5, 名称="改名后的公司") + _targets(2, 5) + _targets(3, 7)
    result = _import(lc, "targets", _target_file(tmp_path, "t2.csv", rows))
    assert (result.inserted, result.updated, result.unchanged, result.removed) == (3, 5, 2, 0)
    assert batches == Counter(
        {"UPDATE target 2": 2, "UPDATE target 1": 1, "INSERT target 2": 1, "INSERT target 1": 1}
    )
    names = Counter(t.name for t in registry_rows(lc, "targets"))
    assert names == Counter({"改名后的公司": 5, "某人防设备有限公司": 5})


def test_absent_rows_are_marked_removed_in_batches(
    lc: Lifecycle, tmp_path: Path, batches: Counter[str]
) -> None:
    _org_units(lc, tmp_path, [CITY, COUNTY])
    _import(lc, "targets", _target_file(tmp_path, "t1.csv", _targets(6)))
    batches.clear()
    result = _import(lc, "targets", _target_file(tmp_path, "t2.csv", _targets(1)))
    assert (result.unchanged, result.removed) == (1, 5)
    # Marking 5 rows: batches of 2, 2, 1 (one UPDATE statement per batch).
    assert batches == Counter({"UPDATE target 2": 2, "UPDATE target 1": 1})
    assert _statuses(lc) == Counter({"removed": 5, "active": 1})
    # Already removed rows are not marked (nor counted) again.
    batches.clear()
    again = _import(lc, "targets", _target_file(tmp_path, "t2.csv", _targets(1)))
    assert (again.unchanged, again.removed) == (1, 0)
    assert batches == Counter()


def test_inspectors_are_written_in_batches_too(
    lc: Lifecycle, tmp_path: Path, batches: Counter[str]
) -> None:
    _org_units(lc, tmp_path, [CITY, COUNTY])
    rows = [inspector(f"R{i:03d}", f"HN-{i:03d}") for i in range(5)]
    path = write_csv(tmp_path / "i.csv", INSPECTOR_HEADER, rows)
    assert _import(lc, "inspectors", path).inserted == 5
    result = _import(lc, "inspectors", write_csv(tmp_path / "i2.csv", INSPECTOR_HEADER, rows[:2]))
    assert (result.unchanged, result.removed) == (2, 3)
    inserts = {"INSERT inspector 2": 2, "INSERT inspector 1": 1}  # 5 new
    marks = {"UPDATE inspector 2": 1, "UPDATE inspector 1": 1}  # 3 absent
    assert batches == Counter(inserts | marks)
    statuses = {i.id: i.status for i in registry_rows(lc, "inspectors")}
    assert statuses == {"R000": "active", "R001": "active"} | {
        f"R{i:03d}": "removed" for i in range(2, 5)
    }
