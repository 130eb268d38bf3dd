"""Export -> import gives the same rows; public_view drops private fields; docs match."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lottery.core.text_safety import first_unsafe
from lottery.core.uscc import ALPHABET, check_character
from lottery.registry_io import (
    LAYOUTS,
    InspectorRow,
    ItemRow,
    TargetRow,
    export_csv,
    export_xlsx,
    import_file,
    public_view,
)
from lottery.registry_io import cells as c
from lottery.registry_io.layouts import INSPECTOR_STATUS, LEVELS, METHODS, TARGET_TYPES

from .conftest import GOOD_A, LETTER, ORG_UNITS, REGIONS, TODAY

ROOT = Path(__file__).resolve().parents[2]

TARGETS = [
    TargetRow(GOOD_A, "甲公司", "design", "419901", "A", 0, 1, False, "active", None, None),
    TargetRow(LETTER, "=乙", "testing", "419902", "D", 7, 0, True, "revoked", "+86 731", "备\n注"),
]
INSPECTORS = [
    InspectorRow("R1", "C1", "张三", date(2020, 1, 1), date(2030, 1, 1), "city", "city",
                 ("人防工程", "通信"), "active", "13800000000"),
    InspectorRow("R2", "C2", "李四", date(2019, 1, 1), date(2020, 1, 1), "county-419901",
                 "county", (), "retired", None),
]  # fmt: skip
ITEMS = [
    ItemRow("RF-1", "检查", "依据", "主体", "项目", "内容", 250, "每年1次",
            ("onsite", "delegated"), None, True, ("peacetime_use", "design"),
            (("建立维护管理制度", "人防法第二十五条"), ("口部畅通", "人防法第二十七条"))),
    ItemRow("RF-2", "检查", "依据", "主体", "项目", "内容", None, None, ("online",), "要求", False),
]  # fmt: skip
KW = {"known_regions": REGIONS, "known_org_units": ORG_UNITS, "today": TODAY}


def _round_trip(rows: list, kind: str, path: Path) -> list:
    (export_xlsx if path.suffix == ".xlsx" else export_csv)(rows, path)
    res = import_file(path, kind, **KW)
    assert res.ok, res.errors
    return res.rows


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(("kind", "rows"), [("inspectors", INSPECTORS), ("items", ITEMS)])
def test_round_trip(tmp_path: Path, suffix: str, kind: str, rows: list) -> None:
    assert _round_trip(rows, kind, tmp_path / f"x{suffix}") == rows


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_targets(tmp_path: Path, suffix: str) -> None:
    rows = [TARGETS[0], dataclasses.replace(TARGETS[1], name="乙")]
    assert _round_trip(rows, "targets", tmp_path / f"t{suffix}") == rows


def test_export_never_writes_formulas(tmp_path: Path) -> None:
    import openpyxl

    export_xlsx(TARGETS, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws["B3"].value == "=乙"
    assert ws["B3"].data_type == "s"
    # ...and the importer refuses it, so that staff fix the name.
    res = import_file(tmp_path / "t.xlsx", "targets", **KW)
    assert [(e.row_number, e.column, e.code) for e in res.errors] == [(3, "名称", "text.formula")]


def test_csv_export_has_bom_and_chinese_headers(tmp_path: Path) -> None:
    export_csv(ITEMS, tmp_path / "m.csv")
    raw = (tmp_path / "m.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert header[:2] == ["事项编码", "抽查事项名称"]
    assert raw.decode("utf-8-sig").splitlines()[1].split(",")[6] == "2.5%"


def test_public_view_drops_private_fields() -> None:
    view = public_view(TARGETS)
    assert "phone" not in view[1]
    assert "notes" not in view[1]
    assert view[1]["uscc"] == LETTER
    assert public_view(INSPECTORS)[0]["specialties"] == ["人防工程", "通信"]
    assert public_view(INSPECTORS)[0]["cert_valid_to"] == "2030-01-01"
    assert "phone" not in public_view(INSPECTORS)[0]
    assert public_view([]) == []
    with pytest.raises(ValueError, match="non-empty"):
        public_view([TARGETS[0], ITEMS[0]])


_text = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1)
    .map(str.strip)
    .filter(lambda s: s and s[0] not in "=+-@" and not any(x in s for x in "、,，;；/"))
    # What every import refuses (docs/import.md: controls, bidi marks, noncharacters such as
    # U+FDD0) is not text a registry can hold; its refusal has tests of its own.
    .filter(lambda s: first_unsafe(s) is None)
)
_body = st.text(st.sampled_from(ALPHABET), min_size=17, max_size=17)
_day = st.dates(date(2000, 1, 1), date(2040, 1, 1))


def _pick(values: object) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(set(values)))  # type: ignore[call-overload]


@st.composite
def _target(draw: st.DrawFn) -> TargetRow:
    body = draw(_body)
    return TargetRow(
        uscc=body + check_character(body),
        name=draw(_text.filter(lambda s: len(s) <= 200)),
        type=draw(_pick(TARGET_TYPES.values())),
        region=draw(_pick(REGIONS)),
        risk_class=draw(_pick("ABCD")),
        complaints=draw(st.integers(0, 10**6)),
        bad_records=draw(st.integers(0, 99)),
        serious_violation=draw(st.booleans()),
        status=draw(_pick(["active", "revoked", "moved_out"])),
        phone=draw(st.none() | st.from_regex(r"1[0-9]{10}", fullmatch=True)),
        notes=draw(st.none() | _text.filter(lambda s: len(s) <= 2000)),
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_target(), min_size=1, max_size=8, unique_by=lambda t: t.uscc))
def test_round_trip_property_targets(tmp_path: Path, rows: list[TargetRow]) -> None:
    assert _round_trip(rows, "targets", tmp_path / "p.csv") == rows
    assert _round_trip(rows, "targets", tmp_path / "p.xlsx") == rows


@st.composite
def _inspector(draw: st.DrawFn) -> InspectorRow:
    start = draw(_day)
    return InspectorRow(
        id=draw(st.from_regex(r"[A-Z][0-9]{1,6}", fullmatch=True)),
        cert_no=draw(st.from_regex(r"[A-Z]{2}-[0-9]{1,8}", fullmatch=True)),
        name=draw(_text.filter(lambda s: len(s) <= 100)),
        cert_valid_from=start,
        cert_valid_to=start + timedelta(days=draw(st.integers(0, 5000))),
        org_unit=draw(_pick(ORG_UNITS)),
        level=draw(_pick(LEVELS.values())),
        specialties=tuple(
            dict.fromkeys(draw(st.lists(_text.filter(lambda s: len(s) <= 50), max_size=3)))
        ),
        status=draw(_pick(set(INSPECTOR_STATUS.values()) - {"active"})),
        phone=None,
        department=draw(st.one_of(st.just(""), _text.filter(lambda s: len(s) <= 100))),
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(_inspector(), min_size=1, max_size=5, unique_by=(lambda i: i.id, lambda i: i.cert_no))
)
def test_round_trip_property_inspectors(tmp_path: Path, rows: list[InspectorRow]) -> None:
    assert _round_trip(rows, "inspectors", tmp_path / "p.csv") == rows


@given(st.integers(1, 10000))
def test_ratio_format_parses_back(bp: int) -> None:
    assert c.ratio(c.fmt_ratio(bp)) == bp


@given(st.lists(st.sampled_from(sorted(METHODS)), min_size=1, unique=True))
def test_methods_format_parses_back(labels: list[str]) -> None:
    codes = tuple(METHODS[x] for x in labels)
    assert c.enum_list(METHODS, "抽查方式")(c.fmt_enum_list(METHODS)(codes)) == codes


@given(st.text(max_size=30))
def test_parsers_raise_only_cell_errors(s: str) -> None:
    for lay in LAYOUTS.values():
        for col in lay.columns:
            if not s.strip():
                continue
            with contextlib.suppress(c.CellError):
                col.parse(s)


def test_docs_list_every_header_and_code() -> None:
    doc = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    for lay in LAYOUTS.values():
        spellings = [h for col in lay.columns for h in col.accepted]
        assert len(spellings) == len(set(spellings)), lay.kind
        for col in lay.columns:
            for h in col.accepted:
                assert h in doc, (lay.kind, h)
    src = "".join(p.read_text() for p in (ROOT / "lottery" / "registry_io").glob("*.py"))
    for code in set(re.findall(r'"([a-z_]+\.[a-z_]+)"', src)):
        if not code.endswith((".py", ".md")):
            assert f"`{code}`" in doc, code
