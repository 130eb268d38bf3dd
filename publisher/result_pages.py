"""抽查结果 and 行政处罚: per-task result tables, task reports, penalties and withdrawals.

Every payload field of ``inspection-result`` and ``penalty`` records is shown as a column. A
task's results are one page (one table) rather than a page per result: 50,000 results are
1,000 pages, not 50,000 (docs/site.md). Every task report and penalty shows its publication
deadline (公开时限) and whether it was published on time or late by how many working days, as
its record states it (``lottery verify`` recomputes and checks that claim). A penalty's
content is sealed (docs/spec.md §2.1): a penalty in force is shown with the content of its
sealed blob (checked against its commitment by the audit); a withdrawn penalty's blob is gone,
so it shows only its decision number, dates, deadline, the withdrawal and the record hash.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from lottery.core.records import Record
from publisher.model import SiteModel
from publisher.onsite_cells import readable
from publisher.pages import ENVELOPE, FIELD_LABELS, cell, fields_table, h, link, log_link
from publisher.render import beijing, code, escape, render


def _rows_with_payloads(
    model: SiteModel,
    records: list[Record],
    lead: list[str],
    cells: list[list[Any]],
    shown: set[str],
    root: str,
) -> dict[str, Any]:
    """Headers and rows of a table: ``lead`` columns, every payload field, time, log index."""
    cols, payload_cells = fields_table([r.body for r in records], ENVELOPE | shown)
    tail = ["公开时间（北京时间）", "日志序号"]
    rows = [
        [*front, *payload, beijing(r.body["time"]), log_link(model, r, root)]
        for front, payload, r in zip(cells, payload_cells, records, strict=True)
    ]
    return {"headers": [*lead, *cols, *tail], "rows": rows}


def _opened(model: SiteModel, record: Record) -> Record:
    """A record with its sealed content (checked by the audit) in its body; a withdrawn one
    as it is (its content is gone)."""
    content = model.report.sealed.contents.get(record.id, {})
    if record.type == "inspection-result":
        content = readable(content)  # the on-site record as text (issue #16)
    return Record(record.note, record.text, record.body | content)


def deadline_text(body: dict[str, Any]) -> tuple[Markup, Markup]:
    """(公开时限, 公开情况) of a ``task-report`` or ``penalty`` body, as HTML.

    For example ``2026-04-07（自 2026-03-26 起 7 个工作日）`` and ``逾期 2 个工作日
    （2026-04-09 公开）``.
    """
    claim = body.get("deadline")
    if not isinstance(claim, dict):
        return escape("—"), escape("—")
    due = h(f"{claim['due']}（自 {claim['start']} 起 {claim['workdays']} 个工作日）")
    late = int(claim["late_by"])
    status = "按时公开" if late == 0 else f"逾期 {late} 个工作日"
    published = f"（{claim['published']} 公开）"
    if late:
        return due, Markup(f"<strong>{h(status)}</strong>{h(published)}")  # noqa: S704
    return due, h(status + published)


def _report(model: SiteModel, record: Record) -> dict[str, Any]:
    """One task report: its deadline and fields as a two-column table, the text below it."""
    body = record.body
    skip = ENVELOPE | {"task", "text", "deadline"}
    due, status = deadline_text(body)
    rows: list[list[Any]] = [["公开时限", due], ["公开情况", status]]
    rows += [[FIELD_LABELS.get(k, k), cell(v)] for k, v in body.items() if k not in skip]
    rows += [
        ["公开时间（北京时间）", beijing(body["time"])],
        ["日志序号", log_link(model, record, "../../")],
    ]
    text = body.get("text")
    return {
        "short": record.id[:16] + "…",
        "rows": rows,
        "text": text if isinstance(text, str) and text else None,
    }


def rectification_rows(model: SiteModel, task: str, names: dict[str, str]) -> list[list[Any]]:
    """整改要求 / 复查结果 of a task: one row per order, with its re-check when published; the
    sealed requirements and note as their blobs hold them (gone once withdrawn)."""
    records = model.rectifications.get(task, [])
    checks = {r.body["order"]: r for r in records if r.type == "rectification-check"}
    rows = []
    for order in (r for r in records if r.type == "rectification-order"):
        body = order.body
        sealed = model.report.sealed.contents.get(order.id, {})
        check = checks.get(order.id)
        done: list[Any] = ["未复查", "", "", "", ""]
        if check is not None:
            opened = model.report.sealed.contents.get(check.id)
            note = "（已撤回）" if opened is None else opened.get("note", "")
            done = [
                check.body["outcome"],
                check.body["date"],
                cell(check.body["inspectors"]),
                note,
                log_link(model, check, "../../"),
            ]
        rows.append(
            [
                body["target"],
                names.get(body["target"], ""),
                sealed.get("requirements", "（已撤回）"),
                body["due"],
                beijing(body["time"]),
                log_link(model, order, "../../"),
                *done,
            ]
        )
    return rows


RECTIFICATION_HEADERS = [
    "统一社会信用代码",
    "名称",
    "整改要求",
    "整改期限",
    "下达时间（北京时间）",
    "日志序号",
    "复查结论",
    "复查日期",
    "复查人员",
    "复查情况",
    "复查记录",
]


def result_pages(model: SiteModel) -> dict[str, str]:
    """``index`` (tasks with their result counts) and one page per task with results."""
    tasks = sorted(set(model.results) | set(model.task_reports) | set(model.rectifications))
    names = model.target_names() if tasks else {}
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
        results = [_opened(model, r) for r in results if r.id not in superseded]
        reports = model.task_reports.get(task, [])
        report_state: Any = "暂无"
        if reports:
            report_state = escape("已公开，") + deadline_text(reports[-1].body)[1]
        rows.append([link(task, f"{task}/"), title, len(results), report_state])
        table = None
        if results:
            lead = [
                [r.body["target"], r.body.get("target_name") or names.get(r.body["target"], "")]
                for r in results
            ]
            table = _rows_with_payloads(
                model,
                results,
                ["统一社会信用代码", "名称"],
                lead,
                {"task", "target", "target_name"},
                "../../",
            )
        out[task] = render(
            "results_task.md",
            task=task,
            title=title,
            has_view=view is not None,
            results=table,
            corrected=corrected,
            reports=[_report(model, r) for r in reports],
            rectifications=rectification_rows(model, task, names),
            rectification_headers=RECTIFICATION_HEADERS,
        )
    out["index"] = render("results_index.md", rows=rows)
    return out


_GROUNDS = {
    "expired": "公示期满",
    "revoked": "决定被撤销",
    "repaired": "信用修复",
    "other": "其他",
}


def _why(body: dict[str, Any]) -> Markup:
    """The withdrawal's reason; for a revoked decision also its 3-working-day deadline."""
    text = f"{_GROUNDS.get(body['ground'], body['ground'])}：{body['reason']}"
    claim = body.get("deadline")
    if not isinstance(claim, dict):
        return h(text)
    due, status = deadline_text(body)
    return h(f"{text}；撤销决定 {body['revoked']}，撤回时限 ") + due + h("，") + status


def penalties_page(model: SiteModel) -> str:
    """Penalty decisions in force, then the withdrawn ones without their content.

    A withdrawn penalty's record stays in the log (docs/results.md says why); the site shows
    only that it was published and withdrawn: decision number, dates, its deadline, the
    withdrawal's reason and the record hash; never the entity, facts, amounts or content.
    """
    names = model.target_names()
    current = [_opened(model, r) for r in model.penalties if r.id not in model.withdrawals]
    withdrawn = [r for r in model.penalties if r.id in model.withdrawals]
    table = None
    if current:
        lead = [
            [
                r.body["decision"],
                r.body["target"],
                r.body.get("entity") or names.get(r.body["target"], ""),
                *deadline_text(r.body),
            ]
            for r in current
        ]
        head = ["决定书文号", "统一社会信用代码", "当事人", "公开时限", "公开情况"]
        shown = {"decision", "target", "entity", "deadline"}
        table = _rows_with_payloads(model, current, head, lead, shown, "../")
    rows = []
    for r in withdrawn:
        w = model.withdrawals[r.id]
        rows.append(
            [
                r.body["decision"],
                r.body.get("decided", ""),
                *deadline_text(r.body),
                beijing(r.body["time"]),
                beijing(w.body["time"]),
                _why(w.body),
                code(r.id),
                log_link(model, r, "../") + escape("、") + log_link(model, w, "../"),
            ]
        )
    return render("penalties.md", current=table, withdrawn=rows)
