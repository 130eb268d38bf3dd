"""The item list (抽查事项清单, R1) as staff edit it: the current version and what a new one
changes.

A new version is published by :func:`lottery.service.registries.publish_item_list` (or an
``items`` import); the console shows :func:`diff_items` before publishing, item by item by
code: added, removed, and changed with the names of the changed fields.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date

from sqlalchemy import select

from lottery.registry_io import import_bytes
from lottery.registry_io.layouts import ITEMS, METHODS, TARGET_TYPES, ItemRow
from lottery.storage.models import ItemListVersion

from .lifecycle import Lifecycle
from .registry_view import item_row, table_of

#: The Chinese names of an item's fields, as the item list's columns call them.
ITEM_FIELDS_ZH = {
    "code": "事项编码",
    "name": "抽查事项名称",
    "basis": "抽查依据",
    "subject": "抽查主体",
    "project": "抽查项目",
    "content": "抽查内容",
    "ratio": "抽查比例",
    "frequency": "抽查频次",
    "method": "抽查方式",
    "requirements": "抽查要求",
    "key_item": "是否重点",
    "target_types": "抽查对象类型",
    "checklist": "检查要点",
    "specialty": "专业要求",
}


@dataclass(frozen=True)
class CurrentItemList:
    """The latest published version of the item list."""

    version: int
    effective: date
    record_id: str | None
    items: list[ItemRow]


def current_item_list(lc: Lifecycle) -> CurrentItemList | None:
    """The latest version of the item list, or None before the first one."""
    t = table_of(ItemListVersion)
    with lc.session() as session:
        row = (
            session.connection()
            .execute(select(t).order_by(t.c.version.desc()).limit(1))
            .one_or_none()
        )
    if row is None:
        return None
    return CurrentItemList(
        row.version, row.effective, row.record_id, [item_row(d) for d in row.items]
    )


@dataclass(frozen=True)
class ItemChange:
    """One item present in both versions with different values."""

    old: ItemRow
    new: ItemRow
    fields: tuple[str, ...]  # the changed fields' keys, in column order

    @property
    def fields_zh(self) -> str:
        """The changed fields by their Chinese names, separated by 、."""
        return "、".join(ITEM_FIELDS_ZH[f] for f in self.fields)


@dataclass(frozen=True)
class ItemListDiff:
    """What a new version of the item list changes, by item code."""

    added: list[ItemRow] = field(default_factory=list)
    removed: list[ItemRow] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        """True when the new version is the same list."""
        return not (self.added or self.removed or self.changed)

    def counts(self) -> dict[str, int]:
        """As an import counts rows: inserted, updated, unchanged, removed."""
        return {
            "inserted": len(self.added),
            "updated": len(self.changed),
            "unchanged": self.unchanged,
            "removed": len(self.removed),
        }


def diff_items(old: Sequence[ItemRow], new: Sequence[ItemRow]) -> ItemListDiff:
    """The difference from ``old`` to ``new``, matched by code (the new list's order)."""
    before = {r.code: r for r in old}
    after = {r.code for r in new}
    added: list[ItemRow] = []
    changed: list[ItemChange] = []
    unchanged = 0
    for row in new:
        prev = before.get(row.code)
        if prev is None:
            added.append(row)
            continue
        keys = tuple(
            f.name for f in fields(ItemRow) if getattr(prev, f.name) != getattr(row, f.name)
        )
        if keys:
            changed.append(ItemChange(prev, row, keys))
        else:
            unchanged += 1
    removed = [r for r in old if r.code not in after]
    return ItemListDiff(added, removed, changed, unchanged)


# --- editing in a form -------------------------------------------------------------------------

#: Items editable in one browser form (a longer list is edited as a file and imported).
MAX_FORM_ITEMS = 2000
METHOD_LABELS = list(dict.fromkeys(_l for _l, _ in METHODS.items()))
#: The canonical label of each target type (its first), in the layout's order.
TYPE_LABELS = list({code: label for label, code in reversed(TARGET_TYPES.items())}.values())
TYPE_LABELS.reverse()


def item_cells(row: ItemRow) -> dict[str, str]:
    """An item as the text of each field, as an export writes it (``5%``, ``实地检查、书面检查``,
    ``是``); reading it back gives the same item."""
    cells: dict[str, str] = {}
    for column in ITEMS.columns:
        value = getattr(row, column.key)
        cells[column.key] = "" if value is None else str(column.fmt(value))
    return cells


@dataclass(frozen=True)
class CellProblem:
    """A field of an edited item that is wrong: ``index`` into the entries (-1: the list as a
    whole), ``key`` the field ("" when not one field's), ``message`` Chinese."""

    index: int
    key: str
    message: str


def parse_item_cells(
    entries: Sequence[Mapping[str, str]],
) -> tuple[list[ItemRow], list[CellProblem]]:
    """Items from the text of their fields, checked exactly as a row of an item-list file
    (registry_io's ``items`` layout: required fields, lengths, ratio, methods, unique codes).

    Returns the rows (empty when there is any problem) and the problems.
    """
    header = [column.headers[0] for column in ITEMS.columns]
    key_of = {column.headers[0]: column.key for column in ITEMS.columns}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for entry in entries:
        writer.writerow([entry.get(column.key, "") for column in ITEMS.columns])
    parsed = import_bytes(out.getvalue().encode("utf-8"), "items")
    if parsed.ok:
        return list(parsed.rows), []
    problems = [
        CellProblem(
            e.row_number - 2 if e.row_number >= 2 else -1,
            key_of.get(e.column, ""),
            _in_form_words(e.message),
        )
        for e in parsed.errors
    ]
    return [], problems


def _in_form_words(message: str) -> str:
    """A file's wording as the form's: rows are items (row 2 is the first item)."""
    if "只有表头" in message:
        return "清单至少要有一个事项"
    return re.sub(r"第 ?(\d+) ?行", lambda m: f"第 {int(m[1]) - 1} 个事项", message)
