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

import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from lottery.core.publication_rules import WITHHELD_ZH, PublicationRule, treatment
from lottery.core.records import Record
from publisher.model import SiteModel
from publisher.names import Places
from publisher.objection_rows import OBJECTION_HEADERS, objection_rows, objection_status
from publisher.onsite_cells import readable
from publisher.pages import (
    ENVELOPE,
    FIELD_LABELS,
    cell,
    fields_table,
    h,
    link,
    log_link,
    target_link,
)
from publisher.render import beijing, code, escape, render


def _rows_with_payloads(
    model: SiteModel,
    records: list[Record],
    lead: list[str],
    cells: list[list[Any]],
    shown: set[str],
    root: str,
    substance: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Headers and rows of a table: ``lead`` columns, every payload field, time, log index;
    ``first``: the indexes of the columns named in ``substance`` (lead headings or payload
    fields), which open each card on a phone."""
    cols, payload_cells = fields_table([r.body for r in records], ENVELOPE | shown)
    tail = ["公开时间（北京时间）", "日志序号"]
    rows = [
        [*front, *payload, beijing(r.body["time"]), log_link(model, r, root)]
        for front, payload, r in zip(cells, payload_cells, records, strict=True)
    ]
    headers = [*lead, *cols, *tail]
    wanted = {FIELD_LABELS.get(k, k) for k in substance}
    first = [i for i, title in enumerate(headers) if str(title) in wanted]
    return {"headers": headers, "rows": rows, "first": first}


def _opened(model: SiteModel, record: Record) -> Record:
    """A record with its sealed content (checked by the audit) in its body; a withdrawn one
    as it is (its content is gone)."""
    content = model.report.sealed.contents.get(record.id, {})
    if record.type == "inspection-result":
        content = readable(content)  # the on-site record as text (issue #16)
    body = record.body | content
    reviews = model.report.sealed.reviews
    if "review" in record.body and record.id in reviews and content:
        body |= reviewed_fields(record.body, content, reviews[record.id])
    return Record(record.note, record.text, body)


def reviewed_fields(
    body: dict[str, Any], content: dict[str, Any], applied: list[PublicationRule]
) -> dict[str, Any]:
    """A reviewed record's fields as the site shows them (保密审查, docs/spec.md §2.3): a
    withheld field says so with the rule's reason, a generalised one carries the reason
    after its general text, and ``review`` names the reviewer and the rules applied."""
    out: dict[str, Any] = {}
    for name, rule in treatment(applied).items():
        if rule.action == "withhold":
            out[name] = f"{WITHHELD_ZH}理由：{rule.reason}（规则 {rule.id}）"
        elif name in content:
            out[name] = (
                f"{content[name]}（保密审查：概括表述。理由：{rule.reason}；规则 {rule.id}）"
            )
    ids = "、".join(body["review"]["rules"]) or "无适用规则"
    out["review"] = f"已经保密审查（审查人：{body['review']['by']}；适用公开规则：{ids}）"
    return out


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


# A report's summary figures (lottery/service/reports.py) as a reader reads them.
_SUMMARY = {"picked": "抽取检查对象（户）", "checked": "已检查（户）", "problems": "发现问题（户）"}
# A line of the report's text that opens a part: 一、抽查概况, 五、各检查对象抽查报告...
_PART = re.compile(r"^[一二三四五六七八九十]+、\S{1,30}$")


def _paragraphs(text: str) -> list[dict[str, Any]]:
    """The report's text as paragraphs (one per non-empty line), the part headings marked."""
    lines = (line.strip() for line in text.splitlines())
    return [{"text": line, "part": bool(_PART.match(line))} for line in lines if line]


def _summary(summary: Any, places: Places) -> dict[str, Any] | None:
    """The figures (抽取/检查/发现问题), by result category and by district, as tables."""
    if not isinstance(summary, dict):
        return None
    figures = [[label, summary[k]] for k, label in _SUMMARY.items() if k in summary]
    categories = summary.get("by_category")
    by_category = (
        [[c, n] for c, n in categories.items() if n] if isinstance(categories, dict) else []
    )
    by_region = []
    for region, v in sorted((summary.get("by_region") or {}).items()):
        if isinstance(v, dict):
            by_region.append(
                [
                    places.region_with_code(region),
                    v.get("picked", ""),
                    v.get("checked", ""),
                    v.get("problems", ""),
                ]
            )
    return {"figures": figures, "by_category": by_category, "by_region": by_region}


def _report(model: SiteModel, record: Record) -> dict[str, Any]:
    """One task report as a reader reads it: its dates and deadline, the summary figures as
    tables, the text as paragraphs; the record's hashes and log index folded as 技术细节."""
    body = record.body
    due, status = deadline_text(body)
    rows: list[list[Any]] = [
        ["检查完成日期", body.get("completed", "")],
        ["公开时限", due],
        ["公开情况", status],
        ["公开时间（北京时间）", beijing(body["time"])],
    ]
    rows += [[FIELD_LABELS[k], cell(body[k])] for k in ("drafted_by", "approved_by") if body.get(k)]
    known = ENVELOPE | {"task", "text", "deadline", "summary", "completed", "results"}
    known |= {"drafted_by", "approved_by"}
    # Fields a later version may add: shown as they are rather than dropped.
    rows += [[FIELD_LABELS.get(k, k), cell(v)] for k, v in body.items() if k not in known]
    results = body.get("results")
    evidence: list[list[Any]] = [
        ["报告记录编号（SHA-256）", code(record.id)],
        ["日志序号", log_link(model, record, "../../")],
    ]
    if isinstance(results, list) and results:
        evidence.append(
            [
                f"涵盖的检查结果记录（{len(results)} 条）",
                Markup("<br>").join(code(r) for r in results),
            ]
        )
    text = body.get("text")
    return {
        "short": record.id[:16] + "…",
        "rows": rows,
        "summary": _summary(body.get("summary"), model.places()),
        "paragraphs": _paragraphs(text) if isinstance(text, str) else [],
        "evidence": evidence,
    }


def rectification_rows(
    model: SiteModel, task: str, names: dict[str, str], target: str | None = None
) -> list[list[Any]]:
    """整改要求 / 复查结果 of a task (of one ``target`` when given): one row per order, with its
    re-check when published; the sealed requirements and note as their blobs hold them (gone
    once withdrawn). Pages at depth 2 only (results/<task>/, targets/<USCC>/)."""
    records = [r for r in model.rectifications.get(task, []) if target in (None, r.body["target"])]
    checks = {r.body["order"]: r for r in records if r.type == "rectification-check"}
    rows = []
    for order in (r for r in records if r.type == "rectification-order"):
        body = order.body
        check = checks.get(order.id)
        done: list[Any] = ["未复查", "", "", "", ""]
        if check is not None:
            done = [
                check.body["outcome"],
                check.body["date"],
                cell(check.body["inspectors"]),
                _sealed_text(model, check, "note"),
                log_link(model, check, "../../"),
            ]
        rows.append(
            [
                target_link(body["target"], "../../"),
                names.get(body["target"], ""),
                _sealed_text(model, order, "requirements"),
                body["due"],
                beijing(body["time"]),
                log_link(model, order, "../../"),
                *done,
            ]
        )
    return rows


def _sealed_text(model: SiteModel, record: Record, name: str) -> str:
    """A rectification record's sealed ``name`` as the site shows it: "（已撤回）" once
    withdrawn; after its 保密审查 (§2.3) the general text with the rule's reason, or
    "（保密审查：不公开）" with the reason, and who reviewed it."""
    opened = model.report.sealed.contents.get(record.id)
    if opened is None:
        return "（已撤回）"
    applied = model.report.sealed.reviews.get(record.id)
    if "review" in record.body and applied is not None:
        shown = reviewed_fields(record.body, opened, applied)
        return f"{shown.get(name, opened.get(name, ''))}（{shown['review']}）"
    return str(opened.get(name, ""))


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


def result_pages(model: SiteModel, reused: Callable[[str], bool] | None = None) -> dict[str, str]:
    """``index`` (tasks with their result counts) and one page per task with results,
    except a task for which ``reused(task)`` is true (its page is in place already: an
    incremental build, publisher/page_inputs.py)."""
    tasks = sorted(
        set(model.results) | set(model.task_reports) | set(model.rectifications)
        | set(model.objections)
    )  # fmt: skip
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
        corrected, current = 0, results
        if superseded:  # (a record's id is a hash of its text: taken only when needed)
            current = [r for r in results if r.id not in superseded]
            corrected = len(results) - len(current)
        reports = model.task_reports.get(task, [])
        report_state: Any = "暂无"
        if reports:
            report_state = escape("已公开，") + deadline_text(reports[-1].body)[1]
        rows.append([link(task, f"{task}/"), title, len(current), report_state])
        if reused is not None and reused(task):
            continue
        results = [_opened(model, r) for r in current]
        table = None
        if results:
            lead = [
                [
                    target_link(r.body["target"], "../../"),
                    r.body.get("target_name") or names.get(r.body["target"], ""),
                ]
                for r in results
            ]
            heads = ["统一社会信用代码", "名称"]
            if task in model.objections:  # the objection status beside each result
                heads.append("异议情况")
                for row, r in zip(lead, results, strict=True):
                    row.append(objection_status(model, r) or "—")
            table = _rows_with_payloads(
                model,
                results,
                heads,
                lead,
                {"task", "target", "target_name"},
                "../../",
                ("名称", "categories", "findings", "follow_up"),
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
            objections=objection_rows(model, task, names),
            objection_headers=OBJECTION_HEADERS,
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
                target_link(r.body["target"], "../"),
                r.body.get("entity") or names.get(r.body["target"], ""),
                *deadline_text(r.body),
            ]
            for r in current
        ]
        head = ["决定书文号", "统一社会信用代码", "当事人", "公开时限", "公开情况"]
        shown = {"decision", "target", "entity", "deadline"}
        substance = ("当事人", "facts", "kind", "content", "amounts")
        table = _rows_with_payloads(model, current, head, lead, shown, "../", substance)
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
