"""抽查结果 and 行政处罚: per-task result tables, task reports, penalties and withdrawals.

Every payload field of ``inspection-result`` and ``penalty`` records is shown as a column. A
task's results are one page (one table) rather than a page per result: 50,000 results are
1,000 pages, not 50,000 (docs/site.md). Every task report and penalty shows its publication
deadline (公开时限) and whether it was published on time or late by how many working days, as
its record states it (``lottery verify`` recomputes and checks that claim). A withdrawn
penalty shows only its decision number, dates, deadline, the withdrawal and the record hash:
none of its content (docs/results.md).
"""

from __future__ import annotations

from typing import Any

from lottery.core.records import Record
from publisher.model import SiteModel
from publisher.pages import (
    ENVELOPE,
    FIELD_LABELS,
    NO_SEARCH,
    cell,
    fields_table,
    h,
    link,
    log_link,
    md,
    table,
)


def _rows_with_payloads(
    model: SiteModel,
    records: list[Record],
    lead: list[str],
    cells: list[list[str]],
    shown: set[str],
    root: str,
) -> list[str]:
    cols, payload_cells = fields_table([r.body for r in records], ENVELOPE | shown)
    tail = ["公开时间（UTC）", "日志序号"]
    rows = [
        [*front, *payload, r.body["time"], log_link(model, r, root)]
        for front, payload, r in zip(cells, payload_cells, records, strict=True)
    ]
    return table([*lead, *cols, *tail], rows)


def deadline_text(body: dict[str, Any]) -> tuple[str, str]:
    """(公开时限, 公开情况) of a ``task-report`` or ``penalty`` body, as HTML.

    For example ``2026-04-07（自 2026-03-26 起 7 个工作日）`` and ``逾期 2 个工作日
    （2026-04-09 公开）``.
    """
    claim = body.get("deadline")
    if not isinstance(claim, dict):
        return "—", "—"
    due = h(f"{claim['due']}（自 {claim['start']} 起 {claim['workdays']} 个工作日）")
    late = int(claim["late_by"])
    status = "按时公开" if late == 0 else f"逾期 {late} 个工作日"
    published = f"（{claim['published']} 公开）"
    if late:
        return due, f"<strong>{h(status)}</strong>{h(published)}"
    return due, h(status + published)


def _report(model: SiteModel, record: Record) -> list[str]:
    """One task report: its deadline and fields as a two-column table, the text below it."""
    body = record.body
    skip = ENVELOPE | {"task", "text", "deadline"}
    due, status = deadline_text(body)
    rows = [["公开时限", due], ["公开情况", status]]
    rows += [[h(FIELD_LABELS.get(k, k)), cell(v)] for k, v in body.items() if k not in skip]
    rows += [["公开时间（UTC）", body["time"]], ["日志序号", log_link(model, record, "../../")]]
    text = body.get("text")
    return [
        f"### 抽查报告 `{record.id[:16]}…`",
        "",
        *table(["项目", "内容"], rows),
        *([md(text), ""] if isinstance(text, str) and text else []),
    ]


def result_pages(model: SiteModel) -> dict[str, str]:
    """``index`` (tasks with their result counts) and one page per task with results."""
    tasks = sorted(set(model.results) | set(model.task_reports))
    names = model.target_names() if tasks else {}
    index = [
        "# 抽查结果",
        "",
        "各抽查任务的检查结果及抽查报告，在检查完成、审核通过后公开。",
        "",
    ]
    rows = []
    out: dict[str, str] = {}
    for task in tasks:
        view = model.tasks.get(task)
        title = view.announcement["title"] if view else ""
        results = model.results.get(task, [])
        # A corrected result is replaced by its correction (which names it in "supersedes");
        # the original stays in the log and is counted here.
        superseded = {r.body.get("supersedes") for r in results} - {None}
        corrected = sum(r.id in superseded for r in results)
        results = [r for r in results if r.id not in superseded]
        reports = model.task_reports.get(task, [])
        report_state = "暂无"
        if reports:
            report_state = "已公开，" + deadline_text(reports[-1].body)[1]
        rows.append([link(task, f"{task}/"), h(title), str(len(results)), report_state])
        task_link = f"[{task}](../tasks/{task}.md)" if view else task
        # Data tables: kept out of the search index (names are found on the task pages and
        # in the target lookup), which would otherwise be mostly these rows.
        page = [
            *NO_SEARCH,
            f"# 抽查结果：{task} {md(title)}",
            "",
            f"抽查任务：{task_link}",
            "",
            "## 检查结果",
            "",
        ]
        if results:
            lead = [
                [
                    h(r.body["target"]),
                    h(r.body.get("target_name") or names.get(r.body["target"], "")),
                ]
                for r in results
            ]
            page += _rows_with_payloads(
                model,
                results,
                ["统一社会信用代码", "名称"],
                lead,
                {"task", "target", "target_name"},
                "../../",
            )
        else:
            page += ["暂无", ""]
        if corrected:
            page += [
                f"另有 {corrected} 条检查结果已被更正，以更正后的结果为准"
                "（原记录仍在公开日志中）。",
                "",
            ]
        page += ["## 抽查报告", ""]
        for report in reports:
            page += _report(model, report)
        if not reports:
            page += ["暂无", ""]
        out[task] = "\n".join(page)
    head = ["任务编号", "名称", "检查结果（条）", "抽查报告"]
    index += table(head, rows) if rows else ["暂无", ""]
    out["index"] = "\n".join(index)
    return out


def penalties_page(model: SiteModel) -> str:
    """Penalty decisions in force, then the withdrawn ones without their content.

    A withdrawn penalty's record stays in the log (docs/results.md says why); the site shows
    only that it was published and withdrawn: decision number, dates, its deadline, the
    withdrawal's reason and the record hash; never the entity, facts, amounts or content.
    """
    lines = [
        "# 行政处罚",
        "",
        "行政处罚决定自作出之日起 7 个工作日内公开；公示期满或撤销的决定不再展示内容，"
        "仅列明决定书文号、日期、公开时限、撤销原因及记录哈希（原记录仍在公开日志中）。",
        "",
        "## 公示中",
        "",
    ]
    names = model.target_names()
    current = [r for r in model.penalties if r.id not in model.withdrawals]
    withdrawn = [r for r in model.penalties if r.id in model.withdrawals]
    if current:
        lead = [
            [
                h(r.body["decision"]),
                h(r.body["target"]),
                h(r.body.get("entity") or names.get(r.body["target"], "")),
                *deadline_text(r.body),
            ]
            for r in current
        ]
        head = ["决定书文号", "统一社会信用代码", "当事人", "公开时限", "公开情况"]
        shown = {"decision", "target", "entity", "deadline"}
        lines += _rows_with_payloads(model, current, head, lead, shown, "../")
    else:
        lines += ["暂无", ""]
    if withdrawn:
        rows = []
        for r in withdrawn:
            w = model.withdrawals[r.id]
            rows.append(
                [
                    h(r.body["decision"]),
                    h(r.body.get("decided", "")),
                    *deadline_text(r.body),
                    r.body["time"],
                    w.body["time"],
                    h(w.body["reason"]),
                    f"<code>{h(r.id)}</code>",
                    f"{log_link(model, r, '../')}、{log_link(model, w, '../')}",
                ]
            )
        head = [
            "决定书文号",
            "决定日期",
            "公开时限",
            "公开情况",
            "公开时间（UTC）",
            "撤销时间（UTC）",
            "撤销原因",
            "处罚记录哈希（SHA-256）",
            "日志序号（处罚、撤销）",
        ]
        lines += [
            "## 已撤销",
            "",
            "以下决定已撤销或公示期满，内容不再展示；处罚记录仍在公开日志中，"
            "可凭记录哈希核验其曾经公开。",
            "",
            *table(head, rows),
        ]
    return "\n".join(lines)
