"""抽查结果 and 行政处罚: per-task result tables, task reports, penalties and withdrawals.

The payloads of ``inspection-result``, ``task-report`` and ``penalty`` records are refined by a
later issue; until then every top-level payload field is shown as a column. A task's results
are one page (one table) rather than a page per result: 50,000 results are 1,000 pages, not
50,000 (docs/site.md).
"""

from __future__ import annotations

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


def _report(model: SiteModel, record: Record) -> list[str]:
    """One task report: its fields as a two-column table, the text below it."""
    body = record.body
    skip = ENVELOPE | {"task", "text"}
    rows = [[h(FIELD_LABELS.get(k, k)), cell(v)] for k, v in body.items() if k not in skip]
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
        reports = model.task_reports.get(task, [])
        rows.append(
            [link(task, f"{task}/"), h(title), str(len(results)), "已公开" if reports else "暂无"]
        )
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
    """Penalty decisions, each marked when withdrawn (with the withdrawal's reason)."""
    lines = [
        "# 行政处罚",
        "",
        "行政处罚决定自作出之日起 7 个工作日内公开；撤销的决定保留原记录并注明撤销原因。",
        "",
    ]
    if not model.penalties:
        return "\n".join([*lines, "暂无", ""])
    names = model.target_names()
    lead = []
    for r in model.penalties:
        withdrawal = model.withdrawals.get(r.id)
        state = f"已撤销：{h(withdrawal.body['reason'])}" if withdrawal else "有效"
        name = r.body.get("entity") or names.get(r.body["target"], "")
        lead.append([h(r.body["decision"]), h(r.body["target"]), h(name), state])
    head = ["决定书文号", "统一社会信用代码", "当事人", "状态"]
    shown = {"decision", "target", "entity"}
    return "\n".join(
        [*lines, *_rows_with_payloads(model, model.penalties, head, lead, shown, "../")]
    )
