"""The annual plan (年度抽查计划, docs/plans.md): versions, the reference a task makes to an
entry, and the plan against its execution.

A plan file (JSON, CSV or XLSX) is read with the ``plan`` layout of :mod:`lottery.registry_io`
(the Chinese column headers of docs/import.md), so a file and a JSON body give the same errors.
Each import publishes the next version of the year's plan as a ``plan`` record naming the one
it replaces (all versions stay published). A task names ``(year, entry)``; its announcement
names the record of the year's version in force (:func:`announcement_plan`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from lottery import registry_io as rio
from lottery.core.errors import InputError
from lottery.core.records import Record
from lottery.registry_io.cells import QUARTER_NAMES, fmt_ratio
from lottery.registry_io.layouts import PLAN, PlanEntryRow
from lottery.storage.models import ItemListVersion, PlanVersion, Task

from .audit_trail import record_audit
from .calendar import publish_record
from .lifecycle import Lifecycle
from .org_scope import require_whole_office
from .plan_refs import latest_plan as _latest
from .registries import ImportRejected

#: States of a task that has been announced (counted as 已公告), and of one disclosed (已完成).
ANNOUNCED_STATES = frozenset({"announced", "drawn", "disclosed"})
COMPLETED_STATES = frozenset({"disclosed"})


@dataclass(frozen=True)
class PlanView:
    """One stored version of a year's plan."""

    year: int
    version: int
    record_id: str
    reason: str
    created_at: datetime
    entries: list[dict[str, Any]]


@dataclass(frozen=True)
class EntryProgress:
    """One entry of the plan in force against its tasks (计划 / 已公告 / 已完成)."""

    entry: dict[str, Any]
    planned: int
    announced: list[str]
    completed: list[str]


def period_label(period: str) -> str:
    """``"03"`` -> ``3月``, ``"Q2"`` -> ``第二季度``."""
    if period.startswith("Q"):
        return QUARTER_NAMES[int(period[1:]) - 1]
    return f"{int(period)}月"


# --- reading a plan file -----------------------------------------------------------------------


def _json_as_csv(data: bytes) -> tuple[int | None, str, bytes]:
    """A JSON plan ``{"year", "reason", "entries": [{id, items, ...}]}`` as the year, the
    reason and a CSV of the ``plan`` layout (English keys as headers).

    Raises:
        InputError: not JSON, or not that shape (naming the field).
    """
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"年度计划文件不是有效的 JSON：{exc}".splitlines()[0]) from None
    if not isinstance(body, dict) or not isinstance(body.get("entries"), list):
        raise InputError("字段「entries」：年度计划应为含 entries（计划条目列表）的 JSON 对象")
    year = body.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        raise InputError("字段「year」：计划年度应为整数，如 2026")
    reason = body.get("reason") or ""
    if not isinstance(reason, str):
        raise InputError("字段「reason」：调整原因应为文字")
    out = io.StringIO()
    writer = csv.writer(out)
    keys = [c.key for c in PLAN.columns]
    writer.writerow(keys)
    for n, entry in enumerate(body["entries"]):
        if not isinstance(entry, dict):
            raise InputError(f"字段「entries[{n}]」：计划条目应为 JSON 对象")
        unknown = sorted(set(entry) - set(keys))
        if unknown:
            raise InputError(f"字段「entries[{n}].{unknown[0]}」：不是计划条目的字段")
        writer.writerow([_cell(entry.get(k)) for k in keys])
    return year, reason, out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


# The largest plan file the API and the console accept (a plan has at most a few thousand
# entries; the file is read whole).
MAX_PLAN_BYTES = 5 * 1024 * 1024


def read_plan_file(
    source: Path | bytes, *, name: str = ""
) -> tuple[int | None, str, list[PlanEntryRow]]:
    """The year (JSON only), the reason (JSON only) and the entries of a plan file.

    Raises:
        ImportRejected: a row of a CSV/XLSX file is wrong (the errors name row and column).
        InputError: an unreadable file, a JSON body of the wrong shape, or a wrong entry of
            a JSON body (naming the field, e.g. ``entries[0].period``).
    """
    if isinstance(source, Path):
        name = name or source.name
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise InputError(f"无法读取年度计划文件 {source}：{exc.strerror}") from None
    else:
        data = source
    year: int | None = None
    reason = ""
    json_body = name.lower().endswith(".json") or data.lstrip()[:1] in (b"{", b"[")
    if json_body:
        year, reason, data = _json_as_csv(data)
    result = rio.import_bytes(data, "plan")
    if not result.ok and json_body:
        # A JSON body's rows are its entries: name the field (entries[0].period), not a row.
        e = result.errors[0]
        where = f"entries[{e.row_number - 2}].{e.column}" if e.row_number >= 2 else "entries"
        raise InputError(f"字段「{where}」：{e.message}")
    if not result.ok:
        raise ImportRejected(result)
    return year, reason, list(result.rows)


# --- publishing --------------------------------------------------------------------------------


def entry_record(row: PlanEntryRow) -> dict[str, Any]:
    """An entry as the ``plan`` record carries it (docs/spec.md, "The annual plan")."""
    return {
        "id": row.id,
        "items": list(row.items),
        "ratio": row.ratio,
        "frequency": row.frequency or "",
        "period": row.period,
        "tasks": row.tasks,
        "joint": row.joint,
        "departments": list(row.departments),
        "note": row.note or "",
    }


def entry_row(entry: Mapping[str, Any]) -> PlanEntryRow:
    """A stored entry back as a row (for the export)."""
    return PlanEntryRow(
        id=entry["id"],
        items=tuple(entry["items"]),
        ratio=entry["ratio"],
        frequency=entry["frequency"] or None,
        period=entry["period"],
        tasks=entry["tasks"],
        joint=entry["joint"],
        departments=tuple(entry["departments"]),
        note=entry["note"] or None,
    )


def _check_items(session: Session, rows: Sequence[PlanEntryRow]) -> None:
    """Every planned item is an item of the item list in force."""
    latest = session.exec(
        select(ItemListVersion).order_by(col(ItemListVersion.version).desc()).limit(1)
    ).first()
    if latest is None:
        raise InputError("尚未公布抽查事项清单：请先公布清单，再制定年度抽查计划")
    known = {item["code"] for item in latest.items}
    for row in rows:
        for code in row.items:
            if code not in known:
                raise InputError(
                    f"字段「items」：计划条目 {row.id} 的事项 {code} 不在现行抽查事项清单"
                    f"（第 {latest.version} 版）之中"
                )


def publish_plan(
    lc: Lifecycle,
    year: int,
    rows: Sequence[PlanEntryRow],
    *,
    actor: str,
    now: datetime,
    reason: str = "",
    remote_addr: str | None = None,
) -> Record:
    """Publish ``rows`` as the next version of ``year``'s plan (one transaction).

    Raises:
        InputError: no entry, a year out of range, an item not in the item list, a later
            version without a reason, a first version with one, or the same entries as the
            version in force.
        OutOfScope: an account that is not the whole office's.
    """
    if not 2000 <= year <= 9999:
        raise InputError(f"字段「year」：计划年度 {year} 不在 2000 至 9999 之间")
    if not rows:
        raise InputError("字段「entries」：年度计划至少要有一个计划条目")
    reason = reason.strip()
    if len(reason) > 2000:
        raise InputError("字段「reason」：调整原因最多 2000 个字")
    entries = [entry_record(r) for r in rows]
    with lc.session() as session, session.begin():
        require_whole_office(session, actor, "发布年度抽查计划")
        _check_items(session, rows)
        lc.log.lock(session)  # serializes versions with every other log writer
        last = _latest(session, year)
        if last is not None and last.entries == entries:
            raise InputError(f"与 {year} 年度计划现行第 {last.version} 版相同，无需发布新版本")
        if last is not None and not reason:
            raise InputError("字段「reason」：调整年度计划须写明调整原因（随新版本公开）")
        if last is None and reason:
            raise InputError(
                f"字段「reason」：{year} 年度计划的第 1 版不填写调整原因"
                "（调整原因只用于以后的版本）"
            )
        version = 1 if last is None else last.version + 1
        fields = {
            "year": year,
            "version": version,
            "supersedes": None if last is None else last.record_id,
            "reason": reason,
            "entries": entries,
        }
        record = publish_record(lc.log, session, "plan", fields, now)
        session.add(
            PlanVersion(
                year=year,
                version=version,
                entries=entries,
                reason=reason,
                record_id=record.id,
                created_by=actor,
                created_at=now,
            )
        )
        session.flush()
        detail = {"year": year, "version": version, "record": record.id, "entries": len(rows)}
        record_audit(session, now, actor, "plan.publish", f"plan-{year}", detail, remote_addr)
        lc.log.sign_checkpoint(session, now)
    return record


# --- reading the plan back ---------------------------------------------------------------------


def _view(row: PlanVersion) -> PlanView:
    return PlanView(
        row.year, row.version, row.record_id, row.reason, row.created_at, list(row.entries)
    )


def plan_versions(lc: Lifecycle, year: int | None = None) -> list[PlanView]:
    """Every stored version (of ``year``, or of every year), newest year and version first."""
    with lc.session() as session:
        query = select(PlanVersion)
        if year is not None:
            query = query.where(PlanVersion.year == year)
        rows = session.exec(
            query.order_by(col(PlanVersion.year).desc(), col(PlanVersion.version).desc())
        ).all()
        return [_view(r) for r in rows]


def plan_version(lc: Lifecycle, year: int, version: int | None = None) -> PlanView:
    """One version of ``year``'s plan (None: the one in force).

    Raises:
        InputError: no such plan or version.
    """
    with lc.session() as session:
        if version is None:
            row = _latest(session, year)
        else:
            row = session.get(PlanVersion, (year, version))
        if row is None:
            which = "" if version is None else f"第 {version} 版"
            raise InputError(f"没有 {year} 年度抽查计划{which}")
        return _view(row)


def progress(lc: Lifecycle, year: int) -> list[EntryProgress]:
    """The plan in force for ``year`` against the tasks that name its entries.

    Raises:
        InputError: no plan for ``year``.
    """
    plan = plan_version(lc, year)
    with lc.session() as session:
        tasks = session.exec(select(Task.id, Task.state, Task.params)).all()
    by_entry: dict[str, list[tuple[str, str]]] = {}
    for task_id, state, params in tasks:
        ref = params.get("plan")
        if ref and int(ref["year"]) == year:
            by_entry.setdefault(str(ref["entry"]), []).append((task_id, state))
    out = []
    for entry in plan.entries:
        named = sorted(by_entry.get(entry["id"], []))
        out.append(
            EntryProgress(
                entry,
                entry["tasks"],
                [t for t, s in named if s in ANNOUNCED_STATES],
                [t for t, s in named if s in COMPLETED_STATES],
            )
        )
    return out


def export_plan(lc: Lifecycle, year: int, path: Path, version: int | None = None) -> PlanView:
    """Write a version of the plan (None: in force) as XLSX or CSV (by ``path``'s suffix), with
    the Chinese column headers, for filing with the level above (报上级备案).

    Raises:
        InputError: no such plan, or a suffix other than .xlsx/.csv.
    """
    plan = plan_version(lc, year, version)
    rows = [entry_row(e) for e in plan.entries]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rio.export_csv(rows, path)
    elif suffix == ".xlsx":
        rio.export_xlsx(rows, path, sheet=f"{year}年度抽查计划")
    else:
        raise InputError(f"导出文件须以 .xlsx 或 .csv 结尾：{path.name}")
    return plan


def entry_cells(entry: Mapping[str, Any]) -> dict[str, str]:
    """An entry as staff read it (console, CLI): every field as text."""
    return {
        "id": entry["id"],
        "items": "、".join(entry["items"]),
        "ratio": "未定" if entry["ratio"] is None else fmt_ratio(entry["ratio"]),
        "frequency": entry["frequency"] or "未定",
        "period": period_label(entry["period"]),
        "tasks": str(entry["tasks"]),
        "joint": "是（" + "、".join(entry["departments"]) + "）" if entry["joint"] else "否",
        "note": entry["note"],
    }
