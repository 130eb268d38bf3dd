"""Encodings, XLSX, headers and files that are not registries at all."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery.registry_io import import_bytes, import_file

from .conftest import (
    GOOD_A,
    GOOD_B,
    INSPECTOR_HEADER,
    ORG_UNITS,
    REGIONS,
    TARGET_HEADER,
    TODAY,
    inspector,
    target,
    write_csv,
)


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_encodings(tmp_path: Path, kw: dict, encoding: str, detected: str) -> None:
    path = write_csv(tmp_path / "t.csv", TARGET_HEADER, [target(), target(GOOD_B)], encoding)
    res = import_file(path, "targets", **kw)
    assert res.ok, res.errors
    assert res.format == "csv"
    assert res.encoding == detected
    assert [r.name for r in res.rows] == ["某人防设备有限公司"] * 2
    assert res.rows[0].type == "protective_equipment"


def test_gbk_only_late_in_file_is_still_detected(tmp_path: Path, kw: dict) -> None:
    # English headers and ASCII rows fill the first megabytes; the GBK bytes come last.
    header = ["uscc", "name", "type", "region", "risk_class"]
    rows = [[GOOD_A, "x" * 150, "design", "419901", "A"]] * 20_000
    rows.append([GOOD_B, "人防公司", "design", "419901", "A"])
    path = write_csv(tmp_path / "t.csv", header, rows, "gbk")
    res = import_file(path, "targets", **kw)
    assert res.encoding == "gb18030"
    assert res.errors[-1].code == "key.duplicate"
    assert res.row_count == 20_001  # every row parsed, the last one decoded
    assert res.error_count == 19_999 and len(res.errors) == 100  # only the first 100 listed


def _xlsx(path: Path, header: list, rows: list[list], title: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.create_sheet("其他")
    wb.save(path)
    return path


def test_xlsx_first_sheet_with_date_cells_and_numbers(tmp_path: Path, kw: dict) -> None:
    row = inspector()
    row[3] = datetime(2022, 1, 1)  # a real Excel date cell
    row[4] = datetime(2027, 12, 31)
    path = _xlsx(tmp_path / "i.xlsx", INSPECTOR_HEADER, [row])
    res = import_file(path, "inspectors", **kw)
    assert res.ok, res.errors
    assert (res.format, res.encoding, res.sheet) == ("xlsx", None, "Sheet1")
    assert res.rows[0].cert_valid_to.isoformat() == "2027-12-31"
    assert res.rows[0].specialties == ("人防工程", "防护设备")


def test_xlsx_named_sheet_and_numeric_cells(tmp_path: Path, kw: dict) -> None:
    row: list = target()
    row[3] = 419901  # region typed as a number
    row[5] = 3  # complaints as a number
    path = _xlsx(tmp_path / "t.xlsx", TARGET_HEADER, [row], title="名录")
    res = import_file(path, "targets", sheet="名录", **kw)
    assert res.ok, res.errors
    assert (res.rows[0].region, res.rows[0].complaints) == ("419901", 3)
    missing = import_file(path, "targets", sheet="没有", **kw)
    assert not missing.ok
    assert missing.errors[0].code == "file.sheet_missing"
    assert "名录" in missing.errors[0].message


def test_header_variants_whitespace_and_english_keys(tmp_path: Path, kw: dict) -> None:
    header = [" 社会信用代码", "单位名称\u3000", "对象类型", "行政区划代码", "risk_class"]
    rows = [[GOOD_A, "甲", "工程设计", "419901", "C类"]]
    res = import_file(write_csv(tmp_path / "t.csv", header, rows), "targets", **kw)
    assert res.ok, res.errors
    r = res.rows[0]
    assert (r.type, r.risk_class, r.complaints, r.status, r.phone) == (
        "design",
        "C",
        0,
        "active",
        None,
    )


def test_unknown_missing_and_duplicate_headers(tmp_path: Path, kw: dict) -> None:
    header = ["统一社会信用代码", "信用代码", "名称", "类型", "信用风险分类", "法定代表人"]
    res = import_file(write_csv(tmp_path / "t.csv", header, [[""] * 6]), "targets", **kw)
    assert not res.ok
    got = {(e.row_number, e.column, e.code) for e in res.errors}
    assert got == {
        (1, "信用代码", "header.duplicate"),
        (1, "法定代表人", "header.unknown"),
        (1, "所属区域", "header.missing"),
    }
    assert "法定代表人" in next(e.reason for e in res.errors if e.code == "header.unknown")


def test_cells_under_unnamed_columns_are_errors(tmp_path: Path, kw: dict) -> None:
    path = write_csv(tmp_path / "t.csv", [*TARGET_HEADER, ""], [[*target(), "多余"]])
    res = import_file(path, "targets", **kw)
    assert [(e.row_number, e.code, e.value) for e in res.errors] == [
        (2, "row.unnamed_cell", "多余")
    ]
    longer = write_csv(tmp_path / "u.csv", TARGET_HEADER, [[*target(), "", "溢出"]])
    res = import_file(longer, "targets", **kw)
    assert [e.code for e in res.errors] == ["row.unnamed_cell"]


def test_blank_rows_are_skipped_but_keep_numbering(tmp_path: Path, kw: dict) -> None:
    rows = [target(), [""] * 11, target(GOOD_B, 信用风险分类="E")]
    res = import_file(write_csv(tmp_path / "t.csv", TARGET_HEADER, rows), "targets", **kw)
    assert res.row_count == 2
    assert [(e.row_number, e.column) for e in res.errors] == [(4, "信用风险分类")]


def _zip_not_xlsx(path: Path) -> bytes:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    return path.read_bytes()


GARBAGE = {
    "empty": (b"", "file.empty"),
    "nul bytes": (b"\x00\x01\x02binary\x00" * 100, "file.binary"),
    "undecodable": (bytes(range(128, 256)) * 10, "file.encoding"),
    "legacy xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "file.xls_legacy"),
    "truncated zip": (b"PK\x03\x04" + b"\x13" * 50, "file.xlsx_invalid"),
    "header only": ("统一社会信用代码,名称,类型,所属区域,信用风险分类\n".encode(), "file.no_rows"),
    "not a registry": (b"hello world\n1,2,3\n", "header.unknown"),
    "bad quoting": (
        "统一社会信用代码,名称,类型,所属区域,信用风险分类\n"
        f'{GOOD_A},"a"b,工程设计,419901,A\n'.encode()
        + b"x" * 10,
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_files_give_one_clear_error(name: str, kw: dict) -> None:
    data, code = GARBAGE[name]
    res = import_bytes(data, "targets", **kw)
    assert not res.ok
    assert res.rows == []
    assert res.errors
    if code is not None:
        assert res.errors[0].code == code
        assert res.errors[0].message


def test_zip_that_is_not_a_workbook(tmp_path: Path, kw: dict) -> None:
    data = _zip_not_xlsx(tmp_path / "x.zip")
    res = import_bytes(data, "targets", **kw)
    assert [e.code for e in res.errors] == ["file.xlsx_invalid"]


def test_oversized_csv_field_is_reported_not_raised(tmp_path: Path, kw: dict) -> None:
    path = tmp_path / "t.csv"
    path.write_text(",".join(TARGET_HEADER) + '\n"' + "x" * 200_000 + '"\n', encoding="utf-8")
    res = import_file(path, "targets", **kw)
    assert [(e.row_number, e.code) for e in res.errors] == [(2, "file.csv_malformed")]


def test_missing_file(tmp_path: Path, kw: dict) -> None:
    res = import_file(tmp_path / "nope.csv", "targets", **kw)
    assert [e.code for e in res.errors] == ["file.unreadable"]


def test_caller_mistakes_raise() -> None:
    with pytest.raises(ValueError, match="unknown registry kind"):
        import_bytes(b"x", "people")
    with pytest.raises(ValueError, match="known_regions"):
        import_bytes(b"x", "targets")
    with pytest.raises(ValueError, match="today"):
        import_bytes(b"x", "inspectors", known_org_units=set())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    for prefix in (b"", b"PK\x03\x04", ",".join(TARGET_HEADER).encode() + b"\n"):
        res = import_bytes(prefix + data, "targets", known_regions=REGIONS)
        assert res.ok == (not res.errors)
        assert res.ok or res.rows == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(max_size=20), max_size=13), max_size=6))
def test_arbitrary_csv_cells_never_raise(cells: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows([INSPECTOR_HEADER, *cells])
    res = import_bytes(
        buf.getvalue().encode("utf-8", "surrogatepass"),
        "inspectors",
        known_org_units=ORG_UNITS,
        today=TODAY,
    )
    assert res.ok == (not res.errors)
