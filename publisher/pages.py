"""Markdown pages of the public site, in Chinese: shared helpers, home, verify and log pages.

Every page is a pure function of the model (and so of the export). The other page modules
(:mod:`publisher.task_pages`, :mod:`publisher.registry_pages`, :mod:`publisher.result_pages`)
use the helpers here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any

from markupsafe import Markup

from lottery.core.note import NoteVerifier
from lottery.core.records import Record
from lottery.verifier.bundle import FILE_NAME as VERIFIER_FILE
from publisher.model import SiteModel, TaskView
from publisher.render import beijing, code, environment, escape, render, url_part
from publisher.render import link as render_link

STATUS = {
    "announced": "已公告，等待随机源",
    "drawn": "已抽取（结果封存至公开日）",
    "disclosed": "已公开",
    "cancelled": "已取消",
}
LOST_STATUS = "已取消（秘密值遗失，抽取结果无法公开核验）"
"""The status of a task cancelled with its secret lost (spec §7, "Cancelled, secret lost")."""


def status_text(view: TaskView) -> str:
    """A task's status in plain Chinese, the secret-lost notice included."""
    if view.secret_lost:
        return LOST_STATUS
    return STATUS.get(view.status, view.status)


RECORD_NAMES = {
    "task-announcement": "抽查任务公告",
    "task-draw": "抽取记录（结果封存）",
    "task-reveal": "结果公开",
    "task-cancellation": "任务取消",
    "item-list": "抽查事项清单",
    "plan": "年度抽查计划",
    "registry-snapshot": "名录快照",
    "inspection-result": "抽查结果",
    "task-report": "抽查报告",
    "penalty": "行政处罚",
    "penalty-withdrawal": "行政处罚撤销",
    "calendar": "工作日历",
    "key-change": "密钥变更",
    "witness-policy": "见证方策略",
}
REGISTRY_NAMES = {
    "targets": "抽查对象名录",
    "inspectors": "执法检查人员名录",
    "org-units": "组织机构",
}
DOCUMENT_NAMES = {"notice": "行政检查通知书", "record": "现场检查笔录", "result": "检查结果告知书"}
# Records per page of the log listing; the latest ones are also on the log's first page.
LOG_PAGE_SIZE = 1000
LATEST = 20
# Envelope fields every record has; not repeated in the field tables.
ENVELOPE = {"type", "v", "log", "time"}
# Chinese headings for result, report and penalty fields (docs/results.md names them).
FIELD_LABELS = {
    "target_name": "名称",
    "dates": "检查日期",
    "inspectors": "检查人员",
    "methods": "检查方式",
    "categories": "检查结果",
    "pending_reasons": "待处理事项",
    "findings": "发现的问题",
    "follow_up": "后续处理",
    "evidence": "证据材料",
    "place": "检查地点",
    "started": "检查开始时间（北京时间）",
    "ended": "检查结束时间（北京时间）",
    "checklist": "检查要点情况",
    "no_evidence_reason": "无证据说明",
    "entered_by": "录入",
    "approved_by": "审核",
    "supersedes": "更正的记录",
    "correction_reason": "更正原因",
    "documents": "执法文书",
    "joint_with": "联合检查（同日检查的其他任务）",
    "cap_exception": "超限理由（年度检查次数）",
    "review": "保密审查",
    "entity": "当事人",
    "decided": "决定日期",
    "facts": "违法事实",
    "basis": "处罚依据",
    "kind": "处罚种类",
    "content": "处罚内容",
    "amounts": "金额",
    "authority": "处罚机关",
    "address": "住所（经营场所）",
    "representative": "法定代表人（负责人）",
    "authority_code": "处罚机关统一社会信用代码",
    "violation": "违法行为类型",
    "licence": "暂扣或吊销证照名称及编号",
    "result": "关联检查结果",
    "publish_until": "公示截止",
    "deadline": "公开时限",
    "completed": "完成日期",
    "summary": "汇总",
    "text": "报告正文",
    "results": "检查结果记录",
    "drafted_by": "起草",
    "sealed": "内容承诺（SHA-256）",
}


def md(value: Any) -> Markup:
    """Text safe inside Markdown and HTML (also a table cell): escaped, visible, on one line."""
    return escape(value)


def h(value: Any) -> Markup:
    """Text (or a JSON value) as HTML, on one line: the same escape as :func:`md`."""
    return escape(value)


def link(text: Any, href: str) -> Markup:
    """An HTML link; ``href`` is a URL relative to the page (directory URLs: ``tasks/X/``).

    An href with a scheme other than http(s) (``javascript:``...) gives the text, no link.
    """
    return render_link(text, href)


# A target has a page (publisher/target_pages.py) only under a key that is safe as a file and
# URL name: every USCC is; a record's key that is not never becomes a path.
_TARGET_KEY = re.compile(r"^[0-9A-Z]{18}$")


def has_page(target: Any) -> bool:
    """Whether ``target`` (a key from a record) can name a target page."""
    return isinstance(target, str) and _TARGET_KEY.match(target) is not None


def target_link(target: Any, root: str) -> Markup:
    """A target's USCC linked to its page (``root``: the page's way to the site root); the
    text alone for a key that cannot have one. Only for a target a published record names
    (the pages :mod:`publisher.target_pages` writes)."""
    if not has_page(target):
        return escape(target)
    return link(target, f"{root}targets/{url_part(target)}/")


def table(
    headers: Iterable[Any],
    rows: Iterable[Iterable[Any]],
    first: Iterable[int] = (),
    *,
    cards: bool = False,
) -> Markup:
    """An HTML table (the ``table`` macro of templates/_macros.md) of escaped cells; with
    ``cards``, cards on a phone, the columns ``first`` at the top of each."""
    macro = environment().get_template("_macros.md").module.table  # type: ignore[attr-defined]
    result: Markup = macro(list(headers), [list(r) for r in rows], tuple(first), cards)
    return result


def short(digest: str) -> Markup:
    """A hash as shown in tables (the full value is in the export)."""
    return code(digest[:16] + "…")


def log_link(model: SiteModel, record: Record, root: str) -> Markup:
    """``#N`` linking to the log page that lists ``record``; ``root``: the page's way to the
    site root (``""`` on the home page, ``"../"`` on section pages, ``"../../"`` below)."""
    n = model.index[record.id]
    # "#" is escaped in record text (a Markdown heading at a line's start); here it is ours.
    return link(Markup(f"#{n:d}"), f"{root}log/{n // LOG_PAGE_SIZE + 1}/")  # noqa: S704


def _part(value: Any) -> str:
    if isinstance(value, dict):
        if "id" in value:  # an inspector present at a check
            return str(value["id"]) + ("（替补）" if value.get("role") == "substitute" else "")
        if "number" in value and "sha256" in value:  # a document issued (docs/documents.md)
            name = DOCUMENT_NAMES.get(str(value.get("kind")), "文书")
            return f"{name} {value['number']}（SHA-256 {value['sha256']}）"
        if "fen" in value:  # an amount in fen
            return f"{value.get('kind', '')} {value['fen'] / 100:.2f} 元".strip()
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def cell(value: Any) -> Markup:
    """A JSON value as a table cell: lists joined with "、", objects as compact JSON."""
    if isinstance(value, bool):
        return escape("是" if value else "否")
    if value is None:
        return escape("")
    if isinstance(value, list):
        return h("、".join(_part(v) for v in value))
    return h(_part(value))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def fields_table(
    bodies: list[dict[str, Any]], skip: set[str]
) -> tuple[list[Markup], list[list[Markup]]]:
    """Columns (the union of the bodies' fields outside ``skip``, first seen first) and cells.

    Result, report and penalty records carry fields a later issue may still refine; every
    field is shown as a column, so any version renders sensibly. An older-style ``payload``
    object is spread into its own columns.
    """
    flat = []
    for body in bodies:
        row = {k: v for k, v in body.items() if k not in skip and k != "payload"}
        payload = body.get("payload")
        if isinstance(payload, dict):
            row.update(payload)
        elif payload is not None:
            row["内容"] = payload
        flat.append(row)
    # Known fields in FIELD_LABELS order, then any others; columns empty everywhere dropped.
    seen = dict.fromkeys(k for row in flat for k in row if not _empty(row[k]))
    cols = [k for k in FIELD_LABELS if k in seen] + [k for k in seen if k not in FIELD_LABELS]
    return [h(FIELD_LABELS.get(k, k)) for k in cols], [
        [cell(row.get(k)) for k in cols] for row in flat
    ]


def index_page(model: SiteModel) -> str:
    """Home: latest announcements and draws, the sections, how to verify, the feed."""
    by_time = sorted(model.tasks.values(), key=lambda t: t.announcement["time"], reverse=True)
    announced = [
        [
            link(t.task, f"tasks/{t.task}/"),
            h(t.announcement["title"]),
            h(status_text(t)),
            beijing(t.announcement["time"])[:10],
        ]
        for t in by_time[:LATEST]
    ]
    draws = sorted(
        (r for r in model.records if r.type == "task-draw"),
        key=lambda r: r.body["time"],
        reverse=True,
    )
    drawn = [
        [
            link(r.body["task"], f"tasks/{r.body['task']}/"),
            h(model.tasks[r.body["task"]].announcement["title"]),
            beijing(r.body["time"]),
            h(status_text(model.tasks[r.body["task"]])),
        ]
        for r in draws[:LATEST]
    ]
    return render(
        "home.md",
        announced=announced,
        drawn=drawn,
        task_count=len(model.tasks),
        origin=model.origin,
        size=model.report.size,
    )


def verify_page(model: SiteModel, verifier: bytes = b"") -> str:
    """How to verify, downloads and keys; ``verifier``: the single-file verifier the page
    offers for download (``verify/lottery-verify.pyz``; none when empty)."""
    keys = [NoteVerifier.from_vkey(v) for v in model.vkeys]
    return render(
        "verify.md",
        vkeys=model.vkeys,
        fingerprints=[(k.name, k.fingerprint) for k in keys],
        checkpoint=model.checkpoint_text.splitlines(),
        version=_verifier_version(),
        pyz_name=VERIFIER_FILE if verifier else None,
        pyz_sha256=hashlib.sha256(verifier).hexdigest(),
        pyz_size=f"{len(verifier):,}",
    )


def fair_page() -> str:
    """为什么这次抽取是公平的: the protocol in plain Chinese for a non-specialist (issue #17)."""
    return render("fair.md")


def _verifier_version() -> str:
    """The version of the verifier package that built the site (its own metadata)."""
    try:
        return metadata.version("lottery")
    except metadata.PackageNotFoundError:
        return "（未知）"


def record_path(model: SiteModel, record: Record) -> str:
    """The site path (directory URL) of the page that shows ``record``."""
    body = record.body
    kind = record.type
    if kind in ("inspection-result", "task-report"):
        return f"results/{body['task']}/"
    if kind.startswith("task-"):
        return f"tasks/{body['task']}/"
    if kind == "item-list":
        return f"items/v{body['version']}/"
    if kind == "plan":
        return "plans/"
    if kind == "registry-snapshot":
        return "targets/" if body["registry"] == "targets" else "inspectors/"
    if kind.startswith("penalty"):
        return "penalties/"
    return f"log/{model.index[record.id] // LOG_PAGE_SIZE + 1}/"


def _record_subject(model: SiteModel, record: Record, root: str) -> Markup:
    body = record.body
    for key in ("task", "registry", "decision", "version", "year"):
        if key in body:
            return link(str(body[key]), root + record_path(model, record))
    return escape("")


def record_ids(model: SiteModel) -> list[str]:
    """Every record's id, in log order, from the model's index (one list, not a lookup of
    each record's cached id)."""
    ids = list(model.index)
    if len(ids) != len(model.records):  # a record twice in the log: the index holds it once
        ids = [r.id for r in model.records]
    return ids


def log_chunk_ids(model: SiteModel) -> list[list[str]]:
    """The record ids of each listing page of the log (``1``, ``2``...), in log order."""
    ids = record_ids(model)
    return [ids[c : c + LOG_PAGE_SIZE] for c in range(0, len(ids), LOG_PAGE_SIZE)]


def log_pages(model: SiteModel, reused: Callable[[int], bool] | None = None) -> dict[str, str]:
    """The log: ``index`` (checkpoints, counts, latest records) and ``1``, ``2``... listings,
    except a listing ``n`` for which ``reused(n)`` is true (in place already: an
    incremental build, publisher/page_inputs.py)."""
    records = model.records
    counts = Counter(r.type for r in records)
    chunks = max(1, -(-len(records) // LOG_PAGE_SIZE))
    try:
        sizes = model.get("checkpoints/list").decode("ascii").split()
    except KeyError:
        sizes = []
    numbered = list(enumerate(records))
    latest = numbered[-LATEST:][::-1]
    headers = ["序号", "时间（北京时间）", "类型", "对象", "记录编号"]
    shown = "、".join(sizes[-10:]) + ("……" if len(sizes) > 10 else "")
    out = {
        "index": render(
            "log_index.md",
            origin=model.origin,
            size=model.report.size,
            checkpoint=model.checkpoint_text.splitlines(),
            sizes=sizes,
            sizes_shown=shown,
            counts=[[RECORD_NAMES.get(k, k), v] for k, v in sorted(counts.items())],
            record_headers=headers,
            latest=_record_rows(latest, model, "../"),
            chunks=[
                {
                    "first": c * LOG_PAGE_SIZE,
                    "last": min(len(records), (c + 1) * LOG_PAGE_SIZE) - 1,
                    "page": c + 1,
                }
                for c in range(chunks)
                if records
            ],
        )
    }
    for c in range(chunks):
        if reused is not None and reused(c + 1):
            continue
        part = numbered[c * LOG_PAGE_SIZE : (c + 1) * LOG_PAGE_SIZE]
        out[str(c + 1)] = render(
            "log_page.md",
            page=c + 1,
            record_headers=headers,
            rows=_record_rows(part, model, "../../"),
        )
    return out


def _record_rows(items: list[tuple[int, Record]], model: SiteModel, root: str) -> list[list[Any]]:
    return [
        [
            i,
            beijing(r.body["time"]),
            RECORD_NAMES.get(r.type, r.type),
            _record_subject(model, r, root),
            short(r.id),
        ]
        for i, r in items
    ]
