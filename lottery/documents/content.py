"""What each document says, as the JSON object its template reads (pure: no I/O).

The builders take plain values gathered by :mod:`lottery.service.documents` and return a
dict of strings and lists only. :func:`data_digest` is the hash of what a document says
(without its number, date and salt): issuing again with the same digest returns the
document already issued.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lottery.core.canonical import canonical_json, sha256_hex

from .numbers import KIND_NAMES

DEFAULT_REQUIREMENTS = (
    "请你单位按时接受检查，如实提供与检查事项有关的文件、资料，如实回答询问，不得拒绝、阻挠检查。",
    "检查人员不得妨碍你单位正常的生产经营活动，不得索取或者收受财物，不收取任何费用。",
)


@dataclass(frozen=True)
class Person:
    """An inspector as the documents name them."""

    name: str
    cert_no: str


@dataclass(frozen=True)
class Item:
    """An item of the item list, as a notice cites it."""

    name: str
    basis: str
    content: str
    requirements: str


@dataclass(frozen=True)
class Common:
    """What every document of one target in one task names."""

    office: str
    task: str
    task_title: str
    target: str
    target_name: str
    items: tuple[Item, ...]
    inspectors: tuple[Person, ...]


def _base(kind: str, c: Common) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": KIND_NAMES[kind],
        "office": c.office,
        "task": c.task,
        "task_title": c.task_title,
        "target": c.target,
        "target_name": c.target_name,
        "items": [{"name": i.name, "content": i.content} for i in c.items],
        "inspectors": [{"name": p.name, "cert_no": p.cert_no} for p in c.inspectors],
    }


def _unique(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        v = v.strip()
        if v and v not in out:
            out.append(v)
    return out


def notice(c: Common, window_start: str, window_end: str) -> dict[str, Any]:
    """行政检查通知书: basis, items and contents, period, requirements, inspectors, 回避."""
    return _base("notice", c) | {
        "basis": _unique([i.basis for i in c.items]) or ["《随机抽查事项清单》"],
        "window_start": window_start,
        "window_end": window_end,
        "requirements": _unique([i.requirements for i in c.items]) + list(DEFAULT_REQUIREMENTS),
    }


def onsite_record(
    c: Common,
    notice_number: str,
    result: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """现场检查笔录: filled from an entered result (dates, place, methods, findings), or
    blank for filling in on site when ``result`` is None."""
    r = result or {}
    return _base("record", c) | {
        "notice_number": notice_number,
        "dates": [str(x) for x in r.get("dates", [])],
        "place": str(r.get("place", "")),
        "methods": [str(x) for x in r.get("methods", [])],
        "findings": str(r.get("findings", "")),
    }


def result_notice(c: Common, notice_number: str, result: Mapping[str, Any]) -> dict[str, Any]:
    """检查结果告知书: the approved result's dates, categories, findings and follow-up."""
    return _base("result", c) | {
        "notice_number": notice_number,
        "dates": [str(x) for x in result["dates"]],
        "categories": [str(x) for x in result["categories"]],
        "findings": str(result.get("findings", "")),
        "follow_up": str(result.get("follow_up", "")),
    }


def data_digest(data: Mapping[str, Any]) -> str:
    """SHA-256 of what a document says (canonical JSON), without number, date or salt."""
    said = {k: v for k, v in data.items() if k not in ("number", "date", "salt")}
    return sha256_hex(canonical_json(said))


def stamped(data: Mapping[str, Any], number: str, date: str, salt: str) -> dict[str, Any]:
    """The data with its number, issue date (``2026年5月6日``) and salt (docs/documents.md:
    the salt keeps the published hash from confirming a guess of a sealed finding)."""
    return dict(data) | {"number": number, "date": date, "salt": salt}


def chinese_date(year: int, month: int, day: int) -> str:
    """``2026年5月6日``."""
    return f"{year}年{month}月{day}日"
