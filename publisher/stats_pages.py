"""统计与考评: the statistics page, its charts and its downloads (docs/statistics.md).

The figures are :func:`lottery.core.statistics.compute` over the public log and the latest
registry snapshots; this module names them (items, districts, inspectors), lays them out as
tables, draws the charts as inline SVG (no script, no CDN: ``role="img"``, a title and an
``aria-label`` with every number, and the same numbers in the table below each chart), and
writes the same tables as CSV (UTF-8 with BOM, one long table) and XLSX (a sheet per table).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from lottery.core.pool_membership import INSPECTOR_ACTIVE, TARGET_ACTIVE
from lottery.core.statistics import OUTSIDE, Statistics, Workload, compute, percent
from publisher.model import SiteModel
from publisher.office import DEFAULT_NAME
from publisher.pages import record_ids
from publisher.render import escape, plain, render

CSV_FILE = "statistics.csv"
XLSX_FILE = "statistics.xlsx"
KIND_NAMES = {
    "task-report": "抽查报告",
    "penalty": "行政处罚决定",
    "penalty-withdrawal": "撤回被撤销的行政处罚决定",
}
# A fixed time for the workbook's properties and members: the same export builds the same
# bytes (the site can be rebuilt by anyone from the export).
_FIXED = datetime(2000, 1, 1)
_BAR = "#1e88e5"  # 3:1 or more against the light and the dark page (WCAG 1.4.11)


@dataclass(frozen=True)
class Table:
    """One table of the page and of the downloads; cells are text or numbers."""

    sheet: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    keyed: bool = True
    """Whether the first column names each row (else one row of figures for the whole year)."""


@dataclass(frozen=True)
class YearView:
    """One year's tables, charts and summary sentences."""

    year: int
    tables: list[Table]
    charts: dict[str, Markup]
    sentences: dict[str, str]


def collect(model: SiteModel, planned: Mapping[tuple[int, str], int] | None = None) -> Statistics:
    """The statistics of the site's log (``planned``: the annual plan's counts, when known)."""
    targets = None
    latest = model.latest_snapshot("targets")
    if latest is not None:
        snap = latest[1]
        key, region, status = (snap.column(c) for c in ("uscc", "region", "status"))
        targets = {r[key]: r[region] for r in snap.rows if r[status] == TARGET_ACTIVE}
    active: list[str] = []
    departments = None
    people = model.latest_snapshot("inspectors")
    if people is not None:
        snap = people[1]
        key, status = snap.column("id"), snap.column("status")
        active = [r[key] for r in snap.rows if r[status] == INSPECTOR_ACTIVE]
        departments = snap.mapping("department")
    records = zip(record_ids(model), (r.body for r in model.records), strict=True)
    return compute(
        records, targets=targets, inspectors=active, planned=planned, departments=departments
    )


def _item_names(model: SiteModel) -> dict[str, str]:
    current = model.current_items
    if current is None:
        return {}
    return {str(i["code"]): str(i["name"]) for i in current.body["items"]}


def bar_chart(title: str, bars: Sequence[tuple[str, float | Decimal, str]], top: float) -> Markup:
    """A horizontal bar chart as inline SVG: each bar's label above it, its value after it.

    ``bars``: (label, value, value as shown); ``top``: the value of a full-width bar. Every text
    is escaped; the ``aria-label`` says the title and every label and value.
    """
    width, row, bar_span = 400, 36, 330
    height = max(row * len(bars), row) + 4
    spoken = "；".join(f"{label} {shown}" for label, _, shown in bars) or "暂无"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}：{escape(spoken)}">'
        f"<title>{escape(title)}</title>"
    ]
    for i, (label, value, shown) in enumerate(bars):
        y = i * row
        size = 0 if not top else round(bar_span * float(value) / top)
        parts.append(
            f'<text x="0" y="{y + 13}" font-size="14" fill="currentColor">{escape(label)}</text>'
            f'<rect x="0" y="{y + 18}" width="{size}" height="12" fill="{_BAR}"></rect>'
            f'<text x="{size + 6}" y="{y + 29}" font-size="13" fill="currentColor">'
            f"{escape(shown)}</text>"
        )
    parts.append("</svg>")
    # One block without blank lines: Markdown passes it through as raw HTML.
    return Markup('<div class="lottery-chart">' + "".join(parts) + "</div>")  # noqa: S704


def _median(value: Decimal) -> str:
    return str(value.normalize()) if value == value.to_integral() else f"{value:.1f}"


def department_name(department: str | None, office_name: str) -> str:
    """An inspector's department as the statistics name it: ``""`` is the office's own."""
    if department is None:
        return "不在最新名录中"
    return department or office_name


def _workload_tables(work: Workload | None, names: dict[str, str], office_name: str) -> list[Table]:
    if work is None or not work.counts:
        return []
    tables = [
        Table(
            "工作量概况",
            "检查人员工作量",
            ["人数", "最少（户次）", "中位数（户次）", "最多（户次）"],
            [[len(work.counts), work.least, _median(work.median), work.most]],
            keyed=False,
        ),
        Table(
            "工作量分布",
            "按检查户次统计人数",
            ["检查户次", "人数"],
            [[n, people] for n, people in work.spread()],
        ),
        Table(
            "每人检查户次",
            "每名检查人员的检查户次",
            ["检查人员编号", "姓名", "检查户次"],
            [[pid, names.get(pid, ""), n] for pid, n in work.counts],
        ),
    ]
    if work.departments:
        rows = [
            [department_name(d.department, office_name), d.inspectors, d.inspections, d.results]
            for d in work.departments
        ]
        tables.append(
            Table(
                "各部门工作量",
                "各部门检查人员工作量",
                ["所属部门", "人数", "检查人次", "参与检查户次"],
                rows,
            )
        )
    return tables


def year_views(
    model: SiteModel, stats: Statistics, office_name: str = DEFAULT_NAME
) -> list[YearView]:
    """Every year's tables and charts, newest year first (``office_name``: the department of
    the office's own inspectors)."""
    items = _item_names(model)
    places = model.places()
    people = model.inspector_names()
    views = []
    for year in stats.years:
        rows = stats.of_year(year)
        tables: list[Table] = []
        charts: dict[str, Markup] = {}
        sentences: dict[str, str] = {}
        planned = any(r.planned is not None for r in rows["tasks"])
        heads = ["抽查事项", *(["计划任务"] if planned else [])]
        heads += ["已公告", "已抽取", "已公开抽取结果", "已取消", "已有检查结果"]
        task_rows = [
            [
                f"{items[r.item]}（{r.item}）" if r.item in items else r.item,
                *([r.planned] if planned else []),
                r.announced,
                r.drawn,
                r.disclosed,
                r.cancelled,
                r.inspected,
            ]
            for r in rows["tasks"]
        ]
        tables.append(Table("抽查任务", "抽查任务（按抽查事项）", heads, task_rows))

        result = rows["results"]
        inspected = result is not None and result.results > 0
        coverage = rows["coverage"] if inspected else []
        if coverage:
            cov_rows = []
            for r in coverage:
                if r.region is None:
                    label = "全部"
                    sentences["coverage"] = (
                        f"名录中正常状态的 {r.register} 户抽查对象，本年度已检查 {r.inspected} 户，"
                        f"覆盖率 {percent(r.inspected, r.register)}。"
                    )
                elif r.region == OUTSIDE:
                    label = "不在最新名录中"
                else:
                    label = places.region_with_code(r.region)
                shown = percent(r.inspected, r.register) if r.register else "—"
                cov_rows.append([label, r.inspected, r.register, shown])
            tables.append(
                Table(
                    "覆盖率",
                    "抽查对象覆盖率（按区县）",
                    ["区县", "已检查对象（户）", "名录中对象（户）", "覆盖率"],
                    cov_rows,
                )
            )
            bars = [
                (
                    places.region(r.region),
                    Decimal(r.inspected) * 100 / r.register,
                    percent(r.inspected, r.register),
                )
                for r in coverage
                if r.region and r.register
            ]
            top = max((float(v) for _, v, _ in bars), default=0)
            charts["覆盖率"] = bar_chart(f"{year} 年度各区县抽查对象覆盖率", bars, top)

        work = rows["workload"] if inspected else None
        tables += _workload_tables(work, people, office_name)
        if work is not None and work.counts:
            spread = work.spread()
            top = max(n for _, n in spread)
            bars = [(f"检查 {n} 户次", k, f"{k} 人") for n, k in spread]
            charts["工作量分布"] = bar_chart(f"{year} 年度检查人员工作量分布", bars, top)

        if result is not None:
            sentences["results"] = (
                f"本年度现行检查结果 {result.results} 条（其中经更正的 {result.corrections} 条、"
                f"内容已撤回公示的 {result.withdrawn} 条）。"
            )
            cat_rows = [[c, n, percent(n, result.results)] for c, n in result.categories]
            tables.append(
                Table(
                    "结果分类", "检查结果分类", ["抽查结果类别", "检查结果（条）", "占比"], cat_rows
                )
            )
            top = max((n for _, n in result.categories), default=0)
            bars = [(c, n, f"{n} 条") for c, n in result.categories]
            if bars:
                charts["结果分类"] = bar_chart(f"{year} 年度检查结果分类", bars, top)

        rect = rows["rectifications"]
        if rect is not None and rect.orders:
            tables.append(
                Table(
                    "整改",
                    "整改完成情况",
                    ["整改要求（份）", "复查为已整改", "整改完成率", "尚未复查"],
                    [[rect.orders, rect.closed, percent(rect.closed, rect.orders), rect.unchecked]],
                    keyed=False,
                )
            )

        timely = rows["timeliness"]
        if timely:
            tables.append(
                Table(
                    "公开时效",
                    "公开时效",
                    ["公开事项", "应公开（件）", "按时公开（件）", "按时率", "最长逾期（工作日）"],
                    [
                        [
                            KIND_NAMES[r.kind],
                            r.total,
                            r.on_time,
                            percent(r.on_time, r.total),
                            r.most_late,
                        ]
                        for r in timely
                    ],
                )
            )
            bars = [
                (
                    KIND_NAMES[r.kind],
                    Decimal(r.on_time) * 100 / r.total,
                    percent(r.on_time, r.total),
                )
                for r in timely
            ]
            charts["公开时效"] = bar_chart(f"{year} 年度按时公开率", bars, 100)
        views.append(YearView(year, tables, charts, sentences))
    return views


def stats_page(views: list[YearView]) -> str:
    """The Markdown of ``stats/``."""
    return render("stats.md", views=views, csv_file=CSV_FILE, xlsx_file=XLSX_FILE)


def _text(value: Any) -> Any:
    """A cell for a download: numbers as they are, text visible and never a formula."""
    if isinstance(value, int):
        return value
    text = plain(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_bytes(views: list[YearView]) -> bytes:
    """Every table as one long table (年度, 统计表, 分组, 指标, 数值), UTF-8 with a BOM so that
    Excel reads the Chinese; one row per figure, the first column of a table row as 分组
    (全部 for a table of one row of figures for the whole year)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["年度", "统计表", "分组", "指标", "数值"])
    for view in views:
        for table in view.tables:
            for row in table.rows:
                group, figures = (row[0], 1) if table.keyed else ("全部", 0)
                for head, value in zip(table.headers[figures:], row[figures:], strict=True):
                    writer.writerow([view.year, table.title, _text(group), head, _text(value)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(views: list[YearView]) -> bytes:
    """The tables as a workbook: one sheet per table and year (``2026 抽查任务``), the same
    bytes for the same figures (fixed times in the properties and the archive)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    wb = openpyxl.Workbook(write_only=True)
    wb.properties.creator = "lottery"
    wb.properties.created = wb.properties.modified = _FIXED
    for view in views:
        for table in view.tables:
            ws = wb.create_sheet(f"{view.year} {table.sheet}")

            def cell(value: Any, ws: Any = ws) -> Any:
                c = WriteOnlyCell(ws, value=_text(value))
                if isinstance(c.value, str):
                    c.data_type = "s"
                return c

            ws.append([cell(h) for h in table.headers])
            for row in table.rows:
                ws.append([cell(v) for v in row])
    if not views:
        wb.create_sheet("暂无")
    raw = io.BytesIO()
    wb.save(raw)
    return _fixed_zip(raw.getvalue())


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fixed_zip(data: bytes) -> bytes:
    """The archive again with every time fixed: openpyxl stamps the current time on each
    member and as the workbook's ``modified`` property, whatever the properties say."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            member = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = _FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                member = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", member)
            dst.writestr(fixed, member)
    return out.getvalue()
