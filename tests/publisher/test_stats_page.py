"""统计与考评: names from records are inert on the page, in the charts and in the downloads;
the downloads carry the page's figures, Excel-ready and byte-for-byte reproducible.

The figures come from the hand-built log of tests/core/test_statistics.py; the names (an item,
a district, an inspector) are hostile.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any

import openpyxl

from lottery.core.statistics import compute
from publisher.names import Places
from publisher.stats_pages import bar_chart, csv_bytes, stats_page, xlsx_bytes, year_views
from tests.core.test_statistics import ACTIVE, LOG, TARGETS

HOSTILE = "<script>alert(1)</script>|*x*"
HOSTILE_SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt;&#124;&#42;x&#42;"
FORMULA = '=HYPERLINK("http://x.example","点")'


@dataclass
class _Items:
    body: dict[str, Any]


class _Model:
    """What year_views reads of a site model: item names, district names, inspector names."""

    current_items = _Items(
        {"items": [{"code": "A", "name": HOSTILE}, {"code": "B", "name": FORMULA}]}
    )

    def places(self) -> Places:
        return Places({"1": HOSTILE, "2": "云台区"})

    def inspector_names(self) -> dict[str, str]:
        return {"p1": HOSTILE}


def _views() -> Any:
    stats = compute(
        LOG,
        targets=TARGETS,
        inspectors=ACTIVE,
        planned={(2026, "A"): 3},
        departments={"p1": "", "p2": HOSTILE, "p3": "", "p4": "", "p7": ""},
    )
    return year_views(_Model(), stats, "青岚市人民防空办公室")  # type: ignore[arg-type]


def test_names_from_records_are_text_on_the_page_and_in_the_charts() -> None:
    page = stats_page(_views())
    assert "<script>" not in page
    assert "|*x*" not in page
    # The item in the task table, the district in the coverage table, chart and its label,
    # the inspector in the per-inspector table.
    assert page.count(HOSTILE_SHOWN) >= 5
    assert f'<text x="0" y="13" font-size="14" fill="currentColor">{HOSTILE_SHOWN}</text>' in page
    assert (
        f'aria-label="2026 年度各区县抽查对象覆盖率：{HOSTILE_SHOWN} 100.0%；云台区 50.0%"' in page
    )
    # Every chart is an image with a title, its numbers in the table beside it.
    # 4 charts a year (coverage, workload, categories, timeliness), 2 years.
    assert page.count('role="img"') == page.count("<title>") == 8
    assert "<td>计划任务</td>" not in page and "<th>计划任务</th>" in page
    # The workload per department, the office's own under the office's name.
    assert "### 各部门检查人员工作量" in page and "青岚市人民防空办公室" in page


def test_a_chart_escapes_its_title_and_scales_to_the_top_value() -> None:
    svg = str(bar_chart(HOSTILE, [("甲", 2, "2 人"), ("乙", 1, "1 人")], 2))
    assert "<script>" not in svg
    assert f"<title>{HOSTILE_SHOWN}</title>" in svg
    assert 'width="330"' in svg and 'width="165"' in svg  # full bar, half bar


def test_the_csv_is_excel_ready_and_carries_the_page_s_figures() -> None:
    data = csv_bytes(_views())
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["年度", "统计表", "分组", "指标", "数值"]
    assert ["2026", "抽查对象覆盖率（按区县）", "全部", "覆盖率", "66.7%"] in rows
    assert ["2026", "整改完成情况", "全部", "复查为已整改", "1"] in rows
    assert ["2026", "公开时效", "抽查报告", "最长逾期（工作日）", "2"] in rows
    # Per department: the office's own under its name (p1 3 + p3 p4 p7 0 + ... ).
    assert ["2026", "各部门检查人员工作量", "青岚市人民防空办公室", "检查人次", "4"] in rows
    assert ["2026", "各部门检查人员工作量", "青岚市人民防空办公室", "参与检查户次", "3"] in rows
    assert ["2026", "各部门检查人员工作量", HOSTILE, "人数", "1"] in rows
    assert ["2025", "各部门检查人员工作量", "不在最新名录中", "参与检查户次", "1"] in rows
    # A name that looks like a formula stays text.
    assert ["2026", "抽查任务（按抽查事项）", "'" + FORMULA + "（B）", "已公告", "1"] in rows


def test_the_workbook_has_a_sheet_per_table_and_the_same_bytes_each_time() -> None:
    views = _views()
    data = xlsx_bytes(views)
    assert data == xlsx_bytes(views)  # fixed times: the same export builds the same file
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        core = archive.read("docProps/core.xml")
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    assert b">2000-01-01T00:00:00Z</dcterms:modified>" in core
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert "2026 覆盖率" in book.sheetnames and "2025 抽查任务" in book.sheetnames
    sheet = book["2026 抽查任务"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == [
        "抽查事项",
        "计划任务",
        "已公告",
        "已抽取",
        "已公开抽取结果",
        "已取消",
        "已有检查结果",
    ]
    assert values[1] == [f"{HOSTILE}（A）", 3, 2, 2, 1, 1, 1]
    assert book["2026 工作量概况"]["C2"].value == "1"  # the median, as the page shows it
    dept = [[c.value for c in row] for row in book["2026 各部门工作量"].iter_rows()]
    assert dept == [
        ["所属部门", "人数", "检查人次", "参与检查户次"],
        ["青岚市人民防空办公室", 4, 4, 3],
        [HOSTILE, 1, 2, 2],
    ]
