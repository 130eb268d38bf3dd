"""The on-site record of a result (issue #16; docs/results.md "The on-site record").

When a result is entered: every point of the checklists of the task's cited items is
answered (符合 / 不符合 / 不涉及; a note for 不符合), a 不符合 answer rules out 未发现问题,
the time of the check falls on an inspection date, each evidence file is typed and sourced,
and a result with findings and no evidence states why. Everything here is sealed with the
findings (docs/spec.md §2.1). Errors are Chinese and name the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from lottery.core.canonical import format_time
from lottery.core.onsite import ANSWERS, EVIDENCE_KINDS, FAILED, NO_PROBLEM
from lottery.storage.engine import new_session
from lottery.storage.models import Task

from .item_refs import _cited_versions
from .result_entry import ChecklistAnswer, Evidence, ResultEntry, ResultError, local_date

MAX_NOTE = 2000
MAX_SOURCE = 200


@dataclass(frozen=True)
class Point:
    """A checklist point of a cited item: the item's code, the point and its legal basis."""

    item: str
    point: str
    basis: str


def task_checklist(session: Session, task_id: str) -> list[Point]:
    """The checklist points of the items task ``task_id`` cites, item by item in the task's
    order, each item looked up in the version of the item list it cites."""
    task = session.get(Task, task_id)
    if task is None:
        return []
    refs = [(str(c), int(v)) for c, v in task.params.get("items", [])]
    held = _cited_versions(session, refs)
    points: list[Point] = []
    for code, version in dict.fromkeys(refs):
        for p, b in held.get(version, {}).get(code, {}).get("checklist") or ():
            points.append(Point(code, str(p), str(b)))
    return points


def check_checklist(
    session: Session, entry: ResultEntry, categories: Sequence[str]
) -> list[dict[str, Any]]:
    """The answers as sealed, in the checklist's order (empty when no cited item has one).

    Raises:
        ResultError: a point not answered or answered twice, an answer to no such point, an
            answer other than 符合/不符合/不涉及, 不符合 without a note, or 不符合 in a result
            of 未发现问题.
    """
    points = task_checklist(session, entry.task)
    given: dict[tuple[str, str], ChecklistAnswer] = {}
    for one in entry.checklist:
        key = (one.item.strip(), one.point.strip())
        if key in given:
            raise ResultError(f"字段「checklist」：检查要点“{key[1]}”（事项 {key[0]}）填写了两次")
        given[key] = one
    known = {(p.item, p.point) for p in points}
    extra = [k for k in given if k not in known]
    if extra:
        raise ResultError(f"字段「checklist」：事项 {extra[0][0]} 的检查要点中没有“{extra[0][1]}”")
    out: list[dict[str, Any]] = []
    for p in points:
        a = given.get((p.item, p.point))
        if a is None or not a.answer.strip():
            raise ResultError(
                f"字段「checklist」：检查要点“{p.point}”（事项 {p.item}）未填写检查情况"
            )
        answer, note = a.answer.strip(), a.note.strip()
        if answer not in ANSWERS:
            raise ResultError(
                f"字段「checklist」：检查要点“{p.point}”的检查情况应为 {'、'.join(ANSWERS)} 之一"
            )
        if answer == FAILED and not note:
            raise ResultError(f"字段「checklist」：检查要点“{p.point}”不符合，须填写说明")
        if len(note) > MAX_NOTE:
            raise ResultError(f"字段「checklist」：检查要点“{p.point}”的说明超过 {MAX_NOTE} 个字符")
        if answer == FAILED and list(categories) == [NO_PROBLEM]:
            raise ResultError(
                f"字段「categories」：检查要点“{p.point}”不符合，检查结果不能是“{NO_PROBLEM}”"
            )
        out.append({"item": p.item, "point": p.point, "answer": answer, "note": note})
    return out


def check_times(entry: ResultEntry) -> dict[str, str]:
    """The time of the check as sealed (``started``, ``ended`` when given, UTC).

    Raises:
        ResultError: an end without a start, an end before the start, or a time not on
            one of the inspection dates (Beijing time).
    """
    out: dict[str, str] = {}
    if entry.started is None:
        if entry.ended is not None:
            raise ResultError("字段「started」：填写了检查结束时间，须同时填写开始时间")
        return out
    days = {d.isoformat() for d in entry.dates}
    for name, what, moment in (
        ("started", "开始", entry.started),
        ("ended", "结束", entry.ended),
    ):
        if moment is None:
            continue
        if moment.tzinfo is None:
            raise ResultError(f"字段「{name}」：检查{what}时间须带时区")
        day = local_date(moment).isoformat()
        if day not in days:
            raise ResultError(f"字段「{name}」：检查{what}时间在 {day}，不是所填的检查日期")
        out[name] = format_time(moment.astimezone(UTC).replace(microsecond=0))
    if entry.ended is not None and entry.ended < entry.started:
        raise ResultError("字段「ended」：检查结束时间早于开始时间")
    return out


def evidence_type(ev: Evidence, n: int) -> dict[str, str]:
    """An evidence file's kind and source as sealed; both are required.

    Raises:
        ResultError: a missing or unknown kind, a missing or too long source.
    """
    name = ev.name.strip() or f"第 {n} 个"
    kind, source = ev.kind.strip(), ev.source.strip()
    if kind not in EVIDENCE_KINDS:
        raise ResultError(
            f"字段「evidence」：证据“{name}”的证据类型应为 {'、'.join(EVIDENCE_KINDS)} 之一"
        )
    if not source:
        raise ResultError(f"字段「evidence」：证据“{name}”须注明来源（如现场拍摄、企业提供）")
    if len(source) > MAX_SOURCE:
        raise ResultError(f"字段「evidence」：证据“{name}”的来源超过 {MAX_SOURCE} 个字符")
    return {"kind": kind, "source": source}


def check_no_evidence(
    entry: ResultEntry, categories: Sequence[str], evidence: Sequence[object]
) -> dict[str, str]:
    """``no_evidence_reason`` as sealed: required for a result with findings and no
    evidence; refused beside evidence (it would say something untrue).

    Raises:
        ResultError: as said.
    """
    reason = entry.no_evidence_reason.strip()
    if len(reason) > MAX_NOTE:
        raise ResultError(f"字段「no_evidence_reason」：无证据说明超过 {MAX_NOTE} 个字符")
    if evidence:
        if reason:
            raise ResultError("字段「no_evidence_reason」：已上传证据，不需要无证据说明")
        return {}
    if list(categories) != [NO_PROBLEM] and not reason:
        raise ResultError(
            "字段「no_evidence_reason」：检查发现问题但没有上传证据，须说明没有证据的原因"
        )
    return {"no_evidence_reason": reason} if reason else {}


def checklist_of(engine: Engine, task_id: str) -> list[Point]:
    """:func:`task_checklist` in its own session (the API, the console and the CLI)."""
    with new_session(engine) as session:
        return task_checklist(session, task_id)
