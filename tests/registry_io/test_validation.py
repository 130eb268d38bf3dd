"""Every validation error kind, located by row, column and reason; all or nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from stdnum.cn import uscc as stdnum_uscc

from lottery.registry_io import import_file

from .conftest import (
    GOOD_A,
    GOOD_B,
    INSPECTOR_HEADER,
    ITEM_HEADER,
    LETTER,
    TARGET_HEADER,
    inspector,
    item,
    target,
    uscc,
    write_csv,
)


def _targets(tmp_path: Path, kw: dict, rows: list[list[str]]):
    return import_file(write_csv(tmp_path / "t.csv", TARGET_HEADER, rows), "targets", **kw)


def test_letter_leading_uscc_is_accepted(tmp_path: Path, kw: dict) -> None:
    assert not stdnum_uscc.is_valid(LETTER)  # the library bug DESIGN.md section 7 names
    res = _targets(tmp_path, kw, [target(LETTER.lower())])
    assert res.ok, res.errors
    assert res.rows[0].uscc == LETTER


TARGET_CASES = [
    ("统一社会信用代码", GOOD_A[:-1], "uscc.length"),
    ("统一社会信用代码", GOOD_A[:-1] + "I", "uscc.charset"),
    ("统一社会信用代码", GOOD_A[:-1] + ("0" if GOOD_A[-1] != "0" else "1"), "uscc.check"),
    ("统一社会信用代码", "", "value.required"),
    ("名称", "=HYPERLINK(1)", "text.formula"),
    ("名称", "a\x07b", "text.control"),
    ("名称", "a\x7fb", "text.control"),
    ("名称", "a\x85b", "text.control"),
    ("名称", "青岚\u202e司公", "text.bidi"),
    ("名称", "甲\u2066乙", "text.bidi"),
    ("名称", "甲\ufffe乙", "text.invalid"),
    ("名称", "名" * 201, "text.too_long"),
    ("类型", "餐饮", "enum.unknown"),
    ("所属区域", "110101", "region.unknown"),
    ("所属区域", "4199 01", "code.format"),
    ("信用风险分类", "E", "enum.unknown"),
    ("投诉举报次数", "-1", "int.negative"),
    ("投诉举报次数", "2.5", "int.format"),
    ("不良记录次数", "两次", "int.format"),
    ("严重违法记录", "也许", "enum.unknown"),
    ("状态", "破产", "enum.unknown"),
    ("联系电话", "call me", "phone.format"),
]


@pytest.mark.parametrize(("column", "value", "code"), TARGET_CASES)
def test_target_errors_name_row_column_value_and_reason(
    tmp_path: Path, kw: dict, column: str, value: str, code: str
) -> None:
    res = _targets(tmp_path, kw, [target(GOOD_B), target(GOOD_A, **{column: value})])
    assert not res.ok
    assert res.rows == []
    (err,) = res.errors
    assert (err.row_number, err.column, err.value, err.code) == (3, column, value.strip(), code)
    assert err.reason.endswith(f"[{code}]")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message)  # a Chinese message for staff


def test_all_or_nothing_lists_every_bad_row(tmp_path: Path, kw: dict) -> None:
    good = [target(uscc(f"91419901MA{i:07d}")) for i in range(50)]
    rows = [
        *good[:10],
        target(uscc("91419902MB0000001"), 类型="x"),
        *good[10:30],
        target(GOOD_B, 信用风险分类="Z"),
    ]
    rows += [*good[30:], target(uscc("91419901MA0000001")), target("bad", 投诉举报次数="-3")]
    res = _targets(tmp_path, kw, rows)
    assert not res.ok
    assert res.rows == []
    assert res.row_count == 54
    got = [(e.row_number, e.column, e.code) for e in res.errors]
    assert got == [
        (12, "类型", "enum.unknown"),
        (33, "信用风险分类", "enum.unknown"),
        (54, "统一社会信用代码", "key.duplicate"),
        (55, "统一社会信用代码", "uscc.length"),
        (55, "投诉举报次数", "int.negative"),
    ]
    assert "第 3 行" in res.errors[2].message  # names the first occurrence


def test_duplicate_key_is_found_after_normalization(tmp_path: Path, kw: dict) -> None:
    res = _targets(tmp_path, kw, [target(LETTER), target(" " + LETTER.lower() + " ")])
    assert [(e.row_number, e.code) for e in res.errors] == [(3, "key.duplicate")]


def _inspectors(tmp_path: Path, kw: dict, rows: list[list[str]]):
    return import_file(write_csv(tmp_path / "i.csv", INSPECTOR_HEADER, rows), "inspectors", **kw)


INSPECTOR_CASES = [
    ("证件有效期起", "2022.01.01", "date.format"),
    ("证件有效期起", "2023-02-30", "date.invalid"),
    ("证件有效期止", "2021-12-31", "cert.dates_order"),
    ("证件有效期止", "2025-05-31", "cert.expired"),
    ("所属机构", "county-999999", "org_unit.unknown"),
    ("层级", "省级", "enum.unknown"),
    ("状态", "休假", "enum.unknown"),
    ("执法证号", "HN 002", "code.format"),
]


@pytest.mark.parametrize(("column", "value", "code"), INSPECTOR_CASES)
def test_inspector_errors(tmp_path: Path, kw: dict, column: str, value: str, code: str) -> None:
    res = _inspectors(tmp_path, kw, [inspector("R9", "HN-9"), inspector(**{column: value})])
    assert [(e.row_number, e.column, e.value, e.code) for e in res.errors] == [
        (3, column, value, code)
    ]


def test_expired_certificate_is_fine_for_inactive_inspectors(tmp_path: Path, kw: dict) -> None:
    res = _inspectors(tmp_path, kw, [inspector(证件有效期止="2024/1/5", 状态="退休")])
    assert res.ok, res.errors
    assert res.rows[0].cert_valid_to == date(2024, 1, 5)
    assert res.rows[0].status == "retired"
    # Valid through `today` itself.
    res = _inspectors(tmp_path, kw, [inspector(证件有效期止="2025-06-01")])
    assert res.ok, res.errors


def test_inspector_duplicates_on_both_keys(tmp_path: Path, kw: dict) -> None:
    rows = [inspector("R1", "C1"), inspector("R1", "C2"), inspector("R3", "C1")]
    res = _inspectors(tmp_path, kw, rows)
    assert [(e.row_number, e.column) for e in res.errors] == [(3, "人员编号"), (4, "执法证号")]


def test_items_parse_and_validate(tmp_path: Path, kw: dict) -> None:
    rows = [
        item(),
        item("RF-002", 抽查比例="2.5％", 抽查方式="网络监测", 是否重点=""),
        item("RF-003", 抽查比例="120%"),
        item("RF-004", 抽查比例="1.234%"),
        item("RF-005", 抽查方式="电话抽查"),
        item("RF-006", 抽查依据=""),
    ]
    res = import_file(write_csv(tmp_path / "m.csv", ITEM_HEADER, rows), "items", **kw)
    assert [(e.row_number, e.code) for e in res.errors] == [
        (4, "ratio.range"),
        (5, "ratio.format"),
        (6, "enum.unknown"),
        (7, "value.required"),
    ]
    ok = import_file(write_csv(tmp_path / "n.csv", ITEM_HEADER, rows[:2]), "items", **kw)
    assert ok.ok
    first, second = ok.rows
    assert (first.ratio, first.method, first.key_item) == (500, ("onsite", "documents"), True)
    assert (second.ratio, second.method, second.key_item) == (250, ("online",), False)


@pytest.mark.parametrize("header", ["抽查对象类型", "检查对象类型", "对象类型", "target_types"])
def test_items_name_the_target_types_they_cover(tmp_path: Path, kw: dict, header: str) -> None:
    rows = [
        [*item("RF-001"), "人防工程平时使用、工程设计，平时使用"],
        [*item("RF-002"), ""],
        [*item("RF-003"), "人防工程建设"],
        [*item("RF-004"), "住宅小区"],
    ]
    res = import_file(write_csv(tmp_path / "t.csv", [*ITEM_HEADER, header], rows), "items", **kw)
    # An unknown type is refused, naming the column and the allowed labels.
    assert [(e.row_number, e.column, e.code) for e in res.errors] == [(5, header, "enum.unknown")]
    assert "抽查对象类型“住宅小区”不在允许的取值中" in res.errors[0].message
    ok = import_file(write_csv(tmp_path / "u.csv", [*ITEM_HEADER, header], rows[:3]), "items", **kw)
    assert ok.ok, ok.errors
    # Labels and variants to codes, each once, in the cell's order; empty = every type.
    assert [r.target_types for r in ok.rows] == [
        ("peacetime_use", "design"),
        (),
        ("construction",),
    ]


def test_items_without_the_types_column_cover_every_type(tmp_path: Path, kw: dict) -> None:
    res = import_file(write_csv(tmp_path / "v.csv", ITEM_HEADER, [item()]), "items", **kw)
    assert res.ok and res.rows[0].target_types == ()


@pytest.mark.parametrize(
    ("label", "code"),
    [("A类", "A"), ("低风险", "A"), ("低", "A"), ("中", "B"), ("一般风险", "B"),
     ("中高", "C"), ("较高风险", "C"), ("高", "D"), ("高风险", "D")],
)  # fmt: skip
def test_risk_class_words_of_other_schemes(tmp_path: Path, kw: dict, label: str, code: str) -> None:
    # 企业信用风险分类 (低/一般/较高/高风险) and the four grades of 河南 (低/中/中高/高) map to A-D,
    # the order the risk rules raise along (docs/spec.md section 4, "Risk rules").
    res = _targets(tmp_path, kw, [target(信用风险分类=label)])
    assert res.ok, res.errors
    assert res.rows[0].risk_class == code


def test_items_carry_a_checklist_one_point_a_line(tmp_path: Path, kw: dict) -> None:
    header = [*ITEM_HEADER, "检查要点"]
    good = "建立维护管理制度｜人民防空法第二十五条\r\n\n口部通道未被占用|人民防空法第二十七条"
    rows = [
        [*item("RF-001"), good],
        [*item("RF-002"), ""],
        [*item("RF-003"), "只有要点没有依据"],
        [*item("RF-004"), "要点｜依据一\n要点｜依据二"],
    ]
    res = import_file(write_csv(tmp_path / "c.csv", header, rows), "items", **kw)
    assert [(e.row_number, e.column, e.code) for e in res.errors] == [
        (4, "检查要点", "checklist.format"),
        (5, "检查要点", "checklist.repeat"),
    ]
    assert "检查要点第 1 条应写成“要点｜依据”" in res.errors[0].message
    ok = import_file(write_csv(tmp_path / "d.csv", header, rows[:2]), "items", **kw)
    assert ok.ok, ok.errors
    assert [r.checklist for r in ok.rows] == [
        (
            ("建立维护管理制度", "人民防空法第二十五条"),
            ("口部通道未被占用", "人民防空法第二十七条"),
        ),
        (),
    ]
