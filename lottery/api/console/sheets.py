"""检查任务单: the sealed outcome as one sheet per team, printable and exportable as CSV.

Read-only view models over the outcome blob the service returns (its read is audited by
``Lifecycle.read_sealed_outcome``); the pages are in :mod:`.sheet_pages`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlmodel import select

from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import Inspector, Task

from .audit_csv import BOM, neutralise
from .views import PickedRow, outcome_rows

CSV_HEADER = (
    "检查组",
    "检查组成员",
    "序号",
    "检查对象名称",
    "统一社会信用代码",
    "类型",
    "所在区域",
    "风险等级",
    "检查期间",
)


@dataclass(frozen=True)
class Member:
    """A team member: name and inspector id (编号)."""

    id: str
    name: str


@dataclass
class Sheet:
    """One team's 检查任务单: its members and the targets it checks."""

    number: int
    members: list[Member]
    rows: list[PickedRow] = field(default_factory=list)

    @property
    def names(self) -> str:
        """The members' names, separated by 、."""
        return "、".join(m.name for m in self.members)


def sheets_of(lc: Lifecycle, blob: bytes) -> list[Sheet]:
    """The outcome grouped by team (the same inspectors), teams in selection order."""
    rows = outcome_rows(lc, blob)
    with lc.session() as session:
        names = {i.id: i.name for i in session.exec(select(Inspector))}
    by_team: dict[tuple[str, ...], Sheet] = {}
    for row in rows:
        key = tuple(row.inspector_ids)
        sheet = by_team.get(key)
        if sheet is None:
            members = [Member(i, names.get(i, "（名录中已无此人员）")) for i in key]
            sheet = by_team[key] = Sheet(len(by_team) + 1, members)
        sheet.rows.append(row)
    return list(by_team.values())


def period(task: Task) -> str:
    """The task's inspection period, as the task page states it."""
    return f"{task.params.get('window_start', '')} 至 {task.params.get('window_end', '')}"


def csv_text(task: Task, sheets: list[Sheet]) -> str:
    """Every sheet as CSV for Excel (UTF-8 with BOM, CRLF, formula cells neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for sheet in sheets:
        members = "、".join(f"{m.name}（{m.id}）" for m in sheet.members)
        for row in sheet.rows:
            cells = [
                f"第{sheet.number}组",
                members,
                str(row.number),
                row.name,
                row.uscc,
                row.type,
                row.region,
                row.risk,
                period(task),
            ]
            writer.writerow([neutralise(c) for c in cells])
    return BOM + buffer.getvalue()
