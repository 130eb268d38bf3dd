"""Org units, conflicts and inspection history: parse, validate, export and import back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lottery.registry_io import export_csv, export_xlsx, import_bytes, import_file, public_view
from lottery.registry_io.layouts import ConflictRow, HistoryRow, OrgUnitRow
from tests.registry_io.conftest import GOOD_A, GOOD_B, write_csv

UNITS = [
    OrgUnitRow("city", "市人防办", "city", None, None),
    OrgUnitRow("county-1", "甲县人防办", "county", "city", "419901"),
]
CONFLICTS = [ConflictRow("R001", GOOD_A, "亲属"), ConflictRow("R002", GOOD_A, None)]
HISTORY = [HistoryRow(GOOD_A, date(2025, 6, 1), "T2025-001", ("R001", "R002"))]
KNOWN = {"known_targets": {GOOD_A, GOOD_B}, "known_inspectors": {"R001", "R002"}}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(
    ("kind", "rows"), [("org-units", UNITS), ("conflicts", CONFLICTS), ("history", HISTORY)]
)
def test_round_trip(tmp_path: Path, suffix: str, kind: str, rows: list[object]) -> None:
    path = tmp_path / f"out{suffix}"
    (export_csv if suffix == ".csv" else export_xlsx)(rows, path)
    result = import_file(path, kind, **KNOWN)  # type: ignore[arg-type]
    assert result.ok, result.errors
    assert result.rows == rows


def test_conflict_reason_is_private() -> None:
    assert public_view(CONFLICTS) == [
        {"inspector": "R001", "target": GOOD_A},
        {"inspector": "R002", "target": GOOD_A},
    ]


def test_org_unit_parent_may_come_later_or_be_known(tmp_path: Path) -> None:
    header = ["机构代码", "机构名称", "层级", "上级机构代码"]
    rows = [
        ["county-1", "甲县", "县级", "city"],
        ["city", "市", "市级", ""],
        ["county-2", "乙县", "县级", "old"],
    ]
    path = write_csv(tmp_path / "o.csv", header, rows)
    assert import_file(path, "org-units", known_org_units={"old"}).ok
    bad = import_file(path, "org-units", known_org_units=set())
    assert [(e.row_number, e.column, e.code) for e in bad.errors] == [
        (4, "上级机构代码", "org_unit.unknown")
    ]


def test_history_duplicates_and_unknown_targets() -> None:
    data = (
        "统一社会信用代码,检查日期,任务编号\n"
        f"{GOOD_A},2025-06-01,T1\n{GOOD_A},2025/6/1,T1\n{GOOD_B[:-1]}0,2025-06-02,\n"
    ).encode()
    result = import_bytes(data, "history", known_targets={GOOD_A})
    codes = [(e.row_number, e.code) for e in result.errors]
    assert (3, "key.duplicate") in codes
    assert any(n == 4 for n, _ in codes)  # a bad check character or an unknown target
    assert not result.ok and result.rows == []


def test_relations_need_the_known_sets() -> None:
    with pytest.raises(ValueError, match="known_targets"):
        import_bytes(b"x", "conflicts")
    with pytest.raises(ValueError, match="known_targets"):
        import_bytes(b"x", "history")
