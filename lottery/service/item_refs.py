"""A task's items must be items of the item list (R1; issue #16, "Items bind the pool").

A task cites items as ``(code, version)``: the version of the item list it was planned
against. Creating a task checks that it cites at least one item and that every one is an item
of a published version of the list; ``lottery verify`` checks the same of every announcement
against the ``item-list`` records published before it (``announcement.items``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from lottery.core import min_ratio
from lottery.core.cross_check import required_specialties
from lottery.core.errors import InputError
from lottery.storage.models import ItemListVersion


def _cited_versions(
    session: Session, refs: Sequence[tuple[str, int]]
) -> dict[int, dict[str, dict[str, Any]]]:
    """The item-list versions the references name, as version -> code -> stored item."""
    versions = {v for _, v in refs}
    if not versions:
        return {}
    rows = session.exec(select(ItemListVersion).where(col(ItemListVersion.version).in_(versions)))
    return {row.version: {item["code"]: item for item in row.items} for row in rows}


def check_item_refs(session: Session, refs: Sequence[tuple[str, int]]) -> None:
    """Refuse a task's item references that the item list does not hold.

    Raises:
        InputError: no item, a version not published, or a code that version does not hold.
    """
    if not refs:
        raise InputError("字段「items」：抽查任务须至少选择一项抽查事项（抽查事项清单中的事项）")
    held = _cited_versions(session, refs)
    for code, version in refs:
        if version not in held:
            raise InputError(f"字段「items」：抽查事项清单没有第 {version} 版（事项 {code}）")
        if code not in held[version]:
            raise InputError(f"字段「items」：抽查事项清单第 {version} 版中没有事项 {code}")


def cited_target_types(session: Session, refs: Sequence[tuple[str, int]]) -> frozenset[str]:
    """The union of the target types (codes) the cited items cover, each item looked up in
    its version of the item list by ``(version, code)``; empty when none of them names types
    (the task then draws every type). A reference the list does not hold names no types
    (tasks are refused such references when created: :func:`check_item_refs`)."""
    held = _cited_versions(session, refs)
    return frozenset(
        t
        for code, version in refs
        for t in held.get(version, {}).get(code, {}).get("target_types") or ()
    )


def cites_key_item(session: Session, refs: Sequence[tuple[str, int]]) -> bool:
    """Whether any cited item is a key item (重点事项: ``key_item`` in its version)."""
    held = _cited_versions(session, refs)
    return any(held.get(version, {}).get(code, {}).get("key_item") for code, version in refs)


def cited_specialties(session: Session, refs: Sequence[tuple[str, int]]) -> frozenset[str]:
    """The specialties (专业要求) the cited items ask for (empty: none asks for one)."""
    held = _cited_versions(session, refs)
    return required_specialties(
        refs,
        {v: {c: item.get("specialty") for c, item in codes.items()} for v, codes in held.items()},
    )


def cited_minimums(session: Session, refs: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """``(code, basis points)`` of the cited items with a ratio (抽查比例): the least share a
    task citing them draws (docs/spec.md section 4, ``min_ratio``), in the task's order."""
    held = _cited_versions(session, refs)
    return min_ratio.cited_minimums(
        refs, {v: {c: item.get("ratio") for c, item in codes.items()} for v, codes in held.items()}
    )


def check_minimums(
    session: Session, refs: Sequence[tuple[str, int]], picks: int, candidates: int
) -> None:
    """Refuse a task that draws a smaller share than a cited item's ratio asks for.

    Raises:
        InputError: in Chinese, naming the item and both percentages.
    """
    short = min_ratio.shortfall(picks, candidates, cited_minimums(session, refs))
    if short is not None:
        code, minimum = short
        raise InputError(
            f"字段「ratios」：本任务抽取 {picks} 个对象、占候选对象 {candidates} 个的 "
            f"{min_ratio.percent(picks, candidates)}，低于抽查事项 {code} 规定的抽查比例 "
            f"{min_ratio.percent(minimum)}；请提高各风险等级的抽取比例"
        )
