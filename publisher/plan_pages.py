"""The 年度计划 page: each year's annual plan in force against its execution (planned /
announced / completed), and every version published (docs/plans.md).

Counts come from the records alone: a task counts for an entry when its announcement names a
``plan`` record of that year and the entry's id (``announcement.plan``, which ``lottery
verify`` checks); announced = announced and not cancelled, completed = disclosed.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from lottery.core.records import Record
from publisher.model import SiteModel, TaskView
from publisher.pages import link, log_link, table
from publisher.render import beijing, escape, render, url_part

QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")


def period_text(period: str) -> str:
    """``"03"`` -> ``3月``, ``"Q2"`` -> ``第二季度`` (the record's values are schema-checked)."""
    if period.startswith("Q"):
        return QUARTERS[int(period[1:]) - 1]
    return f"{int(period)}月"


def _ratio(value: int | None) -> str:
    return "未定" if value is None else f"{value / 100:g}%"


def _joint(entry: dict[str, Any]) -> str:
    return "是（" + "、".join(entry["departments"]) + "）" if entry["joint"] else "否"


def plan_ref(model: SiteModel, view: TaskView) -> tuple[Record, dict[str, Any]] | None:
    """The plan record and entry a task's announcement names (None: it names none)."""
    ref = view.announcement.get("plan")
    if not ref:
        return None
    record = model.plans.get(ref["record"])
    if record is None:
        return None
    entry = next((e for e in record.body["entries"] if e["id"] == ref["entry"]), None)
    return None if entry is None else (record, entry)


def plan_cell(model: SiteModel, view: TaskView, root: str) -> Markup | None:
    """A task page's line naming its plan entry, linked to the plan page (None: no entry)."""
    found = plan_ref(model, view)
    if found is None:
        return None
    record, entry = found
    body = record.body
    text = (
        f"{body['year']} 年度抽查计划 第 {body['version']} 版，条目 {entry['id']}"
        f"（{period_text(entry['period'])}，计划 {entry['tasks']} 次）"
    )
    return link(text, f"{root}plans/#{url_part(_anchor(body['year'], entry['id']))}")


def _anchor(year: int, entry_id: str) -> str:
    return f"plan-{year}-{entry_id}".lower()


def _tasks_by_entry(model: SiteModel) -> dict[tuple[int, str], list[TaskView]]:
    out: dict[tuple[int, str], list[TaskView]] = {}
    for view in model.tasks.values():
        found = plan_ref(model, view)
        if found is not None:
            record, entry = found
            out.setdefault((record.body["year"], entry["id"]), []).append(view)
    return out


def _task_links(views: list[TaskView]) -> Markup:
    parts = []
    for view in sorted(views, key=lambda v: v.task):
        state = "（已取消）" if view.status == "cancelled" else ""
        parts.append(link(view.task, f"../tasks/{url_part(view.task)}/") + escape(state))
    return Markup("、").join(parts) if parts else escape("—")


def _entry_rows(
    year: int, entries: list[dict[str, Any]], done: dict[tuple[int, str], list[TaskView]] | None
) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for entry in entries:
        # The anchor a task page links to: on the plan in force only (ids are unique).
        anchor = Markup('<span id="{}"></span>').format(_anchor(year, entry["id"]))
        row: list[Any] = [
            (anchor if done is not None else Markup()) + escape(entry["id"]),
            period_text(entry["period"]),
            "、".join(entry["items"]),
            _ratio(entry["ratio"]),
            entry["frequency"] or "未定",
            _joint(entry),
            entry["tasks"],
        ]
        if done is not None:
            views = done.get((year, entry["id"]), [])
            live = [v for v in views if v.status != "cancelled"]
            row += [
                len(live),
                sum(1 for v in live if v.status == "disclosed"),
                _task_links(views),
            ]
        row.append(entry["note"] or "—")
        rows.append(row)
    return rows


def planned_counts(model: SiteModel) -> dict[tuple[int, str], int]:
    """Per (year, item code): the planned task count of the year's plan in force, summed over
    the entries that name the item (docs/statistics.md, "The plan")."""
    latest: dict[int, Record] = {}
    for record in model.plans.values():
        year = record.body["year"]
        if year not in latest or record.body["version"] > latest[year].body["version"]:
            latest[year] = record
    counts: dict[tuple[int, str], int] = {}
    for year, record in latest.items():
        for entry in record.body["entries"]:
            for item in entry["items"]:
                counts[(year, item)] = counts.get((year, item), 0) + int(entry["tasks"])
    return counts


HEADERS = ["计划编号", "计划时间", "抽查事项", "抽查比例", "抽查频次", "联合抽查", "计划次数"]


def plans_page(model: SiteModel) -> str:
    """The 年度计划 page: per year the plan in force with its execution, then every version."""
    by_year: dict[int, list[Record]] = {}
    for record in model.plans.values():
        by_year.setdefault(record.body["year"], []).append(record)
    done = _tasks_by_entry(model)
    years = []
    for year in sorted(by_year, reverse=True):
        versions = sorted(by_year[year], key=lambda r: r.body["version"])
        current = versions[-1]
        years.append(
            {
                "year": year,
                "version": current.body["version"],
                "current": table(
                    [*HEADERS, "已公告", "已完成", "执行的任务", "备注"],
                    _entry_rows(year, current.body["entries"], done),
                    first=(0, 7),
                    cards=True,
                ),
                "versions": table(
                    ["版本", "公开时间（北京时间）", "条目数", "调整原因", "日志序号"],
                    [
                        [
                            f"第 {r.body['version']} 版",
                            beijing(r.body["time"]),
                            len(r.body["entries"]),
                            r.body["reason"] or "（首版）",
                            log_link(model, r, "../"),
                        ]
                        for r in reversed(versions)
                    ],
                    cards=True,
                ),
                "older": [
                    {
                        "version": r.body["version"],
                        "table": table(
                            [*HEADERS, "备注"],
                            _entry_rows(year, r.body["entries"], None),
                            cards=True,
                        ),
                    }
                    for r in reversed(versions[:-1])
                ],
            }
        )
    return render("plans.md", years=years)
