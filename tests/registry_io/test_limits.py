"""Upload limits (issue #23): a wrong or hostile file is refused with a bounded answer and
bounded memory; nothing is imported; a valid file still imports.

Big inputs are avoided by passing lower limits (`Limits`) where the default ones would need
megabytes; the defaults are exercised where a small file can reach them (cell length, zip
bombs, XML constructs) and by bench/bench_upload.py.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import random
import tempfile
from pathlib import Path

import pytest

from lottery.demo.synthetic import make_uscc
from lottery.registry_io import (
    MAX_LISTED_ERRORS,
    Limits,
    import_bytes,
    import_file,
    import_stream,
    limits_for,
    xlsx_guard,
)
from lottery.registry_io.limits import (
    EXCEL_MAX_ROWS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_LOOSE_ELEMENTS,
    MAX_RECORD_CHARS,
)

from .conftest import GOOD_A, GOOD_B, REGIONS, TARGET_HEADER, target
from .xlsx_parts import shared_strings_xml, sheet_xml, understate_size, workbook

KW = {"known_regions": REGIONS}


def _csv(rows: list[list[str]], header: list[str] = TARGET_HEADER) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def _codes(n: int) -> list[str]:
    rng = random.Random(7)  # noqa: S311 - test data
    codes: set[str] = set()
    while len(codes) < n:
        codes.add(make_uscc(rng, "419901"))
    return sorted(codes)


def _lower(kind: str = "targets", **changes: int) -> Limits:
    return dataclasses.replace(limits_for(kind), **changes)


def _no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make openpyxl unusable: a refusal must come from the inspection before it."""
    import openpyxl

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("openpyxl was reached")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


# --- a bounded list of errors, with the total --------------------------------------------------


def test_errors_listed_are_bounded_and_the_total_is_counted() -> None:
    codes = _codes(250)
    # Every row: an unknown region; every 10th row instead two bad cells (the region check
    # runs only when the cells parse).
    bad_cells = {"类型": "不存在", "信用风险分类": "Z"}
    rows = [
        target(c, **(bad_cells if i % 10 == 0 else {"所属区域": "999999"}))
        for i, c in enumerate(codes)
    ]
    res = import_bytes(_csv(rows), "targets", **KW)
    assert not res.ok and res.rows == []
    assert len(res.errors) == MAX_LISTED_ERRORS == 100
    assert res.bad_rows == 250
    assert res.error_count == 225 + 2 * 25
    assert res.truncated
    assert res.error_summary() == "共 250 行有错误（275 处），仅列出前 100 处"
    listed = [e.row_number for e in res.errors]
    assert listed == sorted(listed) and listed[0] == 2  # the first ones, in file order


def test_few_errors_are_all_listed_without_a_note() -> None:
    res = import_bytes(_csv([target(GOOD_A, 所属区域="999999"), target(GOOD_B)]), "targets", **KW)
    assert (res.error_count, res.bad_rows, len(res.errors)) == (1, 1, 1)
    assert res.error_summary() == "共 1 行有错误（1 处）"


def test_a_huge_value_is_not_echoed_whole() -> None:
    res = import_bytes(_csv([target(GOOD_A, 类型="某" * 20_000)]), "targets", **KW)
    (err,) = res.errors
    assert err.code == "enum.unknown"
    assert len(err.value) < 1_100 and err.value.endswith("（共 20000 个字符）")
    assert len(err.message) < 2_100  # the message quotes the value too


# --- cells, records, columns, rows -------------------------------------------------------------


def test_a_cell_over_the_cap_is_an_error_naming_row_and_column() -> None:
    long = "x" * (MAX_CELL_CHARS + 1)
    res = import_bytes(_csv([target(GOOD_A), target(GOOD_B, 备注=long)]), "targets", **KW)
    assert not res.ok and res.rows == []
    assert [(e.row_number, e.column, e.code) for e in res.errors] == [(3, "备注", "cell.too_long")]
    assert str(MAX_CELL_CHARS) in res.errors[0].message


def test_a_cell_at_the_cap_reaches_the_column_check() -> None:
    res = import_bytes(_csv([target(GOOD_A, 备注="x" * MAX_CELL_CHARS)]), "targets", **KW)
    assert [e.code for e in res.errors] == ["text.too_long"]  # 备注 allows 2,000


def test_a_long_cell_in_xlsx_is_the_same_error() -> None:
    row = target(GOOD_A, 备注="x" * (MAX_CELL_CHARS + 5))
    res = import_bytes(workbook(sheet_xml([TARGET_HEADER, row])), "targets", **KW)
    assert [(e.row_number, e.column, e.code) for e in res.errors] == [(2, "备注", "cell.too_long")]


def test_a_csv_record_without_end_is_refused_after_the_cap() -> None:
    data = ",".join(TARGET_HEADER).encode() + b'\n"' + b"x," * MAX_RECORD_CHARS
    res = import_bytes(data, "targets", **KW)
    assert [(e.row_number, e.code) for e in res.errors] == [(2, "csv.record_too_long")]
    assert str(MAX_RECORD_CHARS) in res.errors[0].message


def test_too_many_columns_stops_the_import() -> None:
    wide = [*target(GOOD_B), *([""] * MAX_COLUMNS)]
    res = import_bytes(_csv([target(GOOD_A), wide]), "targets", **KW)
    assert [(e.row_number, e.code) for e in res.errors] == [(3, "file.too_many_columns")]
    assert res.rows == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rows_over_the_cap_stop_reading(fmt: str) -> None:
    rows = [target(c) for c in _codes(6)]
    data = _csv(rows) if fmt == "csv" else workbook(sheet_xml([TARGET_HEADER, *rows]))
    assert import_bytes(data, "targets", limits=_lower(max_rows=6), **KW).ok
    res = import_bytes(data, "targets", limits=_lower(max_rows=5), **KW)
    assert not res.ok and res.rows == []
    assert [(e.row_number, e.code) for e in res.errors] == [(7, "file.too_many_rows")]
    assert "检查对象名录（targets）" in res.errors[0].message and "5 行" in res.errors[0].message


def test_xlsx_row_numbers_far_beyond_excel_stop_reading() -> None:
    sheet = sheet_xml([TARGET_HEADER, target(GOOD_A)]).replace('r="2"', 'r="99999999"')
    sheet = sheet.replace('2" t="inlineStr"', '99999999" t="inlineStr"')
    res = import_bytes(workbook(sheet), "targets", **KW)
    assert [e.code for e in res.errors] == ["file.too_many_rows"]


# --- file size ---------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    data = _csv([target(GOOD_A)])
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    small = _lower(max_bytes=len(data) - 1)
    for res in (
        import_file(path, "targets", limits=small, **KW),
        import_stream(io.BytesIO(data), "targets", limits=small, **KW),
    ):
        assert [e.code for e in res.errors] == ["file.too_large"]
        assert res.format == ""  # refused before the format was even detected
        assert "检查对象名录（targets）" in res.errors[0].message
    assert import_file(path, "targets", limits=_lower(max_bytes=len(data)), **KW).ok


def test_default_limits_differ_by_kind() -> None:
    assert limits_for("targets").max_rows == 1_000_000
    assert limits_for("items").max_rows < limits_for("inspectors").max_rows
    assert all(limits_for(k).max_bytes >= 10_000_000 for k in ("items", "org-units"))
    with pytest.raises(ValueError, match="unknown registry kind"):
        limits_for("people")


# --- XLSX: inspected before openpyxl -----------------------------------------------------------


def test_zip_bomb_is_refused_before_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = workbook(sheet_xml([TARGET_HEADER]), extra={"xl/media/pad.bin": bytes(3_000_000)})
    assert len(bomb) < 20_000  # 3 MB of zeros pack to a few KB
    low = _lower()
    low = dataclasses.replace(low, xlsx=dataclasses.replace(low.xlsx, max_total_bytes=2_000_000))
    _no_openpyxl(monkeypatch)
    res = import_bytes(bomb, "targets", limits=low, **KW)
    assert [e.code for e in res.errors] == ["xlsx.zip_bomb"]
    assert "压缩炸弹" in res.errors[0].message and "2 MB" in res.errors[0].message


def test_one_part_over_its_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = sheet_xml([TARGET_HEADER, target(GOOD_A)])
    low = _lower()
    low = dataclasses.replace(
        low, xlsx=dataclasses.replace(low.xlsx, max_member_bytes=len(sheet) - 1)
    )
    _no_openpyxl(monkeypatch)
    res = import_bytes(workbook(sheet), "targets", limits=low, **KW)
    assert [e.code for e in res.errors] == ["xlsx.zip_bomb"]
    assert "xl/worksheets/sheet1.xml" in res.errors[0].message


def test_parts_loaded_whole_have_their_own_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    strings = shared_strings_xml(["<t>x</t>"] * 50_000)
    data = workbook(sheet_xml([TARGET_HEADER]), shared_strings=strings)
    low = _lower()
    low = dataclasses.replace(low, xlsx=dataclasses.replace(low.xlsx, max_loaded_bytes=100_000))
    _no_openpyxl(monkeypatch)
    res = import_bytes(data, "targets", limits=low, **KW)
    assert [e.code for e in res.errors] == ["xlsx.parts_too_large"]


def test_one_huge_cell_is_refused_before_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    # The attack of issue #23 in small: one cell far over any limit, packed to a few KB.
    row = target(GOOD_A, 名称="x" * 3_000_000)
    data = workbook(sheet_xml([TARGET_HEADER, row]))
    assert len(data) < 50_000
    _no_openpyxl(monkeypatch)
    res = import_bytes(data, "targets", **KW)
    assert [e.code for e in res.errors] == ["cell.too_long"]
    assert "第 2 行" in res.errors[0].message


def test_one_huge_shared_string_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    strings = shared_strings_xml(["<t>ok</t>", "<t>" + "y" * 3_000_000 + "</t>"])
    data = workbook(sheet_xml([TARGET_HEADER]), shared_strings=strings)
    _no_openpyxl(monkeypatch)
    res = import_bytes(data, "targets", **KW)
    assert [e.code for e in res.errors] == ["cell.too_long"]
    assert "sharedStrings.xml 第 2 个共享字符串" in res.errors[0].message


def test_a_string_of_many_small_runs_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # openpyxl joins rich-text runs into one string: each run is short, the string is not.
    runs = ("<r><t>" + "y" * 1_000 + "</t></r>") * 1_000
    data = workbook(sheet_xml([TARGET_HEADER]), shared_strings=shared_strings_xml([runs]))
    _no_openpyxl(monkeypatch)
    res = import_bytes(data, "targets", **KW)
    assert [e.code for e in res.errors] == ["xlsx.row_too_large"]


def test_a_row_of_countless_empty_cells_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = sheet_xml([TARGET_HEADER]).replace(
        "</sheetData>", '<row r="2">' + "<c/>" * 200_000 + "</row></sheetData>"
    )
    _no_openpyxl(monkeypatch)
    res = import_bytes(workbook(sheet), "targets", **KW)
    assert [e.code for e in res.errors] == ["xlsx.row_too_large"]
    assert "第 2 行" in res.errors[0].message


def test_elements_openpyxl_would_keep_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    # openpyxl clears a row once read but keeps every element of the tree: a million tiny
    # elements outside the rows (4 MB of XML, a few KB packed) would all stay in memory.
    junk = "<x/>" * (MAX_LOOSE_ELEMENTS + 1)
    sheet = sheet_xml([TARGET_HEADER]).replace("<sheetData>", "<sheetData>" + junk, 1)
    _no_openpyxl(monkeypatch)
    res = import_bytes(workbook(sheet), "targets", **KW)
    assert [e.code for e in res.errors] == ["xlsx.too_many_elements"]


def test_elements_inside_rows_are_not_counted() -> None:
    # The same number of elements as cells of rows is an ordinary sheet.
    rows = [target(c) for c in _codes(200)]
    assert import_bytes(workbook(sheet_xml([TARGET_HEADER, *rows])), "targets", **KW).ok


def test_rows_past_excel_are_refused_before_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    # openpyxl silently skips a row numbered like an earlier one, but keeps its element. The
    # pre-scan counts elements against Excel's row limit, lowered here so that the sheet is
    # small (a million elements took half a minute under coverage).
    assert xlsx_guard.EXCEL_MAX_ROWS == EXCEL_MAX_ROWS == 1_048_576
    monkeypatch.setattr(xlsx_guard, "EXCEL_MAX_ROWS", 5_000)
    many = '<row r="1"/>' * 5_001
    sheet = sheet_xml([TARGET_HEADER]).replace("</sheetData>", many + "</sheetData>")
    _no_openpyxl(monkeypatch)
    res = import_bytes(workbook(sheet), "targets", **KW)
    assert [e.code for e in res.errors] == ["file.too_many_rows"]


def test_nested_rows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = sheet_xml([TARGET_HEADER, target(GOOD_A)]).replace(
        '<row r="2">', '<row r="2"><row r="3"></row>', 1
    )
    _no_openpyxl(monkeypatch)
    res = import_bytes(workbook(sheet), "targets", **KW)
    assert [e.code for e in res.errors] == ["xlsx.xml_construct"]


def test_shared_strings_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    strings = shared_strings_xml(["<t>x</t>"] * 11)
    data = workbook(sheet_xml([TARGET_HEADER]), shared_strings=strings)
    low = _lower()
    low = dataclasses.replace(low, xlsx=dataclasses.replace(low.xlsx, max_strings=10))
    _no_openpyxl(monkeypatch)
    res = import_bytes(data, "targets", limits=low, **KW)
    assert [e.code for e in res.errors] == ["xlsx.parts_too_large"]


@pytest.mark.parametrize(
    "construct",
    [
        '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>',  # entity expansion
        "<!-- a comment may hide < -->",
        "<?pi a processing instruction ?>",
    ],
)
def test_xml_constructs_no_spreadsheet_needs_are_refused(
    construct: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = sheet_xml([TARGET_HEADER, target(GOOD_A)]).replace(
        "<sheetData>", construct + "<sheetData>", 1
    )
    if construct.startswith("<!DOCTYPE"):
        sheet = construct + sheet_xml([TARGET_HEADER, target(GOOD_A)])
    _no_openpyxl(monkeypatch)
    res = import_bytes(workbook(sheet), "targets", **KW)
    assert [e.code for e in res.errors] == ["xlsx.xml_construct"]


def test_the_xml_declaration_is_allowed() -> None:
    sheet = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + sheet_xml(
        [TARGET_HEADER, target(GOOD_A)]
    )
    assert import_bytes(workbook(sheet), "targets", **KW).ok


def test_an_entry_larger_than_declared_is_refused() -> None:
    data = workbook(sheet_xml([TARGET_HEADER, target(GOOD_A)]))
    lying = understate_size(data, "xl/worksheets/sheet1.xml", 100)
    res = import_bytes(lying, "targets", **KW)
    assert [e.code for e in res.errors] == ["file.xlsx_invalid"]


def test_a_malformed_shared_strings_part_is_an_error_not_a_crash() -> None:
    data = workbook(sheet_xml([TARGET_HEADER]), shared_strings="<sst><si><t>x</sst>")
    res = import_bytes(data, "targets", **KW)
    assert [e.code for e in res.errors] == ["file.xlsx_invalid"]


# --- valid files still import ------------------------------------------------------------------


def test_valid_files_import_from_a_spooled_upload() -> None:
    rows = [target(c) for c in _codes(40)]
    for data in (_csv(rows), workbook(sheet_xml([TARGET_HEADER, *rows]))):
        with tempfile.SpooledTemporaryFile(max_size=1024) as fh:
            fh.write(data)
            res = import_stream(fh, "targets", **KW)  # type: ignore[arg-type]
            assert res.ok, res.errors
            assert [r.uscc for r in res.rows] == [r[0] for r in rows]
            assert (res.error_count, res.bad_rows) == (0, 0)
            fh.seek(0)
            assert fh.read() == data  # left open and intact for the caller (its checksum)


def test_an_excel_style_workbook_imports(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(TARGET_HEADER)
    for c in _codes(30):
        ws.append(target(c))
    ws["L40"] = None  # a stated dimension wider than the data
    path = tmp_path / "t.xlsx"
    wb.save(path)
    res = import_file(path, "targets", **KW)
    assert res.ok, res.errors
    assert res.row_count == 30
