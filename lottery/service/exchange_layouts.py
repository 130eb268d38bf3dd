"""The field layouts of the exchange with the platforms (docs/exchange.md).

Two layouts: ``national`` (全国双随机、一公开监管工作平台: tasks, their drawn targets, and the
results) and ``credit`` (国家企业信用信息公示系统, 抽查检查结果: results only). Every cell
comes from what the office has already published: a task's announcement, the revealed
outcome of a disclosed task (never a sealed one), and the public fields of the current
inspection results. Nothing sealed (findings, penalties' content) and nothing private
(phones, notes) is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from lottery.core.errors import InputError
from lottery.storage.models import InspectionResult, Inspector, ItemListVersion, Target, Task

from .calendar import load_record
from .integrity import stored
from .log import PublicLog
from .result_entry import ResultError, disclosed_outcome, local_date

FORMATS = ("national", "credit")
KINDS = ("tasks", "picks", "results")
FORMAT_ZH = {"national": "全国双随机、一公开监管工作平台", "credit": "国家企业信用信息公示系统"}
KIND_ZH = {"tasks": "抽查任务", "picks": "抽取的检查对象", "results": "抽查检查结果"}
STATE_ZH = {
    "announced": "已公告",
    "drawn": "已抽取",
    "disclosed": "已公示",
    "closed": "已完结",
    "cancelled": "已撤销",
}
SPOT_CHECK = "双随机抽查"  # 抽查类型 of every row: a random spot check, never a complaint visit
JOIN = "；"

NATIONAL_TASKS = (
    "任务编号",
    "任务名称",
    "抽查类型",
    "抽查事项",
    "发起部门",
    "抽查比例",
    "抽查对象总数",
    "抽取对象数量",
    "检查开始日期",
    "检查结束日期",
    "结果公示时间",
    "任务状态",
    "公告记录编号",
)
NATIONAL_PICKS = (
    "任务编号",
    "任务名称",
    "抽取序号",
    "统一社会信用代码",
    "检查对象名称",
    "所在区域",
    "执法检查人员",
    "执法证号",
    "抽取记录编号",
)
NATIONAL_RESULTS = (
    "任务编号",
    "任务名称",
    "统一社会信用代码",
    "检查对象名称",
    "检查日期",
    "检查方式",
    "检查结果",
    "执法检查人员",
    "检查实施机关",
    "结果公示日期",
    "结果记录编号",
)
CREDIT_RESULTS = (
    "统一社会信用代码",
    "企业名称",
    "抽查类型",
    "检查实施机关",
    "检查日期",
    "检查结果",
    "公示日期",
    "抽查任务编号",
    "抽查任务名称",
)
HEADERS = {
    ("national", "tasks"): NATIONAL_TASKS,
    ("national", "picks"): NATIONAL_PICKS,
    ("national", "results"): NATIONAL_RESULTS,
    ("credit", "results"): CREDIT_RESULTS,
}
MIN_YEAR, MAX_YEAR = 2000, 2100


class ExchangeError(InputError):
    """An exchange export that cannot be made as asked."""


@dataclass(frozen=True)
class Table:
    """An export's rows under its layout's header."""

    format: str
    kind: str
    year: int
    header: tuple[str, ...]
    rows: list[list[str]]


def check_request(fmt: str, kind: str, year: int) -> tuple[str, ...]:
    """The header of a layout.

    Raises:
        ExchangeError: an unknown format or kind, a kind the platform does not take (the
            credit system takes results only), or a year outside 2000-2100.
    """
    if fmt not in FORMATS:
        raise ExchangeError(f"格式（format）须是 national 或 credit，填写的是 {fmt!r}")
    if kind not in KINDS:
        raise ExchangeError(f"内容（kind）须是 tasks、picks 或 results，填写的是 {kind!r}")
    if isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ExchangeError(f"年份（year）须在 {MIN_YEAR} 至 {MAX_YEAR} 之间，填写的是 {year}")
    header = HEADERS.get((fmt, kind))
    if header is None:
        raise ExchangeError(
            f"内容（kind）：信用公示系统只接收抽查检查结果（results），不接收 {kind}"
        )
    return header


def _percent(bp: int) -> str:
    whole, rest = divmod(int(bp), 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


def _items(session: Session, refs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    versions = {int(r["version"]) for r in refs}
    rows = session.exec(select(ItemListVersion).where(col(ItemListVersion.version).in_(versions)))
    by_version = {row.version: {i["code"]: i for i in row.items} for row in rows}
    return [by_version.get(int(r["version"]), {}).get(r["code"], {"code": r["code"]}) for r in refs]


def _task_rows(session: Session, log: PublicLog, office: str, year: int) -> list[list[str]]:
    out = []
    tasks = session.exec(select(Task).where(col(Task.announcement_record).is_not(None)))
    for task in sorted(tasks, key=lambda t: t.id):
        body = load_record(log, session, stored(task.announcement_record, "announcement")).body
        start, end = str(body["window"]["start"]), str(body["window"]["end"])
        if int(start[:4]) != year:
            continue
        items = _items(session, body["items"])
        directed = any(i.get("target_types") for i in items)
        names = JOIN.join(f"{i['code']} {i.get('name', '')}".strip() for i in items)
        ratios = JOIN.join(f"{k}类 {_percent(v)}" for k, v in sorted(body["ratios"].items()))
        out.append(
            [
                task.id,
                str(body["title"]),
                "定向抽查" if directed else "不定向抽查",
                names,
                office,
                ratios,
                str(body["pool"]["candidates"]),
                str(body["pool"]["picks"]),
                start,
                end,
                str(body["disclosure"]),
                STATE_ZH.get(task.state, task.state),
                stored(task.announcement_record, "announcement"),
            ]
        )
    return out


def _disclosed(session: Session, year: int) -> list[Task]:
    tasks = session.exec(select(Task).where(col(Task.state).in_(("disclosed", "closed"))))
    return [
        t for t in sorted(tasks, key=lambda t: t.id) if int(t.params["window_start"][:4]) == year
    ]


def _pick_rows(session: Session, log: PublicLog, year: int) -> list[list[str]]:
    out = []
    inspectors = {i.id: i for i in session.exec(select(Inspector))}
    for task in _disclosed(session, year):
        try:
            _, outcome = disclosed_outcome(session, log, task.id)
        except ResultError:
            continue  # not revealed: the picks are still sealed
        teams = {t.target: t.inspectors for t in outcome.teams}
        for n, uscc in enumerate(outcome.picks(), start=1):
            target = session.get(Target, uscc)
            team = [inspectors[i] for i in teams.get(uscc, ()) if i in inspectors]
            out.append(
                [
                    task.id,
                    task.title,
                    str(n),
                    uscc,
                    "" if target is None else target.name,
                    "" if target is None else target.region,
                    "、".join(i.name for i in team),
                    "、".join(i.cert_no for i in team),
                    stored(task.draw_record, "the draw record"),
                ]
            )
    return out


def _results(session: Session, year: int) -> list[InspectionResult]:
    rows = session.exec(
        select(InspectionResult)
        .where(InspectionResult.status == "published")
        .order_by(col(InspectionResult.task), col(InspectionResult.target))
    )
    return [r for r in rows if max(r.fields["dates"])[:4] == str(year)]


def _result_rows(session: Session, fmt: str, office: str, year: int) -> list[list[str]]:
    titles = {t.id: t.title for t in session.exec(select(Task))}
    names = {i.id: i.name for i in session.exec(select(Inspector))}
    out = []
    for r in _results(session, year):
        f = r.fields
        published = local_date(stored(r.published_at, f"the publication time of result {r.id}"))
        record = r.record_id or ""
        if fmt == "credit":
            out.append(
                [
                    r.target,
                    str(f["target_name"]),
                    SPOT_CHECK,
                    office,
                    max(f["dates"]),
                    JOIN.join(f["categories"]),
                    published.isoformat(),
                    r.task,
                    titles.get(r.task, ""),
                ]
            )
            continue
        team = "、".join(names.get(i["id"], i["id"]) for i in f["inspectors"])
        out.append(
            [
                r.task,
                titles.get(r.task, ""),
                r.target,
                str(f["target_name"]),
                JOIN.join(f["dates"]),
                JOIN.join(f.get("methods", [])),
                JOIN.join(f["categories"]),
                team,
                office,
                published.isoformat(),
                record,
            ]
        )
    return out


def build_table(
    session: Session, log: PublicLog, fmt: str, kind: str, year: int, *, office: str
) -> Table:
    """The rows of one export, from published data only.

    Raises:
        ExchangeError: see :func:`check_request`.
    """
    header = check_request(fmt, kind, year)
    if kind == "tasks":
        rows = _task_rows(session, log, office, year)
    elif kind == "picks":
        rows = _pick_rows(session, log, year)
    else:
        rows = _result_rows(session, fmt, office, year)
    return Table(fmt, kind, year, header, rows)
